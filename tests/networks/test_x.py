"""X adapter against recorded API v2 payloads (respx, sockets disabled)."""

from __future__ import annotations

import base64
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
from beffroi.networks.oauth import make_pkce_pair
from beffroi.networks.types import Media, PostVariant, TokenSet
from beffroi.networks.x import XAdapter
from beffroi.networks.x.client import API_BASE as X

FIXTURES = Path(__file__).parents[1] / "fixtures" / "x"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
ME = "1234567890"


def load(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class Sleeper:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


def make(sleeper: Sleeper | None = None, **extra: Any) -> XAdapter:
    options = {k: v for k, v in extra.items() if callable(v)}
    credentials = {k: v for k, v in extra.items() if not callable(v)}
    adapter = get_adapter(
        Network.X,
        {"access_token": "tok", "user_id": ME, "username": "VilleExemple", **credentials},
        sleep=sleeper or Sleeper(),
        clock=lambda: NOW,
        **options,
    )
    assert isinstance(adapter, XAdapter)
    return adapter


def sent(route: respx.Route, index: int = -1) -> Any:
    return json.loads(route.calls[index].request.content)


def no_own_posts() -> respx.Route:
    return respx.get(f"{X}/2/users/{ME}/tweets").respond(json={"meta": {"result_count": 0}})


# ---------------------------------------------------------------------------- publishing


@respx.mock
def test_publishes_a_post_with_the_link_appended() -> None:
    no_own_posts()
    route = respx.post(f"{X}/2/tweets").respond(201, json=load("create_post.json"))
    result = make().publish(
        PostVariant(
            network=Network.X,
            text="Fermeture de la piscine Jean-Bouin lundi pour vidange.",
            link="https://www.ville-exemple.fr/piscines",
        ),
        idempotency_key="x-1",
    )
    assert sent(route) == {
        "text": "Fermeture de la piscine Jean-Bouin lundi pour vidange.\n"
        "https://www.ville-exemple.fr/piscines"
    }
    assert result.remote_id == "1862100000000000001"
    assert result.url == "https://x.com/VilleExemple/status/1862100000000000001"
    assert route.calls.last.request.headers["Authorization"] == "Bearer tok"


@respx.mock
def test_a_thread_is_published_as_a_chain_of_replies() -> None:
    no_own_posts()
    route = respx.post(f"{X}/2/tweets").mock(
        side_effect=[
            httpx.Response(201, json={"data": {"id": "101", "text": "1/3"}}),
            httpx.Response(201, json={"data": {"id": "102", "text": "2/3"}}),
            httpx.Response(201, json={"data": {"id": "103", "text": "3/3"}}),
        ]
    )
    result = make().publish(
        PostVariant(network=Network.X, text="1/3", thread=("2/3", "3/3")), idempotency_key="t"
    )
    assert [sent(route, i).get("reply") for i in range(3)] == [
        None,
        {"in_reply_to_tweet_id": "101"},
        {"in_reply_to_tweet_id": "102"},
    ]
    assert result.thread_remote_ids == ("101", "102", "103")


@respx.mock
def test_a_thread_interrupted_by_a_crash_resumes_without_duplicating_parts() -> None:
    respx.get(f"{X}/2/users/{ME}/tweets").respond(
        json={
            "data": [
                {"id": "101", "text": "1/3", "created_at": "2026-11-27T11:58:00.000Z"},
                {
                    "id": "102",
                    "text": "2/3",
                    "created_at": "2026-11-27T11:58:01.000Z",
                    "referenced_posts": [{"type": "replied_to", "id": "101"}],
                },
            ]
        }
    )
    route = respx.post(f"{X}/2/tweets").respond(201, json={"data": {"id": "103", "text": "3/3"}})
    result = make().publish(
        PostVariant(network=Network.X, text="1/3", thread=("2/3", "3/3")), idempotency_key="t"
    )
    assert route.call_count == 1
    assert sent(route) == {"text": "3/3", "reply": {"in_reply_to_tweet_id": "102"}}
    assert result.thread_remote_ids == ("101", "102", "103") and result.already_published


@respx.mock
def test_uploads_an_image_then_its_alt_text_then_posts(tmp_path: Path) -> None:
    picture = tmp_path / "piscine.jpg"
    picture.write_bytes(b"\xff\xd8\xff fake jpeg")
    no_own_posts()
    upload = respx.post(f"{X}/2/media/upload").respond(json=load("media_upload.json"))
    metadata = respx.post(f"{X}/2/media/metadata").respond(json=load("media_metadata.json"))
    post = respx.post(f"{X}/2/tweets").respond(201, json=load("create_post.json"))

    make().publish(
        PostVariant(
            network=Network.X,
            text="Vidange",
            media=(Media(str(picture), "image/jpeg", alt_text="Bassin vide"),),
        ),
        idempotency_key="x-m",
    )

    assert sent(upload) == {
        "media": base64.b64encode(b"\xff\xd8\xff fake jpeg").decode(),
        "media_category": "tweet_image",
    }
    assert sent(metadata) == {
        "id": "1862099999999999999",
        "metadata": {"alt_text": {"text": "Bassin vide"}},
    }
    assert sent(post)["media"] == {"media_ids": ["1862099999999999999"]}


@respx.mock
def test_a_video_is_sent_in_chunks_and_waited_for(tmp_path: Path) -> None:
    clip = tmp_path / "conseil.mp4"
    clip.write_bytes(b"v" * (4 * 1024 * 1024 + 10))  # two segments
    no_own_posts()
    media = "1862199999999999990"
    init = respx.post(f"{X}/2/media/upload/initialize").respond(json=load("media_initialize.json"))
    append = respx.post(f"{X}/2/media/upload/{media}/append").respond(
        json=load("media_append.json")
    )
    respx.post(f"{X}/2/media/upload/{media}/finalize").respond(json=load("media_finalize.json"))
    status = respx.get(f"{X}/2/media/upload").mock(
        side_effect=[
            httpx.Response(200, json=load("media_status_in_progress.json")),
            httpx.Response(200, json=load("media_status_succeeded.json")),
        ]
    )
    post = respx.post(f"{X}/2/tweets").respond(201, json=load("create_post.json"))
    sleeper = Sleeper()

    make(sleeper).publish(
        PostVariant(
            network=Network.X, text="Le conseil en vidéo", media=(Media(str(clip), "video/mp4"),)
        ),
        idempotency_key="x-v",
    )

    assert sent(init) == {
        "media_type": "video/mp4",
        "total_bytes": 4 * 1024 * 1024 + 10,
        "media_category": "tweet_video",
    }
    assert append.call_count == 2
    assert b'name="segment_index"\r\n\r\n1' in append.calls[1].request.content
    assert status.calls.last.request.url.params["command"] == "STATUS"
    assert sleeper.waits == [2.0, 3.0]  # as X asked in check_after_secs
    assert sent(post)["media"] == {"media_ids": [media]}


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        (tuple(Media(f"/{i}.jpg", "image/jpeg") for i in range(5)), "au plus 4 images"),
        ((Media("/v.mp4", "video/mp4"), Media("/i.jpg", "image/jpeg")), "une seule vidéo"),
        ((Media("/v.avi", "video/x-msvideo"),), "MP4 ou MOV"),
    ],
)
def test_preflight_names_what_x_will_refuse(media: tuple[Media, ...], expected: str) -> None:
    variant = PostVariant(network=Network.X, text="x", media=media)
    assert any(expected in p for p in make().preflight(variant))
    with pytest.raises(ContentRejected) as caught:
        make().publish(variant, "refused-before-any-call")
    assert expected in caught.value.user_action


def test_a_video_format_x_refuses_is_stopped_before_upload(tmp_path: Path) -> None:
    clip = tmp_path / "film.avi"
    clip.write_bytes(b"avi")
    with pytest.raises(ContentRejected) as caught:
        make()._upload(Media(str(clip), "video/x-msvideo"))
    assert "MP4" in caught.value.user_action


@respx.mock
def test_an_earlier_attempt_is_found_despite_the_t_co_link() -> None:
    respx.get(f"{X}/2/users/{ME}/tweets").respond(json=load("own_recent.json"))
    post = respx.post(f"{X}/2/tweets")
    result = make().publish(
        PostVariant(
            network=Network.X,
            text="Travaux rue Victor Hugo : circulation alternée du 2 au 6 décembre. Infos :",
            link="https://www.ville-exemple.fr/travaux",
        ),
        idempotency_key="x-2",
    )
    assert result.already_published and result.remote_id == "1861900000000000001"
    assert not post.called


@respx.mock
def test_a_lost_answer_is_resolved_by_listing_own_posts_again() -> None:
    listing = respx.get(f"{X}/2/users/{ME}/tweets").mock(
        side_effect=[
            httpx.Response(200, json={"meta": {"result_count": 0}}),
            httpx.Response(
                200,
                json={
                    "data": [
                        {
                            "id": "1862100000000000001",
                            "text": "Fermeture lundi.",
                            "created_at": "2026-11-27T12:00:00.000Z",
                        }
                    ]
                },
            ),
        ]
    )
    post = respx.post(f"{X}/2/tweets").mock(side_effect=httpx.ReadTimeout("lent"))
    result = make().publish(PostVariant(network=Network.X, text="Fermeture lundi."), "x-3")
    assert post.call_count == 1 and listing.call_count == 2
    assert result.already_published and result.remote_id == "1862100000000000001"


@respx.mock
def test_a_duplicate_refusal_points_to_the_existing_post() -> None:
    respx.get(f"{X}/2/users/{ME}/tweets").mock(
        side_effect=[
            httpx.Response(200, json={"meta": {"result_count": 0}}),
            httpx.Response(200, json=load("own_recent.json")),
        ]
    )
    respx.post(f"{X}/2/tweets").respond(403, json=load("error_403_duplicate.json"))
    result = make().publish(
        PostVariant(
            network=Network.X,
            text="Travaux rue Victor Hugo : circulation alternée du 2 au 6 décembre. Infos : "
            "https://www.ville-exemple.fr/travaux",
        ),
        "x-4",
    )
    assert result.already_published and result.remote_id == "1861900000000000001"


@respx.mock
def test_a_duplicate_refusal_with_nothing_found_is_a_clear_refusal() -> None:
    no_own_posts()
    respx.post(f"{X}/2/tweets").respond(403, json=load("error_403_duplicate.json"))
    with pytest.raises(ContentRejected) as caught:
        make().publish(PostVariant(network=Network.X, text="Déjà dit"), "x-5")
    assert "duplicate content" in caught.value.user_action
    assert caught.value.user_action.startswith("X a refusé la publication")


@respx.mock
def test_a_reply_already_posted_under_the_same_parent_is_not_posted_again() -> None:
    respx.get(f"{X}/2/users/{ME}/tweets").respond(json=load("own_recent.json"))
    post = respx.post(f"{X}/2/tweets")
    result = make().reply(
        "1861950000000000002",
        "@camille_m Oui, la ligne 4 est déviée par le boulevard pendant les travaux.",
        "x-r",
    )
    assert result.already_published and result.remote_id == "1862000000000000777"
    assert not post.called


@respx.mock
def test_the_same_text_under_another_parent_is_a_new_reply() -> None:
    respx.get(f"{X}/2/users/{ME}/tweets").respond(json=load("own_recent.json"))
    post = respx.post(f"{X}/2/tweets").respond(201, json={"data": {"id": "9", "text": "x"}})
    make().reply(
        "1111111111111111111",
        "@camille_m Oui, la ligne 4 est déviée par le boulevard pendant les travaux.",
        "x-r2",
    )
    assert sent(post)["reply"] == {"in_reply_to_tweet_id": "1111111111111111111"}


@respx.mock
def test_hides_a_reply_and_deletes_a_post() -> None:
    hide = respx.put(f"{X}/2/tweets/1861950000000000002/hidden").respond(json=load("hidden.json"))
    delete = respx.delete(f"{X}/2/tweets/1861900000000000001").respond(json=load("deleted.json"))
    adapter = make()
    adapter.hide_comment("1861950000000000002")
    adapter.delete("1861900000000000001")
    assert sent(hide) == {"hidden": True} and delete.called


# ---------------------------------------------------------------------------- reading


@respx.mock
def test_fetches_own_posts_across_pages_with_public_metrics() -> None:
    route = respx.get(f"{X}/2/users/{ME}/tweets").mock(
        side_effect=[
            httpx.Response(200, json=load("users_posts.json")),
            httpx.Response(200, json=load("users_posts_page2.json")),
        ]
    )
    posts = make().fetch_posts(since=NOW - timedelta(days=30))
    assert [p.remote_id for p in posts] == [
        "1861900000000000001",
        "1861500000000000001",
        "1857000000000000001",
    ]
    second = route.calls[1].request.url.params
    assert second["pagination_token"] == "7140dibdnow9c7btw4539n4vybdnx4fwcbkqyx8o6dbmw"
    assert second["exclude"] == "retweets,replies"
    top = posts[0]
    assert top.author.handle == "VilleExemple" and top.media_count == 1
    assert top.metrics is not None
    assert (top.metrics.impressions, top.metrics.likes, top.metrics.comments) == (8120, 61, 9)
    assert top.metrics.shares == 16  # reposts and quotes


@respx.mock
def test_comments_are_the_replies_of_the_conversation() -> None:
    route = respx.get(f"{X}/2/tweets/search/recent").respond(json=load("conversation.json"))
    comments = make().fetch_comments("1861900000000000001", since=NOW - timedelta(days=30))
    query = route.calls.last.request.url.params
    assert query["query"] == "conversation_id:1861900000000000001"
    # Recent search reaches back 7 days only: the start is clamped.
    assert query["start_time"] == "2026-11-20T12:01:00Z"
    reply, question = comments
    assert question.parent_remote_id is None and question.author.handle == "camille_m"
    assert reply.parent_remote_id == "1861950000000000002"


@respx.mock
def test_mentions_name_their_authors_and_what_they_answer() -> None:
    respx.get(f"{X}/2/users/{ME}/mentions").respond(json=load("mentions.json"))
    first, second = make().fetch_mentions(since=NOW - timedelta(days=7))
    assert first.author.handle == "camille_m" and first.author.followers == 312
    assert first.in_reply_to_remote_id == "1861900000000000001"
    assert second.in_reply_to_remote_id is None and second.likes == 17
    assert second.url == "https://x.com/velo_en_ville/status/1861700000000000003"


@respx.mock
def test_search_excludes_reposts_and_sorts_by_recency() -> None:
    route = respx.get(f"{X}/2/tweets/search/recent").respond(json=load("search_recent.json"))
    (found,) = make().search("piscine Jean-Bouin", since=NOW - timedelta(days=2))
    params = route.calls.last.request.url.params
    assert params["query"] == "(piscine Jean-Bouin) -is:retweet"
    assert params["sort_order"] == "recency"
    assert found.kind == "search" and found.author.handle == "nageuse_dim"


@respx.mock
def test_account_stats_from_users_me() -> None:
    respx.get(f"{X}/2/users/me").respond(json=load("users_me.json"))
    stats = make().account_stats()
    assert (stats.followers, stats.following, stats.posts) == (15230, 402, 9811)


# ---------------------------------------------------------------------------- faults


@respx.mock
def test_an_expired_token_is_refreshed_once_and_the_call_goes_on() -> None:
    stored: list[TokenSet] = []
    me = respx.get(f"{X}/2/users/me").mock(
        side_effect=[
            httpx.Response(401, json=load("error_401.json")),
            httpx.Response(200, json=load("users_me.json")),
        ]
    )
    token = respx.post(f"{X}/2/oauth2/token").respond(json=load("oauth_token.json"))
    adapter = make(refresh_token="old-refresh", client_id="cid", on_tokens_refreshed=stored.append)

    assert adapter.account_stats().followers == 15230

    assert parse_qs(token.calls.last.request.content.decode()) == {
        "grant_type": ["refresh_token"],
        "refresh_token": ["old-refresh"],
        "client_id": ["cid"],
    }
    assert me.calls.last.request.headers["Authorization"].startswith("Bearer bWRjRmt4")
    assert stored[0].expires_at == NOW + timedelta(hours=2)
    assert adapter.credentials["refresh_token"].startswith("dFhFNlRH")


@respx.mock
def test_an_expired_token_without_refresh_token_asks_to_reconnect() -> None:
    respx.get(f"{X}/2/users/me").respond(401, json=load("error_401.json"))
    with pytest.raises(AuthExpired) as caught:
        make().account_stats()
    assert "reconnectez" in caught.value.user_action


@respx.mock
def test_forbidden_is_a_missing_permission() -> None:
    respx.put(f"{X}/2/tweets/1/hidden").respond(403, json=load("error_403_forbidden.json"))
    with pytest.raises(PermissionMissing) as caught:
        make().hide_comment("1")
    assert caught.value.message == "You are not permitted to perform this action."


@respx.mock
def test_429_waits_until_the_rate_limit_reset_header() -> None:
    reset = str(int(NOW.timestamp()) + 45)
    respx.get(f"{X}/2/users/{ME}/mentions").mock(
        side_effect=[
            httpx.Response(
                429,
                json=load("error_429.json"),
                headers={
                    "x-rate-limit-limit": "180",
                    "x-rate-limit-remaining": "0",
                    "x-rate-limit-reset": reset,
                },
            ),
            httpx.Response(
                200,
                json=load("mentions.json"),
                headers={"x-rate-limit-limit": "180", "x-rate-limit-remaining": "179"},
            ),
        ]
    )
    sleeper = Sleeper()
    adapter = make(sleeper)
    assert len(adapter.fetch_mentions(since=NOW - timedelta(days=7))) == 2
    assert sleeper.waits == [45.0]
    assert adapter.api.rate_limit is not None and adapter.api.rate_limit.remaining == 179


@respx.mock
def test_429_with_a_distant_reset_is_raised_with_the_wait() -> None:
    reset = str(int(NOW.timestamp()) + 900)
    respx.get(f"{X}/2/users/{ME}/mentions").respond(
        429, json=load("error_429.json"), headers={"x-rate-limit-reset": reset}
    )
    with pytest.raises(RateLimited) as caught:
        make().fetch_mentions(since=NOW)
    assert caught.value.retry_after == 900.0 and "15 min" in caught.value.user_action


@respx.mock
def test_503_then_success_on_a_read() -> None:
    respx.get(f"{X}/2/users/me").mock(
        side_effect=[
            httpx.Response(503, json=load("error_503.json")),
            httpx.Response(200, json=load("users_me.json")),
        ]
    )
    sleeper = Sleeper()
    assert make(sleeper).account_stats().followers == 15230
    assert len(sleeper.waits) == 1


@respx.mock
def test_a_503_on_a_post_is_not_retried_blindly() -> None:
    no_own_posts()
    post = respx.post(f"{X}/2/tweets").respond(503, json=load("error_503.json"))
    with pytest.raises(Transient):
        make().publish(PostVariant(network=Network.X, text="Bonjour"), "x-503")
    assert post.call_count == 1


@respx.mock
def test_malformed_json() -> None:
    respx.get(f"{X}/2/users/me").respond(200, text="upstream connect error")
    with pytest.raises(MalformedResponse):
        make().account_stats()


@respx.mock
def test_a_created_post_without_id_is_a_malformed_response() -> None:
    no_own_posts()
    respx.post(f"{X}/2/tweets").respond(201, json={"data": {"text": "sans identifiant"}})
    with pytest.raises(MalformedResponse) as caught:
        make().publish(PostVariant(network=Network.X, text="Bonjour"), "x-noid")
    assert "'id'" in caught.value.message and caught.value.network is Network.X


@respx.mock
def test_an_invalid_post_surfaces_x_reason_in_french() -> None:
    no_own_posts()
    respx.post(f"{X}/2/tweets").respond(400, json=load("error_400_invalid.json"))
    with pytest.raises(ContentRejected) as caught:
        make().publish(PostVariant(network=Network.X, text="trop long"), "x-400")
    assert caught.value.user_action == (
        "X a refusé la publication : « Your Post text is too long. ». Corrigez le contenu selon "
        "ce motif, puis relancez la publication."
    )


# ---------------------------------------------------------------------------- OAuth 2.0 with PKCE


def test_authorization_url_uses_pkce_s256() -> None:
    verifier, challenge = make_pkce_pair()
    url = make(client_id="cid").authorization_url(
        "etat", "https://beffroi.example/oauth/x", code_challenge=challenge
    )
    assert url.startswith("https://x.com/i/oauth2/authorize?")
    query = parse_qs(url.split("?", 1)[1])
    assert query["code_challenge"] == [challenge] and query["code_challenge_method"] == ["S256"]
    assert "offline.access" in query["scope"][0].split()


@respx.mock
def test_exchange_code_with_a_confidential_client_uses_basic_auth() -> None:
    token = respx.post(f"{X}/2/oauth2/token").respond(json=load("oauth_token.json"))
    respx.get(f"{X}/2/users/me").respond(json=load("users_me.json"))
    tokens = make(client_id="cid", client_secret="sec").exchange_code(
        "code-1", "https://beffroi.example/oauth/x", code_verifier="v" * 50
    )
    request = token.calls.last.request
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"cid:sec").decode()
    assert parse_qs(request.content.decode())["code_verifier"] == ["v" * 50]
    assert tokens.extra == {"user_id": ME, "username": "VilleExemple"}
    assert tokens.expires_at == NOW + timedelta(seconds=7200)
