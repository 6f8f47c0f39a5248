"""Operators see compliance records in the admin, read-only."""

import pytest
from django.urls import reverse

from beffroi.compliance import services

pytestmark = pytest.mark.django_db


def test_operator_lists_requests_but_cannot_change_them(client, make_org, make_member):
    from beffroi.core.models import User

    commune = make_org(name="Saint-Aubin", kind="commune")
    admin = make_member(commune, "admin")
    request = services.erasure_request_create(
        organisation=commune,
        actor=admin,
        kind="effacement",
        requester="Marie",
        handles=[(None, "@marie")],
    )
    operator = User.objects.create_superuser("operateur@beffroi.example", "un-mot-de-passe-solide")
    client.force_login(operator)
    listing = client.get(reverse("admin:compliance_erasurerequest_changelist"))
    assert listing.status_code == 200 and "Marie" in listing.content.decode()
    assert client.get(reverse("admin:compliance_erasurerequest_add")).status_code == 403
    delete = client.post(
        reverse("admin:compliance_erasurerequest_delete", args=[request.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
