"""YouTube adapter against recorded Data API v3 payloads (respx, sockets disabled)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import respx

from beffroi.core.domain import Network
from beffroi.networks import get_adapter
from beffroi.networks.errors import (
    AuthExpired,
    ContentRejected,
    MalformedResponse,
    PermissionMissing,
    RateLimited,
    Transient,
)
from beffroi.networks.types import Media, PostVariant, TokenSet
from beffroi.networks.youtube import YouTubeAdapter
from beffroi.networks.youtube.adapter import marker_tag
from beffroi.networks.youtube.client import API_BASE as Y
from beffroi.networks.youtube.client import (
    CAPTIONS_UPLOAD_URL,
    TOKEN_URL,
    TOKENINFO_URL,
    UPLOAD_URL,
)

FIXTURES = Path(__file__).parents[1] / "fixtures" / "youtube"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CHANNEL = "UCvilleExemple0000000001"
SESSION = "https://youtube.googleapis.com/upload/youtube/v3/videos?uploadType=resumable&upload_id=xa298sd_f"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Sleeper:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make(sleeper: Sleeper | None = None, **extra: Any) -> YouTubeAdapter:
    options = {k: v for k, v in extra.items() if callable(v)}
    credentials = {k: v for k, v in extra.items() if not callable(v)}
    adapter = get_adapter(
        Network.YOUTUBE,
        {
            "access_token": "ya29.ancien",
            "channel_id": CHANNEL,
            "uploads_playlist_id": "UUvilleExemple0000000001",
            **credentials,
        },
        sleep=sleeper or Sleeper(),
        clock=lambda: NOW,
        **options,
    )
    assert isinstance(adapter, YouTubeAdapter)
    return adapter


def video_variant(tmp_path: Path, **kwargs: Any) -> PostVariant:
    clip = tmp_path / "piscine.mp4"
    clip.write_bytes(b"\x00\x00\x00\x18ftypmp42 fake video")
    return PostVariant(
        network=Network.YOUTUBE,
        text="Fermeture de la piscine Jean-Bouin lundi pour vidange.",
        media=(Media(str(clip), "video/mp4"),),
        **kwargs,
    )


def upload_routes() -> tuple[respx.Route, respx.Route]:
    session = respx.post(UPLOAD_URL).respond(200, headers={"Location": SESSION})
    put = respx.put(SESSION).respond(200, json=load("video_uploaded.json"))
    return session, put


def latest_uploads(videos: Any | None = None) -> None:
    respx.get(f"{Y}/playlistItems").respond(json=load("playlist_items.json"))
    respx.get(f"{Y}/videos").respond(json=videos or load("videos_list.json"))


# ---------------------------------------------------------------------------- publishing


@respx.mock
def test_uploads_a_video_with_metadata_and_a_marker_tag(tmp_path: Path) -> None:
    latest_uploads()
    session, put = upload_routes()
    result = make().publish(
        video_variant(tmp_path, title="Piscine Jean-Bouin : vidange", link="https://v.fr/p"),
        idempotency_key="yt-1",
    )
    opened = session.calls.last.request
    assert opened.url.params["uploadType"] == "resumable"
    assert opened.url.params["part"] == "snippet,status"
    assert opened.headers["X-Upload-Content-Type"] == "video/mp4"
    assert opened.headers["X-Upload-Content-Length"] == str(
        len(b"\x00\x00\x00\x18ftypmp42 fake video")
    )
    metadata = json.loads(opened.content)
    assert metadata["snippet"]["title"] == "Piscine Jean-Bouin : vidange"
    assert metadata["snippet"]["description"].endswith("\n\nhttps://v.fr/p")
    assert metadata["snippet"]["tags"] == [marker_tag("yt-1")]
    assert metadata["status"]["privacyStatus"] == "public"
    assert put.calls.last.request.content == b"\x00\x00\x00\x18ftypmp42 fake video"
    assert result.remote_id == "newVideo123"
    assert result.url == "https://www.youtube.com/watch?v=newVideo123"


@respx.mock
def test_a_video_already_uploaded_with_the_key_is_not_uploaded_again(tmp_path: Path) -> None:
    videos = load("videos_list.json")
    videos["items"][1]["snippet"]["tags"] = [marker_tag("yt-2")]
    latest_uploads(videos)
    session, _ = upload_routes()
    result = make().publish(video_variant(tmp_path), idempotency_key="yt-2")
    assert result.already_published and result.remote_id == "pisteQuai01"
    assert not session.called


@respx.mock
def test_a_lost_upload_answer_is_found_by_its_marker(tmp_path: Path) -> None:
    respx.get(f"{Y}/playlistItems").respond(json=load("playlist_items.json"))
    found = load("videos_list.json")
    found["items"][0]["snippet"]["tags"] = [marker_tag("yt-3")]
    videos = respx.get(f"{Y}/videos").mock(
        side_effect=[
            httpx.Response(200, json=load("videos_list.json")),
            httpx.Response(200, json=found),
        ]
    )
    respx.post(UPLOAD_URL).respond(200, headers={"Location": SESSION})
    put = respx.put(SESSION).mock(side_effect=httpx.ReadTimeout("lent"))
    result = make().publish(video_variant(tmp_path), idempotency_key="yt-3")
    assert put.call_count == 4  # the bytes may be sent again: the session publishes once
    assert videos.call_count == 2
    assert result.already_published and result.remote_id == "cm26nov2026"


@respx.mock
def test_french_subtitles_are_added_once_and_never_twice(tmp_path: Path) -> None:
    subtitles = tmp_path / "piscine.vtt"
    subtitles.write_text("WEBVTT\n\n00:00.000 --> 00:02.000\nLa piscine ferme lundi.\n")
    clip = tmp_path / "piscine.mp4"
    clip.write_bytes(b"video")
    latest_uploads()
    upload_routes()
    tracks = respx.get(f"{Y}/captions").mock(
        side_effect=[
            httpx.Response(200, json=load("captions_none.json")),  # only automatic ones
            httpx.Response(200, json=load("captions_fr.json")),
        ]
    )
    insert = respx.post(CAPTIONS_UPLOAD_URL).respond(json=load("caption_inserted.json"))
    variant = PostVariant(
        network=Network.YOUTUBE,
        text="Piscine",
        media=(Media(str(clip), "video/mp4", captions_path=str(subtitles)),),
    )
    adapter = make()
    adapter.publish(variant, "yt-cc")
    make().publish(variant, "yt-cc-2")  # a second publication finds the track already there

    request = insert.calls.last.request
    assert insert.call_count == 1 and tracks.call_count == 2
    assert request.url.params["uploadType"] == "multipart"
    assert request.headers["Content-Type"].startswith("multipart/related; boundary=")
    assert b'"language": "fr"' in request.content and b"La piscine ferme lundi." in request.content


@respx.mock
def test_refused_subtitles_say_the_video_is_published(tmp_path: Path) -> None:
    subtitles = tmp_path / "bad.srt"
    subtitles.write_text("pas des sous-titres")
    clip = tmp_path / "piscine.mp4"
    clip.write_bytes(b"video")
    latest_uploads()
    upload_routes()
    respx.get(f"{Y}/captions").respond(json={"items": []})
    respx.post(CAPTIONS_UPLOAD_URL).respond(400, json=load("error_400_captions.json"))
    variant = PostVariant(
        network=Network.YOUTUBE,
        text="Piscine",
        media=(Media(str(clip), "video/mp4", captions_path=str(subtitles)),),
    )
    with pytest.raises(ContentRejected) as caught:
        make().publish(variant, "yt-cc-bad")
    assert caught.value.user_action.startswith("La vidéo est publiée, mais YouTube a refusé")
    assert "unsupported format" in caught.value.user_action


def test_preflight_wants_one_video_and_nothing_else(tmp_path: Path) -> None:
    adapter = make()
    assert adapter.preflight(video_variant(tmp_path)) == ()
    with_image = PostVariant(
        network=Network.YOUTUBE,
        text="x",
        media=(Media("/v.mp4", "video/mp4"), Media("/i.jpg", "image/jpeg")),
    )
    assert adapter.preflight(with_image)


def test_a_post_without_exactly_one_video_is_refused() -> None:
    with pytest.raises(ContentRejected) as caught:
        make().publish(PostVariant(network=Network.YOUTUBE, text="Texte"), "yt-4")
    assert "une (et une seule) vidéo" in caught.value.user_action


def test_titles_lose_the_angle_brackets_youtube_refuses(tmp_path: Path) -> None:
    metadata = make()._metadata(video_variant(tmp_path, title="<Direct> conseil " + "x" * 200), "t")
    assert metadata["snippet"]["title"].startswith("‹Direct› conseil")
    assert len(metadata["snippet"]["title"]) == 100


@respx.mock
def test_replies_to_a_comment_once() -> None:
    parent = "UgzThread000000000002"
    listing = respx.get(f"{Y}/comments").mock(
        side_effect=[
            httpx.Response(200, json={"items": []}),
            httpx.Response(
                200,
                json={
                    "items": [
                        {
                            "id": "UgzThread000000000002.9zReply00009",
                            "snippet": {
                                "textOriginal": "Le vote aura lieu en mars.",
                                "authorChannelId": {"value": CHANNEL},
                                "publishedAt": "2026-11-27T12:00:01Z",
                            },
                        }
                    ]
                },
            ),
        ]
    )
    insert = respx.post(f"{Y}/comments").respond(json=load("comment_inserted.json"))
    first = make().reply(parent, "Le vote aura lieu en mars.", "yt-r")
    second = make().reply(parent, "Le vote aura lieu en mars.", "yt-r")
    assert json.loads(insert.calls.last.request.content) == {
        "snippet": {"parentId": parent, "textOriginal": "Le vote aura lieu en mars."}
    }
    assert insert.call_count == 1 and listing.call_count == 2
    assert first.remote_id == second.remote_id and second.already_published


@respx.mock
def test_hiding_holds_the_comment_for_review_and_unhiding_publishes_it() -> None:
    route = respx.post(f"{Y}/comments/setModerationStatus").respond(204)
    adapter = make()
    adapter.hide_comment("UgzThread000000000002")
    adapter.hide_comment("UgzThread000000000002", hidden=False)
    assert [c.request.url.params["moderationStatus"] for c in route.calls] == [
        "heldForReview",
        "published",
    ]


@respx.mock
def test_deletes_a_video() -> None:
    route = respx.delete(f"{Y}/videos").respond(204)
    make().delete("cm26nov2026")
    assert route.calls.last.request.url.params["id"] == "cm26nov2026"


# ---------------------------------------------------------------------------- reading


@respx.mock
def test_fetches_videos_of_the_uploads_playlist_with_statistics() -> None:
    items = respx.get(f"{Y}/playlistItems").respond(json=load("playlist_items.json"))
    videos = respx.get(f"{Y}/videos").respond(json=load("videos_list.json"))
    posts = make().fetch_posts(since=NOW - timedelta(days=30))
    assert items.calls.last.request.url.params["playlistId"] == "UUvilleExemple0000000001"
    # The third upload is older than `since`: the walk stops and it is never looked up.
    assert videos.calls.last.request.url.params["id"] == "cm26nov2026,pisteQuai01"
    council = posts[0]
    assert council.text.startswith("Conseil municipal du 26 novembre 2026\n\nSéance publique")
    assert council.metrics is not None
    assert (council.metrics.video_views, council.metrics.likes, council.metrics.comments) == (
        1834,
        41,
        12,
    )
    assert council.author.display_name == "Ville d'Exemple"


@respx.mock
def test_the_uploads_playlist_is_looked_up_once_when_unknown() -> None:
    channels = respx.get(f"{Y}/channels").respond(json=load("channels_mine.json"))
    respx.get(f"{Y}/playlistItems").respond(json=load("playlist_items.json"))
    respx.get(f"{Y}/videos").respond(json=load("videos_list.json"))
    adapter = get_adapter(
        Network.YOUTUBE, {"access_token": "t", "channel_id": CHANNEL}, clock=lambda: NOW
    )
    adapter.fetch_posts(since=NOW - timedelta(days=30))
    adapter.fetch_posts(since=NOW - timedelta(days=30))
    assert channels.call_count == 1


@respx.mock
def test_fetches_comment_threads_with_replies_and_moderation_state() -> None:
    route = respx.get(f"{Y}/commentThreads").respond(json=load("comment_threads.json"))
    comments = make().fetch_comments("cm26nov2026", since=NOW - timedelta(days=2))
    assert route.calls.last.request.url.params["textFormat"] == "plainText"
    assert [c.author.handle for c in comments] == ["@jeanne.d", "@villeexemple", "@karim.b"]
    assert comments[1].parent_remote_id == "UgzThread000000000001"
    assert comments[0].author.display_name == "jeanne.d"
    assert comments[2].hidden and not comments[0].hidden


@respx.mock
def test_search_finds_recent_french_videos() -> None:
    route = respx.get(f"{Y}/search").respond(json=load("search_list.json"))
    (found,) = make().search("piscine Jean-Bouin", since=NOW - timedelta(days=7))
    params = route.calls.last.request.url.params
    assert params["publishedAfter"] == "2026-11-20T12:00:00Z"
    assert (params["type"], params["order"], params["relevanceLanguage"]) == ("video", "date", "fr")
    assert found.author.display_name == "Nageur du Dimanche" and found.kind == "search"


@respx.mock
def test_account_stats_from_channel_statistics() -> None:
    respx.get(f"{Y}/channels").respond(json=load("channels_mine.json"))
    stats = make().account_stats()
    assert (stats.followers, stats.posts) == (12800, 742)


# ---------------------------------------------------------------------------- faults


@respx.mock
def test_an_expired_access_token_is_refreshed_and_stored() -> None:
    stored: list[TokenSet] = []
    channels = respx.get(f"{Y}/channels").mock(
        side_effect=[
            httpx.Response(401, json=load("error_401.json")),
            httpx.Response(200, json=load("channels_mine.json")),
        ]
    )
    token = respx.post(TOKEN_URL).respond(json=load("oauth_token.json"))
    adapter = make(
        refresh_token="1//0refresh",
        client_id="cid",
        client_secret="sec",
        on_tokens_refreshed=stored.append,
    )
    assert adapter.account_stats().followers == 12800
    assert parse_qs(token.calls.last.request.content.decode())["grant_type"] == ["refresh_token"]
    assert channels.calls.last.request.headers["Authorization"] == "Bearer ya29.a0AfB_nouveau"
    # Google does not send a new refresh token on refresh: the stored one is kept.
    assert stored[0].refresh_token == "1//0refresh"


@respx.mock
def test_a_revoked_refresh_token_asks_to_reconnect() -> None:
    respx.get(f"{Y}/channels").respond(401, json=load("error_401.json"))
    respx.post(TOKEN_URL).respond(
        400,
        json={"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
    )
    adapter = make(refresh_token="1//0old", client_id="cid", client_secret="sec")
    with pytest.raises(AuthExpired) as caught:
        adapter.account_stats()
    assert "Invalid" in caught.value.message or "authentication" in caught.value.message


@respx.mock
def test_insufficient_scopes_are_a_missing_permission() -> None:
    respx.get(f"{Y}/channels").respond(403, json=load("error_403_insufficient.json"))
    with pytest.raises(PermissionMissing):
        make().account_stats()


@respx.mock
def test_quota_exhausted_waits_for_midnight_pacific() -> None:
    respx.get(f"{Y}/search").respond(403, json=load("error_403_quota.json"))
    with pytest.raises(RateLimited) as caught:
        make().search("piscine", since=NOW - timedelta(days=1))
    # 12:00 UTC is 04:00 in Los Angeles (PST): 20 hours to midnight.
    assert caught.value.retry_after == 20 * 3600
    assert "<a" not in caught.value.message
    assert "minuit heure du Pacifique" in caught.value.user_action


@respx.mock
def test_429_with_retry_after_then_success() -> None:
    respx.get(f"{Y}/channels").mock(
        side_effect=[
            httpx.Response(
                429,
                headers={"Retry-After": "7"},
                json={
                    "error": {
                        "code": 429,
                        "message": "Too Many Requests",
                        "errors": [{"reason": "rateLimitExceeded2"}],
                    }
                },
            ),
            httpx.Response(200, json=load("channels_mine.json")),
        ]
    )
    sleeper = Sleeper()
    assert make(sleeper).account_stats().followers == 12800
    assert sleeper.waits == [7.0]


@respx.mock
def test_backend_error_then_success() -> None:
    respx.get(f"{Y}/channels").mock(
        side_effect=[
            httpx.Response(500, json=load("error_500_backend.json")),
            httpx.Response(200, json=load("channels_mine.json")),
        ]
    )
    assert make().account_stats().followers == 12800


@respx.mock
def test_backend_errors_that_persist_end_in_transient() -> None:
    respx.get(f"{Y}/channels").respond(500, json=load("error_500_backend.json"))
    with pytest.raises(Transient):
        make().account_stats()


@respx.mock
def test_malformed_json() -> None:
    respx.get(f"{Y}/channels").respond(200, text="<!DOCTYPE html><title>Error 502</title>")
    with pytest.raises(MalformedResponse):
        make().account_stats()


@respx.mock
def test_an_answer_without_a_documented_field_is_a_malformed_response() -> None:
    respx.get(f"{Y}/channels").respond(json={"items": [{"id": CHANNEL}]})
    respx.get(f"{Y}/search").respond(json={"items": [{"id": {"videoId": "v"}, "snippet": {}}]})
    with pytest.raises(MalformedResponse) as caught:
        make().search("piscine", since=NOW - timedelta(days=1))
    assert "publishedAt" in caught.value.message


@respx.mock
def test_an_invalid_title_surfaces_youtube_reason_in_french(tmp_path: Path) -> None:
    latest_uploads()
    respx.post(UPLOAD_URL).respond(400, json=load("error_400_invalid_title.json"))
    with pytest.raises(ContentRejected) as caught:
        make().publish(video_variant(tmp_path), "yt-bad")
    assert caught.value.user_action.startswith(
        "YouTube a refusé la demande : « The request metadata specifies an invalid video title. »"
    )


@respx.mock
def test_comments_disabled_is_a_refusal_without_html() -> None:
    respx.get(f"{Y}/comments").respond(json={"items": []})
    respx.post(f"{Y}/comments").respond(403, json=load("error_403_comments_disabled.json"))
    with pytest.raises(ContentRejected) as caught:
        make().reply("UgzThread000000000002", "Merci", "yt-cd")
    assert "<" not in caught.value.reason and "has disabled comments" in caught.value.reason


# ---------------------------------------------------------------------------- tokens and OAuth


@respx.mock
def test_token_health_reports_the_scope_that_was_not_granted() -> None:
    respx.get(TOKENINFO_URL).respond(json=load("tokeninfo.json"))
    health = make().token_health()
    assert not health.ok
    assert health.missing_scopes == ("https://www.googleapis.com/auth/youtube.force-ssl",)


def test_authorization_url_asks_for_offline_access() -> None:
    url = make(client_id="cid.apps.googleusercontent.com").authorization_url(
        "etat", "https://beffroi.example/oauth/youtube"
    )
    query = parse_qs(url.split("?", 1)[1])
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert "code_challenge" not in query


@respx.mock
def test_exchange_code_stores_the_channel_and_its_uploads_playlist() -> None:
    respx.post(TOKEN_URL).respond(json={**load("oauth_token.json"), "refresh_token": "1//0premier"})
    channels = respx.get(f"{Y}/channels").respond(json=load("channels_mine.json"))
    tokens = make(client_id="cid", client_secret="sec").exchange_code(
        "4/0code", "https://beffroi.example/oauth/youtube"
    )
    assert channels.calls.last.request.headers["Authorization"] == "Bearer ya29.a0AfB_nouveau"
    assert tokens.refresh_token == "1//0premier"
    assert tokens.extra == {
        "channel_id": CHANNEL,
        "uploads_playlist_id": "UUvilleExemple0000000001",
    }
