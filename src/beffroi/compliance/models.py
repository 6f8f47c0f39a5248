"""Compliance settings and records of an organisation: election calendar and officials,
accessibility and retention policies, purge runs, RGPD requests, publication log and draft reviews."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.compliance.accessibility import AccessibilityPolicy, Check, Severity
from beffroi.compliance.elections import (
    ELECTION_LABELS,
    CalendarStatus,
    Election,
    ElectionKind,
)
from beffroi.compliance.rgpd import RetentionPolicy
from beffroi.core.domain import NETWORK_LABELS, Network
from beffroi.core.models import Organisation


class ElectionCalendarEntry(models.Model):
    """An election added to, or correcting, the shipped calendar for one organisation.

    An entry with the id of a shipped election replaces it (dates fixed by decree, a by-election);
    `disabled` hides a shipped election for this organisation.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="election_entries"
    )
    election_id = models.SlugField(_("identifiant"), max_length=80)
    kind = models.CharField(
        _("scrutin"),
        max_length=20,
        choices=[(k.value, ELECTION_LABELS[k].capitalize()) for k in ElectionKind],
    )
    label = models.CharField(_("libellé"), max_length=200)
    first_round = models.DateField(_("premier tour"))
    second_round = models.DateField(_("second tour"), null=True, blank=True)
    status = models.CharField(
        _("statut des dates"),
        max_length=20,
        choices=[
            (CalendarStatus.OFFICIAL, _("officiel")),
            (CalendarStatus.FORECAST, _("prévisionnel")),
        ],
        default=CalendarStatus.OFFICIAL,
    )
    source = models.TextField(_("source"), blank=True)
    general = models.BooleanField(
        _("élection générale"),
        default=True,
        help_text=_(
            "Décochez pour une élection partielle : seule la publicité payante est interdite."
        ),
    )
    disabled = models.BooleanField(_("ignorer cette élection"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["first_round"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "election_id"], name="one_calendar_entry_per_election"
            )
        ]

    def __str__(self) -> str:
        return self.label

    def rounds(self) -> tuple[date, ...]:
        return (self.first_round,) + ((self.second_round,) if self.second_round else ())

    def to_election(self) -> Election:
        return Election(
            id=self.election_id,
            kind=ElectionKind(self.kind),
            rounds=self.rounds(),
            label=self.label,
            status=CalendarStatus(self.status),
            source=self.source,
            general=self.general,
        )


class ElectedOfficial(models.Model):
    """An elected official who may be a candidate: drafts naming or tagging them are flagged."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="elected_officials"
    )
    name = models.CharField(_("nom"), max_length=200)
    title = models.CharField(_("fonction"), max_length=200, blank=True)
    handles = models.CharField(
        _("comptes sur les réseaux"),
        max_length=500,
        blank=True,
        help_text=_("Séparés par des espaces"),
    )
    may_be_candidate = models.BooleanField(_("peut être candidat"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.title})" if self.title else self.name

    def handle_list(self) -> list[str]:
        return [h for h in self.handles.split() if h]


class AccessibilitySettings(models.Model):
    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="accessibility_settings"
    )
    severities = models.JSONField(default=dict)
    min_readability = models.FloatField(_("lisibilité minimale"), default=50.0)
    max_emoji_run = models.PositiveSmallIntegerField(_("émojis à la suite au plus"), default=3)
    min_alt_chars = models.PositiveSmallIntegerField(
        _("longueur minimale du texte alternatif"), default=10
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def to_policy(self) -> AccessibilityPolicy:
        return AccessibilityPolicy.from_dict(
            {
                "severities": self.severities,
                "min_readability": self.min_readability,
                "max_emoji_run": self.max_emoji_run,
                "min_alt_chars": self.min_alt_chars,
            }
        )

    def severity(self, check: Check) -> Severity:
        return self.to_policy().severity(check)


class RetentionSettings(models.Model):
    """Retention per data kind and the RGPD contacts that the notice and the register show."""

    organisation = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="retention_settings"
    )
    days = models.JSONField(default=dict)
    contact_email = models.EmailField(_("contact pour les demandes RGPD"), blank=True)
    dpo_email = models.EmailField(_("délégué à la protection des données"), blank=True)
    address = models.CharField(_("adresse"), max_length=300, blank=True)
    processors = models.TextField(
        _("sous-traitants"), blank=True, help_text=_("Un par ligne (hébergeur, prestataire…)")
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def to_policy(self) -> RetentionPolicy:
        return RetentionPolicy.from_dict(self.days)


class PurgeRun(models.Model):
    """One run of the retention purge for an organisation: what was deleted, per data kind."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="purge_runs"
    )
    ran_at = models.DateTimeField(default=timezone.now)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    counts = models.JSONField(default=dict)  # {data kind: rows deleted}
    total = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-ran_at", "-id"]


class ErasureRequest(models.Model):
    """A person's RGPD request (access or erasure), found by handle across networks, with its record.

    The request and its result are kept as proof that it was handled (RGPD art. 5.2 and 12): the
    handles the person gave stay in the record; the data found is deleted.
    """

    class Kind(models.TextChoices):
        ACCESS = "acces", _("Accès (article 15)")
        ERASURE = "effacement", _("Effacement (article 17)")

    class Status(models.TextChoices):
        RECEIVED = "recue", _("Reçue")
        DONE = "traitee", _("Traitée")
        REJECTED = "rejetee", _("Rejetée")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="erasure_requests"
    )
    kind = models.CharField(_("type de demande"), max_length=20, choices=Kind.choices)
    requester = models.CharField(_("demandeur (nom ou contact)"), max_length=200)
    handles = models.JSONField(default=list)  # [[network or "", handle], ...]
    remote_ids = models.JSONField(default=list)  # [[network, id], ...]
    note = models.TextField(_("note"), blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.RECEIVED)
    completed_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} — {self.requester}"

    @property
    def due_at(self) -> datetime:
        """One month to answer (RGPD art. 12.3)."""
        return self.received_at + timedelta(days=30)


class PublicationLog(models.Model):
    """What the organisation published, and how it was validated: the evidence file and the
    accessibility report read it. Written by the publishing circuit through `publication_log`."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="publication_logs"
    )
    network = models.CharField(
        max_length=20, choices=[(n.value, NETWORK_LABELS[n]) for n in Network]
    )
    account = models.CharField(max_length=200)
    draft_ref = models.CharField(max_length=80, blank=True)
    remote_id = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    text = models.TextField(blank=True)
    media = models.JSONField(default=list)  # [{path, mime_type, alt_text, captions_path}]
    sponsored = models.BooleanField(default=False)
    topic = models.CharField(max_length=40, blank=True)
    published_at = models.DateTimeField(db_index=True)
    flags = models.JSONField(default=list)
    justification = models.TextField(blank=True)
    validations = models.JSONField(default=list)  # [{by, role, at, decision, comment}]

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-published_at"])]


class DraftReview(models.Model):
    """The compliance review of a draft of the publishing circuit (referenced by its id)."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="draft_reviews"
    )
    draft_ref = models.CharField(max_length=80)
    excerpt = models.CharField(max_length=200, blank=True)
    planned_for = models.DateTimeField(null=True, blank=True)
    checked_at = models.DateTimeField(default=timezone.now)
    elections = models.JSONField(default=list)  # ids of the periods in force
    flags = models.JSONField(default=list)  # [{code, reason, excerpt}]
    refused = models.BooleanField(default=False)
    refusal_reason = models.TextField(blank=True)
    accessibility_blocked = models.BooleanField(default=False)
    accessibility = models.JSONField(default=list)  # [{network, check, severity, message}]
    justification = models.TextField(blank=True)
    justified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    justified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "draft_ref"], name="one_review_per_draft"
            )
        ]

    @property
    def flagged(self) -> bool:
        return bool(self.flags)
