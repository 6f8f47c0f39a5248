"""REST API (django-ninja). The OpenAPI document is at /api/v1/openapi.json, its pages at /api/v1/docs.

Errors always have the shape {"detail": "...", "code": "..."}; lists are paged with limit/offset.
"""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.throttling import AuthRateThrottle

from beffroi.api.auth import api_organisation, api_organisations, session_auth, token_auth
from beffroi.core import selectors
from beffroi.core.models import Organisation

api = NinjaAPI(
    title="Beffroi API",
    version="1",
    urls_namespace="api",
    auth=[token_auth, session_auth],
    throttle=[AuthRateThrottle("600/m")],
    description=(
        "API de Beffroi. Authentification : session du navigateur ou jeton personnel "
        "(`Authorization: Bearer bf_...`), limité à une organisation, à des portées et à une date. "
        'Erreurs : `{"detail": "...", "code": "..."}`. Listes paginées par `limit` et `offset`.'
    ),
)


class ErrorOut(Schema):
    detail: str
    code: str


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
    actor_label: str
    action: str
    object_type: str
    object_id: str
    object_repr: str


def _error(request: HttpRequest, status: int, code: str, detail: str) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "code": code}, status=status)


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return _error(request, 403, "forbidden", str(exc) or "Permission refusée")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "not_found", str(exc) or "Introuvable")


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, "unauthenticated", "Authentification requise (session ou jeton)")


@api.exception_handler(NinjaValidationError)
def _invalid(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    details = "; ".join(
        f"{'.'.join(map(str, e.get('loc', ())))}: {e.get('msg')}" for e in exc.errors
    )
    return _error(request, 422, "invalid", details or "Requête invalide")


@api.exception_handler(ValidationError)
def _domain_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return _error(request, 409, "refused", " ".join(exc.messages))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = "rate_limited" if exc.status_code == 429 else "error"
    return _error(request, exc.status_code, code, str(exc))


class Paging(LimitOffsetPagination):
    """limit/offset paging whose bounds are part of the schema (a huge offset is a 422, not a 500)."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=10_000_000)


ERRORS: dict[int, type[Schema]] = {
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    409: ErrorOut,
    422: ErrorOut,
    429: ErrorOut,
}


def _org_out(o: Organisation) -> OrganisationOut:
    return OrganisationOut(
        slug=o.slug,
        name=o.name,
        kind=o.kind,
        code=o.code,
        population=o.population,
        parent=o.parent.slug if o.parent is not None else None,
    )


@api.get("/organisations", response={200: list[OrganisationOut], **ERRORS})
@paginate(Paging)
def organisation_list(request: HttpRequest) -> list[OrganisationOut]:
    return [_org_out(o) for o in api_organisations(request).select_related("parent")]


@api.get("/organisations/{org}", response={200: OrganisationOut, **ERRORS})
def organisation_detail(request: HttpRequest, org: str) -> OrganisationOut:
    return _org_out(api_organisation(request, org, "organisations:read"))


@api.get("/organisations/{org}/members", response={200: list[MemberOut], **ERRORS})
@paginate(Paging)
def member_list(request: HttpRequest, org: str) -> list[MemberOut]:
    organisation = api_organisation(request, org, "organisations:read")
    return [
        MemberOut(email=m.user.email, role=m.role)
        for m in selectors.membership_list(organisation=organisation)
    ]


@api.get("/organisations/{org}/accounts", response={200: list[AccountOut], **ERRORS})
@paginate(Paging)
def account_list(request: HttpRequest, org: str) -> list[AccountOut]:
    """Network accounts, without any secret."""
    organisation = api_organisation(request, org, "accounts:read")
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


@api.get("/organisations/{org}/audit", response={200: list[AuditOut], **ERRORS})
@paginate(Paging)
def audit_list(request: HttpRequest, org: str) -> list[AuditOut]:
    organisation = api_organisation(request, org, "audit:read")
    # The queryset itself: the paginator slices it in SQL (a list would load the whole log).
    return selectors.audit_list(organisation=organisation)  # type: ignore[return-value]
