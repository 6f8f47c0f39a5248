"""What Facebook and Instagram share: the Graph API host and version, its error body, its paging, its times.

The Graph API answers every error as `{"error": {"message", "type", "code", "error_subcode",
"error_user_title", "error_user_msg", "is_transient", "fbtrace_id"}}`, often with HTTP 400 whatever
the cause: the numeric `code` says what happened, not the status. With `locale=fr_FR`,
`error_user_msg` is the reason Meta shows its own users, in French: we surface it as is.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx

from beffroi.networks.base import NetworkAdapter
from beffroi.networks.errors import (
    ApiDeprecated,
    AuthExpired,
    ContentRejected,
    NetworkError,
    NotFound,
    PermissionMissing,
    RateLimited,
    Transient,
)
from beffroi.networks.http import ApiClient, ParsedError

GRAPH_VERSION = "v25.0"
GRAPH_HOST = "https://graph.facebook.com"
GRAPH_VIDEO_HOST = "https://graph-video.facebook.com"
GRAPH_BASE = f"{GRAPH_HOST}/{GRAPH_VERSION}"

# Codes from the Graph API "Handling Errors" page and the Pages/Instagram publishing guides.
_AUTH_CODES = {102, 190, 463, 467}
_RATE_CODES = {4, 17, 32, 613} | set(range(80001, 80015))
_TRANSIENT_CODES = {1, 2}
_PERMISSION_CODES = {3, 10} | set(range(200, 300))
_DEPRECATED_CODES = {12, 2635}
_REJECTED_CODES = {
    368,  # temporarily blocked for policy violations
    506,  # duplicate status message
    1609005,  # link could not be posted
    9004,  # Instagram could not download the media
    36000,  # Instagram: image too large
    36001,
    36003,  # Instagram: aspect ratio not supported
    36004,  # Instagram: caption too long
    2207026,
}
# Graph names the missing permission in its message: "(#200) Requires pages_manage_posts permission".
_PERMISSION_NAME = re.compile(
    r"\b((?:pages|instagram|read|business|publish|ads)_[a-z_]+|read_insights)\b"
)


def graph_error_parser(response: httpx.Response) -> ParsedError | None:
    """Reads `{"error": {...}}` and classifies it by Graph code rather than by HTTP status."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return ParsedError(message=text[:300]) if text else None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    technical = str(error.get("message") or "")
    human = str(error.get("error_user_msg") or "")
    message = human or technical or "erreur de l'API Graph"
    kind = _kind_for(code, subcode, error, response.status_code)
    scopes: tuple[str, ...] = ()
    if kind is PermissionMissing:
        scopes = tuple(dict.fromkeys(_PERMISSION_NAME.findall(technical)))
    version = None
    if kind is ApiDeprecated:
        found = re.search(r"v\d+\.\d+", technical)
        version = found.group(0) if found else GRAPH_VERSION
    return ParsedError(
        message=message,
        code=None if code is None else (f"{code}/{subcode}" if subcode else str(code)),
        kind=kind,
        missing_scopes=scopes,
        reason=human or technical or None,
        version=version,
    )


def _kind_for(
    code: int | None, subcode: int | None, error: Mapping[str, Any], status: int
) -> type[NetworkError] | None:
    if code in _AUTH_CODES:
        return AuthExpired
    if code in _RATE_CODES:
        return RateLimited
    if code in _DEPRECATED_CODES:
        return ApiDeprecated
    if code in _PERMISSION_CODES:
        return PermissionMissing
    if code in _TRANSIENT_CODES or error.get("is_transient") is True:
        return Transient
    if code == 100 and subcode == 33:  # "Object with ID ... does not exist"
        return NotFound
    if code == 803:
        return NotFound
    if code in _REJECTED_CODES or subcode in _REJECTED_CODES:
        return ContentRejected
    if code == 100:
        return ContentRejected
    return None  # fall back on the HTTP status


def graph_next_page(response: httpx.Response, body: Any) -> dict[str, str] | None:
    """Graph paging: `paging.next` is the same edge with every parameter and the `after` cursor.

    Its query is returned as parameters (merged into the first request's), which keeps the walk on
    our own base URL and version even if Meta's link names another.
    """
    if not isinstance(body, dict):
        return None
    paging = body.get("paging")
    if isinstance(paging, dict) and isinstance(paging.get("next"), str):
        query = dict(parse_qsl(urlsplit(paging["next"]).query))
        query.pop("access_token", None)  # sent as a header, never in URLs (logs)
        return query or None
    return None


def graph_items(body: Any) -> list[Any]:
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return list(body["data"])
    return []


def parse_graph_time(value: str) -> datetime:
    """Graph writes `2026-11-20T08:30:00+0000`; Instagram the same; both are UTC."""
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def summary_count(node: Any) -> int:
    """`reactions.summary(total_count)` and friends: `{"data": [], "summary": {"total_count": 3}}`."""
    if isinstance(node, dict):
        summary = node.get("summary")
        if isinstance(summary, dict):
            return _int(summary.get("total_count")) or 0
        if "count" in node:
            return _int(node.get("count")) or 0
    return 0


def insight_values(body: Any) -> dict[str, int]:
    """`{"data": [{"name": "post_media_view", "values": [{"value": 812}]}]}` -> {"post_media_view": 812}.

    Instagram's `metric_type=total_value` answers `{"total_value": {"value": n}}` instead of `values`.
    """
    found: dict[str, int] = {}
    for entry in graph_items(body):
        if not isinstance(entry, dict) or "name" not in entry:
            continue
        value: Any = None
        total = entry.get("total_value")
        if isinstance(total, dict):
            value = total.get("value")
        values = entry.get("values")
        if value is None and isinstance(values, list) and values:
            value = values[-1].get("value") if isinstance(values[-1], dict) else None
        number = _int(value)
        if number is not None:
            found[str(entry["name"])] = number
    return found


def served_version(response: httpx.Response) -> str | None:
    """Graph says which version really answered: an expired version is silently upgraded."""
    return response.headers.get("facebook-api-version")


def rejected_action(label: str, reason: str) -> str:
    return (
        f"{label} a refusé la publication : « {reason} ». Corrigez le contenu selon ce motif, "
        "puis relancez la publication."
    )


def with_french_action(error: NetworkError, label: str) -> NetworkError:
    """Puts the network's own reason into the French `user_action` of a refused post."""
    if isinstance(error, ContentRejected):
        error.user_action = rejected_action(label, error.reason)
    return error


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return None


def unix(moment: datetime) -> int:
    return int(moment.timestamp())


class GraphClient(ApiClient):
    """ApiClient that signs calls with `appsecret_proof` and writes Meta's reason in French."""

    app_secret: str | None = None
    token_source: Callable[[], str | None] | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        # With « Require App Secret » on (Meta recommends it), a token alone is not enough: each
        # call carries HMAC-SHA256(app secret, token), so a leaked token is useless elsewhere.
        token = self.token_source() if self.token_source else None
        if self.app_secret and token and kwargs.get("authenticated", True):
            proof = hmac.new(self.app_secret.encode(), token.encode(), hashlib.sha256).hexdigest()
            kwargs["params"] = {**(kwargs.get("params") or {}), "appsecret_proof": proof}
        return super().request(method, path, **kwargs)

    def error_for(self, response: httpx.Response) -> NetworkError:
        return with_french_action(super().error_for(response), self.network.label)


def graph_client(adapter: NetworkAdapter, base_url: str = GRAPH_BASE) -> GraphClient:
    """The Graph client of an adapter: its token, transport, sleep and clock."""
    client = GraphClient(
        adapter.network,
        base_url,
        token_getter=lambda: adapter.credentials.get("access_token"),
        error_parser=graph_error_parser,
        transport=adapter.transport,
        sleep=adapter.sleep,
        clock=lambda: adapter.clock().timestamp(),
        timeout=adapter.timeout,
        max_retries=adapter.max_retries,
    )
    client.token_source = lambda: adapter.credentials.get("access_token")
    client.app_secret = adapter.credentials.get("client_secret") or adapter.options.get(
        "client_secret"
    )
    return client


# Graph localises `error_user_msg` with this parameter: the reason reaches the user in French.
LOCALE = {"locale": "fr_FR"}
