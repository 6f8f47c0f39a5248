"""The home page says what needs the team today, each line linking to the page that handles it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from beffroi.core.home import COUNT_CAP, HomeLine
from beffroi.listening.models import InboxItem
from beffroi.publishing.models import Draft

pytestmark = pytest.mark.django_db


def inbox_item(org, n, **fields):
    defaults = dict(
        organisation=org,
        network="facebook",
        kind=InboxItem.Kind.COMMENT,
        remote_id=f"c{n}",
        text="Quand allez-vous réparer la rue ?",
        created_at=timezone.now(),
        sentiment="negative",
        needs_action=True,
    )
    return InboxItem.objects.create(**{**defaults, **fields})


def test_the_home_page_lists_what_waits_with_links_to_handle_it(client, make_org, make_member):
    org = make_org()
    client.force_login(make_member(org, role="community_manager"))
    inbox_item(org, 1, is_toxic=True)
    inbox_item(org, 2, is_toxic=True, hidden_at=timezone.now())  # already hidden: not counted
    inbox_item(org, 3, is_request=True)
    inbox_item(org, 4, is_request=True, status=InboxItem.Status.ANSWERED)  # answered: not counted
    Draft.objects.create(
        organisation=org,
        title="Marché de Noël",
        state=Draft.State.SCHEDULED,
        scheduled_at=timezone.now().replace(hour=12, minute=0) + timedelta(seconds=1),
    )
    Draft.objects.create(organisation=org, title="Travaux", state=Draft.State.IN_REVIEW)

    html = client.get(f"/o/{org.slug}/").content.decode()

    assert "À traiter" in html
    assert f'href="/o/{org.slug}/ecoute/?insulte=oui"><span class="badge bad">1</span>' in html
    assert f'href="/o/{org.slug}/ecoute/?demande=oui"><span class="badge warn">1</span>' in html
    assert '<span class="badge">3</span> nouveau(x) message(s)' in html
    assert "1</span> publication(s) programmée(s) aujourd&#x27;hui" in html
    assert "1</span> brouillon(s) en attente de validation" in html
    assert "alerte(s)" not in html  # nothing open: no line


def test_an_open_alert_is_on_the_home_page(client, make_org, make_member, make_alert):
    org = make_org()
    client.force_login(make_member(org, role="admin"))
    make_alert(org, reason="poubelles")
    html = client.get(f"/o/{org.slug}/").content.decode()
    assert f'href="/o/{org.slug}/alertes/"><span class="badge bad">1</span>' in html


def test_a_role_without_the_inbox_sees_no_listening_card(client, make_org, make_member):
    org = make_org()
    inbox_item(org, 1, is_toxic=True)
    client.force_login(make_member(org, role="analyst"))
    html = client.get(f"/o/{org.slug}/").content.decode()
    assert "Publier" in html and "message(s) insultant(s)" not in html


def test_another_organisation_s_items_are_not_counted(client, make_org, make_member):
    org, neighbour = make_org(), make_org(name="Montclair-le-Lac")
    inbox_item(neighbour, 1, is_toxic=True)
    client.force_login(make_member(org, role="admin"))
    assert "insultant" not in client.get(f"/o/{org.slug}/").content.decode()


def test_large_counts_are_capped_to_stay_cheap():
    assert HomeLine(COUNT_CAP + 1, "messages", "/").shown_count == f"{COUNT_CAP}+"
    assert HomeLine(12, "messages", "/").shown_count == "12"
