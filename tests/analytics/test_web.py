"""The measurement pages: dashboard with period selector, objectives, report downloads.

They need `beffroi.analytics` in INSTALLED_APPS and its URLs included (see the module's request to
the lead); until then they are skipped, with that reason.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings
from django.urls import NoReverseMatch, reverse

from beffroi.analytics.kpis import AnalyticsBackend, build_rollups
from beffroi.analytics.lake import EventKind, LakeEvent


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


def test_the_dashboard_shows_the_chosen_period_and_its_charts(client, town, make_member) -> None:  # type: ignore[no-untyped-def]
    client.force_login(make_member(town, role="analyst"))
    url = reverse("analytics:dashboard", kwargs={"org": town.slug})

    page = client.get(url, {"periode": "dates", "debut": "2026-03-01", "fin": "2026-03-31"})

    assert page.status_code == 200
    html = page.content.decode()
    assert "321" in html  # the reach of the month
    assert '<th scope="row">Publications</th>' in html  # every figure named in French
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


def _objective(town):  # type: ignore[no-untyped-def]
    from beffroi.analytics import services

    return services.objective_create(
        organisation=town,
        kind="notoriete",
        title="Plus d'abonnés",
        description="Abonnés de tous les comptes.",
        targets=[
            services.TargetInput("followers", 1000, 1500, date(2026, 1, 1), date(2026, 12, 31))
        ],
        actor=None,
    )


def test_an_objective_is_edited_in_its_page_with_an_audit_entry(client, town, make_member) -> None:  # type: ignore[no-untyped-def]
    from beffroi.core.models import AuditEntry

    objective = _objective(town)
    url = reverse("analytics:objective_edit", kwargs={"org": town.slug, "pk": objective.pk})
    form = {
        "title": "Mille six cents abonnés",
        "description": "Abonnés Mastodon et Bluesky, fin de mois.",
        "targets": "2",
        "target-0-indicator": "followers",
        "target-0-baseline": "1000",
        "target-0-target": "1600",
        "target-0-start": "2026-01-01",
        "target-0-deadline": "2027-06-30",
        # the blank row, filled: a second target is added
        "target-1-indicator": "engagement_rate",
        "target-1-baseline": "0,02",
        "target-1-target": "0,05",
        "target-1-start": "2026-01-01",
        "target-1-deadline": "2026-12-31",
    }
    client.force_login(make_member(town, role="analyst"))
    assert client.get(url).status_code == 403
    assert client.post(url, form).status_code == 403

    client.force_login(make_member(town, role="validator"))
    page = client.get(url).content.decode()
    assert 'value="1500"' in page and "Abonnés de tous les comptes." in page
    assert client.post(url, form).status_code == 302

    objective.refresh_from_db()
    assert (objective.title, objective.description) == (form["title"], form["description"])
    targets = {t.indicator: t for t in objective.targets.all()}
    assert targets["followers"].target == 1600
    assert targets["followers"].deadline == date(2027, 6, 30)
    assert targets["engagement_rate"].baseline == 0.02
    entry = AuditEntry.objects.get(action="objective_update")
    assert entry.before["targets"] == [["followers", 1000.0, 1500.0, "2026-01-01", "2026-12-31"]]
    assert entry.after["title"] == "Mille six cents abonnés"

    # A wrong target (deadline before start) changes nothing and says why.
    bad = {**form, "target-0-deadline": "2025-01-01", "title": "Autre titre"}
    answer = client.post(url, bad).content.decode()
    assert "Objectif non modifié" in answer
    objective.refresh_from_db()
    assert objective.title == form["title"]
    assert AuditEntry.objects.filter(action="objective_update").count() == 1


def _mentions(org_slug: str, count: int) -> list[LakeEvent]:
    return [
        LakeEvent(
            kind=EventKind.MENTION,
            occurred_at=datetime(2026, 3, 5 + i % 20, 10, tzinfo=UTC),
            organisation=org_slug,
            network="mastodon",
            event_id=f"{org_slug}-m{i}",
            author=f"citoyen-{i}",
            sentiment="neutral",
            keyword="piscine" if i % 2 else "travaux",
        )
        for i in range(count)
    ]


def test_share_of_voice_among_the_peers_the_user_may_see(
    client, town, make_org, make_member, settings
) -> None:  # type: ignore[no-untyped-def]
    from beffroi.analytics.selectors import lake

    neighbour = make_org(name="Bourg-Voisin")
    stranger = make_org(name="Ville-Lointaine")
    event_lake = lake()
    event_lake.append(
        _mentions(town.slug, 2) + _mentions(neighbour.slug, 6) + _mentions(stranger.slug, 8)
    )
    backend = AnalyticsBackend.duckdb()
    build_rollups(backend, event_lake)
    backend.close()
    user = make_member(town, role="analyst")
    make_member(neighbour, role="analyst", email=user.email)
    client.force_login(user)
    url = reverse("analytics:share_of_voice", kwargs={"org": town.slug})
    period = {"periode": "dates", "debut": "2026-03-01", "fin": "2026-03-31"}

    page = client.get(url, {**period, "pairs": [neighbour.slug, stranger.slug]}).content.decode()

    assert "Bourg-Voisin" in page and "Ville-Lointaine" not in page  # not in the user's circle
    assert "25 %" in page and "75 %" in page  # 2 and 6 mentions among the two
    assert "piscine" in page and "travaux" in page  # the keywords of Valmont's mentions
    assert '"voice"' in page and '"keywords"' in page


def test_the_sponsoring_planner_estimates_and_refuses_in_an_election_period(
    client, town, make_member
) -> None:  # type: ignore[no-untyped-def]
    from beffroi.analytics.selectors import lake
    from beffroi.compliance.elections import sponsoring_decision
    from beffroi.core import services as core
    from beffroi.core.domain import OrganisationKind

    core.network_account_create(
        organisation=town, network="mastodon", handle="valmont", simulated=True, actor=None
    )
    lake().append(
        [
            LakeEvent(
                kind=EventKind.SPONSORED,
                occurred_at=datetime(2026, 3, 12, 9, tzinfo=UTC),
                organisation=town.slug,
                network="mastodon",
                post_id="p1",
                spend_eur=50.0,
                reach=2000,
                results=40,
            )
        ]
    )
    kind = OrganisationKind(town.kind)
    days = [date(2026, 1, 1) + timedelta(days=n) for n in range(0, 800, 5)]
    allowed = next(
        d for d in days if d > date(2026, 3, 31) and sponsoring_decision(kind, d).allowed
    )
    refused = next(d for d in days if not sponsoring_decision(kind, d).allowed)
    client.force_login(make_member(town, role="community_manager"))
    url = reverse("analytics:sponsoring", kwargs={"org": town.slug})

    plan = client.get(url, {"reseau": "mastodon", "budget": "100", "jour": allowed}).content
    refusal = client.get(url, {"reseau": "mastodon", "budget": "100", "jour": refused}).content

    # 100 EUR at the 40 people per euro of the one past campaign; the organic reach of p1 (321
    # of 1,031 followers) is under the 10 % ceiling.
    assert "4000 – 4000 – 4000" in plan.decode()
    assert "Sponsoring refusé" not in plan.decode()
    assert "Sponsoring refusé" in refusal.decode() and "L52-1" in refusal.decode()
    assert "4000" not in refusal.decode()


def test_the_dashboard_is_cached_until_the_rollups_are_rebuilt(town, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from beffroi.analytics import selectors
    from beffroi.analytics.kpis import Period

    march = Period.month(2026, 3)
    first = selectors.organisation_dashboard(town, march)
    assert first.total is not None and first.total.reach == 321

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the cached dashboard should not read the lake")

    monkeypatch.setattr(selectors, "rollup_dashboard", no_reading)
    assert selectors.organisation_dashboard(town, march) == first
    monkeypatch.undo()

    event_lake = selectors.lake()
    event_lake.append(
        [
            LakeEvent(
                kind=EventKind.POST,
                occurred_at=datetime(2026, 3, 20, 9, tzinfo=UTC),
                organisation=town.slug,
                network="mastodon",
                post_id="p2",
            ),
            LakeEvent(
                kind=EventKind.METRICS,
                occurred_at=datetime(2026, 3, 21, 9, tzinfo=UTC),
                organisation=town.slug,
                network="mastodon",
                post_id="p2",
                reach=100,
            ),
        ]
    )
    backend = AnalyticsBackend.duckdb()
    build_rollups(backend, event_lake)
    backend.close()

    rebuilt = selectors.organisation_dashboard(town, march)
    assert rebuilt.total is not None and rebuilt.total.reach == 421
