"""Mastodon adapter on recorded payloads (respx, sockets disabled): mapping, exactly-once, errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
import respx

from beffroi.core.domain import Network
from beffroi.networks import get_adapter
from beffroi.networks.errors import (
    AuthExpired,
    ContentRejected,
    MalformedResponse,
    NotFound,
    PermissionMissing,
    RateLimited,
    Transient,
)
from beffroi.networks.health import check_token_health
from beffroi.networks.mastodon import MastodonAdapter
from beffroi.networks.mastodon.adapter import effective_scopes, mastodon_length
from beffroi.networks.mastodon.mapper import html_to_text
from beffroi.networks.types import Media, PostVariant
from tests.networks.mastodon.fake import INSTANCE, MastodonFake, form_of, load

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
SINCE = datetime(2026, 11, 1, tzinfo=UTC)


class Sleeper:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def fake() -> Iterator[MastodonFake]:
    with respx.mock(assert_all_called=False) as router:
        yield MastodonFake(router)


@pytest.fixture
def sleeper() -> Sleeper:
    return Sleeper()


@pytest.fixture
def adapter(fake: MastodonFake, sleeper: Sleeper) -> MastodonAdapter:
    built = get_adapter(
        Network.MASTODON,
        {
            "instance_url": INSTANCE,
            "access_token": "token-valmont",
            "client_id": "cid",
            "client_secret": "cs",
        },
        clock=lambda: NOW,
        sleep=sleeper,
    )
    assert isinstance(built, MastodonAdapter)
    return built


def test_publish_with_an_image_sends_its_description_and_the_idempotency_key(
    adapter: MastodonAdapter, fake: MastodonFake, tmp_path: Path
) -> None:
    image = tmp_path / "piscine.jpg"
    image.write_bytes(b"\xff\xd8\xff\xe0fake-jpeg")
    result = adapter.publish(
        PostVariant(
            network=Network.MASTODON,
            text="La piscine rouvre lundi !",
            link="https://www.valmont.fr/piscine",
            media=(
                Media(path=str(image), mime_type="image/jpeg", alt_text="Le bassin ludique, vide"),
            ),
        ),
        idempotency_key="draft-7",
    )
    upload = fake.media.calls.last.request
    assert b'name="description"' in upload.content and b"Le bassin ludique, vide" in upload.content
    posted = fake.post_status.calls.last.request
    assert posted.headers["Idempotency-Key"] == "draft-7"
    form = form_of(posted)
    assert form["media_ids[]"] == [load("media_attachment.json")["id"]]
    assert form["status"] == ["La piscine rouvre lundi !\n\nhttps://www.valmont.fr/piscine"]
    assert form["visibility"] == ["public"] and form["language"] == ["fr"]
    assert result.url and result.url.startswith(INSTANCE)
    assert result.published_at.tzinfo is UTC


def test_waits_for_media_still_processing(
    adapter: MastodonAdapter, fake: MastodonFake, sleeper: Sleeper, tmp_path: Path
) -> None:
    fake.media.respond(202, json=load("media_attachment_processing.json"))
    polled = fake.router.get(f"{INSTANCE}/api/v1/media/113500000000000001").mock(
        side_effect=[
            httpx.Response(206, json=load("media_attachment_processing.json")),
            httpx.Response(200, json=load("media_attachment.json")),
        ]
    )
    image = tmp_path / "a.png"
    image.write_bytes(b"\x89PNG")
    adapter.publish(
        PostVariant(
            network=Network.MASTODON, text="x", media=(Media(str(image), "image/png", "un pixel"),)
        ),
        "k",
    )
    assert polled.call_count == 2
    assert sleeper.waits == [1.0, 2.0]


def test_a_thread_chains_its_parts_with_derived_keys(
    adapter: MastodonAdapter, fake: MastodonFake
) -> None:
    result = adapter.publish(
        PostVariant(
            network=Network.MASTODON, text="1/2 Conseil municipal", thread=("2/2 Ordre du jour",)
        ),
        "t-1",
    )
    first, second = fake.post_status.calls
    assert second.request.headers["Idempotency-Key"] == "t-1:1"
    assert form_of(second.request)["in_reply_to_id"] == [result.remote_id]
    assert len(result.thread_remote_ids) == 2
    assert first.request.headers["Idempotency-Key"] == "t-1"


def test_a_timeout_after_the_server_created_the_status_does_not_duplicate_it(
    adapter: MastodonAdapter, fake: MastodonFake, sleeper: Sleeper
) -> None:
    fake.lose_next_answer = True
    result = adapter.publish(PostVariant(network=Network.MASTODON, text="Bonjour"), "draft-8")
    # Retried with the same Idempotency-Key: the server answers with the status it already made.
    assert fake.post_status.call_count == 2
    assert fake.recorder.created == [result.remote_id]
    assert len(sleeper.waits) == 1


def test_fetch_posts_follows_the_link_header_until_since(
    adapter: MastodonAdapter, fake: MastodonFake
) -> None:
    posts = adapter.fetch_posts(SINCE)
    assert [p.remote_id for p in posts] == [
        "113500000000000010",
        "113400000000000020",
        "113300000000000030",
    ]
    assert fake.statuses.call_count == 2
    newest = posts[0]
    assert newest.text.startswith("🏊 La piscine Jean-Bouin rouvre lundi")
    assert (
        "Horaires : https://www.valmont.fr/piscine" in newest.text
    )  # the whole link, not its shortened display
    assert newest.metrics and (
        newest.metrics.likes,
        newest.metrics.shares,
        newest.metrics.comments,
    ) == (41, 17, 3)
    assert newest.media_count == 1 and newest.author.handle == "villedevalmont"
    recent = adapter.fetch_posts(datetime(2026, 11, 21, tzinfo=UTC))
    assert [p.remote_id for p in recent] == ["113500000000000010"]
    assert fake.statuses.call_count == 3  # stopped on the first page


def test_fetch_comments_keeps_the_thread_shape(adapter: MastodonAdapter) -> None:
    comments = {c.remote_id: c for c in adapter.fetch_comments("113500000000000010", SINCE)}
    camille, bernard = comments["113500000000000101"], comments["113500000000000102"]
    assert camille.parent_remote_id is None  # answers the post itself
    assert bernard.parent_remote_id == camille.remote_id
    assert camille.author.handle == "camille@piaille.fr"
    assert camille.text == "@villedevalmont Enfin ! Les horaires du dimanche changent aussi ?"


def test_mentions_come_from_notifications(adapter: MastodonAdapter, fake: MastodonFake) -> None:
    mentions = adapter.fetch_mentions(SINCE)
    assert [m.author.handle for m in mentions] == [
        "bernard_v@mastodon.social",
        "camille@piaille.fr",
    ]
    assert "Lampadaire en panne rue Pasteur" in mentions[0].text
    assert fake.notifications.calls.last.request.url.params.get_list("types[]") == ["mention"]


def test_search_reads_the_hashtag_timeline_or_full_text(
    adapter: MastodonAdapter, fake: MastodonFake
) -> None:
    tagged = adapter.search("#piscine", SINCE)
    assert fake.tag.calls.last.request.url.path == "/api/v1/timelines/tag/piscine"
    assert {m.kind for m in tagged} == {"search"} and len(tagged) == 2
    words = adapter.search("piscine Valmont", SINCE)
    assert [m.remote_id for m in words] == ["113500000000000400"]


def test_reply_names_the_person_answered(adapter: MastodonAdapter, fake: MastodonFake) -> None:
    adapter.reply("113500000000000101", "Oui : le dimanche de 9 h à 13 h.", "reply-1")
    form = form_of(fake.post_status.calls.last.request)
    assert form["status"] == ["@camille@piaille.fr Oui : le dimanche de 9 h à 13 h."]
    assert form["in_reply_to_id"] == ["113500000000000101"]
    assert fake.post_status.calls.last.request.headers["Idempotency-Key"] == "reply-1"


def test_account_stats(adapter: MastodonAdapter) -> None:
    stats = adapter.account_stats()
    assert (stats.followers, stats.following, stats.posts) == (18432, 211, 1520)


@pytest.mark.parametrize(
    ("status", "fixture", "error"),
    [
        (401, "error_unauthorized.json", AuthExpired),
        (403, "error_scope.json", PermissionMissing),
        (404, "error_not_found.json", NotFound),
        (422, "error_unprocessable.json", ContentRejected),
    ],
)
def test_errors_carry_the_instance_reason(
    adapter: MastodonAdapter, fake: MastodonFake, status: int, fixture: str, error: type
) -> None:
    fake.post_status.respond(status, json=load(fixture))
    with pytest.raises(error) as caught:
        adapter.publish(PostVariant(network=Network.MASTODON, text="Bonjour"), "e-1")
    assert caught.value.message == load(fixture)["error"]
    assert fake.post_status.call_count == 1  # not retried: retrying cannot help


def test_rate_limit_waits_until_the_reset_date_then_succeeds(
    adapter: MastodonAdapter, fake: MastodonFake, sleeper: Sleeper
) -> None:
    fake.verify.side_effect = [
        httpx.Response(
            429,
            json=load("error_rate_limited.json"),
            headers={"X-RateLimit-Reset": "2026-11-28T09:00:42.000Z"},
        ),
        httpx.Response(200, json=load("account_verify_credentials.json")),
    ]
    assert adapter.account_stats().followers == 18432
    assert sleeper.waits == [42.0]


def test_a_long_rate_limit_is_raised_with_the_time_to_wait(
    adapter: MastodonAdapter, fake: MastodonFake
) -> None:
    fake.verify.respond(
        429,
        json=load("error_rate_limited.json"),
        headers={"X-RateLimit-Reset": "2026-11-28T09:30:00.000Z"},
    )
    with pytest.raises(RateLimited) as caught:
        adapter.account_stats()
    assert caught.value.retry_after == 1800


def test_malformed_json_and_server_errors(
    adapter: MastodonAdapter, fake: MastodonFake, sleeper: Sleeper
) -> None:
    fake.verify.respond(200, text="<html>maintenance</html>")
    with pytest.raises(MalformedResponse):
        adapter.account_stats()
    fake.verify.respond(502, text="Bad Gateway")
    with pytest.raises(Transient):
        adapter.account_stats()
    assert len(sleeper.waits) == 3  # three retries of the read, with backoff


def test_text_too_long_is_refused_before_calling(
    adapter: MastodonAdapter, fake: MastodonFake
) -> None:
    with pytest.raises(ContentRejected) as caught:
        adapter.publish(PostVariant(network=Network.MASTODON, text="a" * 501), "long")
    assert caught.value.reason == "text_too_long" and not fake.post_status.called
    roomy = MastodonAdapter(
        {"instance_url": INSTANCE, "access_token": "t", "max_characters": "1000"}, clock=lambda: NOW
    )
    roomy.publish(PostVariant(network=Network.MASTODON, text="a" * 501), "long-ok")
    assert fake.post_status.called
    # A link counts 23 characters whatever its length.
    assert mastodon_length("voir https://www.valmont.fr/" + "x" * 200) == 5 + 23
    assert mastodon_length("@camille@piaille.fr merci") == len("@camille merci")


def test_oauth_flow(adapter: MastodonAdapter, fake: MastodonFake) -> None:
    url = adapter.authorization_url("st", "https://beffroi.example/retour", code_challenge="ch")
    assert url.startswith(f"{INSTANCE}/oauth/authorize?")
    assert (
        "client_id=cid" in url and "scope=read+write" in url and "code_challenge_method=S256" in url
    )
    tokens = adapter.exchange_code("the-code", "https://beffroi.example/retour", code_verifier="v")
    assert tokens.access_token == load("oauth_token.json")["access_token"]
    assert tokens.scopes == ("read", "write") and tokens.extra["instance_url"] == INSTANCE
    sent = fake.router.calls.last.request.content.decode()
    assert "grant_type=authorization_code" in sent and "code_verifier=v" in sent


def test_token_health_reports_scopes_and_deprecated_endpoints(
    adapter: MastodonAdapter, fake: MastodonFake
) -> None:
    assert check_token_health(adapter, now=NOW).ok
    fake.router.get(f"{INSTANCE}/api/v1/apps/verify_credentials").respond(
        200, json={**load("app_verify_credentials.json"), "scopes": ["read"]}
    )
    health = check_token_health(adapter, now=NOW)
    assert not health.ok and health.missing_scopes == ("write",)
    fake.verify.respond(
        200, json=load("account_verify_credentials.json"), headers={"Deprecation": "@1767225600"}
    )
    health = check_token_health(adapter, now=NOW)
    assert health.deprecated_api_version == "v1" and "obsolètes" in health.message


def test_granular_scopes_count_as_the_broad_ones_only_when_complete() -> None:
    granular = (
        "read:accounts",
        "read:notifications",
        "read:search",
        "read:statuses",
        "write:statuses",
    )
    assert "read" in effective_scopes(granular)
    assert "write" not in effective_scopes(granular)  # write:media is missing


def test_html_to_text() -> None:
    assert (
        html_to_text("<p>Un &amp; deux</p><p>trois<br>quatre</p>") == "Un & deux\n\ntrois\nquatre"
    )


def test_missing_instance_url_asks_to_reconnect() -> None:
    with pytest.raises(AuthExpired) as caught:
        MastodonAdapter({"access_token": "x"})
    assert "instance" in caught.value.user_action
