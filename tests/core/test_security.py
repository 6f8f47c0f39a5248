import pytest

from beffroi.core import services
from beffroi.core.models import Role

pytestmark = pytest.mark.django_db


def test_login_is_locked_after_five_failures(client, make_org, make_member):
    org = make_org()
    user = make_member(org, Role.ADMIN, email="maire@brume.example")
    for _ in range(4):
        client.post("/comptes/login/", {"login": user.email, "password": "mauvais"})
    fifth = client.post("/comptes/login/", {"login": user.email, "password": "mauvais"})
    assert fifth.status_code == 429 and "bloquée" in fifth.content.decode()

    # Even the right password is refused while the lock lasts.
    client.post("/comptes/login/", {"login": user.email, "password": "un-mot-de-passe-solide"})
    assert "_auth_user_id" not in client.session


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    policy = client.get("/comptes/login/")["Content-Security-Policy"]
    script_src = next(part for part in policy.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    assert "frame-ancestors 'none'" in policy


def test_rendered_pages_have_no_inline_script(client, make_org, make_member):
    import re

    org = make_org()
    client.force_login(make_member(org, Role.ADMIN))
    for url in (
        f"/o/{org.slug}/",
        f"/o/{org.slug}/membres/",
        f"/o/{org.slug}/comptes/",
        "/comptes/login/",
    ):
        html = client.get(url).content.decode()
        for tag in re.findall(r"<script[^>]*>", html):
            assert "src=" in tag, f"inline script on {url}: {tag}"
        assert not re.search(r"\son(click|load|change|submit)=", html), url


def test_an_organisation_can_require_two_factor_authentication(client, make_org, make_member):
    org = make_org()
    admin = make_member(org, Role.ADMIN)
    client.force_login(admin)
    assert client.get(f"/o/{org.slug}/").status_code == 200

    services.organisation_update(organisation=org, actor=admin, require_mfa=True)
    response = client.get(f"/o/{org.slug}/")
    assert response.status_code == 302 and "/comptes/2fa/totp/activate" in response["Location"]
