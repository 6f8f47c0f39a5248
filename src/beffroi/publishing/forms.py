from __future__ import annotations

from django import forms

from beffroi.core import uploads
from beffroi.core.domain import TOPIC_LABELS, Topic
from beffroi.publishing.models import EditorialLine

TOPIC_CHOICES = [(t.value, TOPIC_LABELS[t]) for t in Topic]


class ComposeForm(forms.Form):
    title = forms.CharField(label="Titre interne", max_length=200, required=False)
    text = forms.CharField(
        label="Message", widget=forms.Textarea(attrs={"rows": 8}), required=False
    )
    link = forms.URLField(label="Lien", required=False, assume_scheme="https")
    hashtags = forms.CharField(label="Hashtags (séparés par des virgules)", required=False)
    topic = forms.ChoiceField(label="Thème", choices=TOPIC_CHOICES, initial=Topic.AUTRE.value)
    accounts = forms.MultipleChoiceField(
        label="Comptes", widget=forms.CheckboxSelectMultiple, required=False
    )
    image_url = forms.CharField(label="Image (adresse)", required=False)
    image_alt = forms.CharField(
        label="Texte alternatif de l'image",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    sponsored = forms.BooleanField(label="Publication sponsorisée", required=False)
    scheduled_at = forms.DateTimeField(
        label="Date prévue (heure de Paris)",
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )

    def __init__(self, *args: object, accounts: list[tuple[str, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["accounts"].choices = accounts  # type: ignore[attr-defined]

    def hashtag_list(self) -> list[str]:
        raw = self.cleaned_data.get("hashtags") or ""
        return [h.strip() for h in raw.replace(";", ",").split(",") if h.strip()]


class VariantForm(forms.Form):
    text = forms.CharField(label="Texte", widget=forms.Textarea(attrs={"rows": 6}))


class DecisionForm(forms.Form):
    comment = forms.CharField(
        label="Commentaire", widget=forms.Textarea(attrs={"rows": 3}), required=False
    )


class ScheduleForm(forms.Form):
    scheduled_at = forms.DateTimeField(
        label="Publier le (heure de Paris)",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )


class EditorialLineForm(forms.ModelForm):
    themes = forms.MultipleChoiceField(
        label="Thèmes", choices=TOPIC_CHOICES, widget=forms.CheckboxSelectMultiple, required=False
    )
    formats = forms.CharField(label="Formats (séparés par des virgules)", required=False)

    class Meta:
        model = EditorialLine
        fields = [
            "audience",
            "objectives",
            "tone",
            "tone_notes",
            "themes",
            "formats",
            "posts_per_week",
            "max_per_day",
        ]

    def clean_formats(self) -> list[str]:
        raw = self.cleaned_data.get("formats") or ""
        if isinstance(raw, list):
            return raw
        return [f.strip() for f in raw.split(",") if f.strip()]


class FeedImportForm(forms.Form):
    url = forms.URLField(label="Adresse du flux RSS/Atom ou d'une page", assume_scheme="https")
    kind = forms.ChoiceField(
        label="Type",
        choices=[("feed", "Flux RSS ou Atom"), ("page", "Page d'actualité")],
        initial="feed",
    )


class BulkForm(forms.Form):
    file = forms.FileField(label="Fichier CSV ou XLSX")

    def clean_file(self) -> uploads.CheckedUpload:
        # Type from the content, size limit: the shared upload check of the platform.
        return uploads.check_upload(self.cleaned_data["file"], accept=uploads.SPREADSHEETS)


class EventForm(forms.Form):
    title = forms.CharField(label="Événement", max_length=200)
    starts_on = forms.DateField(label="Du", widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label="Au (facultatif)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    description = forms.CharField(
        label="Description", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ContactForm(forms.Form):
    """A person or organisation, with its handle on each network (blank where it has none)."""

    name = forms.CharField(label="Nom (à écrire @[Nom] dans un message)", max_length=120)
    x = forms.CharField(label="X", required=False)
    bluesky = forms.CharField(label="Bluesky", required=False)
    mastodon = forms.CharField(label="Mastodon (utilisateur@instance)", required=False)
    instagram = forms.CharField(label="Instagram", required=False)
    facebook = forms.CharField(label="Facebook", required=False)
    linkedin = forms.CharField(label="LinkedIn", required=False)
    youtube = forms.CharField(label="YouTube", required=False)

    NETWORK_FIELDS = ("x", "bluesky", "mastodon", "instagram", "facebook", "linkedin", "youtube")

    def handles(self) -> dict[str, str]:
        return {
            field: self.cleaned_data[field].strip().lstrip("@")
            for field in self.NETWORK_FIELDS
            if self.cleaned_data.get(field, "").strip()
        }
