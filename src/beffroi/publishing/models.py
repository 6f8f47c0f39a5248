"""Editorial lines, drafts with one variant per network account, versions, the approval circuit,
comments, notifications, and the intents to publish that make publication exactly-once."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.core.domain import NETWORK_LABELS, TOPIC_LABELS, Network, Topic
from beffroi.core.models import NetworkAccount, Organisation

NETWORK_CHOICES = [(n.value, NETWORK_LABELS[n]) for n in Network]
TOPIC_CHOICES = [(t.value, TOPIC_LABELS[t]) for t in Topic]


class EditorialLine(models.Model):
    """What one network account is for: audience, objectives, tone, formats, themes, rhythm."""

    class Tone(models.TextChoices):
        INSTITUTIONAL = "institutionnel", _("Institutionnel")
        WARM = "chaleureux", _("Chaleureux et proche")
        EDUCATIONAL = "pedagogique", _("Pédagogique")
        OFFICIAL = "officiel", _("Officiel et sobre")
        CASUAL = "decontracte", _("Décontracté")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="editorial_lines"
    )
    account = models.OneToOneField(
        NetworkAccount, on_delete=models.CASCADE, related_name="editorial_line"
    )
    audience = models.TextField(_("public visé"), blank=True)
    objectives = models.TextField(_("objectifs"), blank=True)
    tone = models.CharField(
        _("ton"), max_length=20, choices=Tone.choices, default=Tone.INSTITUTIONAL
    )
    tone_notes = models.TextField(_("précisions sur le ton"), blank=True)
    # Formats the line favours: photo, video, carousel, thread, link, story, live.
    formats = models.JSONField(_("formats"), default=list, blank=True)
    # Topic values (competence areas).
    themes = models.JSONField(_("thèmes"), default=list, blank=True)
    posts_per_week = models.DecimalField(
        _("publications par semaine"), max_digits=4, decimal_places=1, default=3
    )
    max_per_day = models.PositiveSmallIntegerField(_("publications par jour au plus"), default=2)
    # [{"weekday": 1, "hour": 8, "median_rate": 0.031 | null, "posts": 12}], learned from history.
    best_times = models.JSONField(_("meilleurs moments"), default=list, blank=True)
    best_times_learned_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["account__network"]

    def __str__(self) -> str:
        return f"Ligne éditoriale {self.account}"

    @property
    def best_time_labels(self) -> list[str]:
        """« mardi 8 h », in the order learned (best first)."""
        from beffroi.publishing.planning import WEEKDAYS_FR

        return [f"{WEEKDAYS_FR[int(t['weekday'])]} {int(t['hour'])} h" for t in self.best_times]


class CircuitStep(models.Model):
    """One step of the organisation's approval circuit, in order (CM, then direction, then cabinet)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="circuit_steps"
    )
    position = models.PositiveSmallIntegerField()
    label = models.CharField(_("étape"), max_length=120)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A person outside Beffroi (the elected official's office) who reviews through a signed link.
    guest_email = models.EmailField(_("relecteur invité"), blank=True)
    guest_name = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["organisation", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "position"], name="one_circuit_step_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.label}"


class Draft(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        IN_REVIEW = "in_review", _("En validation")
        CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")
        APPROVED = "approved", _("Validé")
        SCHEDULED = "scheduled", _("Programmé")
        PUBLISHING = "publishing", _("Publication en cours")
        PUBLISHED = "published", _("Publié")
        FAILED = "failed", _("Échec")
        CANCELLED = "cancelled", _("Annulé")

    class Source(models.TextChoices):
        COMPOSER = "composer", _("Rédigé dans Beffroi")
        WEBSITE = "website", _("Importé du site")
        BULK = "bulk", _("Import en masse")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="drafts")
    title = models.CharField(_("titre interne"), max_length=200)
    text = models.TextField(_("message"), blank=True)
    link = models.URLField(_("lien"), max_length=500, blank=True)
    hashtags = models.JSONField(default=list, blank=True)
    # [{"path", "mime_type", "alt_text", "width", "height", "size_bytes", "duration_s", "captions_path"}]
    media = models.JSONField(default=list, blank=True)
    topic = models.CharField(_("thème"), max_length=40, choices=TOPIC_CHOICES, default=Topic.AUTRE)
    state = models.CharField(
        max_length=20, choices=State.choices, default=State.DRAFT, db_index=True
    )
    scheduled_at = models.DateTimeField(
        _("date de publication"), null=True, blank=True, db_index=True
    )
    sponsored = models.BooleanField(_("sponsorisé"), default=False)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.COMPOSER)
    source_url = models.URLField(max_length=500, blank=True)
    # The feed's guid: the same website article is never imported twice into one organisation.
    source_id = models.CharField(max_length=500, blank=True)
    # Imported from the website as it was, not adapted (counted by the plan checks).
    relays_website = models.BooleanField(default=False)
    version = models.PositiveIntegerField(default=1)
    current_step = models.PositiveSmallIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-scheduled_at", "-created_at"]
        indexes = [
            models.Index(fields=["organisation", "state", "scheduled_at"]),
            # The calendar's month or week of one organisation, whatever the others plan.
            models.Index(fields=["organisation", "scheduled_at"], name="draft_calendar"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "source_id"],
                condition=~models.Q(source_id=""),
                name="one_draft_per_imported_article",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def editable(self) -> bool:
        return self.state in EDITABLE_STATES


EDITABLE_STATES = frozenset({Draft.State.DRAFT, Draft.State.CHANGES_REQUESTED})
# Content changes in these states send the draft back to draft: approval was given to other words.
REAPPROVE_STATES = frozenset(
    {Draft.State.IN_REVIEW, Draft.State.APPROVED, Draft.State.SCHEDULED, Draft.State.FAILED}
)


class Variant(models.Model):
    """The native post of a draft for one network account, and how its publication went."""

    class State(models.TextChoices):
        PENDING = "pending", _("À publier")
        PUBLISHING = "publishing", _("En cours")
        PUBLISHED = "published", _("Publié")
        FAILED = "failed", _("Échec")
        CANCELLED = "cancelled", _("Annulé")

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="variants")
    account = models.ForeignKey(NetworkAccount, on_delete=models.PROTECT, related_name="variants")
    network = models.CharField(max_length=20, choices=NETWORK_CHOICES)
    text = models.TextField(blank=True)
    thread = models.JSONField(default=list, blank=True)
    title = models.CharField(max_length=200, blank=True)
    link = models.URLField(max_length=500, blank=True)
    media = models.JSONField(default=list, blank=True)
    sponsored = models.BooleanField(default=False)
    # The author rewrote this variant by hand: a change of the message no longer overwrites it.
    edited = models.BooleanField(default=False)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    remote_id = models.CharField(max_length=200, blank=True)
    remote_url = models.URLField(max_length=500, blank=True)
    thread_remote_ids = models.JSONField(default=list, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    error_kind = models.CharField(max_length=60, blank=True)
    error_message = models.TextField(blank=True)  # the network's reason, as it wrote it
    error_user_action = models.TextField(blank=True)  # what to do, in French

    class Meta:
        ordering = ["draft", "network"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "account"], name="one_variant_per_account")
        ]

    def __str__(self) -> str:
        return f"{self.draft} · {self.get_network_display()}"


class DraftVersion(models.Model):
    """A copy of the draft's content each time it changes: nothing is changed silently."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    content = models.JSONField()
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["draft", "number"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "number"], name="one_version_number")
        ]


class ApprovalStep(models.Model):
    """The circuit of one submission of a draft, copied from the organisation's circuit."""

    class Decision(models.TextChoices):
        PENDING = "pending", _("En attente")
        APPROVED = "approved", _("Validé")
        CHANGES_REQUESTED = "changes_requested", _("Modifications demandées")

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="steps")
    round = models.PositiveSmallIntegerField(default=1)  # each new submission starts a new round
    position = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=120)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    guest_email = models.EmailField(blank=True)
    guest_name = models.CharField(max_length=120, blank=True)
    decision = models.CharField(max_length=20, choices=Decision.choices, default=Decision.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(max_length=200, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)  # the draft version it decided on

    class Meta:
        ordering = ["draft", "round", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "round", "position"], name="one_step_per_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.draft} · {self.label}"


class DraftComment(models.Model):
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_label = models.CharField(max_length=200)  # kept for guests and erased users
    text = models.TextField()
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["draft", "created_at", "id"]


class Notification(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="publishing_notifications"
    )
    draft = models.ForeignKey(
        Draft, null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "read_at"])]


class PublishIntent(models.Model):
    """The decision to publish one variant, stored with its idempotency key before the network is called.

    A worker claims an intent with a lease (a compare-and-set update); a worker killed at any moment
    leaves its lease to expire, and the next worker calls the network again with the same key, which
    the network (or its adapter) answers with the first result instead of a second post.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente")
        IN_FLIGHT = "in_flight", _("En cours")
        DONE = "done", _("Publié")
        FAILED = "failed", _("Échec")
        CANCELLED = "cancelled", _("Annulé")

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    variant = models.OneToOneField(Variant, on_delete=models.CASCADE, related_name="intent")
    idempotency_key = models.CharField(max_length=120, unique=True)
    due_at = models.DateTimeField(db_index=True)
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(db_index=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=80, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        return self.idempotency_key

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.idempotency_key, "status": self.status, "attempts": self.attempts}


class Contact(models.Model):
    """A person or organisation the team mentions, with their handle on each network."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="publishing_contacts"
    )
    name = models.CharField(_("nom"), max_length=120)
    # {"x": "grandlyon", "mastodon": "grandlyon@mastodon.social", ...}
    handles = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="one_contact_per_name")
        ]

    def __str__(self) -> str:
        return self.name


class OrganisationEvent(models.Model):
    """The organisation's own dates (a festival, a council meeting, an election day) shown in the calendar."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="publishing_events"
    )
    title = models.CharField(_("événement"), max_length=200)
    starts_on = models.DateField(_("du"))
    ends_on = models.DateField(_("au"))
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["starts_on", "title"]

    def __str__(self) -> str:
        return self.title
