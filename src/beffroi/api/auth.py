"""Who calls the API: a logged-in browser session, or a personal token (`Authorization: Bearer bf_...`)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja.security import HttpBearer, SessionAuth

from beffroi.api.models import ApiToken
from beffroi.api.scopes import SCOPES
from beffroi.api.services import api_token_authenticate
from beffroi.core.models import Organisation, User
from beffroi.core.permissions import Perm
from beffroi.core.selectors import organisation_for_user, organisations_for_user


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> ApiToken | None:
        api_token = api_token_authenticate(token)
        if api_token is not None:
            request.user = api_token.user
        return api_token


session_auth = SessionAuth()
token_auth = TokenAuth()


def api_user(request: HttpRequest) -> User:
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Authentification requise")
    return user


def _token(request: HttpRequest) -> ApiToken | None:
    auth: Any = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiToken) else None


def api_organisation(
    request: HttpRequest, org: str, scope: str, perm: Perm | None = None
) -> Organisation:
    """The organisation of the route: 404 outside the caller's (or the token's) organisation, 403 without scope or role."""
    token = _token(request)
    if token is not None and token.organisation.slug != org:
        raise Http404("Organisation introuvable")
    organisation = organisation_for_user(
        user=api_user(request), slug=org, perm=perm or SCOPES[scope]
    )
    if token is not None and scope not in token.scopes:
        raise PermissionDenied(f"Ce jeton n'a pas la portée {scope}")
    return organisation


def api_organisations(request: HttpRequest) -> Any:
    token = _token(request)
    if token is not None:
        return Organisation.objects.filter(id=token.organisation_id)
    return organisations_for_user(user=api_user(request))
