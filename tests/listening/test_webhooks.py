"""Meta webhooks: the signature decides, a broken batch stores nothing, a retried one nothing twice."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from pathlib import Path

import pytest

from beffroi.listening.models import InboxItem

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "fixtures"
SECRET = "secret-de-l-application-meta"
URL = "/webhooks/meta/"


def _sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.fixture
def page(team, settings):
    """The Facebook page of the fixtures is the team's account."""
    settings.META_APP_SECRET = SECRET
    settings.META_WEBHOOK_VERIFY_TOKEN = "jeton-de-verification"
    team.account.remote_id = "104512345678901"
    team.account.save(update_fields=["remote_id"])
    return team


def _post(client, body: bytes, signature: str | None):
    headers = {"HTTP_X_HUB_SIGNATURE_256": signature} if signature is not None else {}
    return client.post(URL, data=body, content_type="application/json", **headers)


def test_a_signed_comment_is_stored_once_even_when_meta_retries(client, page):
    body = (FIXTURES / "facebook" / "webhook_feed_comment.json").read_bytes()
    first = _post(client, body, _sign(body))
    retried = _post(client, body, _sign(body))
    assert first.status_code == retried.status_code == 200
    item = InboxItem.objects.get(organisation=page.org)
    assert item.text == "Et pour les bus, la ligne 4 est déviée ?"
    assert (item.kind, item.network, item.account) == ("comment", "facebook", page.account)
    assert item.is_request and item.needs_action


def test_a_mention_is_stored_for_the_page_it_names(client, page):
    body = (FIXTURES / "facebook" / "webhook_mention.json").read_bytes()
    assert _post(client, body, _sign(body)).status_code == 200
    item = InboxItem.objects.get(organisation=page.org)
    assert (item.kind, item.author_name) == ("mention", "Association Canal Propre")


@pytest.mark.parametrize(
    ("signature", "status"),
    [(None, 403), ("sha256=" + "0" * 64, 403), ("md5=abc", 403), ("other-secret", 403)],
)
def test_a_wrong_or_missing_signature_is_refused_and_logged(
    client, page, caplog, signature, status
):
    body = (FIXTURES / "facebook" / "webhook_feed_comment.json").read_bytes()
    if signature == "other-secret":
        signature = _sign(body, "un-autre-secret")
    with caplog.at_level(logging.WARNING, logger="beffroi.listening.webhooks"):
        response = _post(client, body, signature)
    assert response.status_code == status
    assert not InboxItem.objects.exists()
    assert any("webhook Meta refusé" in r.getMessage() for r in caplog.records)
    # The log says why and how big, never what the citizens wrote.
    assert not any("ligne 4" in r.getMessage() for r in caplog.records)


def test_a_body_changed_after_signing_is_refused(client, page):
    body = (FIXTURES / "facebook" / "webhook_feed_comment.json").read_bytes()
    signature = _sign(body)
    tampered = body.replace(b"ligne 4", b"ligne 5")
    assert _post(client, tampered, signature).status_code == 403


@pytest.mark.parametrize(
    "name",
    ["webhook_comment_without_id.json", "webhook_entry_not_a_list.json", "webhook_truncated.json"],
)
def test_a_malformed_batch_is_refused_whole(client, page, caplog, name):
    body = (FIXTURES / "listening" / name).read_bytes()
    with caplog.at_level(logging.WARNING, logger="beffroi.listening.webhooks"):
        response = _post(client, body, _sign(body))
    assert response.status_code == 400
    # The well-formed first comment of the batch is not kept either: nothing half stored.
    assert not InboxItem.objects.exists()
    assert any("refusé (HTTP 400)" in r.getMessage() for r in caplog.records)


def test_a_batch_for_an_unknown_page_is_acknowledged_and_ignored(client, page, caplog):
    payload = json.loads((FIXTURES / "facebook" / "webhook_feed_comment.json").read_text())
    payload["entry"][0]["id"] = "999"
    for change in payload["entry"][0]["changes"]:
        change["value"]["post_id"] = "999_1"
    body = json.dumps(payload).encode()
    with caplog.at_level(logging.WARNING, logger="beffroi.listening.webhooks"):
        assert _post(client, body, _sign(body)).status_code == 200
    assert not InboxItem.objects.exists()
    assert any("compte inconnu" in r.getMessage() for r in caplog.records)


def test_a_comment_removed_by_its_author_stops_being_visible(client, page):
    payload = json.loads((FIXTURES / "facebook" / "webhook_feed_comment.json").read_text())
    removal = payload["entry"][0]["changes"][1]["value"]
    removal["comment_id"] = "987654321098765_5551112223334"
    body = json.dumps(payload).encode()
    first = json.loads(body)
    first["entry"][0]["changes"] = first["entry"][0]["changes"][:1]
    first_body = json.dumps(first).encode()
    _post(client, first_body, _sign(first_body))
    assert InboxItem.objects.get().deleted_at is None
    _post(client, body, _sign(body))
    assert InboxItem.objects.get().deleted_at is not None


def test_subscription_handshake(client, page):
    ok = client.get(
        URL,
        {
            "hub.mode": "subscribe",
            "hub.verify_token": "jeton-de-verification",
            "hub.challenge": "42",
        },
    )
    assert (ok.status_code, ok.content) == (200, b"42")
    wrong = client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "faux", "hub.challenge": "42"}
    )
    assert wrong.status_code == 403


def test_an_unconfigured_secret_refuses_everything(client, page, settings):
    settings.META_APP_SECRET = ""
    body = (FIXTURES / "facebook" / "webhook_feed_comment.json").read_bytes()
    assert _post(client, body, _sign(body)).status_code == 500
    assert not InboxItem.objects.exists()


def test_instagram_comments_are_stored_and_mentions_fetched_by_id(
    client, team, settings, django_capture_on_commit_callbacks
):
    """Instagram sends a mention as ids only: its text is fetched (mentioned_comment), then stored."""
    import httpx
    import respx

    from beffroi.core import services as core
    from beffroi.networks.facebook.graph import GRAPH_BASE

    settings.META_APP_SECRET = SECRET
    ig = "17841400000000001"
    account = core.network_account_create(
        organisation=team.org,
        network="instagram",
        handle="ville_exemple",
        remote_id=ig,
        credentials={
            "access_token": "EAApagetoken",
            "ig_user_id": ig,
            "page_id": "104512345678901",
        },
        actor=None,
    )
    mentioned = json.loads((FIXTURES / "instagram" / "mentioned_comment.json").read_text())
    body = (FIXTURES / "instagram" / "webhook_comments.json").read_bytes()
    with respx.mock:
        route = respx.get(f"{GRAPH_BASE}/{ig}").mock(
            return_value=httpx.Response(200, json=mentioned)
        )
        with django_capture_on_commit_callbacks(execute=True):
            assert _post(client, body, _sign(body)).status_code == 200
    assert route.called
    items = {i.kind: i for i in InboxItem.objects.filter(account=account)}
    assert items["comment"].text == "Super la nouvelle piste cyclable quai Saint-Antoine !"
    assert "bloquée" in items["mention"].text
