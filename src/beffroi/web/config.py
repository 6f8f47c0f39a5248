"""Where Beffroi keeps its files, and the secrets it generates once when the operator gives none."""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet


def data_dir() -> Path:
    """The data directory (`BEFFROI_DATA_DIR`, default `./data`): SQLite database, lake, media, keys."""
    path = Path(os.environ.get("BEFFROI_DATA_DIR", "data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _kept_secret(name: str, make: Callable[[], str]) -> str:
    """Read a secret kept in the data directory, creating it (mode 0600) the first time."""
    path = data_dir() / name
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(make())
    return path.read_text().strip()


def secret_key() -> str:
    return os.environ.get("SECRET_KEY") or _kept_secret(
        "secret_key", lambda: secrets.token_urlsafe(50)
    )


def encryption_keys() -> list[str]:
    """Fernet keys for tokens at rest, newest first; several (comma-separated) while rotating."""
    raw = os.environ.get("BEFFROI_ENCRYPTION_KEY") or _kept_secret(
        "encryption_key", lambda: Fernet.generate_key().decode()
    )
    return [key.strip() for key in raw.split(",") if key.strip()]


def pseudonym_key() -> str:
    """HMAC key that pseudonymises authors in the event lake; changing it breaks RGPD erasure by author."""
    return os.environ.get("BEFFROI_PSEUDONYM_KEY") or _kept_secret(
        "pseudonym_key", lambda: secrets.token_urlsafe(32)
    )
