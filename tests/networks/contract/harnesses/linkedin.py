"""LinkedIn in the contract suite: a stateful fake of /rest/posts, socialActions and statistics."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx
import respx

from beffroi.core.domain import Network
from beffroi.networks.linkedin import LinkedInAdapter
from beffroi.networks.linkedin.client import API_BASE
from beffroi.networks.types import PostVariant
from tests.networks.contract.harness import Fault, HttpHarness, Recorder, Scene

FIXTURES = Path(__file__).parents[3] / "fixtures" / "linkedin"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
NOW_MS = int(NOW.timestamp() * 1000)
ORG = "urn:li:organization:2414183"
L = re.escape(API_BASE)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class FakeLinkedIn:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.posts: list[dict[str, Any]] = []
        self.replies: dict[str, list[dict[str, Any]]] = {}
        self.lose_next_answer = False

    def create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        urn = f"urn:li:share:72670000000000{len(self.posts) + 1:05d}"
        self.posts.insert(0, {**body, "id": urn, "createdAt": NOW_MS, "publishedAt": NOW_MS})
        self.recorder.created.append(urn)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise httpx.ReadTimeout("answer lost after the post was created")
        return httpx.Response(201, headers={"x-restli-id": urn})

    def list_posts(self, request: httpx.Request) -> httpx.Response:
        recorded = load("posts.json")
        if request.url.params.get("start", "0") != "0":
            return httpx.Response(200, json={"elements": []})
        recorded["elements"] = self.posts + recorded["elements"]
        return httpx.Response(200, json=recorded)

    def comments(self, request: httpx.Request, target: str) -> httpx.Response:
        urn = unquote(target)
        if urn.startswith("urn:li:comment:"):
            return httpx.Response(200, json={"elements": self.replies.get(urn, [])})
        return httpx.Response(200, json=load("comments.json"))

    def comment(self, request: httpx.Request, target: str) -> httpx.Response:
        urn = unquote(target)
        body = json.loads(request.content)
        number = len(self.recorder.replies) + 1
        created = {
            **body,
            "commentUrn": f"urn:li:comment:(urn:li:activity:7266000000000000009,99{number})",
            "created": {"actor": body["actor"], "time": NOW_MS},
        }
        self.replies.setdefault(urn, []).append(created)
        self.recorder.replies.append(created["commentUrn"])
        return httpx.Response(201, json=created)


class LinkedInHarness(HttpHarness):
    network = Network.LINKEDIN
    now = NOW
    since = NOW - timedelta(days=30)
    post_remote_id = "urn:li:share:7266000000000000001"
    comment_remote_id = "urn:li:comment:(urn:li:activity:7266000000000000009,7266100000000000001)"

    def scene(self, router: respx.MockRouter | None) -> Scene:
        assert router is not None
        recorder = Recorder()
        fake = FakeLinkedIn(recorder)
        self.fake = fake
        router.get(url__regex=rf"{L}/posts\?").mock(side_effect=fake.list_posts)
        router.post(url__regex=rf"{L}/posts$").mock(side_effect=fake.create)
        router.get(url__regex=rf"{L}/socialActions/(?P<target>[^/]+)/comments").mock(
            side_effect=fake.comments
        )
        router.post(url__regex=rf"{L}/socialActions/(?P<target>[^/]+)/comments").mock(
            side_effect=fake.comment
        )

        def delete(request: httpx.Request, target: str) -> httpx.Response:
            recorder.deleted.append(unquote(target))
            return httpx.Response(204)

        router.delete(url__regex=rf"{L}/posts/(?P<target>[^/?]+)").mock(side_effect=delete)
        router.get(url__regex=rf"{L}/organizationalEntityShareStatistics").respond(
            json=load("share_statistics.json")
        )
        router.get(url__regex=rf"{L}/organizationalEntityNotifications").respond(
            json=load("notifications.json")
        )
        router.get(url__regex=rf"{L}/posts/urn%3Ali%3Ashare%3A7266200000000000005").respond(
            json=load("mention_post.json")
        )
        router.get(url__regex=rf"{L}/networkSizes/").respond(json=load("network_size.json"))
        router.get(url__regex=rf"{L}/organizationalEntityFollowerStatistics").respond(
            json=load("follower_statistics.json")
        )
        router.get(url__regex=rf"{L}/geo\?").respond(json=load("geo.json"))
        sleeps: list[float] = []
        adapter = LinkedInAdapter(
            {"access_token": "AQV_contrat", "organization_urn": ORG},
            clock=lambda: NOW,
            sleep=sleeps.append,
        )
        return Scene(adapter=adapter, recorder=recorder, router=router, sleeps=sleeps)

    def variant(self) -> PostVariant:
        return PostVariant(
            network=Network.LINKEDIN,
            text="Fermeture de la piscine Jean-Bouin lundi pour vidange (travaux d'entretien).",
        )

    def fault_route(self, scene: Scene) -> respx.Route:
        assert scene.router is not None
        route: respx.Route = scene.router.routes[0]
        return route

    def error_response(self, fault: Fault) -> httpx.Response:
        if fault is Fault.AUTH_EXPIRED:
            return httpx.Response(401, json=load("error_401.json"))
        if fault is Fault.RATE_LIMITED:
            return httpx.Response(429, json=load("error_429.json"))
        if fault is Fault.SERVER_ERROR:
            return httpx.Response(500, json=load("error_500.json"))
        return httpx.Response(200, text="<html>Request denied</html>")

    def lose_next_publish_answer(self, scene: Scene) -> None:
        self.fake.lose_next_answer = True


contract_harness = LinkedInHarness()
