"""The publishing pages, as a team member, a validator, a guest and a calendar client use them."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx
from django.urls import reverse
from icalendar import Calendar

from beffroi.core.domain import Network
from beffroi.publishing import selectors, services
from beffroi.publishing.models import Draft, EditorialLine, PublishIntent
from beffroi.publishing.services import StepSpec

pytestmark = pytest.mark.django_db
FEEDS = __import__("pathlib").Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def _url(name, team, **kw):
    return reverse(f"publishing:{name}", kwargs={"org": team.org.slug, **kw})


def _draft(team, **extra):
    return services.draft_create(
        organisation=team.org,
        actor=team.cm,
        title="Conseil municipal",
        text="Le conseil municipal se réunit jeudi à 19 h en mairie.",
        accounts=[team.accounts[Network.MASTODON], team.accounts[Network.X]],
        **extra,
    )


def test_compose_page_previews_every_network_live_and_saves_a_draft(client, team):
    client.force_login(team.cm)
    page = client.get(_url("compose", team))
    assert page.status_code == 200 and "Variantes par réseau" in page.content.decode()
    accounts = [str(team.accounts[Network.X].pk), str(team.accounts[Network.INSTAGRAM].pk)]
    data = {
        "text": "Fête de la musique ce soir ! https://www.saint-aubin.example/fete",
        "hashtags": "fête de la musique",
        "topic": "culture_patrimoine",
        "accounts": accounts,
    }
    previews = client.post(_url("compose_preview", team), data).content.decode()
    assert "#FêteDeLaMusique" in previews
    assert "/ 280" in previews and "/ 2200" in previews
    assert "ne publie pas de texte seul" in previews  # Instagram needs an image
    response = client.post(
        _url("compose", team), {**data, "accounts": [accounts[0]], "title": "Fête"}
    )
    draft = Draft.objects.get(title="Fête")
    assert response.status_code == 302 and response["Location"] == _url(
        "draft", team, draft_id=draft.pk
    )
    assert list(draft.variants.values_list("network", flat=True)) == ["x"]


def test_analyst_cannot_open_the_composer_and_outsider_gets_404(client, team):
    client.force_login(team.analyst)
    assert client.get(_url("compose", team)).status_code == 403
    client.force_login(team.outsider)
    assert client.get(_url("calendar", team)).status_code == 404
    draft = _draft(team)
    assert client.get(_url("draft", team, draft_id=draft.pk)).status_code == 404


@pytest.fixture
def inline_tasks():
    """Huey runs tasks inline (as `make test` configures it), whatever order settings were read in."""
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    yield
    HUEY.immediate = previous


def test_the_circuit_through_the_pages(client, team, soon, inline_tasks):
    services.circuit_set(
        organisation=team.org,
        steps=[StepSpec("Direction", reviewer=team.director)],
        actor=team.admin,
    )
    draft = _draft(team)
    client.force_login(team.cm)
    client.post(_url("draft_action", team, draft_id=draft.pk, action="soumettre"))
    draft.refresh_from_db()
    assert draft.state == Draft.State.IN_REVIEW
    client.force_login(team.director)
    queue = client.get(_url("review_queue", team)).content.decode()
    assert "Conseil municipal" in queue
    page = client.get(_url("draft", team, draft_id=draft.pk)).content.decode()
    assert "Valider" in page and "Demander des modifications" in page
    client.post(
        _url("draft_action", team, draft_id=draft.pk, action="valider"), {"comment": "Parfait."}
    )
    draft.refresh_from_db()
    assert draft.state == Draft.State.APPROVED
    # The validator may not publish: the page says so and nothing changes.
    response = client.post(
        _url("draft_action", team, draft_id=draft.pk, action="publier-maintenant"), follow=True
    )
    assert "Votre rôle ne permet pas cette action" in response.content.decode()
    client.force_login(team.cm)
    when = soon(120).astimezone(selectors.PARIS).strftime("%Y-%m-%dT%H:%M")
    client.post(
        _url("draft_action", team, draft_id=draft.pk, action="programmer"), {"scheduled_at": when}
    )
    draft.refresh_from_db()
    assert (
        draft.state == Draft.State.SCHEDULED
        and PublishIntent.objects.filter(variant__draft=draft).count() == 2
    )
    client.post(_url("draft_action", team, draft_id=draft.pk, action="deprogrammer"))
    client.post(_url("draft_action", team, draft_id=draft.pk, action="publier-maintenant"))
    draft.refresh_from_db()
    # Tasks run inline in tests: « publier maintenant » went out on the simulated networks.
    assert draft.state == Draft.State.PUBLISHED
    page = client.get(_url("draft", team, draft_id=draft.pk)).content.decode()
    assert "sandbox://" in page and "Publié" in page


def test_a_wrong_state_action_shows_the_reason(client, team):
    draft = _draft(team)
    client.force_login(team.cm)
    response = client.post(
        _url("draft_action", team, draft_id=draft.pk, action="programmer"),
        {"scheduled_at": "2030-01-01T10:00"},
        follow=True,
    )
    assert "Seul un brouillon validé peut être programmé" in response.content.decode()


def test_a_variant_rewritten_by_hand(client, team):
    draft = _draft(team)
    client.force_login(team.cm)
    x = draft.variants.get(network="x")
    client.post(
        _url("variant_edit", team, variant_id=x.pk),
        {"text": "Conseil municipal jeudi 19 h. #SaintAubin"},
    )
    x.refresh_from_db()
    assert x.edited and x.text == "Conseil municipal jeudi 19 h. #SaintAubin"


def test_calendar_month_and_week_show_drafts_holidays_and_move_by_drag(client, team):
    july = datetime(2026, 7, 13, 8, 0, tzinfo=UTC)
    draft = _draft(team, scheduled_at=july)
    client.force_login(team.cm)
    month = client.get(_url("calendar", team), {"date": "2026-07-01"}).content.decode()
    assert "Juillet 2026" in month and "Conseil municipal" in month and "Fête nationale" in month
    assert f'data-move="{_url("draft_move", team, draft_id=draft.pk)}"' in month
    week = client.get(
        _url("calendar", team), {"date": "2026-07-14", "vue": "semaine"}
    ).content.decode()
    assert "Semaine du 13 juillet 2026" in week and "10:00" in week  # Paris time
    filtered = client.get(
        _url("calendar", team), {"date": "2026-07-01", "reseau": "facebook"}
    ).content.decode()
    assert "Conseil municipal" not in filtered
    response = client.post(
        _url("draft_move", team, draft_id=draft.pk), {"date": "2026-07-16"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 204 and response["HX-Trigger"] == "calendar-changed"
    draft.refresh_from_db()
    assert draft.scheduled_at == datetime(2026, 7, 16, 8, 0, tzinfo=UTC)  # same hour, new day
    client.force_login(team.analyst)
    assert (
        client.post(_url("draft_move", team, draft_id=draft.pk), {"date": "2026-07-17"}).status_code
        == 403
    )


def test_ical_feed_by_its_secret_url(client, team):
    _draft(team, scheduled_at=datetime.now(UTC) + timedelta(days=3))
    client.force_login(team.cm)
    page = client.get(_url("calendar", team)).content.decode()
    token = selectors.ical_token(team.org)
    assert token in page
    client.logout()
    response = client.get(reverse("publishing:ical", kwargs={"token": token}))
    assert response["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert any("Conseil municipal" in str(e["SUMMARY"]) for e in events)
    assert any(str(e["SUMMARY"]).startswith("Jour férié") for e in events)
    assert client.get(reverse("publishing:ical", kwargs={"token": token + "x"})).status_code == 404


def test_guest_review_page_with_and_without_a_valid_link(client, team, settings):
    services.circuit_set(
        organisation=team.org,
        steps=[
            StepSpec("Cabinet du maire", guest_email="cabinet@example.org", guest_name="Cabinet")
        ],
        actor=team.admin,
    )
    draft = _draft(team)
    services.draft_submit(draft=draft, actor=team.cm)
    token = services.guest_token(draft.steps.get())
    url = reverse("publishing:guest_review", kwargs={"token": token})
    page = client.get(url)
    assert page.status_code == 200 and "Conseil municipal" in page.content.decode()
    settings.BEFFROI_PUBLISHING = {"guest_link_days": 0}
    expired = client.get(url)
    assert expired.status_code == 410 and "a expiré" in expired.content.decode()
    settings.BEFFROI_PUBLISHING = {}
    done = client.post(url, {"decision": "valider", "name": "M. Petit"})
    assert "votre validation est enregistrée" in done.content.decode()
    draft.refresh_from_db()
    assert draft.state == Draft.State.APPROVED


@respx.mock
def test_import_a_feed_into_drafts_and_not_twice(client, team, settings):
    settings.BEFFROI_PUBLISHING = {"topic_detector": "keywords"}
    respx.get("https://www.saint-exemple.fr/feed/").mock(
        return_value=httpx.Response(200, content=(FEEDS / "wordpress-ville-rss2.xml").read_bytes())
    )
    client.force_login(team.cm)
    page = client.post(
        _url("import", team), {"url": "https://www.saint-exemple.fr/feed/", "kind": "feed"}
    ).content.decode()
    assert "2 brouillon(s) créé(s)" in page
    draft = Draft.objects.get(source_id="https://www.saint-exemple.fr/?p=18452")
    assert draft.source == Draft.Source.WEBSITE and draft.topic == "voirie_travaux"
    assert draft.variants.get(network="x").text.startswith("🚧 Travaux rue Victor-Hugo")
    again = client.post(
        _url("import", team), {"url": "https://www.saint-exemple.fr/feed/", "kind": "feed"}
    ).content.decode()
    assert "0 brouillon(s) créé(s)" in again and "déjà importé" in again
    respx.get("https://www.saint-exemple.fr/cassé/").mock(
        return_value=httpx.Response(200, content=(FEEDS / "malformed-not-a-feed.html").read_bytes())
    )
    broken = client.post(
        _url("import", team),
        {"url": "https://www.saint-exemple.fr/cassé/", "kind": "feed"},
        follow=True,
    ).content.decode()
    assert "Ce n&#x27;est pas un flux RSS ou Atom" in broken
    assert Draft.objects.filter(organisation=team.org).count() == 2  # nothing lost, nothing added


def test_bulk_file_upload_reports_refused_rows(client, team):
    client.force_login(team.cm)
    csv = "date;heure;réseaux;texte\n21/06/2030;18:30;X, Mastodon;Fête de la musique ce soir !\n21/06/2030;18:30;TikTok;Non\n"
    upload = io.BytesIO(csv.encode())
    upload.name = "planning.csv"
    page = client.post(_url("bulk_import", team), {"file": upload}).content.decode()
    assert "1 brouillon(s) créé(s), 1 ligne(s) refusée(s)" in page
    assert "Ligne 3 : réseau « TikTok » inconnu" in page
    draft = Draft.objects.get(source=Draft.Source.BULK)
    assert sorted(draft.variants.values_list("network", flat=True)) == ["mastodon", "x"]


def test_editorial_line_edit(client, team):
    account = team.accounts[Network.FACEBOOK]
    client.force_login(team.cm)
    response = client.post(
        _url("editorial_line_edit", team, account_id=account.pk),
        {
            "audience": "Familles de la commune",
            "objectives": "Notoriété des services",
            "tone": "chaleureux",
            "themes": ["culture_patrimoine", "education_jeunesse"],
            "formats": "photo, vidéo",
            "posts_per_week": "4",
            "max_per_day": "2",
        },
    )
    assert response.status_code == 302
    line = EditorialLine.objects.get(account=account)
    assert line.themes == ["culture_patrimoine", "education_jeunesse"] and line.formats == [
        "photo",
        "vidéo",
    ]
    assert "Familles de la commune" in client.get(_url("editorial_lines", team)).content.decode()
    client.force_login(team.analyst)
    assert client.get(_url("editorial_line_edit", team, account_id=account.pk)).status_code == 403


def test_the_organisation_events_show_in_the_calendar_and_the_ical_feed(client, team):
    client.force_login(team.cm)
    response = client.post(
        _url("event_add", team),
        {"title": "Festival des Brumes", "starts_on": "2026-07-10", "ends_on": "2026-07-12"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?date=2026-07-10")
    month = client.get(_url("calendar", team), {"date": "2026-07-01"}).content.decode()
    assert month.count("Festival des Brumes") == 3  # one badge per day
    refused = client.post(
        _url("event_add", team),
        {"title": "À l'envers", "starts_on": "2026-07-12", "ends_on": "2026-07-10"},
        follow=True,
    )
    assert "La fin de l&#x27;événement précède son début." in refused.content.decode()
    content = selectors.ical_content(organisation=team.org, today=datetime(2026, 7, 1).date())
    festival = next(e for e in content.entries if e.title == "Festival des Brumes")
    assert festival.duration == timedelta(days=3)
    client.force_login(team.analyst)
    assert (
        client.post(_url("event_add", team), {"title": "x", "starts_on": "2026-07-10"}).status_code
        == 403
    )


def test_the_address_book_feeds_the_mentions_of_the_composer(client, team):
    client.force_login(team.cm)
    client.post(
        _url("contacts", team),
        {"name": "Val de Brume", "x": "@ValDeBrume", "mastodon": "valdebrume@social.example"},
    )
    assert "valdebrume@social.example" in client.get(_url("contacts", team)).content.decode()
    accounts = [str(team.accounts[Network.X].pk), str(team.accounts[Network.MASTODON].pk)]
    previews = client.post(
        _url("compose_preview", team),
        {"text": "Merci à @[Val de Brume] !", "topic": "autre", "accounts": accounts},
    ).content.decode()
    assert "@ValDeBrume" in previews and "@valdebrume@social.example" in previews
    client.force_login(team.analyst)
    assert client.post(_url("contacts", team), {"name": "Intrus"}).status_code == 403


def test_editorial_lines_page_shows_the_learned_best_times_in_french(client, team):
    from django.utils import timezone

    from beffroi.publishing.planning import Slot

    line = services.editorial_line_save(
        account=team.accounts[Network.X], actor=team.cm, posts_per_week=5
    )
    services.editorial_line_learn_best_times(
        line=line, slots=[Slot(1, 8, 0.04, 12), Slot(3, 12, 0.03, 9)], learned_at=timezone.now()
    )
    client.force_login(team.cm)
    page = client.get(_url("editorial_lines", team)).content.decode()
    assert "mardi 8 h, jeudi 12 h" in page and "appris de l'historique du compte" in page
