"""Meta webhooks: X-Hub-Signature-256 check, subscription handshake, Page and Instagram payloads."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from pathlib import Path

import pytest

from beffroi.core.domain import Network
from beffroi.networks.meta_webhooks import (
    MentionRef,
    WebhookRejected,
    parse_webhook,
    subscription_challenge,
    verify_signature,
)

FIXTURES = Path(__file__).parents[1] / "fixtures"
SECRET = "app-secret-de-test"


def signed(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def raw(network: str, name: str) -> bytes:
    return (FIXTURES / network / name).read_bytes()


def test_a_genuine_signature_is_accepted() -> None:
    body = raw("facebook", "webhook_feed_comment.json")
    verify_signature(body, signed(body), SECRET)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "",
        "sha1=abc",
        "sha256=" + "0" * 64,
        signed(b"{}"),  # a signature of another body
        signed(b"x", secret="autre-secret"),
    ],
)
def test_a_missing_or_forged_signature_is_refused_with_403(header: str | None) -> None:
    body = raw("facebook", "webhook_feed_comment.json")
    with pytest.raises(WebhookRejected) as caught:
        parse_webhook(body, header, SECRET)
    assert caught.value.status == 403


def test_one_changed_byte_breaks_the_signature() -> None:
    body = raw("facebook", "webhook_feed_comment.json")
    header = signed(body)
    with pytest.raises(WebhookRejected):
        verify_signature(body.replace(b"ligne 4", b"ligne 5"), header, SECRET)


def test_no_configured_secret_is_a_server_error_not_an_open_door() -> None:
    body = b"{}"
    with pytest.raises(WebhookRejected) as caught:
        verify_signature(body, signed(body, secret=""), "")
    assert caught.value.status == 500


def test_subscription_handshake_echoes_the_challenge_only_with_the_right_token() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "jeton", "hub.challenge": "1158201444"}
    assert subscription_challenge(query, "jeton") == "1158201444"
    with pytest.raises(WebhookRejected) as caught:
        subscription_challenge({**query, "hub.verify_token": "faux"}, "jeton")
    assert caught.value.status == 403


def test_page_feed_changes_become_comments_removals_and_ignored_reactions() -> None:
    body = raw("facebook", "webhook_feed_comment.json")
    batch = parse_webhook(body, signed(body), SECRET)
    assert batch.network is Network.FACEBOOK
    (comment,) = batch.comments
    assert comment.remote_id == "987654321098765_5551112223334"
    assert comment.post_remote_id == "104512345678901_987654321098765"
    assert comment.parent_remote_id is None  # a comment on the post, not a reply
    assert comment.author.display_name == "Camille Martin"
    assert comment.created_at == datetime.fromtimestamp(1796374931, UTC)
    assert batch.removed_comment_ids == ("987654321098765_5551112220001",)
    assert batch.ignored == 1


def test_page_mentions_become_mentions() -> None:
    body = raw("facebook", "webhook_mention.json")
    (mention,) = parse_webhook(body, signed(body), SECRET).mentions
    assert mention.author.display_name == "Association Canal Propre"
    assert mention.remote_id == "7788990011223344_1234567890123"


def test_instagram_comments_and_mention_references() -> None:
    body = raw("instagram", "webhook_comments.json")
    batch = parse_webhook(body, signed(body), SECRET)
    assert batch.network is Network.INSTAGRAM
    (comment,) = batch.comments
    assert comment.author.handle == "lea.velo"
    assert comment.post_remote_id == "17895695668004550"
    assert comment.created_at == datetime.fromtimestamp(1796376000, UTC)
    assert batch.mention_refs == (
        MentionRef(
            account_id="17841400000000001",
            media_id="17887498072083520",
            comment_id="17894227972186120",
        ),
    )


@pytest.mark.parametrize(
    "body",
    [b"not json", b"[]", b'{"object": "page"}', b'{"object": "whatsapp", "entry": []}'],
)
def test_hostile_or_broken_bodies_are_rejected_with_400(body: bytes) -> None:
    with pytest.raises(WebhookRejected) as caught:
        parse_webhook(body, signed(body), SECRET)
    assert caught.value.status == 400
