"""In a real browser: an insult arrives and is hidden, a request is answered with a saved reply,
a bad buzz raises an alert that is acknowledged; the inbox is walked with the keyboard."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.listening.conftest import MemoryLake

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "un-mot-de-passe-solide"


def _sandbox_comments(team, count):
    from beffroi.core.adapters import adapter_for_account

    now = datetime.now(UTC)
    adapter = adapter_for_account(team.account, clock=lambda: now)
    found = []
    for post in adapter.fetch_posts(since=now - timedelta(days=20)):
        found += adapter.fetch_comments(post.remote_id, since=now - timedelta(days=20))
        if len(found) >= count:
            return found[:count]
    return found


def _arrives(team, comment, text):
    from beffroi.core.domain import Network
    from beffroi.listening.ingestion import Incoming, ingest

    ingest(
        organisation=team.org,
        account=team.account,
        messages=[
            Incoming(
                network=Network.FACEBOOK,
                kind="comment",
                remote_id=comment.remote_id,
                text=text,
                created_at=datetime.now(UTC) - timedelta(minutes=1),
                author_remote_id=comment.author.remote_id,
                author_handle=comment.author.handle,
                author_name=comment.author.display_name,
                post_remote_id=comment.post_remote_id,
            )
        ],
        lake=MemoryLake(),
        can_hide=True,
    )


def test_insult_hidden_request_answered_alert_acknowledged(page, login, team, axe_violations):  # noqa: F811
    from beffroi.listening import services
    from beffroi.listening.models import Alert, InboxItem
    from tests.listening.test_alerts import _burst, _calm_days, _ingest_hourly

    # Three ordinary days before today: the detector's baseline.
    _ingest_hourly(team, _calm_days(3, start=datetime.now(UTC) - timedelta(days=3, hours=1)))

    services.saved_reply_save(
        organisation=team.org,
        actor=team.cm,
        title="Transmis aux services",
        text="Bonjour, nous transmettons aux services techniques.",
    )
    insult_comment, request_comment = _sandbox_comments(team, 2)
    login(team.cm.email, PASSWORD)
    inbox = f"/o/{team.org.slug}/ecoute/"

    # An insult arrives.
    _arrives(team, insult_comment, "Bande de connards, vous êtes des incapables")
    page.goto(inbox)
    assert page.get_by_text("Bande de connards").is_visible()
    assert axe_violations() == []
    # Keyboard: j selects the first row, Enter opens it (static JS, under the CSP).
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url("**/ecoute/messages/*/")
    assert axe_violations() == []
    page.get_by_role("button", name="Masquer le commentaire").click()
    assert page.locator("#etat-masque").is_visible()
    item = InboxItem.objects.get(remote_id=insult_comment.remote_id)
    assert item.hidden_at is not None

    # A request is answered with a saved reply, through the (simulated) network.
    _arrives(team, request_comment, "Quand allez-vous réparer le trou rue Pasteur ?")
    page.goto(inbox + "?demande=oui")
    page.get_by_role("link", name="Quand allez-vous réparer").click()
    page.get_by_label("Réponse type").select_option(label="Transmis aux services")
    assert "transmettons" in page.get_by_label("Votre réponse").input_value()
    page.get_by_role("button", name="Publier la réponse").click()
    assert page.locator("#statut").inner_text() == "Répondu"

    # A bad buzz raises an alert, shown in the inbox, and acknowledged.
    _ingest_hourly(team, _burst(datetime.now(UTC), 40))
    assert Alert.objects.filter(organisation=team.org).count() == 1
    page.goto(inbox)
    page.get_by_role("alert").get_by_role("link").first.click()
    assert axe_violations() == []
    page.get_by_label("Note (facultative)").fill("Communiqué en préparation")
    page.get_by_role("button", name="Prendre en compte").click()
    assert page.locator("#etat-alerte").inner_text() == "Prise en compte"
