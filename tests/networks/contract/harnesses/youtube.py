"""YouTube in the contract suite: a stateful fake of uploads, playlist items, videos and comments."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import respx

from beffroi.core.domain import Network
from beffroi.networks.types import Media, PostVariant
from beffroi.networks.youtube import YouTubeAdapter
from beffroi.networks.youtube.client import API_BASE, TOKENINFO_URL, UPLOAD_URL
from tests.networks.contract.harness import Fault, HttpHarness, Recorder, Scene

FIXTURES = Path(__file__).parents[3] / "fixtures" / "youtube"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CHANNEL = "UCvilleExemple0000000001"
Y = re.escape(API_BASE)


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class FakeYouTube:
    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder
        self.sessions: dict[str, dict[str, Any]] = {}  # upload_id -> metadata, then the video
        self.videos: list[dict[str, Any]] = []
        self.replies: list[dict[str, Any]] = []
        self.lose_next_answer = False

    def open_session(self, request: httpx.Request) -> httpx.Response:
        upload_id = f"s{len(self.sessions) + 1}"
        self.sessions[upload_id] = {"metadata": json.loads(request.content)}
        location = f"{UPLOAD_URL}?uploadType=resumable&upload_id={upload_id}"
        return httpx.Response(200, headers={"Location": location})

    def upload(self, request: httpx.Request) -> httpx.Response:
        session = self.sessions[request.url.params["upload_id"]]
        if "video" not in session:  # a completed session answers with the same video
            snippet = {**session["metadata"]["snippet"], "publishedAt": "2026-11-27T12:00:00Z"}
            video = {"id": f"vid{len(self.videos) + 1:08d}", "snippet": snippet}
            session["video"] = video
            self.videos.insert(0, video)
            self.recorder.created.append(video["id"])
            if self.lose_next_answer:
                self.lose_next_answer = False
                raise httpx.ReadTimeout("answer lost after the upload completed")
        return httpx.Response(200, json=session["video"])

    def playlist_items(self, request: httpx.Request) -> httpx.Response:
        recorded = load("playlist_items.json")
        mine = [
            {
                "snippet": {
                    "publishedAt": v["snippet"]["publishedAt"],
                    "resourceId": {"kind": "youtube#video", "videoId": v["id"]},
                }
            }
            for v in self.videos
        ]
        recorded["items"] = mine + recorded["items"]
        return httpx.Response(200, json=recorded)

    def videos_list(self, request: httpx.Request) -> httpx.Response:
        wanted = request.url.params["id"].split(",")
        recorded = load("videos_list.json")["items"]
        items = [v for v in self.videos + recorded if v["id"] in wanted]
        return httpx.Response(200, json={"items": items})

    def list_replies(self, request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"items": self.replies})

    def insert_reply(self, request: httpx.Request) -> httpx.Response:
        snippet = json.loads(request.content)["snippet"]
        comment = {
            "id": f"{snippet['parentId']}.r{len(self.replies) + 1}",
            "snippet": {
                **snippet,
                "authorChannelId": {"value": CHANNEL},
                "publishedAt": "2026-11-27T12:00:00Z",
            },
        }
        self.replies.append(comment)
        self.recorder.replies.append(comment["id"])
        return httpx.Response(200, json=comment)


class YouTubeHarness(HttpHarness):
    network = Network.YOUTUBE
    now = NOW
    since = NOW - timedelta(days=30)
    post_remote_id = "cm26nov2026"
    comment_remote_id = "UgzThread000000000002"

    # A few bytes are enough: the fake network stores them, it does not play them.
    clip = FIXTURES / "contract-clip.mp4"

    def scene(self, router: respx.MockRouter | None) -> Scene:
        assert router is not None
        recorder = Recorder()
        fake = FakeYouTube(recorder)
        self.fake = fake
        router.get(url__regex=rf"{Y}/playlistItems").mock(side_effect=fake.playlist_items)
        router.get(url__regex=rf"{Y}/videos").mock(side_effect=fake.videos_list)
        router.post(url__regex=rf"{re.escape(UPLOAD_URL)}\?(?!.*upload_id)").mock(
            side_effect=fake.open_session
        )
        router.put(url__regex=rf"{re.escape(UPLOAD_URL)}\?.*upload_id=").mock(
            side_effect=fake.upload
        )
        router.get(url__regex=rf"{Y}/commentThreads").respond(json=load("comment_threads.json"))
        router.get(url__regex=rf"{Y}/comments\?").mock(side_effect=fake.list_replies)
        router.post(url__regex=rf"{Y}/comments\?").mock(side_effect=fake.insert_reply)

        def moderate(request: httpx.Request) -> httpx.Response:
            if request.url.params["moderationStatus"] == "heldForReview":
                recorder.hidden.append(request.url.params["id"])
            return httpx.Response(204)

        def delete(request: httpx.Request) -> httpx.Response:
            recorder.deleted.append(request.url.params["id"])
            return httpx.Response(204)

        router.post(url__regex=rf"{Y}/comments/setModerationStatus").mock(side_effect=moderate)
        router.delete(url__regex=rf"{Y}/videos").mock(side_effect=delete)
        router.get(url__regex=rf"{Y}/search").respond(json=load("search_list.json"))
        router.get(url__regex=rf"{Y}/channels").respond(json=load("channels_mine.json"))
        router.get(url__regex=re.escape(TOKENINFO_URL)).respond(json=load("tokeninfo.json"))
        sleeps: list[float] = []
        adapter = YouTubeAdapter(
            {
                "access_token": "ya29.contrat",
                "channel_id": CHANNEL,
                "uploads_playlist_id": "UUvilleExemple0000000001",
            },
            clock=lambda: NOW,
            sleep=sleeps.append,
        )
        return Scene(adapter=adapter, recorder=recorder, router=router, sleeps=sleeps)

    def variant(self) -> PostVariant:
        return PostVariant(
            network=Network.YOUTUBE,
            text="Fermeture de la piscine Jean-Bouin lundi pour vidange.",
            title="Piscine Jean-Bouin : vidange lundi",
            media=(Media(str(self.clip), "video/mp4"),),
        )

    def fault_route(self, scene: Scene) -> respx.Route:
        assert scene.router is not None
        route: respx.Route = scene.router.routes[0]
        return route

    def error_response(self, fault: Fault) -> httpx.Response:
        if fault is Fault.AUTH_EXPIRED:
            return httpx.Response(401, json=load("error_401.json"))
        if fault is Fault.RATE_LIMITED:
            return httpx.Response(403, json=load("error_403_quota.json"))
        if fault is Fault.SERVER_ERROR:
            return httpx.Response(500, json=load("error_500_backend.json"))
        return httpx.Response(200, text="<!DOCTYPE html><title>502</title>")

    def lose_next_publish_answer(self, scene: Scene) -> None:
        self.fake.lose_next_answer = True


contract_harness = YouTubeHarness()
