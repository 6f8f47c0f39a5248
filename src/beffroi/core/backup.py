"""`beffroi backup` and `beffroi restore`: the database, the event lake and the uploaded media, in one archive.

Consistent while the application runs: SQLite is copied through its online backup API, PostgreSQL
through `pg_dump` (one snapshot); lake and media files are never rewritten in place (new files are
renamed into place), so hard links taken first freeze them while the archive is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections

from beffroi import __version__

FORMAT_VERSION = 1
Progress = Callable[[str], None]


class BackupError(Exception):
    pass


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    files: int
    bytes: int
    database: str


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _files(root: Path) -> Iterator[Path]:
    if root.is_dir():
        for path in sorted(root.rglob("*")):
            if path.is_file() and not path.name.startswith(".tmp"):
                yield path


def _database_vendor() -> str:
    return connections["default"].vendor


def _dump_database(target: Path) -> str:
    db = settings.DATABASES["default"]
    vendor = _database_vendor()
    if vendor == "sqlite":
        source = sqlite3.connect(str(db["NAME"]))
        dest = sqlite3.connect(str(target / "database.sqlite3"))
        with dest:
            source.backup(dest)
        source.close()
        dest.close()
        return "sqlite"
    if vendor == "postgresql":
        env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
        command = [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--file",
            str(target / "database.pgdump"),
            "--host",
            str(db.get("HOST") or "127.0.0.1"),
            "--port",
            str(db.get("PORT") or 5432),
            "--username",
            str(db.get("USER") or ""),
            str(db["NAME"]),
        ]
        result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise BackupError(f"pg_dump a échoué : {result.stderr.strip()}")
        return "postgresql"
    raise BackupError(f"Base {vendor} non prise en charge")


def _freeze(source: Path, target: Path) -> None:
    """Hard-link (or copy across file systems) every file, so that later renames do not change the copy."""
    for path in _files(source):
        dest = target / path.relative_to(source)
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, dest)
        except OSError:
            shutil.copy2(path, dest)


def backup_create(output: Path, *, progress: Progress = lambda _: None) -> BackupSummary:
    """Write a .tar.gz with database, lake, media and a manifest of SHA-256 sums."""
    output = output.resolve()
    lake = Path(str(settings.BEFFROI_LAKE_URL))
    media = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(dir=output.parent, prefix=".backup-") as tmp:
        staging = Path(tmp)
        progress("base de données")
        database = _dump_database(staging)
        progress("lac d'événements")
        _freeze(lake, staging / "lake")
        progress("médias")
        _freeze(media, staging / "media")
        entries: dict[str, dict[str, Any]] = {
            str(p.relative_to(staging)): {"sha256": _sha256(p), "bytes": p.stat().st_size}
            for p in _files(staging)
        }
        manifest = {
            "format": FORMAT_VERSION,
            "beffroi": __version__,
            "created_at": datetime.now(UTC).isoformat(),
            "database": database,
            "files": entries,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
        progress("archive")
        partial = output.with_name(f".{output.name}.partial")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(staging, arcname="beffroi-backup")
        partial.replace(output)  # an interrupted backup never looks complete
    return BackupSummary(output, len(entries), sum(e["bytes"] for e in entries.values()), database)


def _safe_extract(archive: tarfile.TarFile, target: Path) -> None:
    archive.extractall(target, filter="data")  # refuses absolute paths, links out of the tree


def backup_verify(staging: Path) -> dict[str, Any]:
    manifest_path = staging / "manifest.json"
    if not manifest_path.exists():
        raise BackupError("Archive sans manifeste : ce n'est pas une sauvegarde Beffroi")
    manifest: dict[str, Any] = json.loads(manifest_path.read_text())
    if manifest.get("format") != FORMAT_VERSION:
        raise BackupError(f"Format de sauvegarde {manifest.get('format')} non pris en charge")
    files = manifest["files"]
    assert isinstance(files, dict)
    for name, entry in files.items():
        path = staging / name
        if not path.exists() or _sha256(path) != entry["sha256"]:
            raise BackupError(f"Fichier absent ou altéré dans la sauvegarde : {name}")
    return manifest


def _restore_database(staging: Path, database: str) -> None:
    db = settings.DATABASES["default"]
    connections.close_all()
    if database == "sqlite":
        if _database_vendor() != "sqlite":
            raise BackupError("Sauvegarde SQLite : restaurez-la dans une installation SQLite")
        target = Path(str(db["NAME"]))
        restored = sqlite3.connect(str(staging / "database.sqlite3"))
        dest = sqlite3.connect(str(target))
        with dest:
            restored.backup(dest)
        restored.close()
        dest.close()
        return
    if _database_vendor() != "postgresql":
        raise BackupError("Sauvegarde PostgreSQL : restaurez-la dans une installation PostgreSQL")
    env = {**os.environ, "PGPASSWORD": str(db.get("PASSWORD") or "")}
    command = [
        "pg_restore",
        "--clean",
        "--if-exists",
        "--no-owner",
        "--single-transaction",
        "--host",
        str(db.get("HOST") or "127.0.0.1"),
        "--port",
        str(db.get("PORT") or 5432),
        "--username",
        str(db.get("USER") or ""),
        "--dbname",
        str(db["NAME"]),
        str(staging / "database.pgdump"),
    ]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"pg_restore a échoué : {result.stderr.strip()}")


def _replace_tree(source: Path, target: Path) -> None:
    """Swap a directory for its restored copy; the old one is kept aside until the swap is done."""
    aside = target.with_name(f".{target.name}.before-restore")
    shutil.rmtree(aside, ignore_errors=True)
    if target.exists():
        target.rename(aside)
    if source.exists():
        shutil.copytree(source, target)
    else:
        target.mkdir(parents=True)
    shutil.rmtree(aside, ignore_errors=True)


def backup_restore(archive_path: Path, *, progress: Progress = lambda _: None) -> dict[str, Any]:
    """Check every checksum first, then restore database, lake and media."""
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(archive_path, "r:gz") as archive:
        _safe_extract(archive, Path(tmp))
        staging = Path(tmp) / "beffroi-backup"
        progress("vérification")
        manifest = backup_verify(staging)
        progress("base de données")
        _restore_database(staging, str(manifest["database"]))
        progress("lac d'événements")
        _replace_tree(staging / "lake", Path(str(settings.BEFFROI_LAKE_URL)))
        progress("médias")
        _replace_tree(staging / "media", Path(settings.MEDIA_ROOT))
    return manifest
