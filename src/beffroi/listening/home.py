"""The listening card of the home page: new messages, unanswered requests, insults, alerts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from beffroi.core.home import HomeLine, capped_count, org_url
from beffroi.core.models import Organisation
from beffroi.listening.models import Alert, InboxItem

WAITING = (InboxItem.Status.NEW, InboxItem.Status.IN_PROGRESS)


def listening_home_lines(organisation: Organisation) -> list[HomeLine]:
    # needs_action first: the inbox's partial indexes cover exactly these rows.
    waiting = InboxItem.objects.filter(
        organisation=organisation, needs_action=True, status__in=WAITING
    )
    return [
        HomeLine(
            capped_count(Alert.objects.filter(organisation=organisation, status=Alert.Status.OPEN)),
            _("alerte(s) d'emballement ouverte(s)"),
            org_url("listening:alerts", organisation),
            "bad",
        ),
        HomeLine(
            capped_count(waiting.filter(is_toxic=True, hidden_at=None, deleted_at=None)),
            _("message(s) insultant(s) encore visible(s)"),
            org_url("listening:inbox", organisation, "insulte=oui"),
            "bad",
        ),
        HomeLine(
            capped_count(waiting.filter(is_request=True)),
            _("demande(s) sans réponse"),
            org_url("listening:inbox", organisation, "demande=oui"),
            "warn",
        ),
        HomeLine(
            capped_count(waiting.filter(status=InboxItem.Status.NEW)),
            _("nouveau(x) message(s) à traiter"),
            org_url("listening:inbox", organisation, "statut=new"),
        ),
    ]
