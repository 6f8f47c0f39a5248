"""Bluesky in the contract suite: the recorded payloads served by tests/networks/bluesky/fake.py."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import respx

from beffroi.core.domain import Network
from beffroi.networks.bluesky import BlueskyAdapter
from beffroi.networks.types import PostVariant
from tests.networks.bluesky.fake import COMMENT_URI, ME, PDS, POST_URI, BlueskyFake, load
from tests.networks.contract.harness import Fault, HttpHarness, Recorder, Scene

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SESSION = {
    "pds_url": PDS,
    "access_token": load("create_session.json")["accessJwt"],
    "refresh_token": load("create_session.json")["refreshJwt"],
    "did": ME,
    "handle": "valmont.fr",
}


class BlueskyHarness(HttpHarness):
    network = Network.BLUESKY
    now = NOW
    since = datetime(2026, 11, 10, tzinfo=UTC)
    post_remote_id = POST_URI
    comment_remote_id = COMMENT_URI
    search_query = "piscine Valmont"

    def scene(self, router: respx.MockRouter | None) -> Scene:
        assert router is not None
        recorder = Recorder()
        self._fake = BlueskyFake(router, recorder)
        sleeps: list[float] = []
        adapter = BlueskyAdapter(SESSION, clock=lambda: NOW, sleep=sleeps.append)
        return Scene(adapter=adapter, recorder=recorder, router=router, sleeps=sleeps)

    def variant(self) -> PostVariant:
        return PostVariant(
            network=Network.BLUESKY, text="La piscine Jean-Bouin rouvre lundi ! #piscine"
        )

    def lose_next_publish_answer(self, scene: Scene) -> None:
        self._fake.lose_next_answer = True

    def fault_route(self, scene: Scene) -> respx.Route:
        return self._fake.author_feed

    def error_response(self, fault: Fault) -> httpx.Response:
        if fault is Fault.AUTH_EXPIRED:
            # A revoked session: the token is refused and so is the refresh token.
            self._fake.refresh_session.respond(400, json=load("error_expired_token.json"))
            return httpx.Response(400, json=load("error_invalid_token.json"))
        if fault is Fault.RATE_LIMITED:
            reset = int(NOW.timestamp()) + 300
            return httpx.Response(
                429,
                json=load("error_rate_limit.json"),
                headers={
                    "ratelimit-limit": "3000",
                    "ratelimit-remaining": "0",
                    "ratelimit-reset": str(reset),
                    "ratelimit-policy": "3000;w=300",
                },
            )
        if fault is Fault.SERVER_ERROR:
            return httpx.Response(
                502, json={"error": "UpstreamFailure", "message": "Upstream Failure"}
            )
        return httpx.Response(200, text='{"feed": [{"post": {"uri": "at://')


contract_harness = BlueskyHarness()
