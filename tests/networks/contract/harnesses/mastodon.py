"""Mastodon in the contract suite: the recorded payloads served by tests/networks/mastodon/fake.py."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import respx

from beffroi.core.domain import Network
from beffroi.networks.mastodon import MastodonAdapter
from beffroi.networks.types import PostVariant
from tests.networks.contract.harness import Fault, HttpHarness, Recorder, Scene
from tests.networks.mastodon.fake import INSTANCE, MastodonFake, load

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


class MastodonHarness(HttpHarness):
    network = Network.MASTODON
    now = NOW
    since = datetime(2026, 11, 10, tzinfo=UTC)
    post_remote_id = "113500000000000010"
    comment_remote_id = "113500000000000101"
    search_query = "#piscine"

    def scene(self, router: respx.MockRouter | None) -> Scene:
        assert router is not None
        recorder = Recorder()
        self._fake = MastodonFake(router, recorder)
        sleeps: list[float] = []
        adapter = MastodonAdapter(
            {"instance_url": INSTANCE, "access_token": "token-valmont"},
            clock=lambda: NOW,
            sleep=sleeps.append,
        )
        return Scene(adapter=adapter, recorder=recorder, router=router, sleeps=sleeps)

    def variant(self) -> PostVariant:
        return PostVariant(
            network=Network.MASTODON, text="La piscine Jean-Bouin rouvre lundi ! #piscine"
        )

    def lose_next_publish_answer(self, scene: Scene) -> None:
        self._fake.lose_next_answer = True

    def fault_route(self, scene: Scene) -> respx.Route:
        # fetch_posts first reads the account (verify_credentials).
        return self._fake.verify

    def error_response(self, fault: Fault) -> httpx.Response:
        if fault is Fault.AUTH_EXPIRED:
            return httpx.Response(401, json=load("error_unauthorized.json"))
        if fault is Fault.RATE_LIMITED:
            return httpx.Response(
                429,
                json=load("error_rate_limited.json"),
                headers={
                    "X-RateLimit-Limit": "300",
                    "X-RateLimit-Remaining": "0",
                    "X-RateLimit-Reset": "2026-11-28T09:05:00.000Z",
                },
            )
        if fault is Fault.SERVER_ERROR:
            return httpx.Response(503, text="<html><body>503 Service Unavailable</body></html>")
        return httpx.Response(200, text='{"id": "109876543210", "username": "villedev')


contract_harness = MastodonHarness()
