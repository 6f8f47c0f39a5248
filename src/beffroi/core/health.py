"""Token health of the organisations' network accounts: checked daily, shown on the account page."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.core.adapters import adapter_for_account
from beffroi.core.home import HomeLine, org_url
from beffroi.core.links import absolute_url
from beffroi.core.models import Membership, NetworkAccount, Organisation, Role
from beffroi.core.services import network_account_set_health
from beffroi.networks.errors import NetworkError
from beffroi.networks.health import EXPIRY_WARNING, check_token_health
from beffroi.networks.types import TokenHealth

logger = logging.getLogger(__name__)


def health_status(result: TokenHealth, *, now: datetime) -> str:
    """The account's status from the adapter's verdict."""
    if result.deprecated_api_version:
        return NetworkAccount.Health.DEPRECATED
    if result.missing_scopes:
        return NetworkAccount.Health.PERMISSION
    if result.expires_at is not None and result.expires_at <= now and not result.ok:
        return NetworkAccount.Health.EXPIRED
    if result.expires_at is not None and result.expires_at - now <= EXPIRY_WARNING:
        return NetworkAccount.Health.EXPIRING
    return NetworkAccount.Health.OK if result.ok else NetworkAccount.Health.ERROR


def network_account_check_health(*, account: NetworkAccount) -> NetworkAccount:
    """Ask the account's adapter (one cheap call to the network) and store the verdict."""
    now = timezone.now()
    try:
        result = check_token_health(adapter_for_account(account), now=now)
    except NetworkError as exc:  # the adapter could not even be built (bad credentials...)
        result = TokenHealth(ok=False, expires_at=account.token_expires_at, message=exc.message)
    return network_account_set_health(
        account=account,
        health=health_status(result, now=now),
        message=result.message,
        checked_at=now,
    )


def accounts_needing_attention(*, organisation: Organisation) -> list[NetworkAccount]:
    return list(
        NetworkAccount.objects.filter(organisation=organisation).exclude(
            health__in=[NetworkAccount.Health.OK, NetworkAccount.Health.UNKNOWN]
        )
    )


def account_home_lines(organisation: Organisation) -> list[HomeLine]:
    """The home page's line: accounts whose token will make scheduled publications fail."""
    return [
        HomeLine(
            len(accounts_needing_attention(organisation=organisation)),
            _("compte(s) à reconnecter"),
            org_url("core:accounts", organisation),
            "warn",
        )
    ]


def health_digest_send(*, organisation: Organisation) -> int:
    """E-mail the administrators the accounts that will make publications fail; returns the count."""
    accounts = accounts_needing_attention(organisation=organisation)
    if not accounts:
        return 0
    recipients = list(
        Membership.objects.filter(organisation=organisation, role=Role.ADMIN).values_list(
            "user__email", flat=True
        )
    )
    lines = [
        f"- {a.get_network_display()} {a.handle} : {a.get_health_display()}. {a.health_message}"
        for a in accounts
    ]
    send_mail(
        subject=f"[Beffroi] {len(accounts)} compte(s) à reconnecter · {organisation.name}",
        message="Ces comptes risquent de faire échouer des publications programmées :\n\n"
        + "\n".join(lines)
        + "\n\nLes reconnecter : "
        + absolute_url(org_url("core:accounts", organisation)),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=recipients,
    )
    return len(accounts)


def health_check_all(*, stale_after: timedelta = timedelta(hours=20)) -> int:
    """Check every account not checked recently; returns how many were checked."""
    cutoff = timezone.now() - stale_after
    checked = 0
    stale = Q(health_checked_at__isnull=True) | Q(health_checked_at__lt=cutoff)
    for account in NetworkAccount.objects.filter(stale).select_related("organisation"):
        try:
            network_account_check_health(account=account)
            checked += 1
        except Exception:  # one broken account must not stop the others
            logger.exception("token health check failed for account %s", account.pk)
    return checked
