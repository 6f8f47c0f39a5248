"""Login policy: accounts are created by invitation, never by public sign-up."""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.http import HttpRequest


class InvitationOnlyAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False


class ExistingUsersSocialAccountAdapter(DefaultSocialAccountAdapter):
    """ProConnect logs in an agent whose e-mail address was invited; it creates no account itself."""

    def is_open_for_signup(self, request: HttpRequest, sociallogin: Any) -> bool:
        return False

    def pre_social_login(self, request: HttpRequest, sociallogin: Any) -> None:
        from beffroi.core.models import User

        if sociallogin.is_existing:
            return
        email = (sociallogin.user.email or "").lower()
        user = User.objects.filter(email=email).first() if email else None
        if user is not None:
            sociallogin.connect(request, user)


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The login that django-axes counts failures for: allauth posts it as `login` (an e-mail address)."""
    credentials = credentials or {}
    value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if not value and request is not None:
        value = request.POST.get("login", "")
    return str(value or "").strip().lower()


def email_verified_by_password_reset(
    sender: Any, request: HttpRequest, user: Any, **_: Any
) -> None:
    """The key of a password reset (or of an invitation) came by e-mail: the address is proven."""
    from beffroi.core.services import email_mark_verified

    email_mark_verified(user=user)
