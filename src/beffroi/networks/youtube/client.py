"""YouTube Data API v3: hosts, Google's error body, and the daily quota that resets at midnight Pacific.

Google answers `{"error": {"code", "message", "errors": [{"domain", "reason", "message"}], "status"}}`.
The `reason` decides: `quotaExceeded` is a 403 that no retry fixes before the daily reset,
`insufficientPermissions` a missing scope, `invalidTitle` a refused video, `commentsDisabled` a
refused comment. Messages sometimes carry HTML links: they are stripped before reaching a user.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from beffroi.networks.errors import (
    AuthExpired,
    ContentRejected,
    NetworkError,
    NotFound,
    PermissionMissing,
    RateLimited,
    Transient,
)
from beffroi.networks.http import ApiClient, ErrorParser, ParsedError

API_BASE = "https://youtube.googleapis.com/youtube/v3"
UPLOAD_URL = "https://youtube.googleapis.com/upload/youtube/v3/videos"
CAPTIONS_UPLOAD_URL = "https://youtube.googleapis.com/upload/youtube/v3/captions"
AUTHORIZE_URL = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URL = "https://oauth2.googleapis.com/token"
TOKENINFO_URL = "https://oauth2.googleapis.com/tokeninfo"

SCOPES = (
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.force-ssl",
    "https://www.googleapis.com/auth/youtube.readonly",
)

PACIFIC = ZoneInfo("America/Los_Angeles")
_TAG = re.compile(r"<[^>]+>")

_QUOTA = {"quotaExceeded", "dailyLimitExceeded"}
_RATE = {"rateLimitExceeded", "userRateLimitExceeded"}
_PERMISSION = {"insufficientPermissions", "forbidden", "youtubeSignupRequired", "channelNotFound"}
_REJECTED = {
    "invalidTitle",
    "invalidDescription",
    "invalidTags",
    "invalidCategoryId",
    "invalidVideoMetadata",
    "mediaBodyRequired",
    "uploadLimitExceeded",
    "commentsDisabled",
    "commentTextTooLong",
    "processingFailure",
    "invalidCommentMetadata",
}
_NOT_FOUND = {"videoNotFound", "commentNotFound", "commentThreadNotFound", "playlistNotFound"}


def seconds_until_quota_reset(now: datetime) -> float:
    """YouTube's daily quota comes back at midnight, Pacific time."""
    local = now.astimezone(PACIFIC)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(60.0, (midnight - local).total_seconds())


def google_error_parser(now: Callable[[], datetime]) -> ErrorParser:
    """The parser for one adapter: `now()` dates the quota reset."""

    def parse(response: httpx.Response) -> ParsedError | None:
        try:
            body = response.json()
        except ValueError:
            text = response.text.strip()
            return ParsedError(message=text[:300]) if text else None
        if not isinstance(body, dict):
            return None
        error = body.get("error")
        if isinstance(error, str):  # OAuth endpoints: {"error": "invalid_grant", ...}
            description = str(body.get("error_description") or error)
            expired = error in {"invalid_grant", "invalid_token"}
            return ParsedError(
                message=description, code=error, kind=AuthExpired if expired else None
            )
        if not isinstance(error, dict):
            return None
        details = [e for e in error.get("errors", []) if isinstance(e, dict)]
        reason = str(details[0].get("reason", "")) if details else ""
        message = _TAG.sub("", str(error.get("message") or reason or "erreur YouTube")).strip()
        kind: type[NetworkError] | None = None
        retry_after = None
        if reason in _QUOTA:
            kind, retry_after = RateLimited, seconds_until_quota_reset(now())
        elif reason in _RATE:
            kind, retry_after = RateLimited, 60.0
        elif reason in _PERMISSION:
            kind = PermissionMissing
        elif reason in _REJECTED:
            kind = ContentRejected
        elif reason in _NOT_FOUND:
            kind = NotFound
        elif reason in {"authError", "unauthorized"} or response.status_code == 401:
            kind = AuthExpired
        elif reason in {"backendError", "internalError"}:
            kind = Transient
        return ParsedError(
            message=message,
            code=reason or None,
            kind=kind,
            retry_after=retry_after,
            reason=message,
        )

    return parse


class YouTubeClient(ApiClient):
    def error_for(self, response: httpx.Response) -> NetworkError:
        error = super().error_for(response)
        if isinstance(error, ContentRejected):
            error.user_action = (
                f"YouTube a refusé la demande : « {error.reason} ». Corrigez la vidéo ou le texte "
                "selon ce motif, puis relancez."
            )
        if isinstance(error, RateLimited) and error.code in _QUOTA:
            error.user_action = (
                "Le quota quotidien de l'API YouTube est épuisé : Beffroi reprendra après sa "
                "remise à zéro, à minuit heure du Pacifique (9 h à Paris)."
            )
        return error
