"""Facebook Page in the contract suite: a small stateful fake of the Graph API on respx."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import respx

from beffroi.core.domain import Network
from beffroi.networks.facebook import FacebookAdapter
from beffroi.networks.facebook.graph import GRAPH_BASE, GRAPH_VERSION
from beffroi.networks.types import PostVariant
from tests.networks.contract.harness import Fault, HttpHarness, Recorder, Scene

FIXTURES = Path(__file__).parents[3] / "fixtures" / "facebook"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PAGE = "104512345678901"
G = re.escape(GRAPH_BASE)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def graph_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


class FakeGraph:
    """What the Page holds: recorded posts and comments, plus what the adapter creates."""

    def __init__(self, recorder: Recorder, now: datetime) -> None:
        self.recorder = recorder
        self.now = now
        self.posts: list[dict[str, Any]] = []
        self.replies: dict[str, list[dict[str, Any]]] = {}
        self.lose_next_answer = False
        self._serial = 0

    def _next_id(self) -> str:
        self._serial += 1
        return f"{PAGE}_90000000000{self._serial}"

    def create_post(self, request: httpx.Request) -> httpx.Response:
        remote_id = self._next_id()
        self.posts.insert(
            0,
            {
                "id": remote_id,
                "message": form(request).get("message", ""),
                "created_time": graph_time(self.now),
                "permalink_url": f"https://www.facebook.com/{remote_id}",
            },
        )
        self.recorder.created.append(remote_id)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise httpx.ReadTimeout("answer lost after the post was created")
        return httpx.Response(200, json={"id": remote_id})

    def list_posts(self, request: httpx.Request) -> httpx.Response:
        if "after" in request.url.params:
            return httpx.Response(200, json=load("published_posts_page2.json"))
        recorded = load("published_posts.json")
        recorded["data"] = self.posts + recorded["data"]
        return httpx.Response(200, json=recorded)

    def comments(self, request: httpx.Request, parent: str) -> httpx.Response:
        recorded = load("comments.json") if parent.endswith("987654321098765") else {"data": []}
        recorded["data"] = self.replies.get(parent, []) + recorded["data"]
        return httpx.Response(200, json=recorded)

    def reply(self, request: httpx.Request, parent: str) -> httpx.Response:
        remote_id = f"{parent}_r{len(self.recorder.replies) + 1}"
        self.replies.setdefault(parent, []).insert(
            0,
            {
                "id": remote_id,
                "message": form(request)["message"],
                "created_time": graph_time(self.now),
                "from": {"id": PAGE, "name": "Ville d'Exemple"},
            },
        )
        self.recorder.replies.append(remote_id)
        return httpx.Response(200, json={"id": remote_id})


class FacebookHarness(HttpHarness):
    network = Network.FACEBOOK
    now = NOW
    since = NOW - timedelta(days=30)
    post_remote_id = "104512345678901_987654321098765"
    comment_remote_id = "987654321098765_5551112223334"

    def scene(self, router: respx.MockRouter | None) -> Scene:
        assert router is not None
        recorder = Recorder()
        fake = FakeGraph(recorder, NOW)
        self.fake = fake
        version = {"facebook-api-version": GRAPH_VERSION}
        router.get(url__regex=rf"{G}/{PAGE}/published_posts").mock(side_effect=fake.list_posts)
        router.post(url__regex=rf"{G}/{PAGE}/feed").mock(side_effect=fake.create_post)
        router.get(url__regex=rf"{G}/{PAGE}/tagged").respond(json=load("tagged.json"))
        router.get(url__regex=rf"{G}/{PAGE}/insights").respond(json=load("page_insights.json"))
        router.get(url__regex=rf"{G}/{PAGE}(\?|$)").respond(json=load("page.json"), headers=version)
        router.get(url__regex=rf"{G}/debug_token").respond(json=load("debug_token.json"))
        router.get(url__regex=rf"{G}/(?P<parent>[0-9_r]+)/comments").mock(side_effect=fake.comments)
        router.post(url__regex=rf"{G}/(?P<parent>[0-9_r]+)/comments").mock(side_effect=fake.reply)

        def hide(request: httpx.Request, target: str) -> httpx.Response:
            if form(request).get("is_hidden") == "true":
                recorder.hidden.append(target)
            return httpx.Response(200, json={"success": True})

        def delete(request: httpx.Request, target: str) -> httpx.Response:
            recorder.deleted.append(target)
            return httpx.Response(200, json={"success": True})

        router.post(url__regex=rf"{G}/(?P<target>[0-9_]+)(\?|$)").mock(side_effect=hide)
        router.delete(url__regex=rf"{G}/(?P<target>[0-9_]+)(\?|$)").mock(side_effect=delete)
        sleeps: list[float] = []
        adapter = FacebookAdapter(
            {"access_token": "EAApagetoken", "page_id": PAGE},
            clock=lambda: NOW,
            sleep=sleeps.append,
        )
        return Scene(adapter=adapter, recorder=recorder, router=router, sleeps=sleeps)

    def variant(self) -> PostVariant:
        return PostVariant(
            network=Network.FACEBOOK,
            text="Fermeture de la piscine Jean-Bouin lundi pour vidange.",
            link="https://www.ville-exemple.fr/piscines",
        )

    def fault_route(self, scene: Scene) -> respx.Route:
        assert scene.router is not None
        route: respx.Route = scene.router.routes[0]
        return route

    def error_response(self, fault: Fault) -> httpx.Response:
        if fault is Fault.AUTH_EXPIRED:
            return httpx.Response(400, json=load("error_token_expired.json"))
        if fault is Fault.RATE_LIMITED:
            usage = json.dumps({PAGE: [{"call_count": 100, "estimated_time_to_regain_access": 1}]})
            return httpx.Response(
                400,
                json=load("error_rate_limit.json"),
                headers={"X-Business-Use-Case-Usage": usage},
            )
        if fault is Fault.SERVER_ERROR:
            return httpx.Response(500, json=load("error_transient.json"))
        return httpx.Response(200, text="<html><body>Sorry, something went wrong.</body></html>")

    def lose_next_publish_answer(self, scene: Scene) -> None:
        self.fake.lose_next_answer = True


contract_harness = FacebookHarness()
