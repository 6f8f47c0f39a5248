"""`beffroi backup` then `beffroi restore` bring back the database, the lake and the media exactly."""

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

BEFFROI = [sys.executable, "-m", "beffroi.cli"]


def run(env, *args, check=True):
    result = subprocess.run([*BEFFROI, *args], env=env, capture_output=True, text=True, check=False)
    if check and result.returncode != 0:
        raise AssertionError(result.stdout + result.stderr)
    return result


def sql(env, query):
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'beffroi.web.settings'); django.setup();"
        "from django.db import connection; c = connection.cursor(); c.execute("
        + repr(query)
        + "); print(c.fetchall())"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def postgres_url():
    base = os.environ.get("BEFFROI_TEST_POSTGRES_URL")
    if not base:
        return None
    import psycopg

    with psycopg.connect(base, autocommit=True) as conn:
        conn.execute("DROP DATABASE IF EXISTS beffroi_backup_test")
        conn.execute("CREATE DATABASE beffroi_backup_test")
    return base.rsplit("/", 1)[0] + "/beffroi_backup_test"


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["sqlite", "postgresql"])
def test_backup_and_restore_round_trip(tmp_path, engine):
    env = {**os.environ, "BEFFROI_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    if engine == "postgresql":
        url = postgres_url()
        if url is None:
            if os.environ.get("CI"):
                pytest.fail("BEFFROI_TEST_POSTGRES_URL is required in CI")
            pytest.skip("PostgreSQL not configured (BEFFROI_TEST_POSTGRES_URL)")
        env["DATABASE_URL"] = url
    run(env, "migrate")
    run(env, "createorg", "Saint-Aubin-sur-Brume", "--code", "99123")
    lake_file = tmp_path / "data" / "lake" / "events" / "month=2026-11" / "part-0.parquet"
    lake_file.parent.mkdir(parents=True)
    lake_file.write_bytes(b"PAR1 fake parquet bytes for the copy test PAR1")
    media_file = tmp_path / "data" / "media" / "drafts" / "affiche.jpg"
    media_file.parent.mkdir(parents=True)
    media_file.write_bytes(b"\xff\xd8\xff image")
    archive = tmp_path / "backup.tar.gz"

    printed = run(env, "backup", "--output", str(archive)).stdout
    assert f"base {engine}" in printed

    # Disaster: a row, a lake file and a media file are lost; something appears that was not there.
    run(env, "createorg", "Organisation créée après la sauvegarde")
    lake_file.unlink()
    media_file.write_bytes(b"corrupted")
    run(env, "restore", "--input", str(archive), "--yes")

    names = sql(env, "SELECT name FROM core_organisation ORDER BY name")
    assert "Saint-Aubin-sur-Brume" in names and "après la sauvegarde" not in names
    assert lake_file.read_bytes().startswith(b"PAR1")
    assert media_file.read_bytes() == b"\xff\xd8\xff image"
    audit = sql(env, "SELECT count(*) FROM core_auditentry WHERE action = 'organisation.create'")
    assert audit == "[(1,)]"


def test_a_tampered_archive_is_refused_and_nothing_is_touched(tmp_path):
    env = {**os.environ, "BEFFROI_DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    run(env, "migrate")
    run(env, "createorg", "Brume")
    archive = tmp_path / "backup.tar.gz"
    run(env, "backup", "--output", str(archive))

    tampered = tmp_path / "tampered.tar.gz"
    with tarfile.open(archive) as source, tarfile.open(tampered, "w:gz") as target:
        for member in source.getmembers():
            data = source.extractfile(member) if member.isfile() else None
            if member.name.endswith("database.sqlite3"):
                content = data.read() + b"tampered"
                member.size = len(content)
                import io

                data = io.BytesIO(content)
            target.addfile(member, data)
    run(env, "createorg", "Après")
    result = run(env, "restore", "--input", str(tampered), "--yes", check=False)
    assert result.returncode == 1 and "altéré" in result.stderr
    assert "Après" in sql(env, "SELECT name FROM core_organisation")
    assert Path(archive).exists()
