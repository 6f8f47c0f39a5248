"""Pages to manage one's API tokens and the organisation's webhooks."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from beffroi.api import services
from beffroi.api.models import ApiToken, WebhookDelivery, WebhookEndpoint
from beffroi.api.scopes import SCOPES, WEBHOOK_EVENTS
from beffroi.core.access import acting_user, organisation_view
from beffroi.core.models import Organisation
from beffroi.core.permissions import Perm, role_allows


class TokenForm(forms.Form):
    name = forms.CharField(label="Nom du jeton", max_length=100)
    scopes = forms.MultipleChoiceField(
        label="Portées", choices=[(s, s) for s in SCOPES], widget=forms.CheckboxSelectMultiple
    )
    days = forms.IntegerField(label="Validité (jours)", min_value=1, max_value=366, initial=90)


class WebhookForm(forms.Form):
    url = forms.URLField(label="Adresse de réception (HTTPS)", assume_scheme="https")
    events = forms.MultipleChoiceField(
        label="Événements",
        choices=[(e, e) for e in WEBHOOK_EVENTS],
        widget=forms.CheckboxSelectMultiple,
    )


@organisation_view(Perm.VIEW_ORG)
def tokens(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    user = acting_user(request)
    is_admin = role_allows(request.organisation_role, Perm.MANAGE_MEMBERS)  # type: ignore[attr-defined]
    context = {
        "organisation": organisation,
        "tokens": ApiToken.objects.filter(organisation=organisation, user=user),
        "form": TokenForm(),
        "is_admin": is_admin,
        "new_secret": request.session.pop("new_api_secret", None),
    }
    if is_admin:
        context["webhooks"] = WebhookEndpoint.objects.filter(organisation=organisation)
        context["deliveries"] = WebhookDelivery.objects.filter(endpoint__organisation=organisation)[
            :50
        ]
        context["webhook_form"] = WebhookForm()
    return render(request, "api/tokens.html", context)


@require_POST
@organisation_view(Perm.VIEW_ORG)
def token_create(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Nom, portées et durée sont obligatoires.")
        return redirect("api_tokens:tokens", org=organisation.slug)
    try:
        _, secret = services.api_token_create(
            organisation=organisation,
            user=acting_user(request),
            name=form.cleaned_data["name"],
            scopes=form.cleaned_data["scopes"],
            days=form.cleaned_data["days"],
        )
        request.session["new_api_secret"] = secret
    except (ValidationError, PermissionError) as exc:
        messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    return redirect("api_tokens:tokens", org=organisation.slug)


@require_POST
@organisation_view(Perm.VIEW_ORG)
def token_revoke(request: HttpRequest, organisation: Organisation, token_id: int) -> HttpResponse:
    token = get_object_or_404(
        ApiToken, id=token_id, organisation=organisation, user=acting_user(request)
    )
    services.api_token_revoke(token=token, actor=acting_user(request))
    messages.success(request, "Jeton révoqué.")
    return redirect("api_tokens:tokens", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_MEMBERS)
def webhook_create(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = WebhookForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Adresse ou événements invalides.")
        return redirect("api_tokens:tokens", org=organisation.slug)
    try:
        _, secret = services.webhook_endpoint_create(
            organisation=organisation,
            url=form.cleaned_data["url"],
            events=form.cleaned_data["events"],
            actor=acting_user(request),
        )
        request.session["new_api_secret"] = secret
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("api_tokens:tokens", org=organisation.slug)
