"""The foundation in a real browser: log in, see the collectivité, its team and its accounts."""

import pytest

from beffroi.core.demo import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return demo_load()


def test_an_administrator_sees_the_commune_its_team_and_accounts(page, login, demo):
    login("admin@saint-aubin.example")
    assert page.get_by_role("heading", name="Saint-Aubin-sur-Brume").is_visible()

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Membres"
    ).click()
    assert page.locator("table").inner_text().count("@saint-aubin.example") == 4

    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name="Comptes"
    ).click()
    table = page.locator("table").inner_text()
    for network in ("Facebook", "Instagram", "X", "YouTube", "LinkedIn", "Mastodon", "Bluesky"):
        assert network in table
    assert table.count("simulé") == 7


def test_a_neighbour_cannot_open_saint_aubin(page, login, demo):
    login("admin@montclair.example")
    assert page.get_by_role("heading", name="Montclair-le-Lac").is_visible()
    response = page.goto("/o/saint-aubin-sur-brume/")
    assert response.status == 404


def test_wrong_password_is_refused_in_french(page, login, demo):
    login("admin@saint-aubin.example", password="pas-le-bon")
    assert "/comptes/login/" in page.url
    assert "incorrect" in page.content().lower() or "pas correct" in page.content().lower()
