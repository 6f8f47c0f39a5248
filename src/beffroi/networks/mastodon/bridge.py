"""Sends Mastodon.py's requests through Beffroi's ApiClient (httpx).

Mastodon.py knows the Mastodon API (parameters, multipart uploads, paging links, typed results);
our ApiClient owns timeouts, retries, rate limits and typed errors. The bridge is a `requests`
transport adapter mounted on Mastodon.py's session, so every call takes our path, and tests can
record payloads with respx exactly as for the other networks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx
import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

from beffroi.networks.http import ApiClient

# Headers requests computes that httpx must compute again from the body it sends.
_HOP_HEADERS = {"content-length", "connection", "accept-encoding"}


class HttpxBridge(BaseAdapter):
    def __init__(self, client: ApiClient) -> None:
        super().__init__()
        self.client = client
        # Endpoints the server flagged with a `Deprecation` header (RFC 9745): API drift to report.
        self.deprecated_endpoints: set[str] = set()

    def send(  # type: ignore[override]
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        body = request.body
        if isinstance(body, str):
            content: bytes | None = body.encode("utf-8")
        elif isinstance(body, bytes):
            content = body
        elif body is None:
            content = None
        else:  # requests only streams bodies for file uploads with a generator, which Mastodon.py never does
            raise TypeError(f"unsupported request body: {type(body).__name__}")
        headers = {
            k: v.decode("latin-1") if isinstance(v, bytes) else v
            for k, v in request.headers.items()
            if k.lower() not in _HOP_HEADERS
        }
        response = self.client.request(
            request.method or "GET",
            request.url or "",
            content=content if content else None,
            headers=headers,
            authenticated=False,  # Mastodon.py sets its own Authorization header
        )
        return self._to_requests(response, request)

    def close(self) -> None:
        """The ApiClient is closed by its owner."""

    def _to_requests(
        self, response: httpx.Response, request: requests.PreparedRequest
    ) -> requests.Response:
        converted = requests.Response()
        converted.status_code = response.status_code
        converted.reason = response.reason_phrase
        headers = CaseInsensitiveDict(dict(response.headers.items()))
        if "deprecation" in headers:
            # Mastodon.py would turn it into a warning; we report it through token health instead.
            self.deprecated_endpoints.add(httpx.URL(request.url or "").path)
            del headers["deprecation"]
        converted.headers = headers
        converted._content = response.content
        converted.encoding = response.encoding or "utf-8"
        converted.url = str(response.url)
        converted.request = request
        return converted


def bridged_session(client: ApiClient) -> tuple[requests.Session, HttpxBridge]:
    session = requests.Session()
    session.trust_env = False  # no .netrc or proxy variables: the ApiClient decides
    bridge = HttpxBridge(client)
    session.mount("http://", bridge)
    session.mount("https://", bridge)
    return session, bridge
