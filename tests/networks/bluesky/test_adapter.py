"""Bluesky adapter on recorded XRPC payloads (respx, sockets disabled)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx

from beffroi.core.domain import Network
from beffroi.networks import get_adapter
from beffroi.networks.bluesky import BlueskyAdapter
from beffroi.networks.bluesky.adapter import jwt_expiry
from beffroi.networks.bluesky.richtext import tid_from_key
from beffroi.networks.errors import (
    AuthExpired,
    CapabilityMissing,
    ContentRejected,
    NotFound,
    PermissionMissing,
    RateLimited,
)
from beffroi.networks.health import check_token_health
from beffroi.networks.types import Media, PostVariant, TokenSet
from tests.networks.bluesky.fake import COMMENT_URI, ME, PDS, POST_URI, BlueskyFake, load
from tests.networks.bluesky.lexicon import errors_in_input, errors_in_params, errors_in_record

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SINCE = datetime(2026, 11, 10, tzinfo=UTC)
SESSION = {
    "pds_url": PDS,
    "access_token": load("create_session.json")["accessJwt"],
    "refresh_token": load("create_session.json")["refreshJwt"],
    "did": ME,
    "handle": "valmont.fr",
}


@pytest.fixture
def fake() -> Iterator[BlueskyFake]:
    with respx.mock(assert_all_called=False) as router:
        yield BlueskyFake(router)


@pytest.fixture
def waits() -> list[float]:
    return []


@pytest.fixture
def adapter(fake: BlueskyFake, waits: list[float]) -> BlueskyAdapter:
    built = get_adapter(Network.BLUESKY, SESSION, clock=lambda: NOW, sleep=waits.append)
    assert isinstance(built, BlueskyAdapter)
    return built


def variant(text: str = "La piscine rouvre lundi ! #piscine", **extra: object) -> PostVariant:
    return PostVariant(network=Network.BLUESKY, text=text, **extra)  # type: ignore[arg-type]


def written_records(fake: BlueskyFake) -> list[dict]:
    return [body["record"] for body in fake.written if body["collection"] == "app.bsky.feed.post"]


def test_publish_writes_a_valid_post_record_under_a_key_derived_from_the_idempotency_key(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    result = adapter.publish(
        variant("Travaux #tramway : https://www.valmont.fr/t merci @camille.bsky.social"), "draft-9"
    )
    body = fake.written[0]
    assert body["rkey"] == tid_from_key("draft-9") and body["repo"] == ME
    assert not errors_in_input("com.atproto.repo.createRecord", body)
    record = body["record"]
    assert not errors_in_record("app.bsky.feed.post", record)
    assert [f["features"][0]["$type"] for f in record["facets"]] == [
        "app.bsky.richtext.facet#tag",
        "app.bsky.richtext.facet#link",
        "app.bsky.richtext.facet#mention",
    ]
    assert record["facets"][2]["features"][0]["did"] == load("resolve_handle.json")["did"]
    assert record["createdAt"] == "2026-11-28T09:00:00.000Z" and record["langs"] == ["fr"]
    assert result.remote_id == f"at://{ME}/app.bsky.feed.post/{tid_from_key('draft-9')}"
    assert result.url == f"https://bsky.app/profile/valmont.fr/post/{tid_from_key('draft-9')}"


def test_images_are_uploaded_and_embedded_with_their_alt_text(
    adapter: BlueskyAdapter, fake: BlueskyFake, tmp_path: Path
) -> None:
    image = tmp_path / "piscine.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0jpeg")
    media = Media(str(image), "image/jpeg", "Le bassin ludique, vide", width=1600, height=1067)
    adapter.publish(variant(media=(media,)), "img-1")
    upload = fake.upload.calls.last.request
    assert upload.content == image.read_bytes() and upload.headers["Content-Type"] == "image/jpeg"
    embed = written_records(fake)[0]["embed"]
    assert embed["$type"] == "app.bsky.embed.images"
    assert embed["images"][0]["alt"] == "Le bassin ludique, vide"
    assert embed["images"][0]["aspectRatio"] == {"width": 1600, "height": 1067}
    assert not errors_in_record("app.bsky.feed.post", written_records(fake)[0])


def test_a_link_without_image_becomes_a_card(adapter: BlueskyAdapter, fake: BlueskyFake) -> None:
    adapter.publish(
        variant(
            "Le programme de l'été", link="https://www.valmont.fr/ete", title="L'été à Valmont"
        ),
        "card",
    )
    embed = written_records(fake)[0]["embed"]
    assert embed["external"] == {
        "uri": "https://www.valmont.fr/ete",
        "title": "L'été à Valmont",
        "description": "",
    }


def test_a_thread_replies_to_itself_with_strong_references(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    result = adapter.publish(variant("1/3 Conseil", thread=("2/3 Budget", "3/3 Vote")), "thread")
    first, second, third = written_records(fake)
    assert "reply" not in first
    assert second["reply"]["root"]["uri"] == result.remote_id == second["reply"]["parent"]["uri"]
    assert third["reply"]["root"]["uri"] == result.remote_id
    assert third["reply"]["parent"]["uri"] == result.thread_remote_ids[1]
    assert fake.written[2]["rkey"] == tid_from_key("thread:2")


def test_publishing_again_finds_the_record_instead_of_writing_it_twice(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    first = adapter.publish(variant(), "again")
    second = adapter.publish(variant(), "again")
    assert second.remote_id == first.remote_id and second.already_published
    assert fake.create_record.call_count == 1


def test_a_lost_answer_is_recovered_by_reading_the_record_key(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    fake.lose_next_answer = True
    result = adapter.publish(variant(), "lost")
    assert result.already_published  # found under its key after the timeout
    assert fake.create_record.call_count == 1 and len(fake.recorder.created) == 1


def test_a_duplicate_key_error_from_the_pds_reads_the_record_back(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    # Another worker wrote the record between our check and our create: the PDS answers 500.
    original = fake._get_record
    calls = {"n": 0}

    def racing(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if calls["n"] == 1:
            fake.records[("app.bsky.feed.post", tid_from_key("race"))] = {
                "uri": f"at://{ME}/app.bsky.feed.post/{tid_from_key('race')}",
                "cid": "bafyreirace",
                "value": {
                    "$type": "app.bsky.feed.post",
                    "text": "x",
                    "createdAt": "2026-11-28T08:59:59.000Z",
                },
            }
            return httpx.Response(400, json=load("error_record_not_found.json"))
        return original(request)

    fake.router.get(f"{PDS}/xrpc/com.atproto.repo.getRecord").mock(side_effect=racing)
    result = adapter.publish(variant(), "race")
    assert result.already_published and result.remote_id.endswith(tid_from_key("race"))


def test_reply_points_to_the_root_and_the_parent(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    adapter.reply(COMMENT_URI, "Oui, de 9 h à 13 h.", "reply-1")
    reply = written_records(fake)[0]["reply"]
    assert reply["parent"]["uri"] == COMMENT_URI and reply["parent"]["cid"]
    assert reply["root"]["uri"] == POST_URI
    assert fake.recorder.replies == [f"at://{ME}/app.bsky.feed.post/{tid_from_key('reply-1')}"]


def test_hide_a_reply_through_the_threadgate(adapter: BlueskyAdapter, fake: BlueskyFake) -> None:
    adapter.hide_comment(COMMENT_URI)
    gate = fake.written[-1]
    assert gate["collection"] == "app.bsky.feed.threadgate" and gate["rkey"] == "3k5a5r235cu3q"
    assert not errors_in_record("app.bsky.feed.threadgate", gate["record"])
    assert gate["record"]["hiddenReplies"] == [COMMENT_URI] and "allow" not in gate["record"]
    adapter.hide_comment(COMMENT_URI, hidden=False)
    assert fake.written[-1]["record"]["hiddenReplies"] == []


def test_only_replies_to_our_posts_can_be_hidden(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    foreign = load("get_posts_comment.json")
    foreign["posts"][0]["record"]["reply"]["root"]["uri"] = (
        "at://did:plc:autre/app.bsky.feed.post/3k5a5r235cu3q"
    )
    fake.router.get(f"{PDS}/xrpc/app.bsky.feed.getPosts").respond(200, json=foreign)
    with pytest.raises(PermissionMissing):
        adapter.hide_comment(COMMENT_URI)


def test_fetch_posts_reads_the_author_feed_without_reposts(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    posts = adapter.fetch_posts(SINCE)
    assert [p.remote_id for p in posts] == [POST_URI, f"at://{ME}/app.bsky.feed.post/3k2bq7yfl4s2c"]
    assert posts[0].metrics and (
        posts[0].metrics.likes,
        posts[0].metrics.shares,
        posts[0].metrics.comments,
    ) == (57, 13, 2)
    assert posts[0].media_count == 1
    params = dict(fake.author_feed.calls[0].request.url.params)
    assert not errors_in_params("app.bsky.feed.getAuthorFeed", params)
    assert fake.author_feed.call_count == 2  # the second page is older than `since`: stop there


def test_fetch_posts_falls_back_to_the_repository_without_an_appview(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    fake.author_feed.side_effect = None
    fake.author_feed.respond(400, json=load("error_no_appview.json"))
    posts = adapter.fetch_posts(SINCE)
    assert {p.remote_id for p in posts} == {POST_URI, f"at://{ME}/app.bsky.feed.post/3k2bq7yfl4s2c"}
    assert all(p.metrics is None for p in posts)


def test_fetch_comments_keeps_parents_and_hidden_replies(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    comments = adapter.fetch_comments(POST_URI, SINCE)
    assert [c.author.handle for c in comments] == ["camille.bsky.social", "bernard-v.bsky.social"]
    camille, bernard = comments
    assert camille.parent_remote_id is None and bernard.parent_remote_id == camille.remote_id
    assert bernard.hidden and not camille.hidden  # in the threadgate's hiddenReplies
    assert not errors_in_params(
        "app.bsky.feed.getPostThread", dict(fake.thread.calls.last.request.url.params)
    )


def test_mentions_are_mentions_and_quotes_only(adapter: BlueskyAdapter, fake: BlueskyFake) -> None:
    mentions = adapter.fetch_mentions(SINCE)
    assert [m.author.handle for m in mentions] == ["bernard-v.bsky.social"]
    assert mentions[0].text.startswith("@valmont.fr lampadaire")
    sent = fake.notifications.calls[0].request.url.params
    assert sent.get_list("reasons") == ["mention", "quote"]
    assert (
        fake.notifications.call_count == 2
        and len(adapter.fetch_mentions(datetime(2026, 9, 1, tzinfo=UTC))) == 2
    )


def test_search_uses_search_posts(adapter: BlueskyAdapter, fake: BlueskyFake) -> None:
    found = adapter.search("piscine Valmont", SINCE)
    assert [m.kind for m in found] == ["search"] and "piscine" in found[0].text
    params = dict(fake.search.calls.last.request.url.params)
    assert params["q"] == "piscine Valmont" and params["since"] == "2026-11-10T00:00:00.000Z"
    assert not errors_in_params("app.bsky.feed.searchPosts", params)


def test_account_stats(adapter: BlueskyAdapter) -> None:
    stats = adapter.account_stats()
    assert (stats.followers, stats.following, stats.posts) == (9312, 140, 812)


def test_login_with_an_app_password_and_refresh_on_expired_token(fake: BlueskyFake) -> None:
    stored: list[TokenSet] = []
    adapter = BlueskyAdapter(
        {"pds_url": PDS, "identifier": "valmont.fr", "app_password": "abcd-efgh-ijkl-mnop"},
        clock=lambda: NOW,
        on_tokens_refreshed=stored.append,
    )
    fake.profile.side_effect = [
        httpx.Response(400, json=load("error_expired_token.json")),
        httpx.Response(200, json=load("get_profile.json")),
    ]
    assert adapter.account_stats().followers == 9312
    assert json.loads(fake.create_session.calls.last.request.content) == {
        "identifier": "valmont.fr",
        "password": "abcd-efgh-ijkl-mnop",
    }
    assert (
        fake.refresh_session.calls.last.request.headers["Authorization"]
        == f"Bearer {load('create_session.json')['refreshJwt']}"
    )
    assert [t.access_token for t in stored] == [
        load("create_session.json")["accessJwt"],
        load("refresh_session.json")["accessJwt"],
    ]
    assert stored[-1].extra["did"] == ME and stored[-1].expires_at == jwt_expiry(
        load("refresh_session.json")["accessJwt"]
    )


def test_a_revoked_session_without_password_asks_to_reconnect(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    fake.profile.respond(400, json=load("error_invalid_token.json"))
    fake.get_session.respond(400, json=load("error_invalid_token.json"))
    fake.refresh_session.respond(400, json=load("error_expired_token.json"))
    with pytest.raises(AuthExpired) as caught:
        adapter.account_stats()
    assert caught.value.code == "InvalidToken"
    health = check_token_health(adapter, now=NOW)
    assert not health.ok and "reconnectez" in health.message


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (variant("é" * 301), "text_too_long"),
        (variant("x", media=(Media("/v.mp4", "video/mp4", "une vidéo"),)), "media_type"),
        (
            variant("x", media=tuple(Media(f"/{n}.jpg", "image/jpeg", "img") for n in range(5))),
            "too_many_images",
        ),
    ],
)
def test_refuses_what_bluesky_would_refuse_before_calling(
    adapter: BlueskyAdapter, fake: BlueskyFake, bad: PostVariant, reason: str
) -> None:
    with pytest.raises(ContentRejected) as caught:
        adapter.publish(bad, "bad")
    assert caught.value.reason == reason and not fake.create_record.called


def test_the_pds_reason_is_kept_when_it_refuses_a_record(
    adapter: BlueskyAdapter, fake: BlueskyFake
) -> None:
    fake.create_record.side_effect = None
    fake.create_record.respond(400, json=load("error_invalid_request.json"))
    with pytest.raises(ContentRejected) as caught:
        adapter.publish(variant(), "refused")
    assert "300 graphemes" in caught.value.message and caught.value.code == "InvalidRequest"


def test_rate_limit_headers(adapter: BlueskyAdapter, fake: BlueskyFake, waits: list[float]) -> None:
    reset = int(NOW.timestamp()) + 30
    fake.profile.side_effect = [
        httpx.Response(
            429, json=load("error_rate_limit.json"), headers={"ratelimit-reset": str(reset)}
        ),
        httpx.Response(200, json=load("get_profile.json")),
    ]
    adapter.account_stats()
    assert waits == [30.0]
    fake.profile.side_effect = None
    fake.profile.respond(
        429, json=load("error_rate_limit.json"), headers={"ratelimit-reset": str(reset + 3600)}
    )
    with pytest.raises(RateLimited) as caught:
        adapter.account_stats()
    assert caught.value.retry_after == 3630


def test_delete_a_missing_record(adapter: BlueskyAdapter) -> None:
    with pytest.raises(NotFound):
        adapter.delete(f"at://{ME}/app.bsky.feed.post/{tid_from_key('never')}")
    with pytest.raises(PermissionMissing):
        adapter.delete(COMMENT_URI)


def test_oauth_is_replaced_by_app_passwords(adapter: BlueskyAdapter) -> None:
    with pytest.raises(CapabilityMissing) as caught:
        adapter.authorization_url("s", "https://beffroi.example/retour")
    assert "mot de passe d'application" in caught.value.user_action
    refreshed = adapter.refresh(
        TokenSet(access_token="old", refresh_token=SESSION["refresh_token"])
    )
    assert refreshed.access_token == load("refresh_session.json")["accessJwt"]
