"""English as the second language: French for everyone, English for who chose it in the header."""

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db

SRC = Path(__file__).resolve().parents[2] / "src" / "beffroi"
CATALOG = SRC / "web" / "locale" / "en" / "LC_MESSAGES"
TEMPLATE_DIRS = [SRC / "web" / "templates", SRC / "core" / "templates", SRC / "api" / "templates"]


@pytest.fixture
def member_page(client, make_org, make_member):
    organisation = make_org(name="Saint-Aubin-sur-Brume")
    client.force_login(make_member(organisation, role="admin"))
    return f"/o/{organisation.slug}/"


def test_organisation_page_is_in_english_when_the_language_cookie_says_en(client, member_page):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(member_page)
    html = response.content.decode()
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "en"
    assert '<html lang="en">' in html
    for english in ("Change organisation", "Security", "Log out", "Skip to content"):
        assert english in html
    assert 'aria-label="Main navigation"' in html
    # The modules' entries and their sections are translated too (registered with gettext_lazy).
    for english in (">Calendar<", ">Alerts<", ">Objectives<", ">Publish<", ">Administration<"):
        assert english in html
    assert "See the team" in html and "Administrator" in html
    assert "Se déconnecter" not in html and "Navigation principale" not in html


def test_organisation_page_is_in_french_without_the_cookie_whatever_the_browser_asks(
    client, member_page
):
    response = client.get(member_page, headers={"Accept-Language": "en-GB,en;q=0.9"})
    html = response.content.decode()
    assert response.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in html
    assert "Changer d'organisation" in html and "Se déconnecter" in html
    assert 'aria-label="Navigation principale"' in html
    assert "Log out" not in html


def test_the_language_selector_sets_the_cookie_and_the_next_page_follows_it(client, member_page):
    answer = client.post("/i18n/setlang/", {"language": "en", "next": member_page})
    assert answer.status_code == 302 and answer.headers["Location"] == member_page
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert "Log out" in client.get(member_page).content.decode()

    client.post("/i18n/setlang/", {"language": "fr", "next": member_page})
    assert "Se déconnecter" in client.get(member_page).content.decode()


def test_an_unknown_language_in_the_cookie_falls_back_to_french(client, member_page):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    assert client.get(member_page).headers["Content-Language"] == "fr"


def _template_strings() -> set[str]:
    literal = re.compile(r"""{%\s*(?:translate|trans)\s+(?:"([^"]+)"|'([^']+)')""")
    found: set[str] = set()
    for folder in TEMPLATE_DIRS:
        for template in folder.rglob("*.html"):
            for double, single in literal.findall(template.read_text(encoding="utf-8")):
                found.add(double or single)
    return found


def _po_entries() -> dict[str, str]:
    """msgid -> msgstr of the .po file, joining the continuation lines of long strings."""
    entries: dict[str, str] = {}
    text = (CATALOG / "django.po").read_text(encoding="utf-8")
    for block in text.split("\n\n"):
        lines = [ln for ln in block.splitlines() if not ln.startswith("#")]
        fields: dict[str, str] = {}
        current = ""
        for line in lines:
            if line.startswith(("msgid ", "msgstr ")):
                current, _, line = line.partition(" ")
                fields[current] = ""
            fields[current] += line.strip()[1:-1].replace('\\"', '"')
        if fields.get("msgid"):
            entries[fields["msgid"]] = fields.get("msgstr", "")
    return entries


def test_every_translate_string_of_the_core_web_and_api_templates_has_its_english():
    """A new {% translate %} needs its English: `django-admin makemessages -l en` from src/beffroi
    (core, web and api only), translate, then `msgfmt` into django.mo; commit both, so that no
    install needs gettext."""
    strings = _template_strings()
    assert len(strings) > 50  # the templates were found
    entries = _po_entries()
    untranslated = sorted(s for s in strings if not entries.get(s))
    assert untranslated == []


def test_the_compiled_catalog_matches_the_po_file():
    with (CATALOG / "django.mo").open("rb") as compiled:
        english = gettext.GNUTranslations(compiled)
    entries = _po_entries()
    assert len(entries) > 100
    stale = {f: e for f, e in entries.items() if english.gettext(f) != e}
    assert stale == {}, "django.mo is older than django.po: run msgfmt again"
