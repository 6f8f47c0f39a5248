from datetime import timedelta

import httpx
import pytest
import respx
from django.core import mail
from django.utils import timezone

from beffroi.core import services
from beffroi.core.health import health_check_all, health_digest_send, network_account_check_health
from beffroi.core.models import AuditEntry, NetworkAccount, Role

pytestmark = pytest.mark.django_db


def test_a_simulated_account_is_healthy(make_org):
    org = make_org()
    account = services.network_account_create(
        organisation=org,
        network="mastodon",
        handle="@ville@social.example",
        simulated=True,
        credentials={"sandbox_seed": "brume"},
        actor=None,
    )
    account = network_account_check_health(account=account)
    assert account.health == NetworkAccount.Health.OK
    assert account.health_checked_at is not None


@respx.mock
def test_an_expired_token_without_refresh_is_flagged_and_mailed_to_administrators(
    make_org, make_member, settings
):
    settings.BEFFROI_SITE_URL = "https://beffroi.example.fr/"
    # X answers as it documents for a revoked or expired bearer token.
    respx.get("https://api.x.com/2/users/me").respond(
        401,
        json={
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        },
    )
    org = make_org()
    make_member(org, Role.ADMIN, email="dircom@brume.example")
    expired = timezone.now() - timedelta(days=2)
    account = services.network_account_create(
        organisation=org,
        network="x",
        handle="VilleDeBrume",
        actor=None,
        credentials={"access_token": "AQX-old", "expires_at": expired.isoformat()},
        token_expires_at=expired,
    )
    assert health_check_all() == 1
    account.refresh_from_db()
    assert account.health in (NetworkAccount.Health.EXPIRED, NetworkAccount.Health.ERROR)
    assert "reconnectez" in account.health_message

    assert health_digest_send(organisation=org) == 1
    assert mail.outbox[0].to == ["dircom@brume.example"]
    assert "VilleDeBrume" in mail.outbox[0].body
    # The link works from a mail client: it carries the deployment's public address.
    assert f"https://beffroi.example.fr/o/{org.slug}/comptes/" in mail.outbox[0].body


@respx.mock
def test_tokens_refreshed_by_an_adapter_are_stored_encrypted(make_org):
    from beffroi.core.adapters import adapter_for_account

    org = make_org()
    account = services.network_account_create(
        organisation=org,
        network="x",
        handle="VilleDeBrume",
        actor=None,
        credentials={"access_token": "old", "refresh_token": "r1", "client_id": "app"},
    )
    respx.get("https://api.x.com/2/users/me").mock(
        side_effect=[
            httpx.Response(
                401,
                json={
                    "title": "Unauthorized",
                    "status": 401,
                    "detail": "Unauthorized",
                    "type": "about:blank",
                },
            ),
            httpx.Response(
                200, json={"data": {"id": "1", "name": "Ville", "username": "VilleDeBrume"}}
            ),
        ]
    )
    respx.post("https://api.x.com/2/oauth2/token").respond(
        200,
        json={
            "token_type": "bearer",
            "access_token": "new",
            "refresh_token": "r2",
            "expires_in": 7200,
            "scope": "tweet.read tweet.write users.read offline.access",
        },
    )
    adapter_for_account(account).verify_credentials()

    stored = services.network_account_credentials(account=account)
    assert stored["access_token"] == "new" and stored["refresh_token"] == "r2"
    assert AuditEntry.objects.filter(
        action="network_account.set_credentials", object_id=str(account.id)
    ).exists()
