"""Consultations, the answers they gather and the ideas those answers are grouped into."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.core.domain import NETWORK_LABELS, TOPIC_LABELS, Network, Sentiment, Topic
from beffroi.core.models import NetworkAccount, Organisation

TOPIC_CHOICES = [(t.value, TOPIC_LABELS[t]) for t in Topic]
SENTIMENT_CHOICES = [
    (Sentiment.POSITIVE.value, "positif"),
    (Sentiment.NEUTRAL.value, "neutre"),
    (Sentiment.NEGATIVE.value, "négatif"),
]
PUBLIC_SOURCE = "public"
SOURCE_CHOICES = [(n.value, NETWORK_LABELS[n]) for n in Network] + [
    (PUBLIC_SOURCE, "Page publique")
]


class Consultation(models.Model):
    class Method(models.TextChoices):
        ACCURATE = "accurate", _("Précis (plongements multilingues)")
        FAST = "fast", _("Rapide (n-grammes de caractères)")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="consultations"
    )
    title = models.CharField(_("titre"), max_length=200)
    question = models.TextField(_("question posée"))
    context = models.TextField(_("contexte"), blank=True)
    hashtag = models.CharField(_("mot-dièse"), max_length=60, blank=True)
    starts_at = models.DateTimeField(_("début"))
    ends_at = models.DateTimeField(_("fin"))
    closed_at = models.DateTimeField(null=True, blank=True)
    public_page = models.BooleanField(_("page publique de réponse"), default=True)
    public_token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    retention_days = models.PositiveIntegerField(
        _("conservation des réponses (jours)"), default=365
    )
    grouping_method = models.CharField(
        _("méthode de regroupement"), max_length=10, choices=Method.choices, default=Method.ACCURATE
    )
    announcement = models.ForeignKey(
        "publishing.Draft",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="consultations",
    )
    collected_at = models.DateTimeField(null=True, blank=True)
    grouped_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-starts_at"]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        now = timezone.now()
        return self.closed_at is None and self.starts_at <= now <= self.ends_at

    @property
    def status_label(self) -> str:
        if self.is_open:
            return "ouverte"
        if self.closed_at is None and timezone.now() < self.starts_at:
            return "à venir"
        return "close"

    @property
    def accepts_public_answers(self) -> bool:
        return self.public_page and self.is_open


class ConsultationPost(models.Model):
    """A post on a network whose comments and replies are answers to the consultation."""

    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="posts")
    account = models.ForeignKey(NetworkAccount, on_delete=models.CASCADE, related_name="+")
    network = models.CharField(max_length=20)
    remote_id = models.CharField(max_length=200)
    url = models.URLField(max_length=500, blank=True)
    variant = models.ForeignKey(
        "publishing.Variant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    collected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "account", "remote_id"], name="consultation_post_unique"
            )
        ]


class Idea(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="ideas")
    label = models.CharField(_("idée"), max_length=300)
    representative = models.ForeignKey(
        "Answer", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    topic = models.CharField(max_length=40, choices=TOPIC_CHOICES, default=Topic.AUTRE)
    sentiment = models.CharField(
        max_length=10, choices=SENTIMENT_CHOICES, default=Sentiment.NEUTRAL
    )
    # An idea a person made (split, renamed, received moved answers) survives a new grouping.
    by_person = models.BooleanField(default=False)
    label_by_person = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.label


class Answer(models.Model):
    consultation = models.ForeignKey(Consultation, on_delete=models.CASCADE, related_name="answers")
    source = models.CharField(max_length=20, choices=SOURCE_CHOICES)
    remote_id = models.CharField(max_length=200)
    # Pseudonymous: a keyed hash of the network and the author's id (or of the public form's
    # name and address), enough to count one person once per idea, useless to find them.
    author_key = models.CharField(max_length=64)
    author_name = models.CharField(max_length=200, blank=True)
    text = models.TextField()
    url = models.URLField(max_length=500, blank=True)
    likes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    collected_at = models.DateTimeField(default=timezone.now)
    place = models.CharField(max_length=120, blank=True)
    topic = models.CharField(max_length=40, choices=TOPIC_CHOICES, default=Topic.AUTRE)
    sentiment = models.CharField(
        max_length=10, choices=SENTIMENT_CHOICES, default=Sentiment.NEUTRAL
    )
    toxic = models.BooleanField(default=False)
    duplicate_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    vector = models.BinaryField(null=True, blank=True)
    idea = models.ForeignKey(
        Idea, on_delete=models.SET_NULL, null=True, blank=True, related_name="answers"
    )
    placed_by_person = models.BooleanField(default=False)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "source", "remote_id"], name="answer_unique_per_source"
            )
        ]
        indexes = [models.Index(fields=["consultation", "idea"])]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def source_label(self) -> str:
        return dict(SOURCE_CHOICES).get(self.source, self.source)
