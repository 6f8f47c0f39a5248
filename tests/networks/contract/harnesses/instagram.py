"""Instagram in the contract suite: containers, media_publish and comments on a stateful respx fake."""

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
from beffroi.networks.facebook.graph import GRAPH_BASE, GRAPH_VERSION
from beffroi.networks.instagram import InstagramAdapter
from beffroi.networks.types import Media, PostVariant
from tests.networks.contract.harness import Fault, HttpHarness, Recorder, Scene

FIXTURES = Path(__file__).parents[3] / "fixtures" / "instagram"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
IG = "17841400000000001"
G = re.escape(GRAPH_BASE)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


def form(request: httpx.Request) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(request.content.decode()).items()}


def graph_time(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S+0000")


class FakeInstagram:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.containers: dict[str, str] = {}  # container id -> caption
        self.media: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []
        self.lose_next_answer = False

    def create_container(self, request: httpx.Request) -> httpx.Response:
        container = f"1788{len(self.containers) + 1:011d}"
        self.containers[container] = form(request).get("caption", "")
        return httpx.Response(200, json={"id": container})

    def publish(self, request: httpx.Request) -> httpx.Response:
        caption = self.containers[form(request)["creation_id"]]
        media_id = f"1792{len(self.media) + 1:011d}"
        self.media.insert(
            0,
            {
                "id": media_id,
                "caption": caption,
                "timestamp": graph_time(NOW),
                "permalink": f"https://www.instagram.com/p/{media_id}/",
            },
        )
        self.recorder.created.append(media_id)
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise httpx.ReadTimeout("answer lost after media_publish")
        return httpx.Response(200, json={"id": media_id})

    def list_media(self, request: httpx.Request) -> httpx.Response:
        recorded = load("media.json")
        recorded["data"] = self.media + recorded["data"]
        return httpx.Response(200, json=recorded)

    def media_info(self, request: httpx.Request, node: str) -> httpx.Response:
        for media in self.media:
            if media["id"] == node:
                return httpx.Response(200, json=media)
        if node in self.containers:
            return httpx.Response(200, json=load("container_finished.json"))
        return httpx.Response(200, json={"id": node})

    def list_replies(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"data": self.replies})

    def reply(self, request: httpx.Request) -> httpx.Response:
        remote_id = f"1787{len(self.replies) + 1:011d}"
        self.replies.append(
            {
                "id": remote_id,
                "text": form(request)["message"],
                "timestamp": graph_time(NOW),
                "from": {"id": IG, "username": "ville_exemple"},
            }
        )
        self.recorder.replies.append(remote_id)
        return httpx.Response(200, json={"id": remote_id})


class InstagramHarness(HttpHarness):
    network = Network.INSTAGRAM
    now = NOW
    since = NOW - timedelta(days=30)
    post_remote_id = "17895695668004550"
    comment_remote_id = "17865799348089039"
    search_query = "budget participatif"

    def scene(self, router: respx.MockRouter | None) -> Scene:
        assert router is not None
        recorder = Recorder()
        fake = FakeInstagram(recorder)
        self.fake = fake
        router.get(url__regex=rf"{G}/{IG}/media").mock(side_effect=fake.list_media)
        router.post(url__regex=rf"{G}/{IG}/media_publish").mock(side_effect=fake.publish)
        router.post(url__regex=rf"{G}/{IG}/media(\?|$)").mock(side_effect=fake.create_container)
        router.get(url__regex=rf"{G}/{IG}/content_publishing_limit").respond(
            json=load("publishing_limit.json")
        )
        router.get(url__regex=rf"{G}/{IG}/tags").respond(json=load("tags.json"))
        router.get(url__regex=rf"{G}/{IG}/insights").respond(json=load("user_insights.json"))
        router.get(url__regex=rf"{G}/{IG}(\?|$)").respond(
            json=load("user.json"), headers={"facebook-api-version": GRAPH_VERSION}
        )
        router.get(url__regex=rf"{G}/debug_token").respond(
            json={"data": {"is_valid": True, "expires_at": 0, "scopes": []}}
        )
        router.get(url__regex=rf"{G}/ig_hashtag_search").respond(json=load("hashtag_search.json"))
        router.get(url__regex=rf"{G}/\d+/recent_media").respond(
            json=load("hashtag_recent_media.json")
        )
        router.get(url__regex=rf"{G}/\d+/insights").respond(
            json=load("media_insights_carousel.json")
        )
        router.get(url__regex=rf"{G}/{self.post_remote_id}/comments").respond(
            json=load("comments.json")
        )
        router.get(url__regex=rf"{G}/\d+/replies").mock(side_effect=fake.list_replies)
        router.post(url__regex=rf"{G}/\d+/replies").mock(side_effect=fake.reply)
        router.get(url__regex=rf"{G}/(?P<node>\d+)(\?|$)").mock(side_effect=fake.media_info)

        def hide(request: httpx.Request, target: str) -> httpx.Response:
            if form(request).get("hide") == "true":
                recorder.hidden.append(target)
            return httpx.Response(200, json={"success": True})

        def delete(request: httpx.Request, target: str) -> httpx.Response:
            recorder.deleted.append(target)
            return httpx.Response(200, json={"success": True})

        router.post(url__regex=rf"{G}/(?P<target>\d+)(\?|$)").mock(side_effect=hide)
        router.delete(url__regex=rf"{G}/(?P<target>\d+)(\?|$)").mock(side_effect=delete)
        sleeps: list[float] = []
        adapter = InstagramAdapter(
            {"access_token": "EAApagetoken", "ig_user_id": IG},
            clock=lambda: NOW,
            sleep=sleeps.append,
        )
        return Scene(adapter=adapter, recorder=recorder, router=router, sleeps=sleeps)

    def variant(self) -> PostVariant:
        return PostVariant(
            network=Network.INSTAGRAM,
            text="Fermeture de la piscine Jean-Bouin lundi pour vidange. #piscine",
            media=(
                Media(
                    "https://cdn.ville-exemple.fr/piscine.jpg",
                    "image/jpeg",
                    alt_text="Bassin vide de la piscine Jean-Bouin",
                ),
            ),
        )

    def fault_route(self, scene: Scene) -> respx.Route:
        assert scene.router is not None
        route: respx.Route = scene.router.routes[0]
        return route

    def error_response(self, fault: Fault) -> httpx.Response:
        if fault is Fault.AUTH_EXPIRED:
            return httpx.Response(400, json=load("error_token_expired.json"))
        if fault is Fault.RATE_LIMITED:
            usage = json.dumps({IG: [{"call_count": 100, "estimated_time_to_regain_access": 1}]})
            return httpx.Response(
                400,
                json=load("error_rate_limit.json"),
                headers={"X-Business-Use-Case-Usage": usage},
            )
        if fault is Fault.SERVER_ERROR:
            return httpx.Response(503, text="Service Unavailable")
        return httpx.Response(
            200, content=b'{"data": [', headers={"Content-Type": "application/json"}
        )

    def lose_next_publish_answer(self, scene: Scene) -> None:
        self.fake.lose_next_answer = True


contract_harness = InstagramHarness()
