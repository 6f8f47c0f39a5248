"""The Bluesky adapter against a real PDS on 127.0.0.1 (no AppView: feeds are read from the repository)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from beffroi.core.domain import Network
from beffroi.networks import get_adapter
from beffroi.networks.bluesky import BlueskyAdapter
from beffroi.networks.bluesky.adapter import NO_APPVIEW
from beffroi.networks.bluesky.richtext import tid_from_key
from beffroi.networks.errors import AuthExpired, NotFound
from beffroi.networks.types import Media, PostVariant, TokenSet
from tests.networks.bluesky.conftest import create_account
from tests.networks.bluesky.lexicon import errors_in_record

pytestmark = pytest.mark.localserver
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f0005000201e221bc330000000049454e44ae426082"
)


def town(pds: str, **options: object) -> BlueskyAdapter:
    create_account(pds, "valmont", "mot-de-passe-ville")
    built = get_adapter(
        Network.BLUESKY,
        {"pds_url": pds, "identifier": "valmont.test", "app_password": "mot-de-passe-ville"},
        **options,
    )
    assert isinstance(built, BlueskyAdapter)
    return built


def resident(pds: str) -> BlueskyAdapter:
    create_account(pds, "camille", "mot-de-passe-camille")
    built = get_adapter(
        Network.BLUESKY,
        {"pds_url": pds, "identifier": "camille.test", "app_password": "mot-de-passe-camille"},
    )
    assert isinstance(built, BlueskyAdapter)
    return built


def record_of(pds: str, uri: str) -> dict:
    repo, collection, rkey = uri.removeprefix("at://").split("/")
    response = httpx.get(
        f"{pds}/xrpc/com.atproto.repo.getRecord",
        params={"repo": repo, "collection": collection, "rkey": rkey},
    )
    response.raise_for_status()
    body: dict = response.json()
    return body


def hour_ago() -> datetime:
    return datetime.now(UTC) - timedelta(hours=1)


def test_publish_with_image_and_facets_then_read_back(pds_url: str, tmp_path: Path) -> None:
    resident(pds_url)  # so that the mention resolves to a DID
    image = tmp_path / "pixel.png"
    image.write_bytes(PNG)
    adapter = town(pds_url)
    text = (
        "🏊 La piscine rouvre lundi ! #piscine https://www.valmont.fr/piscine merci @camille.test"
    )
    result = adapter.publish(
        PostVariant(
            network=Network.BLUESKY,
            text=text,
            media=(Media(str(image), "image/png", "Un pixel", width=1, height=1),),
        ),
        "pds-1",
    )
    stored = record_of(pds_url, result.remote_id)["value"]
    assert not errors_in_record("app.bsky.feed.post", stored)
    assert stored["text"] == text and stored["embed"]["images"][0]["alt"] == "Un pixel"
    data = text.encode()
    assert [
        data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode() for f in stored["facets"]
    ] == [
        "#piscine",
        "https://www.valmont.fr/piscine",
        "@camille.test",
    ]
    posts = adapter.fetch_posts(hour_ago())
    assert result.remote_id in {p.remote_id for p in posts}
    assert next(p for p in posts if p.remote_id == result.remote_id).media_count == 1


def test_exactly_once_across_workers(pds_url: str) -> None:
    variant = PostVariant(
        network=Network.BLUESKY,
        text="Collecte des encombrants jeudi.",
        thread=("Sortez-les la veille.",),
    )
    first = town(pds_url).publish(variant, "pds-2")
    again = town(pds_url).publish(variant, "pds-2")  # a new worker after a crash
    assert again.already_published and again.thread_remote_ids == first.thread_remote_ids
    texts = [p.text for p in town(pds_url).fetch_posts(hour_ago())]
    assert texts.count(variant.text) == 1
    assert first.remote_id.endswith(tid_from_key("pds-2"))


def test_replies_hide_and_delete(pds_url: str) -> None:
    adapter = town(pds_url)
    post = adapter.publish(
        PostVariant(network=Network.BLUESKY, text="Le marché de Noël ouvre samedi !"), "pds-3"
    )
    question = resident(pds_url).reply(post.remote_id, "Il y aura du vin chaud ?", "camille-1")
    stored_question = record_of(pds_url, question.remote_id)["value"]
    assert stored_question["reply"]["root"]["uri"] == post.remote_id

    answer = adapter.reply(question.remote_id, "Oui, au chalet des associations.", "pds-answer-1")
    stored_answer = record_of(pds_url, answer.remote_id)["value"]
    assert stored_answer["reply"]["parent"]["uri"] == question.remote_id
    assert stored_answer["reply"]["root"]["uri"] == post.remote_id

    adapter.hide_comment(question.remote_id)
    gate = record_of(
        pds_url, post.remote_id.replace("app.bsky.feed.post", "app.bsky.feed.threadgate")
    )["value"]
    assert gate["hiddenReplies"] == [question.remote_id]
    assert not errors_in_record("app.bsky.feed.threadgate", gate)

    adapter.delete(post.remote_id)
    assert post.remote_id not in {p.remote_id for p in adapter.fetch_posts(hour_ago())}
    with pytest.raises(NotFound):
        adapter.delete(post.remote_id)


def test_sessions_refresh_and_wrong_passwords(pds_url: str) -> None:
    session = town(pds_url).session_tokens()
    # A dead access token with a live refresh token: refreshed once, then the call succeeds.
    stored: list[TokenSet] = []
    adapter = BlueskyAdapter(
        {
            "pds_url": pds_url,
            "access_token": "expired.garbage.token",
            "refresh_token": session.refresh_token or "",
            "did": session.extra["did"],
            "handle": "valmont.test",
        },
        on_tokens_refreshed=stored.append,
    )
    assert adapter.token_health().ok
    # refreshSession rotates the refresh token (the access token may be byte-identical within a second).
    assert stored and stored[0].refresh_token != session.refresh_token

    wrong = BlueskyAdapter(
        {"pds_url": pds_url, "identifier": "valmont.test", "app_password": "faux"}
    )
    with pytest.raises(AuthExpired) as caught:
        wrong.fetch_posts(hour_ago())
    assert caught.value.status == 401


def test_without_an_appview_notifications_say_so(pds_url: str) -> None:
    with pytest.raises(NotFound) as caught:
        town(pds_url).fetch_mentions(hour_ago())
    assert caught.value.code == NO_APPVIEW and "No service configured" in caught.value.message
