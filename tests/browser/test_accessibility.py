"""axe-core audit of Beffroi's own pages: no serious or critical violation."""

import pytest

from beffroi.core.demo import demo_load

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CORE_PAGES = [
    "/o/saint-aubin-sur-brume/",
    "/o/saint-aubin-sur-brume/membres/",
    "/o/saint-aubin-sur-brume/comptes/",
    "/o/saint-aubin-sur-brume/journal/",
    "/o/saint-aubin-sur-brume/api/",
    "/organisations/",
]


@pytest.fixture
def demo(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return demo_load()


def test_login_page_is_accessible(page, axe_violations):
    page.goto("/comptes/login/")
    assert axe_violations() == []


@pytest.mark.parametrize("path", CORE_PAGES)
def test_core_pages_are_accessible(page, login, demo, axe_violations, path):
    login("admin@saint-aubin.example")
    page.goto(path)
    assert axe_violations() == []
