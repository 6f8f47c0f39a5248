"""Encryption of network tokens at rest (Fernet, with key rotation through MultiFernet)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class CredentialsUnreadable(Exception):
    """The stored ciphertext matches none of the configured keys."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def _current() -> MultiFernet:
    return _fernet(tuple(settings.BEFFROI_ENCRYPTION_KEYS))


def encrypt_json(value: dict[str, Any]) -> bytes:
    return _current().encrypt(json.dumps(value, sort_keys=True).encode())


def decrypt_json(token: bytes | memoryview) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(_current().decrypt(bytes(token)))  # type: ignore[no-any-return]
    except InvalidToken as exc:
        raise CredentialsUnreadable(
            "Les identifiants chiffrés ne correspondent à aucune clé"
        ) from exc


def reencrypt(token: bytes | memoryview) -> bytes:
    """Re-encrypt with the newest key (after adding a key in front of BEFFROI_ENCRYPTION_KEY)."""
    return _current().rotate(bytes(token))
