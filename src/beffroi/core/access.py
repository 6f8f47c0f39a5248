"""The one way a view reaches an organisation: `@organisation_view(Perm.X)`."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse

from beffroi.core.models import User
from beffroi.core.permissions import Perm
from beffroi.core.selectors import organisation_and_role_for_user

View = Callable[..., HttpResponse]


def organisation_view(perm: Perm = Perm.VIEW_ORG) -> Callable[[View], View]:
    """Resolve the `org` URL argument for the logged-in user: 404 outside their organisations, 403 without `perm`.

    The view receives the organisation as its second argument; `request.organisation` and
    `request.organisation_role` are set for the templates.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, org: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            organisation, role = organisation_and_role_for_user(
                user=acting_user(request), slug=org, perm=perm
            )
            request.organisation = organisation  # type: ignore[attr-defined]
            request.organisation_role = role  # type: ignore[attr-defined]
            # Only when it changes: any assignment saves the session (a write per page view).
            if request.session.get("current_org") != organisation.slug:
                request.session["current_org"] = organisation.slug
            return view(request, organisation, *args, **kwargs)

        wrapper.beffroi_perm = perm  # type: ignore[attr-defined]
        return wrapper

    return decorator


def acting_user(request: HttpRequest) -> User:
    """The logged-in user of a request that `organisation_view` (or login_required) already checked."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Connexion requise")
    return user
