"""Forms of the consultation pages (French labels, accessible: every field has its label)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.utils import timezone

from beffroi.participation.flood import HONEYPOT_FIELD
from beffroi.participation.models import Consultation


class ConsultationForm(forms.Form):
    title = forms.CharField(label="Titre", max_length=200)
    question = forms.CharField(
        label="Question posée aux habitants", widget=forms.Textarea(attrs={"rows": 2})
    )
    context = forms.CharField(
        label="Contexte (ce que la collectivité sait déjà, ce qui est possible)",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    hashtag = forms.CharField(label="Mot-dièse (facultatif)", max_length=60, required=False)
    starts_at = forms.DateTimeField(
        label="Début", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label="Fin", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    public_page = forms.BooleanField(
        label="Ouvrir une page de réponse sans compte", required=False, initial=True
    )
    retention_days = forms.IntegerField(
        label="Conservation des réponses après la fin (jours)",
        min_value=30,
        max_value=1095,
        initial=365,
    )
    grouping_method = forms.ChoiceField(
        label="Regroupement des idées",
        choices=Consultation.Method.choices,
        initial=Consultation.Method.ACCURATE,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        now = timezone.localtime().replace(second=0, microsecond=0)
        self.fields["starts_at"].initial = now.strftime("%Y-%m-%dT%H:%M")
        self.fields["ends_at"].initial = (now + timedelta(days=21)).strftime("%Y-%m-%dT%H:%M")


class PublicAnswerForm(forms.Form):
    text = forms.CharField(
        label="Votre réponse",
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 2000}),
        max_length=2000,
        min_length=3,
    )
    name = forms.CharField(
        label="Prénom ou pseudonyme (facultatif)", max_length=100, required=False
    )
    district = forms.CharField(
        label="Quartier ou lieu concerné (facultatif)", max_length=120, required=False
    )
    consent = forms.BooleanField(
        label="J'accepte que ma réponse soit lue, regroupée avec d'autres et citée sans mon nom dans la synthèse publiée."
    )
    token = forms.CharField(widget=forms.HiddenInput)
    # Hidden from people (CSS class and aria-hidden), filled in by form-filling robots.
    site_web = forms.CharField(
        label="Ne pas remplir ce champ",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    honeypot_field = HONEYPOT_FIELD
