"""Core factories and browser fixtures. The throw-away data directory and inline tasks come from
beffroi.pytest_env."""

import os
import shutil

import pytest


@pytest.fixture
def make_org(db):
    from beffroi.core import services

    def make(name="Saint-Aubin-sur-Brume", kind="commune", parent=None, **extra):
        return services.organisation_create(
            name=name, kind=kind, parent_slug=parent.slug if parent else None, actor=None, **extra
        )

    return make


@pytest.fixture
def make_member(db):
    from beffroi.core import services
    from beffroi.core.models import User

    counter = {"n": 0}

    def make(organisation, role="admin", email=None):
        counter["n"] += 1
        email = email or f"{role}{counter['n']}@{organisation.slug}.example"
        user = User.objects.filter(email=email).first() or services.user_create(
            email=email, password="un-mot-de-passe-solide"
        )
        services.membership_add(organisation=organisation, user=user, role=role, actor=None)
        return user

    return make


@pytest.fixture
def make_alert(db):
    """An open bad-buzz alert as the detector raises it (figures of a plausible burst)."""
    from django.utils import timezone

    from beffroi.listening.models import Alert

    def make(organisation, severity="high", reason="Hausse des messages négatifs"):
        return Alert.objects.create(
            organisation=organisation,
            severity=severity,
            detected_at=timezone.now(),
            reason=reason,
            window_minutes=15,
            negative_count=40,
            expected_negative=3.0,
            negative_share=0.8,
            baseline_share=0.2,
        )

    return make


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# Browser fixtures: one Playwright (Debian's chromium) for the whole session, for every module's
# browser tests (its own browser download fails here).


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


AXE = os.path.join(os.path.dirname(__file__), "js", "node_modules", "axe-core", "axe.min.js")


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


@pytest.fixture(scope="session")
def spark():
    """One local Spark session (and JVM) for the whole run, shared by analytics and observatory:
    a second `spark_session()` would get this one back, and stopping it there ended the JVM under
    the other module's feet."""
    from beffroi.analytics.kpis import spark_session, stop_spark

    session = spark_session("local[2]")
    yield session
    stop_spark(session)
