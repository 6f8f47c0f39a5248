"""LinkedIn Community Management API (versioned /rest): headers, URNs, little text, error bodies.

Every call carries `LinkedIn-Version: YYYYMM` and `X-Restli-Protocol-Version: 2.0.0`. A version
is served for at least one year after its release; a retired one answers 426 NONEXISTENT_VERSION.
URNs go into paths URL-encoded, and into Rest.li `List(...)` parameters encoded inside the list
but not the list syntax itself, which is why those queries are written by hand here.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx

from beffroi.networks.errors import (
    ApiDeprecated,
    AuthExpired,
    ContentRejected,
    NetworkError,
    PermissionMissing,
    RateLimited,
)
from beffroi.networks.http import ApiClient, ParsedError

API_BASE = "https://api.linkedin.com/rest"
AUTHORIZE_URL = "https://www.linkedin.com/oauth/v2/authorization"
TOKEN_URL = "https://www.linkedin.com/oauth/v2/accessToken"
INTROSPECT_URL = "https://www.linkedin.com/oauth/v2/introspectToken"

LINKEDIN_VERSION = "202609"
SCOPES = ("r_organization_social", "w_organization_social", "rw_organization_admin")

# "little text": these characters must be escaped with a backslash in `commentary`.
_RESERVED = re.compile(r"([\\|{}@\[\]()<>#*_~])")
_HASHTAG = re.compile(r"(?<![\w#])#(\w[\w-]*)")
_DUPLICATE_URN = re.compile(r"duplicate of (urn:li:[a-zA-Z]+:\d+)")


def version_sunset(version: str = LINKEDIN_VERSION) -> datetime:
    """LinkedIn serves a monthly version for at least 12 months after its release."""
    year, month = int(version[:4]), int(version[4:6])
    return datetime(year + 1, month, 1, tzinfo=UTC)


def urn_path(urn: str) -> str:
    return quote(urn, safe="")


def rest_list(urns: list[str]) -> str:
    """Rest.li 2.0 list parameter: `List(urn%3Ali%3Ashare%3A1,urn%3Ali%3Ashare%3A2)`."""
    return "List(" + ",".join(quote(u, safe="") for u in urns) + ")"


def little_text(text: str) -> str:
    """Escapes reserved characters, and writes hashtags as LinkedIn's hashtag template."""
    parts: list[str] = []
    last = 0
    for match in _HASHTAG.finditer(text):
        parts.append(_RESERVED.sub(r"\\\1", text[last : match.start()]))
        parts.append("{hashtag|\\#|" + match.group(1) + "}")
        last = match.end()
    parts.append(_RESERVED.sub(r"\\\1", text[last:]))
    return "".join(parts)


def seconds_until_utc_midnight(now: datetime) -> float:
    tomorrow = (now.astimezone(UTC) + timedelta(days=1)).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return max(60.0, (tomorrow - now).total_seconds())


def duplicate_of(error: NetworkError) -> str | None:
    found = _DUPLICATE_URN.search(error.message or "")
    return found.group(1) if found else None


def linkedin_error_parser(response: httpx.Response) -> ParsedError | None:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return ParsedError(message=text[:300]) if text else None
    if not isinstance(body, dict):
        return None
    if "error" in body and isinstance(body["error"], str):  # OAuth endpoints
        return ParsedError(
            message=str(body.get("error_description") or body["error"]),
            code=str(body["error"]),
            kind=AuthExpired if body["error"] in {"invalid_grant", "invalid_token"} else None,
        )
    raw = str(body.get("message") or "")
    # Java exception names prefix some messages: keep what a person can read.
    message = raw.split("Exception: ", 1)[-1] if "Exception: " in raw else raw
    code = str(body.get("code") or "")
    details = body.get("errorDetails") if isinstance(body.get("errorDetails"), dict) else {}
    inputs = (details or {}).get("inputErrors") or []
    input_code = str(inputs[0].get("code")) if inputs and isinstance(inputs[0], dict) else ""
    status = response.status_code
    kind: type[NetworkError] | None = None
    version = None
    if status == 426 or code in {"NONEXISTENT_VERSION", "VERSION_MISSING"}:
        kind = ApiDeprecated
        found = re.search(r"\b(20\d{4}(?:\d{2})?)\b", message)
        version = found.group(1) if found else LINKEDIN_VERSION
    elif status == 401 or code in {"EXPIRED_ACCESS_TOKEN", "REVOKED_ACCESS_TOKEN"}:
        kind = AuthExpired
    elif status == 403 and code == "ACCESS_DENIED":
        kind = PermissionMissing
    elif status == 429:
        kind = RateLimited
    elif status in {400, 409, 422} or input_code:
        kind = ContentRejected
    return ParsedError(
        message=message or code or f"HTTP {status}",
        code=input_code or code or None,
        kind=kind,
        reason=message or None,
        version=version,
    )


class LinkedInClient(ApiClient):
    # The adapter's clock, set after construction: dates the daily reset of a rate limit.
    now_fn: Callable[[], datetime] = staticmethod(lambda: datetime.now(UTC))

    def error_for(self, response: httpx.Response) -> NetworkError:
        error = super().error_for(response)
        if isinstance(error, ContentRejected):
            error.user_action = (
                f"LinkedIn a refusé la publication : « {error.reason} ». Corrigez le contenu selon "
                "ce motif, puis relancez la publication."
            )
        if isinstance(error, RateLimited) and "DAY" in (error.message or "").upper():
            # LinkedIn sends no Retry-After: its daily limits reset at midnight UTC.
            error.retry_after = seconds_until_utc_midnight(self.now_fn())
            error.user_action = "LinkedIn limite le nombre d'appels par jour : Beffroi reprendra après minuit (UTC)."
        return error
