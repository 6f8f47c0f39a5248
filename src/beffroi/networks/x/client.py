"""X API v2: host, error bodies (RFC 7807 problems), and the field lists Beffroi asks for.

X answers errors as problems: `{"title", "detail", "type", "status"}`, with `errors[]` for invalid
parameters. A 403 means very different things: a missing scope, an app not enrolled in the right
access level, or a refused post (duplicate content): the `detail` tells them apart.
"""

from __future__ import annotations

from typing import Any

import httpx

from beffroi.networks.errors import (
    AuthExpired,
    ContentRejected,
    NetworkError,
    NotFound,
    PermissionMissing,
)
from beffroi.networks.http import ApiClient, ParsedError

API_BASE = "https://api.x.com"
AUTHORIZE_URL = "https://x.com/i/oauth2/authorize"
TOKEN_URL = "https://api.x.com/2/oauth2/token"

# The X API v2 OpenAPI (xdevplatform/xdk, 2.167) names these query parameters `post.fields` and the
# reference `referenced_posts`; older documentation says `tweet.fields` / `referenced_tweets`. The
# adapter follows the published spec and reads both spellings in answers.
FIELDS_PARAM = "post.fields"
POST_FIELDS = "created_at,public_metrics,conversation_id,attachments,lang"
EXPANSIONS = "author_id,referenced_posts"
USER_FIELDS = "username,name,public_metrics"

SCOPES = (
    "tweet.read",
    "tweet.write",
    "users.read",
    "media.write",
    "tweet.moderate.write",
    "offline.access",
)


def x_error_parser(response: httpx.Response) -> ParsedError | None:
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return ParsedError(message=text[:300]) if text else None
    if not isinstance(body, dict):
        return None
    detail = str(body.get("detail") or body.get("title") or "")
    problem = str(body.get("type") or "")
    errors = body.get("errors")
    first = errors[0] if isinstance(errors, list) and errors and isinstance(errors[0], dict) else {}
    message = str(first.get("message") or first.get("detail") or detail or "erreur de l'API X")
    reason = str(body.get("reason") or problem.rsplit("/", 1)[-1] or "") or None
    return ParsedError(
        message=message,
        code=reason,
        kind=_kind_for(response.status_code, detail, problem, body),
        reason=message,
    )


def _kind_for(
    status: int, detail: str, problem: str, body: dict[str, Any]
) -> type[NetworkError] | None:
    lowered = detail.lower()
    if status == 403 and "duplicate content" in lowered:
        return ContentRejected
    if status == 403 and problem.endswith("/client-forbidden"):
        return PermissionMissing
    if status == 402:  # pay-per-use: no credit left on the developer account
        return PermissionMissing
    if status == 401:
        return AuthExpired
    if problem.endswith("/resource-not-found"):
        return NotFound
    if problem.endswith("/invalid-request") and status == 400:
        return ContentRejected
    return None


def is_duplicate(error: ContentRejected) -> bool:
    return "duplicate" in (error.message or "").lower()


class XClient(ApiClient):
    """Writes X's own refusal reason into the French user action."""

    def error_for(self, response: httpx.Response) -> NetworkError:
        error = super().error_for(response)
        if isinstance(error, ContentRejected):
            error.user_action = (
                f"X a refusé la publication : « {error.reason} ». Corrigez le contenu selon ce "
                "motif, puis relancez la publication."
            )
        if response.status_code == 402:
            error.user_action = (
                "Le compte développeur X de Beffroi n'a plus de crédit d'API : prévenez "
                "l'administrateur de Beffroi."
            )
        return error
