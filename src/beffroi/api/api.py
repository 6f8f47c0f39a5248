"""REST API (django-ninja), documented by its OpenAPI schema at /api/v1/docs."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI, Schema
from ninja.security import django_auth

from beffroi.core import selectors
from beffroi.core.access import acting_user
from beffroi.core.models import Organisation
from beffroi.core.permissions import Perm

api = NinjaAPI(
    title="Beffroi API",
    version="1",
    urls_namespace="api",
    auth=django_auth,
    description="API de Beffroi. Chaque route est limitée aux organisations de l'utilisateur.",
)


class OrganisationOut(Schema):
    slug: str
    name: str
    kind: str
    code: str
    population: int
    parent: str | None


class MemberOut(Schema):
    email: str
    role: str


class AccountOut(Schema):
    id: int
    network: str
    handle: str
    display_name: str
    simulated: bool
    health: str
    token_expires_at: datetime | None


class AuditOut(Schema):
    created_at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    object_repr: str


def _org_out(o: Organisation) -> OrganisationOut:
    return OrganisationOut(
        slug=o.slug,
        name=o.name,
        kind=o.kind,
        code=o.code,
        population=o.population,
        parent=o.parent.slug if o.parent is not None else None,
    )


@api.get("/organisations", response=list[OrganisationOut])
def organisation_list(request: HttpRequest) -> list[OrganisationOut]:
    organisations = selectors.organisations_for_user(user=acting_user(request)).select_related(
        "parent"
    )  # type: ignore[arg-type]
    return [_org_out(o) for o in organisations]


@api.get("/organisations/{org}", response=OrganisationOut)
def organisation_detail(request: HttpRequest, org: str) -> OrganisationOut:
    return _org_out(selectors.organisation_for_user(user=acting_user(request), slug=org))  # type: ignore[arg-type]


@api.get("/organisations/{org}/members", response=list[MemberOut])
def member_list(request: HttpRequest, org: str) -> list[MemberOut]:
    organisation = selectors.organisation_for_user(user=acting_user(request), slug=org)  # type: ignore[arg-type]
    return [
        MemberOut(email=m.user.email, role=m.role)
        for m in selectors.membership_list(organisation=organisation)
    ]


@api.get("/organisations/{org}/accounts", response=list[AccountOut])
def account_list(request: HttpRequest, org: str) -> list[AccountOut]:
    organisation = selectors.organisation_for_user(user=acting_user(request), slug=org)  # type: ignore[arg-type]
    return [
        AccountOut(
            id=a.id,
            network=a.network,
            handle=a.handle,
            display_name=a.display_name,
            simulated=a.simulated,
            health=a.health,
            token_expires_at=a.token_expires_at,
        )
        for a in selectors.network_account_list(organisation=organisation)
    ]


@api.get("/organisations/{org}/audit", response=list[AuditOut])
def audit_list(request: HttpRequest, org: str, limit: int = 100) -> list[AuditOut]:
    organisation = selectors.organisation_for_user(
        user=acting_user(request), slug=org, perm=Perm.VIEW_AUDIT
    )  # type: ignore[arg-type]
    entries = selectors.audit_list(organisation=organisation)[: max(1, min(limit, 1000))]
    return [
        AuditOut(
            created_at=e.created_at,
            actor=e.actor_label,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            object_repr=e.object_repr,
        )
        for e in entries
    ]


@api.exception_handler(PermissionDenied)
def permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return api.create_response(request, {"detail": str(exc) or "Permission refusée"}, status=403)
