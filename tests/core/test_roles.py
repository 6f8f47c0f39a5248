"""A user without the role cannot do what the role allows, through the pages as through the services."""

import pytest

from beffroi.core.models import AuditEntry, Membership, NetworkAccount, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune(make_org, make_member):
    org = make_org(name="Saint-Aubin")
    return org, {
        role: make_member(org, role)
        for role in (Role.ADMIN, Role.COMMUNITY_MANAGER, Role.VALIDATOR, Role.ANALYST)
    }


@pytest.mark.parametrize("role", [Role.COMMUNITY_MANAGER, Role.VALIDATOR, Role.ANALYST])
def test_only_an_administrator_invites(client, commune, role):
    org, users = commune
    client.force_login(users[role])
    response = client.post(
        f"/o/{org.slug}/membres/inviter/", {"email": "x@y.example", "role": "analyst"}
    )
    assert response.status_code == 403
    assert not Membership.objects.filter(user__email="x@y.example").exists()


def test_an_administrator_invites_and_it_is_audited(client, commune):
    org, users = commune
    client.force_login(users[Role.ADMIN])
    response = client.post(
        f"/o/{org.slug}/membres/inviter/", {"email": "elu@brume.example", "role": "validator"}
    )
    assert response.status_code == 302
    assert Membership.objects.get(user__email="elu@brume.example").role == "validator"
    assert AuditEntry.objects.filter(action="membership.add", actor=users[Role.ADMIN]).exists()


@pytest.mark.parametrize("role", [Role.VALIDATOR, Role.ANALYST, Role.COMMUNITY_MANAGER])
def test_only_an_administrator_connects_accounts(client, commune, role):
    org, users = commune
    client.force_login(users[role])
    response = client.post(f"/o/{org.slug}/comptes/simule/", {"network": "x", "handle": "brume"})
    assert response.status_code == 403
    assert not NetworkAccount.objects.exists()


def test_the_audit_log_is_for_administrators(client, commune):
    org, users = commune
    client.force_login(users[Role.ANALYST])
    assert client.get(f"/o/{org.slug}/journal/").status_code == 403
    client.force_login(users[Role.ADMIN])
    response = client.get(f"/o/{org.slug}/journal/export.csv")
    assert response.status_code == 200
    assert b"organisation.create" in response.content


def test_navigation_shows_only_what_the_role_may_open(client, commune):
    org, users = commune
    client.force_login(users[Role.ANALYST])
    page = client.get(f"/o/{org.slug}/").content.decode()
    assert "Journal" not in page and "Comptes" in page
    client.force_login(users[Role.ADMIN])
    assert "Journal" in client.get(f"/o/{org.slug}/").content.decode()


def test_login_page_is_in_french(client):
    page = client.get("/comptes/login/").content.decode()
    assert 'lang="fr"' in page and "Aller au contenu" in page


def test_login_page_offers_no_sign_up_since_accounts_are_by_invitation(client):
    page = client.get("/comptes/login/").content.decode()
    assert "sur invitation" in page
    assert "/comptes/signup/" not in page and "enregistrer" not in page


def test_health_endpoint(client):
    assert client.get("/sante/").json() == {"status": "ok", "database": "ok"}


def test_a_page_view_writes_the_session_only_when_the_organisation_changes(client, commune):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    org, users = commune
    client.force_login(users[Role.ADMIN])
    client.get(f"/o/{org.slug}/membres/")  # remembers the current organisation
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/o/{org.slug}/membres/").status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT", "DELETE"))]
    assert writes == []
