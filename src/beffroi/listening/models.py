"""Listening: every message received, the inbox workflow on it, moderation, routing and alerts.

One table holds every message an organisation receives (`InboxItem`), enriched; those that need
action (`needs_action`) make the inbox, the others stay for the conversation view and the counts.
Filter columns are on the row itself and the indexes end with (created_at, id), the key of the
keyset pagination, so that the inbox stays fast with millions of rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.core.domain import NETWORK_LABELS, TOPIC_LABELS, Network, Sentiment, Topic
from beffroi.core.models import NetworkAccount, Organisation
from beffroi.listening.moderation import INSULT_POLICY_LABELS, InsultPolicy
from beffroi.listening.routing import LEVEL_LABELS, Level


class IngestCursor(models.Model):
    """How far one stream of one account has been read: the newest time seen and the ids at that time.

    Networks answer « since T » inclusively and several messages can share a second: keeping the ids
    seen at exactly T lets the next poll ask from T again without reading anything twice, and
    skipping nothing. The cursor moves in the same transaction as the messages it covers.
    """

    account = models.ForeignKey(NetworkAccount, on_delete=models.CASCADE, related_name="+")
    stream = models.CharField(max_length=200)  # comments, mentions, search:<keyword id>
    position = models.DateTimeField(null=True, blank=True)
    ids_at_position = models.JSONField(default=list)
    polled_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["account", "stream"], name="one_cursor_per_stream")
        ]

    def __str__(self) -> str:
        return f"{self.account} · {self.stream} · {self.position}"


class InboxItem(models.Model):
    class Kind(models.TextChoices):
        COMMENT = "comment", _("Commentaire")
        REPLY = "reply", _("Réponse")
        MENTION = "mention", _("Mention")
        SEARCH = "search", _("Veille")
        DIRECT_MESSAGE = "direct_message", _("Message privé")

    class Status(models.TextChoices):
        NEW = "new", _("Nouveau")
        IN_PROGRESS = "in_progress", _("En cours")
        ANSWERED = "answered", _("Répondu")
        CLOSED = "closed", _("Clos")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(
        NetworkAccount, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    network = models.CharField(
        max_length=20, choices=[(n.value, NETWORK_LABELS[n]) for n in Network]
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    remote_id = models.CharField(max_length=200)
    post_remote_id = models.CharField(max_length=200, blank=True)
    parent_remote_id = models.CharField(max_length=200, blank=True)
    url = models.CharField(max_length=500, blank=True)
    author_remote_id = models.CharField(max_length=200, blank=True)
    author_handle = models.CharField(max_length=200, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    # As shown in Beffroi: phone numbers and e-mails masked when the charter says so.
    text = models.TextField()
    keyword = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField()  # on the network
    received_at = models.DateTimeField(default=timezone.now)
    # Understanding (beffroi.nlp)
    lang = models.CharField(max_length=8, blank=True)
    sentiment = models.CharField(max_length=10, choices=[(s.value, s.value) for s in Sentiment])
    sentiment_score = models.FloatField(default=0.0)
    topic = models.CharField(
        max_length=40, choices=[(t.value, TOPIC_LABELS[t]) for t in Topic], default=Topic.AUTRE
    )
    is_request = models.BooleanField(default=False)
    is_toxic = models.BooleanField(default=False)
    places = models.JSONField(default=list, blank=True)
    # Workflow
    needs_action = models.BooleanField(default=False)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.NEW)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_seen_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    reply_remote_id = models.CharField(max_length=200, blank=True)
    # Moderation: when the message stopped being visible on the network (hidden or deleted).
    hide_proposed = models.BooleanField(default=False)
    hidden_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Routing
    route_level = models.CharField(
        max_length=20, blank=True, choices=[(lv.value, LEVEL_LABELS[lv]) for lv in Level]
    )
    route_reason = models.CharField(max_length=300, blank=True)
    forwarded_to = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    forwarded_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="forwards"
    )
    from_watched_actor = models.ForeignKey(
        "WatchedActor", null=True, blank=True, on_delete=models.SET_NULL, related_name="posts"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "network", "remote_id"], name="one_item_per_message"
            )
        ]
        # The inbox indexes are partial (only what needs action): smaller, and SQLite and
        # PostgreSQL walk them in (created_at, id) order, so a page never sorts the whole inbox.
        indexes = [
            models.Index(
                fields=["organisation", "-created_at", "-id"],
                name="inbox_list",
                condition=models.Q(needs_action=True),
            ),
            models.Index(
                fields=["organisation", "status", "-created_at", "-id"],
                name="inbox_status",
                condition=models.Q(needs_action=True),
            ),
            models.Index(
                fields=["organisation", "assigned_to", "-created_at", "-id"],
                name="inbox_assignee",
                condition=models.Q(needs_action=True),
            ),
            models.Index(fields=["organisation", "-created_at", "-id"], name="inbox_all"),
            models.Index(
                fields=["organisation", "network", "author_remote_id", "-created_at"],
                name="inbox_author",
            ),
            models.Index(
                fields=["organisation", "network", "post_remote_id", "created_at"],
                name="inbox_thread",
            ),
            models.Index(fields=["organisation", "is_toxic", "-created_at"], name="inbox_toxic"),
            # Covering indexes of the Réactivité page: its aggregates read the index alone
            # (PostgreSQL; SQLite ignores `include` and still uses the partial index).
            models.Index(
                fields=["organisation", "created_at"],
                include=["account", "first_response_at"],
                condition=models.Q(needs_action=True, forwarded_from__isnull=True),
                name="inbox_response",
            ),
            models.Index(
                fields=["organisation", "-created_at", "-id"],
                include=["kind", "hidden_at", "deleted_at"],
                condition=models.Q(is_toxic=True),
                name="inbox_insults",
            ),
            # The home page's "insults still visible" count: only the waiting, visible insults,
            # a few rows, instead of walking every waiting message to find them.
            models.Index(
                fields=["organisation", "status", "-created_at", "-id"],
                condition=models.Q(
                    needs_action=True, is_toxic=True, hidden_at=None, deleted_at=None
                ),
                name="inbox_insults_visible",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} · {self.author_handle} · {self.text[:60]}"

    @property
    def visible_until(self):  # type: ignore[no-untyped-def]
        """When the message stopped being visible on the network, None while it still is."""
        moments = [m for m in (self.hidden_at, self.deleted_at) if m is not None]
        return min(moments) if moments else None

    @property
    def topic_label(self) -> str:
        return TOPIC_LABELS.get(Topic(self.topic), self.topic)


class InboxNote(models.Model):
    """An internal note on an item: seen by the team only, never sent to the network."""

    item = models.ForeignKey(InboxItem, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]


class SavedReply(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=120)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ModerationCharter(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="moderation_charter"
    )
    insults = models.CharField(
        max_length=10,
        choices=[(p.value, INSULT_POLICY_LABELS[p]) for p in InsultPolicy],
        default=InsultPolicy.PROPOSE,
    )
    mask_phones = models.BooleanField(default=True)
    mask_emails = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)


class ModerationEvent(models.Model):
    """The moderation log: when each item was seen, hidden, answered..., and by whom (None: automatic)."""

    class Action(models.TextChoices):
        RECEIVED = "received", _("Reçu")
        SEEN = "seen", _("Vu")
        HIDE_PROPOSED = "hide_proposed", _("Masquage proposé")
        HIDDEN = "hidden", _("Masqué")
        UNHIDDEN = "unhidden", _("Démasqué")
        DELETED = "deleted", _("Supprimé")
        ANSWERED = "answered", _("Répondu")
        ASSIGNED = "assigned", _("Attribué")
        STATUS = "status", _("Statut changé")
        FORWARDED = "forwarded", _("Transmis")
        RELAYED = "relayed", _("Relayé")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(InboxItem, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    detail = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["organisation", "-at"], name="moderation_log")]


class ListeningKeyword(models.Model):
    """A query searched on every account's network that can search (the town, its projects, its officials)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    query = models.CharField(max_length=200)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "query"], name="one_keyword_per_query")
        ]

    def __str__(self) -> str:
        return self.query


class WatchedActor(models.Model):
    """An actor of the territory (association, business, venue, school) whose posts may be relayed."""

    class Kind(models.TextChoices):
        ASSOCIATION = "association", _("Association")
        BUSINESS = "business", _("Commerce ou entreprise")
        VENUE = "venue", _("Lieu culturel ou sportif")
        SCHOOL = "school", _("Établissement scolaire")
        OTHER = "other", _("Autre")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.ASSOCIATION)
    network = models.CharField(
        max_length=20, choices=[(n.value, NETWORK_LABELS[n]) for n in Network]
    )
    handle = models.CharField(max_length=200)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "network", "handle"], name="one_watch_per_handle"
            )
        ]

    def __str__(self) -> str:
        return self.name


class DetectorState(models.Model):
    """The bad-buzz detector's state for one organisation (BurstDetector.export_state)."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    state = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)


class Alert(models.Model):
    class Severity(models.TextChoices):
        LOW = "low", _("faible")
        MEDIUM = "medium", _("moyenne")
        HIGH = "high", _("élevée")
        CRITICAL = "critical", _("critique")

    class Status(models.TextChoices):
        OPEN = "open", _("Ouverte")
        ACKNOWLEDGED = "acknowledged", _("Prise en compte")
        CLOSED = "closed", _("Close")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    severity = models.CharField(max_length=10, choices=Severity.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    detected_at = models.DateTimeField()
    reason = models.CharField(max_length=300)
    window_minutes = models.PositiveIntegerField()
    negative_count = models.PositiveIntegerField()
    expected_negative = models.FloatField()
    negative_share = models.FloatField()
    baseline_share = models.FloatField()
    terms = models.JSONField(default=list)
    topics = models.JSONField(default=list)
    authors = models.JSONField(default=list)
    driving_items = models.ManyToManyField(InboxItem, related_name="+", blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acknowledge_note = models.TextField(blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-detected_at", "-id"]
        indexes = [models.Index(fields=["organisation", "status", "-detected_at"], name="alerts")]

    def __str__(self) -> str:
        return f"Alerte {self.get_severity_display()} · {self.detected_at:%Y-%m-%d %H:%M}"
