"""The shared HTTP client: status mapping, retries, rate-limit headers, malformed bodies, paging."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import httpx
import pytest
import respx

from beffroi.core.domain import Network
from beffroi.networks.errors import (
    AuthExpired,
    ContentRejected,
    MalformedResponse,
    NotFound,
    PermissionMissing,
    RateLimited,
    Transient,
)
from beffroi.networks.http import ApiClient, ParsedError

BASE = "https://api.example.test"
NOW = 1_800_000_000.0


class Sleeper:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make_client(sleeper: Sleeper, **kwargs: object) -> ApiClient:
    return ApiClient(
        "mastodon",
        BASE,
        token_getter=lambda: "tok",
        sleep=sleeper,
        rng=random.Random(1),
        clock=lambda: NOW,
        **kwargs,  # type: ignore[arg-type]
    )


@respx.mock
def test_sends_the_bearer_token_and_returns_json() -> None:
    route = respx.get(f"{BASE}/v1/me").respond(200, json={"id": "1"})
    client = make_client(Sleeper())
    assert client.get_json("/v1/me") == {"id": "1"}
    assert route.calls.last.request.headers["Authorization"] == "Bearer tok"


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, ContentRejected),
        (401, AuthExpired),
        (403, PermissionMissing),
        (404, NotFound),
        (422, ContentRejected),
    ],
)
@respx.mock
def test_maps_statuses_to_typed_errors_with_the_network_message(status: int, kind: type) -> None:
    respx.post(f"{BASE}/v1/statuses").respond(status, json={"error": "Texte trop long"})
    with pytest.raises(kind) as caught:
        make_client(Sleeper()).post("/v1/statuses", json={"status": "x"})
    assert caught.value.message == "Texte trop long"
    assert caught.value.status == status
    assert caught.value.user_action  # French guidance for the interface


@respx.mock
def test_retries_a_get_on_5xx_with_growing_backoff_then_succeeds() -> None:
    sleeper = Sleeper()
    route = respx.get(f"{BASE}/v1/x").mock(
        side_effect=[httpx.Response(502), httpx.Response(503), httpx.Response(200, json=[])]
    )
    assert make_client(sleeper, backoff_base=1.0).get_json("/v1/x") == []
    assert route.call_count == 3
    assert len(sleeper.waits) == 2
    assert 0.5 <= sleeper.waits[0] <= 1.0 and 1.0 <= sleeper.waits[1] <= 2.0


@respx.mock
def test_gives_up_after_max_retries_with_a_transient_error() -> None:
    route = respx.get(f"{BASE}/v1/x").respond(500, text="boom")
    with pytest.raises(Transient):
        make_client(Sleeper(), max_retries=2).get("/v1/x")
    assert route.call_count == 3


@respx.mock
def test_does_not_retry_a_plain_post_that_may_have_reached_the_network() -> None:
    route = respx.post(f"{BASE}/v1/statuses").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(Transient):
        make_client(Sleeper()).post("/v1/statuses", json={})
    assert route.call_count == 1


@respx.mock
def test_retries_a_post_carrying_an_idempotency_key() -> None:
    route = respx.post(f"{BASE}/v1/statuses").mock(
        side_effect=[httpx.ReadTimeout("slow"), httpx.Response(200, json={"id": "9"})]
    )
    body = make_client(Sleeper()).post_json(
        "/v1/statuses", json={}, headers={"Idempotency-Key": "k1"}
    )
    assert body == {"id": "9"}
    assert route.call_count == 2


@respx.mock
def test_honours_retry_after_on_429_even_for_a_post() -> None:
    sleeper = Sleeper()
    respx.post(f"{BASE}/v1/statuses").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"id": "1"}),
        ]
    )
    make_client(sleeper).post("/v1/statuses", json={})
    assert sleeper.waits == [7.0]


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"x-rate-limit-reset": str(int(NOW) + 90)}, 90.0),  # X: epoch seconds
        ({"ratelimit-reset": str(int(NOW) + 30)}, 30.0),  # Bluesky
        ({"x-ratelimit-reset": "2027-01-15T08:00:45Z"}, None),  # Mastodon: ISO date
        (
            {
                "x-business-use-case-usage": json.dumps(
                    {"123": [{"call_count": 100, "estimated_time_to_regain_access": 2}]}
                )
            },
            120.0,
        ),
    ],
)
@respx.mock
def test_reads_the_reset_headers_of_each_network(
    headers: dict[str, str], expected: float | None
) -> None:
    respx.get(f"{BASE}/v1/x").respond(429, headers=headers)
    with pytest.raises(RateLimited) as caught:
        make_client(Sleeper(), max_retries=0).get("/v1/x")
    if expected is None:  # Mastodon sends the reset moment as a date
        expected = datetime(2027, 1, 15, 8, 0, 45, tzinfo=UTC).timestamp() - NOW
    assert caught.value.retry_after == pytest.approx(expected)


@respx.mock
def test_a_rate_limit_longer_than_max_wait_is_raised_not_slept() -> None:
    sleeper = Sleeper()
    respx.get(f"{BASE}/v1/x").respond(429, headers={"Retry-After": "900"})
    with pytest.raises(RateLimited) as caught:
        make_client(sleeper, max_wait=60).get("/v1/x")
    assert caught.value.retry_after == 900
    assert sleeper.waits == []
    assert "15 min" in caught.value.user_action


@respx.mock
def test_malformed_json_is_a_clear_transient_error() -> None:
    respx.get(f"{BASE}/v1/x").respond(200, text="<html>Bad gateway</html>")
    with pytest.raises(MalformedResponse) as caught:
        make_client(Sleeper()).get_json("/v1/x")
    assert "JSON" in caught.value.message
    assert caught.value.retryable


@respx.mock
def test_refreshes_once_on_401_then_retries() -> None:
    tokens = iter(["old", "new"])
    current = {"token": next(tokens)}

    def refresh() -> bool:
        current["token"] = next(tokens)
        return True

    route = respx.get(f"{BASE}/v1/me").mock(
        side_effect=lambda request: httpx.Response(
            200 if request.headers["Authorization"] == "Bearer new" else 401, json={}
        )
    )
    client = ApiClient(
        "x", BASE, token_getter=lambda: current["token"], on_unauthorized=refresh, sleep=Sleeper()
    )
    client.get("/v1/me")
    assert route.call_count == 2


@respx.mock
def test_network_parser_can_override_the_status_mapping() -> None:
    # Graph API: an expired token comes back as HTTP 400 with error code 190.
    def graph_parser(response: httpx.Response) -> ParsedError | None:
        error = response.json()["error"]
        kind = AuthExpired if error["code"] == 190 else None
        return ParsedError(message=error["message"], code=str(error["code"]), kind=kind)

    respx.get(f"{BASE}/me").respond(
        400, json={"error": {"message": "Session has expired", "code": 190}}
    )
    client = make_client(Sleeper(), error_parser=graph_parser)
    with pytest.raises(AuthExpired) as caught:
        client.get("/me")
    assert caught.value.code == "190"


@respx.mock
def test_paginates_by_cursor_and_by_next_url_and_stops_early() -> None:
    respx.get(f"{BASE}/feed", params={"cursor": "c2"}).respond(
        200, json={"items": [3, 4], "next": f"{BASE}/feed-next"}
    )
    respx.get(f"{BASE}/feed").respond(200, json={"items": [1, 2], "cursor": "c2"})
    respx.get(f"{BASE}/feed-next").respond(200, json={"items": [5, 6]})

    def next_page(response: httpx.Response, body: dict) -> str | dict | None:
        if "cursor" in body:
            return {"cursor": body["cursor"]}
        return body.get("next")

    client = make_client(Sleeper())
    items = list(client.paginate("/feed", items=lambda b: b["items"], next_page=next_page))
    assert items == [1, 2, 3, 4, 5, 6]
    early = list(
        client.paginate(
            "/feed", items=lambda b: b["items"], next_page=next_page, stop=lambda i: i > 3
        )
    )
    assert early == [1, 2, 3]


@respx.mock
def test_remembers_rate_limit_figures() -> None:
    respx.get(f"{BASE}/v1/x").respond(
        200,
        json={},
        headers={
            "x-rate-limit-limit": "300",
            "x-rate-limit-remaining": "12",
            "x-rate-limit-reset": str(int(NOW) + 60),
        },
    )
    client = make_client(Sleeper())
    client.get("/v1/x")
    assert client.rate_limit is not None
    assert (client.rate_limit.limit, client.rate_limit.remaining) == (300, 12)


def test_paginate_follows_an_absolute_next_url_with_its_query_string() -> None:
    pages = {
        "https://api.example/items": {
            "data": [1, 2],
            "next": "https://api.example/items?after=b2&limit=2",
        },
        "https://api.example/items?after=b2&limit=2": {"data": [3], "next": None},
    }

    def serve(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=pages[str(request.url)])

    client = ApiClient(
        Network.FACEBOOK, "https://api.example", transport=httpx.MockTransport(serve)
    )
    items = list(
        client.paginate(
            "/items", items=lambda body: body["data"], next_page=lambda _r, body: body["next"]
        )
    )
    assert items == [1, 2, 3]
