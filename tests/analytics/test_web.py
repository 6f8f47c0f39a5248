"""The measurement pages: dashboard with period selector, objectives, report downloads.

They need `beffroi.analytics` in INSTALLED_APPS and its URLs included (see the module's request to
the lead); until then they are skipped, with that reason.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from beffroi.analytics.kpis import AnalyticsBackend, build_rollups
from beffroi.analytics.lake import EventKind, EventLake, LakeEvent


def _wired() -> bool:
    try:
        reverse("analytics:dashboard", kwargs={"org": "x"})
    except NoReverseMatch:
        return False
    return "beffroi.analytics" in settings.INSTALLED_APPS


pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not _wired(), reason="beffroi.analytics not yet in INSTALLED_APPS and urls"),
]


@pytest.fixture
def town(make_org, tmp_path: Path, settings):  # type: ignore[no-untyped-def]
    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    organisation = make_org(name="Valmont")
    from beffroi.analytics.selectors import lake

    event_lake: EventLake = lake()
    events = [
        LakeEvent(
            kind=EventKind.ACCOUNT_STATS,
            occurred_at=datetime(2026, 3, d, 6, tzinfo=UTC),
            organisation=organisation.slug,
            network="mastodon",
            followers=1000 + d,
        )
        for d in (1, 31)
    ] + [
        LakeEvent(
            kind=EventKind.POST,
            occurred_at=datetime(2026, 3, 10, 9, tzinfo=UTC),
            organisation=organisation.slug,
            network="mastodon",
            post_id="p1",
            event_id="p1",
            text="Fête de la musique : programme",
            relays_website=False,
        ),
        LakeEvent(
            kind=EventKind.METRICS,
            occurred_at=datetime(2026, 3, 11, 9, tzinfo=UTC),
            organisation=organisation.slug,
            network="mastodon",
            post_id="p1",
            reach=321,
            impressions=400,
            likes=12,
        ),
    ]
    event_lake.append(events)
    backend = AnalyticsBackend.duckdb()
    build_rollups(backend, event_lake)
    backend.close()
    return organisation


def test_the_dashboard_shows_the_chosen_period_and_its_charts(client, town, make_member) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_member(town, role="analyst"))
    url = reverse("analytics:dashboard", kwargs={"org": town.slug})

    page = client.get(url, {"periode": "dates", "debut": "2026-03-01", "fin": "2026-03-31"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "321" in html  # the reach of the month
    assert 'id="analytics-specs"' in html and '"followers"' in html
    assert "analytics/vendor/vega-embed.min.js" in html
    assert "cdn" not in html.lower()
    assert (
        "29 janvier 2026" in html
    )  # previous period of the same length (31 days): 29 Jan - 28 Feb


def test_objectives_are_defined_by_managers_only(client, town, make_member) -> None:  # type: ignore[no-untyped-def]
    from beffroi.analytics.models import Objective
    from beffroi.core.models import AuditEntry

    url = reverse("analytics:objectives", kwargs={"org": town.slug})
    form = {
        "kind": "notoriete",
        "title": "Plus d'abonnés",
        "indicator": "followers",
        "baseline": "1000",
        "target": "1500",
        "start": "2026-01-01",
        "deadline": "2026-12-31",
    }
    client.force_login(make_member(town, role="analyst"))
    assert client.post(url, form).status_code == 403

    client.force_login(make_member(town, role="validator"))
    assert client.post(url, form).status_code == 302
    objective = Objective.objects.get(organisation=town)
    assert objective.targets.get().target == 1500
    assert AuditEntry.objects.filter(action="objective_create").exists()
    assert "Plus d&#x27;abonnés" in client.get(url).content.decode()


def test_the_monthly_report_downloads_in_three_formats(client, town, make_member) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_member(town, role="community_manager"))
    for fmt, magic in (("pdf", b"%PDF"), ("xlsx", b"PK"), ("csv", b"organisation;")):
        url = reverse(
            "analytics:report", kwargs={"org": town.slug, "year": 2026, "month": 3, "fmt": fmt}
        )
        response = client.get(url)
        assert response.status_code == 200, fmt
        assert response.content.startswith(magic), fmt
        assert f"rapport-{town.slug}-2026-03.{fmt}" in response["Content-Disposition"]


def test_the_monthly_report_is_mailed_to_administrators(town, make_member, mailoutbox) -> None:  # type: ignore[no-untyped-def]
    from beffroi.analytics.services import monthly_report_send

    admin = make_member(town, role="admin")
    make_member(town, role="analyst")

    assert monthly_report_send(organisation=town, year=2026, month=3) == 1

    (mail,) = mailoutbox
    assert mail.to == [admin.email]
    assert "mars 2026" in mail.subject
    name, content, mimetype = mail.attachments[0]
    assert name.endswith("2026-03.pdf") and content.startswith(b"%PDF")
