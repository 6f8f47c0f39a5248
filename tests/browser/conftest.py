"""Playwright driving Debian's chromium (its own browser download fails here) against the live server."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls of the fixtures are
# still synchronous and sequential.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail("chromium is missing: scripts/system-deps.sh installs it")
        pytest.skip("chromium is not installed (scripts/system-deps.sh)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        locale="fr-FR", timezone_id="Europe/Paris", base_url=live_server.url
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def login(page):
    def do_login(email, password="beffroi-demo"):
        page.goto("/comptes/login/")
        page.get_by_label("Courriel").fill(email)
        page.get_by_label("Mot de passe", exact=False).first.fill(password)
        page.get_by_role("button", name="Connexion").click()
        page.wait_for_load_state()

    return do_login


AXE = os.path.join(os.path.dirname(__file__), "..", "js", "node_modules", "axe-core", "axe.min.js")


@pytest.fixture
def axe_violations(page):
    """Serious and critical accessibility violations on the current page, by axe-core (npm)."""
    if not os.path.exists(AXE):
        pytest.fail("axe-core is missing: scripts/system-deps.sh installs it (npm ci in tests/js)")
    with open(AXE, encoding="utf-8") as handle:
        source = handle.read()

    def audit():
        # Evaluated through the DevTools protocol, so the page's Content-Security-Policy still holds.
        page.evaluate(source)
        result = page.evaluate(
            "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        )
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
            for v in result
            if v["impact"] in ("serious", "critical")
        ]

    return audit
