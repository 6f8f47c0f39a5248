"""The register of collectivités and the accounts observed on the networks, in the database.

The packaged register (`register.json.gz`) is the source; these tables hold a copy that the
accounts point to, so that the web pages and the admin can list, search and join them.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.core.domain import NETWORK_LABELS, REAL_NETWORKS
from beffroi.observatory.register import KIND_LABELS, CollectivityKind


class RegisteredCollectivity(models.Model):
    """A collectivité of the register: région, département, EPCI, EPT or commune."""

    kind = models.CharField(
        _("type"), max_length=20, choices=[(k.value, KIND_LABELS[k]) for k in CollectivityKind]
    )
    code = models.CharField(_("code INSEE ou SIREN"), max_length=14)
    name = models.CharField(_("nom"), max_length=200)
    population = models.PositiveIntegerField(_("population"), default=0)
    band = models.CharField(_("tranche de population"), max_length=20)
    region = models.CharField(_("région"), max_length=3, blank=True)
    departement = models.CharField(_("département"), max_length=3, blank=True)
    epci = models.CharField(_("EPCI (SIREN)"), max_length=9, blank=True)
    website = models.URLField(_("site web"), max_length=300, blank=True)
    # False once a newer register no longer lists it (a merged commune): its accounts stay.
    current = models.BooleanField(_("en vigueur"), default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="one_collectivity_per_kind_code")
        ]
        indexes = [models.Index(fields=["kind", "band", "region"])]
        verbose_name = _("collectivité du registre")
        verbose_name_plural = _("collectivités du registre")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


class ObservedAccount(models.Model):
    """An account of a collectivité on a network, as the observatory knows it."""

    class Source(models.TextChoices):
        IMPORT = "import", _("Import CSV")
        DISCOVERY = "discovery", _("Découvert sur le site web")
        BEFFROI = "beffroi", _("Compte connecté à Beffroi")
        SIMULATED = "simulated", _("Simulé (démonstration)")

    collectivity = models.ForeignKey(
        RegisteredCollectivity, on_delete=models.CASCADE, related_name="accounts"
    )
    network = models.CharField(
        _("réseau"), max_length=20, choices=[(n.value, NETWORK_LABELS[n]) for n in REAL_NETWORKS]
    )
    # Canonical handle (see handles.py); empty when the URL given named no recognisable profile.
    handle = models.CharField(_("identifiant"), max_length=200, blank=True)
    url = models.CharField(_("adresse"), max_length=500, blank=True)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.IMPORT)
    first_seen_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["collectivity__kind", "collectivity__code", "network", "handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["collectivity", "network", "handle"], name="one_observed_account_per_handle"
            )
        ]
        verbose_name = _("compte observé")
        verbose_name_plural = _("comptes observés")

    def __str__(self) -> str:
        return f"{self.collectivity} · {self.get_network_display()} {self.handle or self.url}"
