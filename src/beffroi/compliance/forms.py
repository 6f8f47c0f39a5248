"""Forms of the compliance pages (input checking only; the rules live in services)."""

from __future__ import annotations

from typing import Any

from django import forms

from beffroi.compliance.accessibility import CHECK_LABELS, Check, Severity
from beffroi.compliance.elections import ELECTION_LABELS, CalendarStatus, ElectionKind
from beffroi.compliance.models import ErasureRequest
from beffroi.compliance.rgpd import DATA_KIND_LABELS, DEFAULT_RETENTION_DAYS, DataKind
from beffroi.core.domain import NETWORK_LABELS, REAL_NETWORKS

SEVERITY_CHOICES = [
    (Severity.BLOCK.value, "Bloquant"),
    (Severity.WARN.value, "Avertissement"),
    (Severity.OFF.value, "Désactivé"),
]


class CalendarEntryForm(forms.Form):
    election_id = forms.SlugField(label="Identifiant", max_length=80)
    kind = forms.ChoiceField(
        label="Scrutin", choices=[(k.value, ELECTION_LABELS[k].capitalize()) for k in ElectionKind]
    )
    label = forms.CharField(label="Libellé", max_length=200)
    first_round = forms.DateField(
        label="Premier tour", widget=forms.DateInput(attrs={"type": "date"})
    )
    second_round = forms.DateField(
        label="Second tour", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label="Statut des dates",
        choices=[
            (CalendarStatus.OFFICIAL.value, "officiel"),
            (CalendarStatus.FORECAST.value, "prévisionnel"),
        ],
    )
    source = forms.CharField(label="Source (décret, loi…)", required=False, max_length=500)
    general = forms.BooleanField(label="Élection générale", required=False, initial=True)
    disabled = forms.BooleanField(label="Ignorer cette élection", required=False)


class OfficialForm(forms.Form):
    name = forms.CharField(label="Nom", max_length=200)
    title = forms.CharField(label="Fonction", max_length=200, required=False)
    handles = forms.CharField(
        label="Comptes (séparés par des espaces)", max_length=500, required=False
    )
    may_be_candidate = forms.BooleanField(label="Peut être candidat", required=False, initial=True)


class AccessibilityPolicyForm(forms.Form):
    min_readability = forms.FloatField(
        label="Lisibilité minimale (0 à 100)", min_value=0, max_value=120
    )
    max_emoji_run = forms.IntegerField(label="Émojis à la suite au plus", min_value=1, max_value=20)
    min_alt_chars = forms.IntegerField(
        label="Longueur minimale du texte alternatif", min_value=1, max_value=200
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for check in Check:
            self.fields[f"severity_{check.value}"] = forms.ChoiceField(
                label=CHECK_LABELS[check], choices=SEVERITY_CHOICES
            )

    def severities(self) -> dict[str, str]:
        return {c.value: self.cleaned_data[f"severity_{c.value}"] for c in Check}


class RetentionForm(forms.Form):
    contact_email = forms.EmailField(label="Contact pour les demandes RGPD", required=False)
    dpo_email = forms.EmailField(label="Délégué à la protection des données", required=False)
    address = forms.CharField(label="Adresse", max_length=300, required=False)
    processors = forms.CharField(
        label="Sous-traitants (un par ligne)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in DataKind:
            self.fields[f"days_{kind.value}"] = forms.IntegerField(
                label=f"{DATA_KIND_LABELS[kind]} (jours)",
                min_value=1,
                max_value=3650,
                initial=DEFAULT_RETENTION_DAYS[kind],
            )

    def days(self) -> dict[str, int]:
        return {k.value: self.cleaned_data[f"days_{k.value}"] for k in DataKind}


NETWORK_CHOICES = [("", "Réseau inconnu (deviner)")] + [
    (n.value, NETWORK_LABELS[n]) for n in REAL_NETWORKS
]


class ErasureRequestForm(forms.Form):
    kind = forms.ChoiceField(label="Type de demande", choices=ErasureRequest.Kind.choices)
    requester = forms.CharField(label="Demandeur (nom ou contact)", max_length=200)
    network_1 = forms.ChoiceField(label="Réseau", choices=NETWORK_CHOICES, required=False)
    handle_1 = forms.CharField(label="Pseudonyme ou adresse du profil", max_length=300)
    network_2 = forms.ChoiceField(label="Réseau", choices=NETWORK_CHOICES, required=False)
    handle_2 = forms.CharField(label="Autre pseudonyme", max_length=300, required=False)
    network_3 = forms.ChoiceField(label="Réseau", choices=NETWORK_CHOICES, required=False)
    handle_3 = forms.CharField(label="Autre pseudonyme", max_length=300, required=False)
    note = forms.CharField(label="Note", required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def handles(self) -> list[tuple[str | None, str]]:
        pairs = []
        for i in (1, 2, 3):
            handle = self.cleaned_data.get(f"handle_{i}", "").strip()
            if handle:
                pairs.append((self.cleaned_data.get(f"network_{i}") or None, handle))
        return pairs


class RejectForm(forms.Form):
    reason = forms.CharField(label="Motif du refus", widget=forms.Textarea(attrs={"rows": 2}))


class ArchiveForm(forms.Form):
    start = forms.DateField(label="Du", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="Au", widget=forms.DateInput(attrs={"type": "date"}))
    agency_identifier = forms.CharField(label="Identifiant du service d'archives", max_length=80)
    agency_name = forms.CharField(label="Service d'archives", max_length=200)
    agreement = forms.CharField(
        label="Accord de versement (facultatif)", max_length=200, required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise forms.ValidationError("La fin de la période précède son début.")
        return data


class CheckTextForm(forms.Form):
    text = forms.CharField(
        label="Texte de la publication", widget=forms.Textarea(attrs={"rows": 4})
    )
    alt_text = forms.CharField(
        label="Texte alternatif de l'image (s'il y en a une)", required=False
    )
