from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from beffroi.core.models import Membership

# Pages a user without two-factor authentication may still open: login, MFA set-up, static files.
_OPEN_PREFIXES = ("/comptes/", "/static/", "/i18n/", "/sante/")


class RequireMfaMiddleware:
    """An organisation that requires two-factor authentication sends its members to set it up first."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and Membership.objects.filter(user_id=user.pk, organisation__require_mfa=True).exists()
            and not _has_mfa(user.pk)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


def _has_mfa(user_id: int | None) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).exists()
