"""One HTTP client for every network: timeouts, retries with backoff, rate-limit headers, typed errors, paging.

Each network plugs in an `ErrorParser` that reads its own error body (Graph API `error.code`, X
`errors[].title`, XRPC `error`/`message`, ...) and may override the default status mapping, for
example Facebook's code 190 (expired token) returned with HTTP 400.

Retries: a request that cannot have changed anything on the network (GET, PUT, DELETE, a POST that
was refused with 429, a connection that never opened) is retried with exponential backoff and jitter,
honouring `Retry-After` and the rate-limit reset headers. A POST that may have reached the network
(read timeout, 5xx) is *not* retried unless the caller says it is idempotent (an `Idempotency-Key`,
a record key chosen by us): otherwise a retry could publish twice. The adapter then looks for the
earlier attempt before posting again.
"""

from __future__ import annotations

import email.utils
import json as jsonlib
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from beffroi.core.domain import Network
from beffroi.networks.errors import (
    ApiDeprecated,
    AuthExpired,
    ContentRejected,
    MalformedResponse,
    NetworkError,
    NotFound,
    PermissionMissing,
    RateLimited,
    Transient,
)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True)
class ParsedError:
    """What a network's error body says. `kind` overrides the mapping from the HTTP status."""

    message: str
    code: str | None = None
    kind: type[NetworkError] | None = None
    missing_scopes: tuple[str, ...] = ()
    retry_after: float | None = None
    reason: str | None = None
    version: str | None = None


ErrorParser = Callable[[httpx.Response], ParsedError | None]


@dataclass(frozen=True, slots=True)
class RateLimitState:
    """The last rate-limit figures a network sent, for schedulers that want to slow down early."""

    limit: int | None
    remaining: int | None
    reset_at: datetime | None
    # Meta's X-App-Usage / X-Business-Use-Case-Usage: highest percentage of the quota used.
    usage_percent: float | None = None


NextPage = str | Mapping[str, Any] | None
"""An absolute URL to fetch next, or parameters to merge into the first request, or None to stop."""


def default_error_parser(response: httpx.Response) -> ParsedError | None:
    """Reads the common shapes: {"error": "..."}, {"error": {"message": ...}}, {"message": ...}, {"errors": [...]}."""
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip()
        return ParsedError(message=text[:300]) if text else None
    if not isinstance(body, dict):
        return None
    error = body.get("error")
    if isinstance(error, dict):
        message = error.get("message") or error.get("error_user_msg") or error.get("type") or ""
        code = error.get("code")
        return ParsedError(message=str(message), code=None if code is None else str(code))
    description = body.get("error_description") or body.get("message") or body.get("detail")
    if isinstance(error, str):
        return ParsedError(message=str(description or error), code=error)
    errors = body.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        first = errors[0]
        message = first.get("message") or first.get("detail") or first.get("title") or ""
        code = first.get("code") or first.get("type")
        return ParsedError(message=str(message), code=None if code is None else str(code))
    if description:
        return ParsedError(message=str(description))
    return None


class ApiClient:
    """A thin, typed layer over httpx.Client for one network's API."""

    def __init__(
        self,
        network: Network | str,
        base_url: str,
        *,
        token_getter: Callable[[], str | None] | None = None,
        auth_headers: Callable[[], Mapping[str, str]] | None = None,
        on_unauthorized: Callable[[], bool] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 20.0,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        max_wait: float = 120.0,
        error_parser: ErrorParser | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """
        token_getter: returns the current bearer token (read on every request, so a refresh is seen).
        auth_headers: returns extra auth headers instead (OAuth 1.0a, API keys, ...).
        on_unauthorized: called once on a 401; returns True when it refreshed the token.
        max_wait: a rate limit longer than this is raised (RateLimited) instead of slept through, so a
          worker is never blocked for a quarter of an hour; the scheduler requeues the job.
        """
        self.network = Network(network)
        self.base_url = base_url
        self._token_getter = token_getter
        self._auth_headers = auth_headers
        self._on_unauthorized = on_unauthorized
        self.max_retries = max_retries
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.max_wait = max_wait
        self._error_parser = error_parser or default_error_parser
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._clock = clock
        self.rate_limit: RateLimitState | None = None
        self._client = httpx.Client(
            base_url=base_url,
            headers={"User-Agent": "Beffroi/0.1 (+https://beffroi.fr)", **(headers or {})},
            timeout=timeout,
            transport=transport,
            follow_redirects=True,
        )

    # ---------------------------------------------------------------- lifecycle
    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ---------------------------------------------------------------- requests
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        data: Mapping[str, Any] | None = None,
        files: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        idempotent: bool | None = None,
        authenticated: bool = True,
    ) -> httpx.Response:
        """Sends one request, retrying what is safe to retry; returns a 2xx/3xx response or raises a NetworkError.

        `files` must hold bytes, not open files, so that a retry can send them again.
        `idempotent` defaults to True for GET/PUT/DELETE and for any request with an Idempotency-Key.
        """
        method = method.upper()
        if idempotent is None:
            idempotent = method in IDEMPOTENT_METHODS or any(
                k.lower() == "idempotency-key" for k in (headers or {})
            )
        refreshed = False
        attempt = 0
        while True:
            try:
                response = self._client.request(
                    method,
                    path,
                    params=_clean_params(params),
                    json=json,
                    data=data,
                    files=files,
                    content=content,
                    headers=self._headers(headers, authenticated),
                )
            except httpx.TimeoutException as exc:
                # A connect timeout never reached the server; a read timeout may have.
                safe = idempotent or isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout)
                error: NetworkError = Transient(
                    self.network, f"délai dépassé ({type(exc).__name__})"
                )
                if safe and attempt < self.max_retries:
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise error from exc
            except httpx.TransportError as exc:
                safe = idempotent or isinstance(exc, httpx.ConnectError)
                if safe and attempt < self.max_retries:
                    self._sleep(self._backoff(attempt))
                    attempt += 1
                    continue
                raise Transient(self.network, f"connexion impossible : {exc}") from exc

            self._remember_rate_limit(response)
            if response.status_code < 400:
                return response

            error = self.error_for(response)
            if (
                isinstance(error, AuthExpired)
                and authenticated
                and not refreshed
                and self._on_unauthorized
            ):
                refreshed = True
                if self._on_unauthorized():
                    continue
            if isinstance(error, RateLimited):
                # A 429 means the request was refused before being processed: always safe to retry.
                if attempt < self.max_retries and error.retry_after <= self.max_wait:
                    self._sleep(error.retry_after)
                    attempt += 1
                    continue
                raise error
            if isinstance(error, Transient) and idempotent and attempt < self.max_retries:
                self._sleep(self._backoff(attempt))
                attempt += 1
                continue
            raise error

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def request_json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Like request(), then decodes the JSON body; an unreadable body raises MalformedResponse."""
        return self.json_of(self.request(method, path, **kwargs))

    def get_json(self, path: str, **kwargs: Any) -> Any:
        return self.request_json("GET", path, **kwargs)

    def post_json(self, path: str, **kwargs: Any) -> Any:
        return self.request_json("POST", path, **kwargs)

    def json_of(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except (ValueError, UnicodeDecodeError) as exc:
            snippet = response.text[:120].replace("\n", " ")
            raise MalformedResponse(
                self.network,
                f"réponse illisible (JSON attendu) : {snippet!r}",
                status=response.status_code,
            ) from exc

    # ---------------------------------------------------------------- paging
    def paginate(
        self,
        path: str,
        *,
        items: Callable[[Any], list[Any]],
        next_page: Callable[[httpx.Response, Any], NextPage],
        params: Mapping[str, Any] | None = None,
        max_pages: int = 50,
        stop: Callable[[Any], bool] | None = None,
    ) -> Iterator[Any]:
        """Yields items page after page.

        next_page(response, body) returns an absolute URL (Graph API `paging.next`, Mastodon `Link`),
        or parameters to merge into the first request (a `cursor`, `pageToken`, `pagination_token`),
        or None at the end. `stop(item)` ends the walk early (for example an item older than `since`).
        """
        url: str = path
        # None, not {}: httpx replaces a URL's own query string with any params given, even empty.
        current: dict[str, Any] | None = dict(params or {})
        for _ in range(max_pages):
            response = self.request("GET", url, params=current or None)
            body = self.json_of(response)
            for item in items(body):
                if stop is not None and stop(item):
                    return
                yield item
            following = next_page(response, body)
            if not following:
                return
            if isinstance(following, str):
                url, current = following, None
            else:
                url, current = path, {**(params or {}), **following}

    # ---------------------------------------------------------------- errors
    def error_for(self, response: httpx.Response) -> NetworkError:
        """Turns an error response into the typed error, using the network's parser first."""
        status = response.status_code
        parsed = self._error_parser(response) or ParsedError(
            message=response.reason_phrase or f"HTTP {status}"
        )
        message = parsed.message or response.reason_phrase or f"HTTP {status}"
        kind = parsed.kind or _kind_for_status(status)
        if kind is RateLimited:
            retry_after = parsed.retry_after
            if retry_after is None:
                retry_after = self.retry_after_from_headers(response)
                # A reset moment already past (clock skew, stale header) still means "not now".
                retry_after = None if retry_after is None else max(1.0, retry_after)
            if retry_after is None:
                retry_after = 60.0
            return RateLimited(
                self.network, message, retry_after=retry_after, status=status, code=parsed.code
            )
        if kind is PermissionMissing:
            return PermissionMissing(
                self.network,
                message,
                missing_scopes=parsed.missing_scopes,
                status=status,
                code=parsed.code,
            )
        if kind is ContentRejected:
            return ContentRejected(
                self.network, message, reason=parsed.reason, status=status, code=parsed.code
            )
        if kind is ApiDeprecated:
            return ApiDeprecated(
                self.network, message, version=parsed.version, status=status, code=parsed.code
            )
        return kind(self.network, message, status=status, code=parsed.code)

    def retry_after_from_headers(self, response: httpx.Response) -> float | None:
        """Seconds to wait, from Retry-After or the reset headers of X, Mastodon, Bluesky and Meta."""
        headers = response.headers
        now = self._clock()
        value = headers.get("retry-after")
        if value:
            seconds = _parse_retry_after(value, now)
            if seconds is not None:
                return seconds
        # X: epoch seconds; Bluesky: epoch seconds (ratelimit-reset); Mastodon: ISO 8601 date.
        for name in ("x-rate-limit-reset", "ratelimit-reset", "x-ratelimit-reset"):
            value = headers.get(name)
            if value:
                reset = _parse_reset(value, now)
                if reset is not None:
                    return max(0.0, reset - now)
        # Meta reports the minutes before access comes back in X-Business-Use-Case-Usage.
        meta = headers.get("x-business-use-case-usage")
        if meta:
            minutes = _meta_regain_minutes(meta)
            if minutes is not None:
                return minutes * 60.0
        return None

    # ---------------------------------------------------------------- internals
    def _headers(self, extra: Mapping[str, str] | None, authenticated: bool) -> dict[str, str]:
        headers: dict[str, str] = {}
        if authenticated:
            if self._token_getter is not None:
                token = self._token_getter()
                if token:
                    headers["Authorization"] = f"Bearer {token}"
            if self._auth_headers is not None:
                headers.update(self._auth_headers())
        headers.update(extra or {})
        return headers

    def _backoff(self, attempt: int) -> float:
        # "Equal jitter": half fixed, half random, so parallel workers spread out but still wait.
        ceiling = min(self.backoff_max, self.backoff_base * (2**attempt))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)

    def _remember_rate_limit(self, response: httpx.Response) -> None:
        h = response.headers
        limit = _int(
            h.get("x-rate-limit-limit") or h.get("x-ratelimit-limit") or h.get("ratelimit-limit")
        )
        remaining = _int(
            h.get("x-rate-limit-remaining")
            or h.get("x-ratelimit-remaining")
            or h.get("ratelimit-remaining")
        )
        reset_raw = (
            h.get("x-rate-limit-reset") or h.get("x-ratelimit-reset") or h.get("ratelimit-reset")
        )
        usage = _meta_usage_percent(h.get("x-app-usage"), h.get("x-business-use-case-usage"))
        if limit is None and remaining is None and reset_raw is None and usage is None:
            return
        reset = _parse_reset(reset_raw, self._clock()) if reset_raw else None
        self.rate_limit = RateLimitState(
            limit=limit,
            remaining=remaining,
            reset_at=datetime.fromtimestamp(reset, UTC) if reset is not None else None,
            usage_percent=usage,
        )


def _kind_for_status(status: int) -> type[NetworkError]:
    if status == 401:
        return AuthExpired
    if status == 403:
        return PermissionMissing
    if status in (404, 410):
        return NotFound
    if status == 429:
        return RateLimited
    if status in (400, 413, 415, 422):
        return ContentRejected
    if status in (408, 425) or status >= 500:
        return Transient
    return NetworkError


def _clean_params(params: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if params is None:
        return None
    return {k: v for k, v in params.items() if v is not None}


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def _parse_retry_after(value: str, now: float) -> float | None:
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, when.timestamp() - now)


def _parse_reset(value: str, now: float) -> float | None:
    """A reset header as an epoch timestamp: epoch seconds, or an ISO 8601 date (Mastodon)."""
    value = value.strip()
    try:
        number = float(value)
    except ValueError:
        try:
            when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        return when.timestamp()
    # Some APIs send "seconds from now" in the reset header; an epoch is far larger.
    return number if number > 1e9 else now + number


def _meta_usage_percent(app_usage: str | None, business_usage: str | None) -> float | None:
    highest: float | None = None
    for raw in (app_usage, business_usage):
        if not raw:
            continue
        try:
            payload = jsonlib.loads(raw)
        except ValueError:
            continue
        for entry in _meta_usage_entries(payload):
            for key in ("call_count", "total_time", "total_cputime"):
                value = entry.get(key)
                if isinstance(value, int | float):
                    highest = value if highest is None else max(highest, float(value))
    return highest


def _meta_regain_minutes(raw: str) -> float | None:
    try:
        payload = jsonlib.loads(raw)
    except ValueError:
        return None
    minutes = [
        float(entry["estimated_time_to_regain_access"])
        for entry in _meta_usage_entries(payload)
        if isinstance(entry.get("estimated_time_to_regain_access"), int | float)
    ]
    return max(minutes) if minutes else None


def _meta_usage_entries(payload: Any) -> list[dict[str, Any]]:
    """X-App-Usage is one object; X-Business-Use-Case-Usage maps an id to a list of objects."""
    if isinstance(payload, dict) and any(k in payload for k in ("call_count", "total_time")):
        return [payload]
    entries: list[dict[str, Any]] = []
    if isinstance(payload, dict):
        for value in payload.values():
            if isinstance(value, list):
                entries.extend(v for v in value if isinstance(v, dict))
    return entries
