"""The publishing card of the home page: today's posts, drafts awaiting approval, failures."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.core.home import HomeLine, capped_count, org_url
from beffroi.core.models import Organisation
from beffroi.publishing.models import Draft, Variant


def publishing_home_lines(organisation: Organisation) -> list[HomeLine]:
    start = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    drafts = Draft.objects.filter(organisation=organisation)
    calendar = org_url("publishing:calendar", organisation)
    return [
        HomeLine(
            capped_count(
                drafts.filter(
                    state=Draft.State.SCHEDULED,
                    scheduled_at__gte=start,
                    scheduled_at__lt=start + timedelta(days=1),
                )
            ),
            _("publication(s) programmée(s) aujourd'hui"),
            calendar,
        ),
        HomeLine(
            capped_count(drafts.filter(state=Draft.State.IN_REVIEW)),
            _("brouillon(s) en attente de validation"),
            org_url("publishing:review_queue", organisation),
            "warn",
        ),
        HomeLine(
            capped_count(
                Variant.objects.filter(
                    draft__organisation=organisation,
                    state=Variant.State.FAILED,
                    draft__updated_at__gte=timezone.now() - timedelta(days=7),
                )
            ),
            _("publication(s) en échec cette semaine"),
            calendar,
            "bad",
        ),
    ]
