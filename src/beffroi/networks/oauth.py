"""OAuth helpers shared by the adapters: PKCE, authorisation URLs, token responses, stored credentials.

Credentials are stored by the core app as a flat mapping of strings (encrypted at rest). The keys
every adapter understands are `access_token`, `refresh_token`, `expires_at` (ISO 8601, UTC) and
`scopes` (space-separated); anything else (`instance_url`, `page_id`, `did`, ...) is network-specific
and kept in `TokenSet.extra`.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from beffroi.networks.types import TokenSet

STANDARD_KEYS = frozenset({"access_token", "refresh_token", "expires_at", "scopes"})


def make_pkce_pair() -> tuple[str, str]:
    """Returns (code_verifier, code_challenge) for PKCE with S256 (RFC 7636)."""
    verifier = secrets.token_urlsafe(64)[:96]
    return verifier, pkce_challenge(verifier)


def pkce_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def build_authorization_url(base: str, params: Mapping[str, str | None]) -> str:
    """Appends the non-empty params to `base` as a query string."""
    query = urlencode({k: v for k, v in params.items() if v})
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}{query}"


def token_set_from_response(
    payload: Mapping[str, Any],
    *,
    now: datetime,
    previous: TokenSet | None = None,
    scope_separator: str | None = None,
) -> TokenSet:
    """Reads a standard OAuth 2.0 token response (RFC 6749 §5.1).

    A refresh response that omits `refresh_token` or `scope` keeps the previous ones, as RFC 6749 §6 allows.
    """
    expires_in = payload.get("expires_in")
    expires_at = (
        now + timedelta(seconds=float(expires_in))
        if isinstance(expires_in, int | float | str) and str(expires_in).strip()
        else None
    )
    raw_scope = payload.get("scope")
    if isinstance(raw_scope, str) and raw_scope:
        scopes = tuple(s for s in raw_scope.replace(",", " ").split(scope_separator) if s)
    elif isinstance(raw_scope, list):
        scopes = tuple(str(s) for s in raw_scope)
    else:
        scopes = previous.scopes if previous else ()
    refresh_token = payload.get("refresh_token") or (previous.refresh_token if previous else None)
    return TokenSet(
        access_token=str(payload["access_token"]),
        refresh_token=str(refresh_token) if refresh_token else None,
        expires_at=expires_at,
        scopes=scopes,
        extra=dict(previous.extra) if previous else {},
    )


def tokens_from_credentials(credentials: Mapping[str, str]) -> TokenSet:
    expires_raw = credentials.get("expires_at") or ""
    expires_at = datetime.fromisoformat(expires_raw) if expires_raw else None
    return TokenSet(
        access_token=credentials.get("access_token", ""),
        refresh_token=credentials.get("refresh_token") or None,
        expires_at=expires_at,
        scopes=tuple(credentials.get("scopes", "").split()),
        extra={k: v for k, v in credentials.items() if k not in STANDARD_KEYS},
    )


def credentials_from_tokens(tokens: TokenSet) -> dict[str, str]:
    """The flat mapping to store (encrypted) on the NetworkAccount."""
    stored = dict(tokens.extra)
    stored["access_token"] = tokens.access_token
    if tokens.refresh_token:
        stored["refresh_token"] = tokens.refresh_token
    if tokens.expires_at:
        stored["expires_at"] = tokens.expires_at.isoformat()
    if tokens.scopes:
        stored["scopes"] = " ".join(tokens.scopes)
    return stored
