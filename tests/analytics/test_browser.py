"""In a real browser: the dashboard draws its charts, an objective is edited from its page, and the
share of voice and sponsoring pages open; no serious or critical accessibility violation (axe)."""

from __future__ import annotations

from datetime import date

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "un-mot-de-passe-solide"  # tests/conftest.py's make_member


def test_dashboard_then_edit_an_objective(page, login, axe_violations, town, make_member) -> None:  # type: ignore[no-untyped-def]
    from beffroi.analytics import services
    from beffroi.analytics.models import ObjectiveTarget

    objective = services.objective_create(
        organisation=town,
        kind="notoriete",
        title="Plus d'abonnés",
        targets=[
            services.TargetInput("followers", 1000, 1500, date(2026, 1, 1), date(2026, 12, 31))
        ],
        actor=None,
    )
    validator = make_member(town, role="validator")
    page.set_default_timeout(60_000)  # a shared two-core machine
    login(validator.email, PASSWORD)

    page.goto(f"/o/{town.slug}/mesure/?periode=dates&debut=2026-03-01&fin=2026-03-31")
    page.locator('[data-chart="followers"] svg').wait_for()
    page.locator('[data-chart="reach"] svg').wait_for()
    assert "321" in page.locator("table.kpis").inner_text()
    assert axe_violations() == []

    page.get_by_role("link", name="Voir et définir les objectifs").click()
    page.get_by_role("link", name="Modifier « Plus d'abonnés »").click()
    page.get_by_label("Intitulé").fill("Mille six cents abonnés")
    page.locator("#target-0-target").fill("1600")
    page.locator("#target-0-deadline").fill("2027-06-30")
    assert axe_violations() == []
    page.get_by_role("button", name="Enregistrer les modifications").click()
    page.get_by_text("Objectif modifié.").wait_for()

    assert page.get_by_role("heading", name="Mille six cents abonnés").count() == 1
    target = ObjectiveTarget.objects.get(objective=objective)
    assert (target.target, target.deadline) == (1600, date(2027, 6, 30))
    assert axe_violations() == []

    for path in ("part-de-voix", "sponsoring"):
        page.goto(f"/o/{town.slug}/mesure/{path}/")
        page.locator("h1").wait_for()
        assert axe_violations() == [], path
