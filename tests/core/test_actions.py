"""A form that changes something: one message for the user, whatever happened."""

from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.test import RequestFactory

from beffroi.core.actions import run_form_action
from beffroi.core.services import DomainError


class HandleForm(forms.Form):
    handle = forms.CharField(max_length=30)


def post(data):
    request = RequestFactory().post("/", data)
    request.session = {}
    request._messages = FallbackStorage(request)
    return request


def said(request):
    return [(m.level_tag, m.message) for m in get_messages(request)]


def test_a_valid_form_runs_the_service_and_says_so():
    request, done = post({"handle": "VilleDeBrume"}), []
    ok = run_form_action(
        request,
        HandleForm(request.POST),
        lambda data: done.append(data["handle"]),
        success="Ajouté.",
    )
    assert ok and done == ["VilleDeBrume"]
    assert said(request) == [("success", "Ajouté.")]


def test_a_refusal_of_the_service_is_the_message_shown():
    def refuse(data):
        raise DomainError("Ce compte est déjà connecté.")

    request = post({"handle": "VilleDeBrume"})
    assert not run_form_action(request, HandleForm(request.POST), refuse, success="Ajouté.")
    assert said(request) == [("error", "Ce compte est déjà connecté.")]


def test_an_invalid_form_never_reaches_the_service():
    request, done = post({"handle": ""}), []
    assert not run_form_action(
        request, HandleForm(request.POST), done.append, success="Ajouté.", invalid="Nom manquant."
    )
    assert done == [] and said(request) == [("error", "Nom manquant.")]
