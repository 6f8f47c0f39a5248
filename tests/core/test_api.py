"""The REST API: personal tokens with scopes and expiry, one error shape, paging, signed webhooks."""

import hashlib
import hmac
import json
from datetime import timedelta

import httpx
import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from beffroi.api import services
from beffroi.api.models import ApiToken, WebhookDelivery
from beffroi.core.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune(make_org, make_member):
    org = make_org(name="Saint-Aubin")
    return org, make_member(org, Role.ADMIN), make_member(org, Role.ANALYST)


def bearer(secret):
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_token_reads_its_organisation_within_its_scopes(client, commune, make_org):
    org, admin, _ = commune
    _, secret = services.api_token_create(
        organisation=org, user=admin, name="intranet", scopes=["accounts:read"]
    )

    assert (
        client.get(f"/api/v1/organisations/{org.slug}/accounts", **bearer(secret)).status_code
        == 200
    )
    refused = client.get(f"/api/v1/organisations/{org.slug}/audit", **bearer(secret))
    assert refused.status_code == 403
    assert refused.json() == {
        "detail": "Ce jeton n'a pas la portée audit:read",
        "code": "forbidden",
    }


def test_a_token_never_reaches_another_organisation_even_one_its_owner_sees(
    client, make_org, make_member
):
    epci = make_org(name="CC du Val", kind="epci")
    commune = make_org(name="Brume", parent=epci)
    admin = make_member(epci, Role.ADMIN)
    _, secret = services.api_token_create(
        organisation=epci, user=admin, name="n8n", scopes=["organisations:read"]
    )

    assert client.get(f"/api/v1/organisations/{commune.slug}", **bearer(secret)).status_code == 404
    slugs = [
        o["slug"] for o in client.get("/api/v1/organisations", **bearer(secret)).json()["items"]
    ]
    assert slugs == [epci.slug]


def test_an_expired_or_revoked_token_is_refused_in_the_documented_shape(client, commune):
    org, admin, _ = commune
    token, secret = services.api_token_create(
        organisation=org, user=admin, name="x", scopes=["accounts:read"]
    )
    ApiToken.objects.filter(id=token.id).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(f"/api/v1/organisations/{org.slug}/accounts", **bearer(secret))
    assert response.status_code == 401 and response.json()["code"] == "unauthenticated"

    token, secret = services.api_token_create(
        organisation=org, user=admin, name="y", scopes=["accounts:read"]
    )
    services.api_token_revoke(token=token, actor=admin)
    assert (
        client.get(f"/api/v1/organisations/{org.slug}/accounts", **bearer(secret)).status_code
        == 401
    )


def test_a_token_cannot_grant_more_than_the_role(commune):
    org, _, analyst = commune
    with pytest.raises(PermissionDenied):
        services.api_token_create(organisation=org, user=analyst, name="x", scopes=["audit:read"])


def test_only_the_hash_of_a_token_is_stored(commune):
    org, admin, _ = commune
    token, secret = services.api_token_create(
        organisation=org, user=admin, name="x", scopes=["accounts:read"]
    )
    assert (
        secret not in token.token_hash
        and token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    )


def test_lists_are_paged(client, commune, make_member):
    org, admin, _ = commune
    for _ in range(3):
        make_member(org, Role.VALIDATOR)
    client.force_login(admin)
    page = client.get(f"/api/v1/organisations/{org.slug}/members?limit=2&offset=0").json()
    assert page["count"] == 5 and len(page["items"]) == 2


def test_the_openapi_document_describes_the_error_shape(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert "ErrorOut" in schema["components"]["schemas"]
    assert "403" in schema["paths"]["/api/v1/organisations/{org}/accounts"]["get"]["responses"]


def test_webhooks_are_signed_and_retried_with_backoff(commune, django_capture_on_commit_callbacks):
    org, admin, _ = commune
    endpoint, secret = services.webhook_endpoint_create(
        organisation=org, url="https://intranet.example/hooks", events=["alert.raised"], actor=admin
    )
    received = []

    def receiver(request: httpx.Request) -> httpx.Response:
        received.append(request)
        return httpx.Response(503 if len(received) == 1 else 204)

    client = httpx.Client(transport=httpx.MockTransport(receiver))
    (delivery,) = services.webhook_emit(
        organisation=org, event="alert.raised", data={"severity": "high"}
    )

    delivery = services.webhook_delivery_attempt(delivery=delivery, client=client)
    assert delivery.status == WebhookDelivery.Status.PENDING and delivery.last_status_code == 503
    assert delivery.next_attempt_at > timezone.now() + timedelta(seconds=20)

    delivery = services.webhook_delivery_attempt(delivery=delivery, client=client)
    assert delivery.status == WebhookDelivery.Status.DELIVERED and delivery.attempts == 2

    request = received[-1]
    timestamp = request.headers["X-Beffroi-Timestamp"]
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + request.content, hashlib.sha256
    ).hexdigest()
    assert request.headers["X-Beffroi-Signature"] == f"sha256={expected}"
    assert json.loads(request.content)["data"] == {"severity": "high"}


def test_a_webhook_must_use_https(commune):
    from django.core.exceptions import ValidationError

    org, admin, _ = commune
    with pytest.raises(ValidationError, match="HTTPS"):
        services.webhook_endpoint_create(
            organisation=org, url="http://intranet.example/h", events=["alert.raised"], actor=admin
        )
