from __future__ import annotations

from collections.abc import Callable

from django.core.cache import cache
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
            and _must_set_up_mfa(user.pk)
        ):
            return redirect("mfa_activate_totp")
        return self.get_response(request)


MFA_CLEAR_FOR = 60  # seconds: an organisation's new requirement reaches its members within a minute


def mfa_clear_key(user_id: int) -> str:
    return f"beffroi:mfa-clear:{user_id}"


def _must_set_up_mfa(user_id: int) -> bool:
    """A member of an organisation that requires MFA, without it yet.

    Only "no" is cached (a query per page view otherwise): someone who must set it up is checked
    on every request, so the page lets them through the moment they have done it.
    """
    key = mfa_clear_key(user_id)
    if cache.get(key):
        return False
    needed = Membership.objects.filter(
        user_id=user_id, organisation__require_mfa=True
    ).exists() and not _has_mfa(user_id)
    if not needed:
        cache.set(key, True, MFA_CLEAR_FOR)
    return needed


def _has_mfa(user_id: int | None) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user_id, type=Authenticator.Type.TOTP).exists()
