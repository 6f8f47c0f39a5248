"""Objectives of an organisation, as the team defines and edits them.

The computation (progress, status, trend) is in `objectives.py`, over KPI results; these tables only
hold the definitions: which indicator, from which value to which, by when.
"""

from __future__ import annotations

from typing import ClassVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.analytics.objectives import INDICATORS
from beffroi.core.models import Organisation


class Objective(models.Model):
    class Kind(models.TextChoices):
        NOTORIETY = "notoriete", _("Notoriété")
        IMAGE = "image", _("Image")
        ATTRACTIVENESS = "attractivite", _("Attractivité")
        SOCIAL_LINK = "lien_social", _("Lien social")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="objectives"
    )
    kind = models.CharField(_("type d'objectif"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("intitulé"), max_length=200)
    description = models.TextField(_("définition"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects: ClassVar[models.Manager[Objective]] = models.Manager()

    class Meta:
        ordering = ["kind", "title"]
        verbose_name = _("objectif")

    def __str__(self) -> str:
        return self.title


class ObjectiveTarget(models.Model):
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="targets")
    indicator = models.CharField(
        _("indicateur"),
        max_length=40,
        choices=[(key, indicator.label) for key, indicator in INDICATORS.items()],
    )
    baseline = models.FloatField(_("valeur de départ"))
    target = models.FloatField(_("cible"))
    start = models.DateField(_("début"))
    deadline = models.DateField(_("échéance"))

    objects: ClassVar[models.Manager[ObjectiveTarget]] = models.Manager()

    class Meta:
        ordering = ["deadline", "indicator"]
        verbose_name = _("cible")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deadline__gt=models.F("start")),
                name="target_deadline_after_start",
            ),
            models.CheckConstraint(
                condition=~models.Q(target=models.F("baseline")),
                name="target_differs_from_baseline",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator} → {self.target}"
