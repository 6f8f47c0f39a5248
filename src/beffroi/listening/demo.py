"""Demonstration data of listening: two months of comments and mentions of the commune's simulated
Facebook account, read through the same ingestion as production, with two bad buzzes: one answered
and closed, one under way.

The simulated account's state (its incidents, our replies and hidden comments) is kept by core in a
file under the data directory, so the web server's simulator sees the same world as this loader.
The history is understood through the simulator's own labels of what it generated (so the demo
shows the same two buzzes everywhere, and loads in seconds); messages polled afterwards go through
the production enricher like any other.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from beffroi.core.demo import DemoContext
from beffroi.core.domain import Network, Topic
from beffroi.core.models import NetworkAccount, Role
from beffroi.core.services import (
    DomainError,
)
from beffroi.listening import services
from beffroi.listening.ingestion import (
    Incoming,
    Understanding,
    advance,
    default_enricher,
    from_comment,
    from_mention,
    ingest,
)
from beffroi.listening.models import Alert, InboxItem, IngestCursor, SavedReply
from beffroi.networks.sandbox import SandboxAdapter
from beffroi.networks.sandbox.corpus import LabelledText
from beffroi.nlp.types import Enrichment

logger = logging.getLogger(__name__)

HISTORY_DAYS = 60
# A commune of 12,000 inhabitants has about 1,200 Facebook followers and a few messages a day: a bad
# buzz there is hundreds of times its usual volume at the peak (checked: both buzzes are detected
# whatever the hour the demo is loaded).
BUZZ_INTENSITY = 300.0
SAVED_REPLIES = (
    ("Transmis aux services", "Bonjour, merci pour votre signalement : nous l'avons transmis aux services techniques, qui reviennent vers vous rapidement."),
    ("Horaires de la mairie", "Bonjour, la mairie est ouverte du lundi au vendredi de 8h30 à 12h et de 13h30 à 17h30, le samedi de 9h à 12h."),
    ("Message privé", "Bonjour, pour traiter votre demande, pouvez-vous nous écrire en message privé avec votre adresse ?"),
)  # fmt: skip


class SimulatorTruth:
    """What the simulator knows it generated, with the shape of the enricher (demo fallback only)."""

    def __init__(self, labels: dict[str, LabelledText]) -> None:
        self.labels = labels

    def enrich(self, texts: Sequence[str], ids: Sequence[str] | None = None) -> list[Enrichment]:
        out = []
        for text in texts:
            label = self.labels[text]
            out.append(
                Enrichment(
                    lang="fr",
                    sentiment=label.sentiment,
                    sentiment_score={"positive": 0.7, "negative": -0.7}.get(label.sentiment, 0.0),
                    topic=label.topic,
                    topic_scores={label.topic.value: 1.0},
                    is_request=label.is_request,
                    toxic=label.is_insult,
                    places=(),
                    dup_of=None,
                )
            )
        return out


def _adapter(account: NetworkAccount, clock: datetime) -> SandboxAdapter:
    from beffroi.core.adapters import adapter_for_account

    adapter = adapter_for_account(account, clock=lambda: clock)
    assert isinstance(adapter, SandboxAdapter)
    return adapter


def _history(
    adapter: SandboxAdapter, network: Network, since: datetime
) -> tuple[list[Incoming], dict[str, LabelledText]]:
    labels: dict[str, LabelledText] = {}
    messages: list[Incoming] = []
    for post in adapter.fetch_posts(since=since):
        for simulated in adapter.simulated_comments(post.remote_id, until=adapter.clock()):
            if simulated.comment.created_at >= since:
                messages.append(from_comment(simulated.comment, network))
                labels[simulated.comment.text] = simulated.label
    for mentioned in adapter.simulated_mentions(since):
        messages.append(from_mention(mentioned.mention, network))
        labels[mentioned.mention.text] = mentioned.label
    messages.sort(key=lambda m: (m.created_at, m.remote_id))
    return messages, labels


def _enricher(labels: dict[str, LabelledText]) -> Understanding:
    """The simulator's labels by default: the same two buzzes on every machine, in seconds.
    LISTENING_DEMO_NLP = True runs the production models over the history instead (slower)."""
    if not getattr(settings, "LISTENING_DEMO_NLP", False):
        return SimulatorTruth(labels)
    from beffroi.nlp import ModelFilesMissing

    try:
        return default_enricher()
    except ModelFilesMissing:
        logger.warning(
            "modèles NLP absents : la démo d'écoute reprend les étiquettes du simulateur"
        )
        return SimulatorTruth(labels)


def _settings(context: DemoContext) -> None:
    commune, cm = context.commune, context.users[Role.COMMUNITY_MANAGER]
    services.charter_save(
        organisation=commune, actor=None, insults="propose", mask_phones=True, mask_emails=True
    )
    for title, text in SAVED_REPLIES:
        if not SavedReply.objects.filter(organisation=commune, title=title).exists():
            services.saved_reply_save(organisation=commune, actor=cm, title=title, text=text)
    services.keyword_add(organisation=commune, actor=cm, query="Valmont")


def _work_the_first_buzz(context: DemoContext, alert: Alert) -> None:
    cm = context.users[Role.COMMUNITY_MANAGER]
    services.alert_acknowledge(alert=alert, actor=cm, note="Point avec le service voirie à 10h.")
    answered = 0
    angry = (
        InboxItem.objects.filter(
            organisation=context.commune,
            kind__in=[InboxItem.Kind.COMMENT, InboxItem.Kind.REPLY],
            needs_action=True,
            is_toxic=False,
            created_at__gte=alert.detected_at - timedelta(days=3),
            created_at__lt=alert.detected_at + timedelta(days=5),
        )
        .exclude(sentiment="positive")
        .order_by("created_at")
    )
    for item in angry[:6]:
        try:
            services.item_reply(
                item=item,
                actor=cm,
                text="Bonjour, nous comprenons votre colère : un point complet sur le chantier est publié ce soir.",
            )
            answered += 1
        except DomainError as refused:
            logger.warning("démo : réponse impossible à %s : %s", item.remote_id, refused)
    services.alert_close(
        alert=alert,
        actor=cm,
        note=f"Communiqué publié, {answered} réponses sous les publications, réunion publique annoncée.",
    )


def _hide_some_insults(context: DemoContext, until: datetime) -> None:
    cm = context.users[Role.COMMUNITY_MANAGER]
    insults = InboxItem.objects.filter(
        organisation=context.commune,
        is_toxic=True,
        kind=InboxItem.Kind.COMMENT,
        hidden_at__isnull=True,
        created_at__lt=until,
    ).order_by("created_at")
    for item in list(insults)[::2][:10]:
        try:
            services.item_hide(item=item, actor=cm)
        except DomainError as refused:
            logger.warning("démo : masquage impossible de %s : %s", item.remote_id, refused)


def _sort_alerts(context: DemoContext, *, past: datetime, current: datetime) -> None:
    """The detector re-alerts every few hours while a buzz lasts: the first alert of each buzz
    carries it; the later ones of the same buzz are closed as followed there, earlier noise as checked."""
    cm = context.users[Role.COMMUNITY_MANAGER]
    alerts = list(Alert.objects.filter(organisation=context.commune).order_by("detected_at"))
    past_alerts = [a for a in alerts if past <= a.detected_at < past + timedelta(days=5)]
    current_alerts = [a for a in alerts if a.detected_at >= current]
    if past_alerts:
        _work_the_first_buzz(context, past_alerts[0])
    for group in (past_alerts, current_alerts):
        for later in group[1:]:
            services.alert_close(
                alert=later,
                actor=cm,
                note=f"Même emballement, suivi dans l'alerte n° {group[0].pk}.",
            )
    for other in alerts:
        if other not in past_alerts and other not in current_alerts:
            services.alert_close(alert=other, actor=cm, note="Vérifié, sans suite.")


def demo_load(context: DemoContext) -> None:
    account = context.accounts.get(Network.FACEBOOK.value)
    if account is None:
        return
    _settings(context)
    if InboxItem.objects.filter(organisation=context.commune, account=account).exists():
        return  # already loaded: the demo is idempotent
    now = timezone.now().replace(second=0, microsecond=0)
    start = now - timedelta(days=HISTORY_DAYS)
    adapter = _adapter(account, now)
    past = now - timedelta(days=38)
    current = now - timedelta(hours=30)
    if not adapter.state.incidents:
        adapter.trigger_incident(
            Topic.VOIRIE_TRAVAUX,
            start=past,
            intensity=BUZZ_INTENSITY,
            peak_after=timedelta(hours=6),
            duration=timedelta(days=4),
            label="chantier de la rue principale",
        )
        adapter.trigger_incident(
            Topic.PROPRETE_DECHETS,
            start=current,
            intensity=BUZZ_INTENSITY,
            peak_after=timedelta(hours=6),
            duration=timedelta(days=5),
            label="collecte des déchets",
        )
    messages, labels = _history(adapter, Network(account.network), start)
    enricher = _enricher(labels)
    by_day: dict[datetime, list[Incoming]] = {}
    for message in messages:
        by_day.setdefault(
            message.created_at.replace(hour=0, minute=0, second=0, microsecond=0), []
        ).append(message)
    for day in sorted(by_day):
        ingest(
            organisation=context.commune,
            account=account,
            messages=by_day[day],
            enricher=enricher,
            can_hide=True,
        )
    # The periodic poll goes on from here without reading this history again.
    for stream, kinds in (("comments", {"comment", "reply"}), ("mentions", {"mention"})):
        cursor, _ = IngestCursor.objects.get_or_create(account=account, stream=stream)
        advance(cursor, [m for m in messages if m.kind in kinds], now)
        cursor.save()
    _sort_alerts(context, past=past, current=current)
    _hide_some_insults(context, now - timedelta(days=2))
