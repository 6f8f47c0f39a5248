"""In a real browser: create a consultation, link a post, collect its comments, group them into
ideas, move an answer, and read the synthesis."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "beffroi-demo"


@pytest.fixture
def commune(settings):
    from beffroi.core import services as core

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = core.organisation_create(name="Saint-Aubin-sur-Brume", kind="commune", actor=None)
    cm = core.user_create(
        email="cm@saint-aubin.example", password=PASSWORD, first_name="Léa", last_name="Martin"
    )
    core.membership_add(organisation=org, user=cm, role="community_manager", actor=None)
    account = core.network_account_create(
        organisation=org,
        network="facebook",
        handle="saint-aubin-facebook",
        simulated=True,
        credentials={"sandbox_seed": "navigateur-participation"},
        actor=None,
    )
    return org, account


def test_consultation_life_cycle(page, login, commune):  # noqa: F811
    from datetime import timedelta

    from django.utils import timezone

    from beffroi.core.adapters import adapter_for_account
    from beffroi.participation.models import Answer

    org, account = commune
    start = timezone.localtime() - timedelta(days=20)
    with adapter_for_account(account) as adapter:
        post = next(
            p for p in adapter.fetch_posts(start) if adapter.fetch_comments(p.remote_id, start)
        )

    # Grouping and the first page loads run on a shared two-core machine: give them time.
    page.set_default_timeout(90_000)
    page.set_default_navigation_timeout(90_000)
    login("cm@saint-aubin.example")
    page.goto(f"/o/{org.slug}/consultations/")
    page.get_by_label("Titre", exact=True).fill("Avenir de la friche")
    page.get_by_label("Question posée aux habitants").fill("Que faire de la friche Mercier ?")
    page.get_by_label("Début", exact=True).fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Fin", exact=True).fill(
        (start + timedelta(days=40)).strftime("%Y-%m-%dT%H:%M")
    )
    page.get_by_label("Regroupement des idées").select_option("fast")
    page.get_by_role("button", name="Créer la consultation").click()
    page.get_by_role("heading", name="Avenir de la friche").wait_for()

    page.get_by_label("Identifiant de la publication").fill(post.remote_id)
    page.get_by_role("button", name="Lier", exact=True).click()
    page.get_by_text("Publication liée à la consultation.").wait_for()

    page.get_by_role("button", name="Collecter les réponses").click()
    page.get_by_text("Collecte :").wait_for()
    collected = Answer.objects.filter(consultation__organisation=org).count()
    assert collected > 0
    assert (
        f"Collecte : {collected} nouvelle(s) réponse(s)" in page.locator(".messages").inner_text()
    )

    page.get_by_role("button", name="Regrouper en idées").click()
    page.get_by_text("réponses regroupées en").wait_for()
    ideas = page.locator("article.idea")
    assert ideas.count() >= 1

    page.get_by_role("link", name="Voir la synthèse").click()
    page.get_by_role("heading", name="Les idées par soutien").wait_for()
    assert "personne(s) ont donné" in page.locator("main").inner_text()
    pdf = page.get_by_role("link", name="Télécharger la synthèse (PDF)")
    assert pdf.get_attribute("href").endswith("/synthese.pdf")
