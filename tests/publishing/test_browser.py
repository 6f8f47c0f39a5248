"""In a real browser: write a message, see the variants, submit it, approve it as the validator,
publish it, and find it published on the simulated network."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "beffroi-demo"


@pytest.fixture
def commune(settings):
    from huey.contrib.djhuey import HUEY

    from beffroi.core import services as core
    from beffroi.publishing import services
    from beffroi.publishing.services import StepSpec

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    org = core.organisation_create(name="Saint-Aubin-sur-Brume", kind="commune", actor=None)
    cm = core.user_create(
        email="cm@saint-aubin.example", password=PASSWORD, first_name="Léa", last_name="Martin"
    )
    validator = core.user_create(
        email="validateur@saint-aubin.example",
        password=PASSWORD,
        first_name="Jean",
        last_name="Lefèvre",
    )
    core.membership_add(organisation=org, user=cm, role="community_manager", actor=None)
    core.membership_add(organisation=org, user=validator, role="validator", actor=None)
    for network in ("mastodon", "x"):
        core.network_account_create(
            organisation=org,
            network=network,
            handle=f"saint-aubin-{network}",
            simulated=True,
            credentials={"sandbox_seed": f"navigateur-{network}"},
            actor=None,
        )
    services.circuit_set(
        organisation=org,
        steps=[StepSpec("Direction de la communication", reviewer=validator)],
        actor=None,
    )
    # The worker runs inline, as in `make test`: « publier maintenant » publishes within the request.
    previous, HUEY.immediate = HUEY.immediate, True
    yield org
    HUEY.immediate = previous


def _logout(page):  # noqa: F811
    page.context.clear_cookies()


def test_write_submit_approve_and_publish(page, login, commune):  # noqa: F811
    login("cm@saint-aubin.example")
    page.goto(f"/o/{commune.slug}/publications/rediger/")
    page.get_by_label("Titre interne").fill("Marché de Noël")
    page.get_by_label("Message").fill(
        "Le marché de Noël ouvre samedi place du Beffroi : 40 chalets, une patinoire et les chorales des écoles."
    )
    page.get_by_label("Hashtags (séparés par des virgules)").fill("marché de Noël")
    previews = page.locator("#previews")
    # The previews follow the typing (htmx, 300 ms after the last key).
    previews.get_by_text("#MarchéDeNoël").first.wait_for()
    assert "/ 280" in previews.inner_text()
    assert "/ 500" in previews.inner_text()  # Mastodon's counter beside X's
    page.get_by_role("button", name="Enregistrer le brouillon").click()
    page.get_by_role("heading", name="Marché de Noël").wait_for()
    page.get_by_role("button", name="Soumettre à validation").click()
    assert page.locator("#draft-state").inner_text() == "En validation"
    draft_url = page.url

    _logout(page)
    login("validateur@saint-aubin.example")
    page.goto(f"/o/{commune.slug}/publications/a-valider/")
    page.get_by_role("link", name="Marché de Noël", exact=True).click()
    page.get_by_role("button", name="Valider", exact=True).click()
    assert page.locator("#draft-state").inner_text() == "Validé"

    _logout(page)
    login("cm@saint-aubin.example")
    page.goto(draft_url)
    page.get_by_role("button", name="Publier maintenant").click()
    assert page.locator("#draft-state").inner_text() == "Publié"
    assert page.get_by_text("sandbox://").count() >= 1 or "sim-pub-" in page.content()
