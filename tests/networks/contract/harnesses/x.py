"""X in the contract suite: a stateful fake of POST /2/tweets and the timelines that list them."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import respx

from beffroi.core.domain import Network
from beffroi.networks.types import PostVariant
from beffroi.networks.x import XAdapter
from beffroi.networks.x.client import API_BASE
from tests.networks.contract.harness import Fault, HttpHarness, Recorder, Scene

FIXTURES = Path(__file__).parents[3] / "fixtures" / "x"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ME = "1234567890"
X = re.escape(API_BASE)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class FakeX:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.posts: list[dict[str, Any]] = []
        self.lose_next_answer = False

    def create(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        remote_id = f"18630000000000{len(self.posts) + 1:05d}"
        post: dict[str, Any] = {
            "id": remote_id,
            "text": body["text"],
            "created_at": "2026-11-27T12:00:00.000Z",
            "author_id": ME,
            "edit_history_post_ids": [remote_id],
        }
        if "reply" in body:
            parent = body["reply"]["in_reply_to_tweet_id"]
            post["referenced_posts"] = [{"type": "replied_to", "id": parent}]
            self.recorder.replies.append(remote_id)
        else:
            self.recorder.created.append(remote_id)
        self.posts.insert(0, post)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise httpx.ReadTimeout("answer lost after the post was created")
        return httpx.Response(201, json={"data": {"id": remote_id, "text": body["text"]}})

    def own_posts(self, request: httpx.Request) -> httpx.Response:
        if "pagination_token" in request.url.params:
            return httpx.Response(200, json=load("users_posts_page2.json"))
        recorded = load("users_posts.json")
        recorded["data"] = self.posts + recorded["data"]
        return httpx.Response(200, json=recorded)


class XHarness(HttpHarness):
    network = Network.X
    now = NOW
    since = NOW - timedelta(days=30)
    post_remote_id = "1861900000000000001"
    comment_remote_id = "1861950000000000002"

    def scene(self, router: respx.MockRouter | None) -> Scene:
        assert router is not None
        recorder = Recorder()
        fake = FakeX(recorder)
        self.fake = fake
        router.get(url__regex=rf"{X}/2/users/{ME}/tweets").mock(side_effect=fake.own_posts)
        router.post(url__regex=rf"{X}/2/tweets$").mock(side_effect=fake.create)
        router.get(url__regex=rf"{X}/2/users/{ME}/mentions").respond(json=load("mentions.json"))

        def search(request: httpx.Request) -> httpx.Response:
            if request.url.params["query"].startswith("conversation_id:"):
                return httpx.Response(200, json=load("conversation.json"))
            return httpx.Response(200, json=load("search_recent.json"))

        def hide(request: httpx.Request, target: str) -> httpx.Response:
            hidden = json.loads(request.content)["hidden"]
            if hidden:
                recorder.hidden.append(target)
            return httpx.Response(200, json={"data": {"hidden": hidden}})

        def delete(request: httpx.Request, target: str) -> httpx.Response:
            recorder.deleted.append(target)
            return httpx.Response(200, json={"data": {"deleted": True}})

        router.get(url__regex=rf"{X}/2/tweets/search/recent").mock(side_effect=search)
        router.put(url__regex=rf"{X}/2/tweets/(?P<target>\d+)/hidden").mock(side_effect=hide)
        router.delete(url__regex=rf"{X}/2/tweets/(?P<target>\d+)$").mock(side_effect=delete)
        router.get(url__regex=rf"{X}/2/users/me").respond(json=load("users_me.json"))
        sleeps: list[float] = []
        adapter = XAdapter(
            {"access_token": "tok", "user_id": ME, "username": "VilleExemple"},
            clock=lambda: NOW,
            sleep=sleeps.append,
        )
        return Scene(adapter=adapter, recorder=recorder, router=router, sleeps=sleeps)

    def variant(self) -> PostVariant:
        return PostVariant(
            network=Network.X, text="Fermeture de la piscine Jean-Bouin lundi pour vidange."
        )

    def fault_route(self, scene: Scene) -> respx.Route:
        assert scene.router is not None
        route: respx.Route = scene.router.routes[0]
        return route

    def error_response(self, fault: Fault) -> httpx.Response:
        if fault is Fault.AUTH_EXPIRED:
            return httpx.Response(401, json=load("error_401.json"))
        if fault is Fault.RATE_LIMITED:
            reset = str(int(NOW.timestamp()) + 900)
            return httpx.Response(
                429,
                json=load("error_429.json"),
                headers={"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset},
            )
        if fault is Fault.SERVER_ERROR:
            return httpx.Response(503, json=load("error_503.json"))
        return httpx.Response(200, text="upstream connect error or disconnect/reset")

    def lose_next_publish_answer(self, scene: Scene) -> None:
        self.fake.lose_next_answer = True


contract_harness = XHarness()
