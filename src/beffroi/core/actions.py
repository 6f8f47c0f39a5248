"""The shape every form that changes something shares: check it, call the service, say what happened.

Views stay a few lines: the rules are in the service, the message for the user is chosen here once
(a refusal of the service, a form that does not validate, or the success).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest

INVALID_FORM = "Formulaire incomplet : vérifiez les champs."


def run_form_action(
    request: HttpRequest,
    form: forms.Form,
    action: Callable[[dict[str, Any]], object],
    *,
    success: str,
    invalid: str = INVALID_FORM,
) -> bool:
    """Call `action(form.cleaned_data)` when the form is valid; True when it went through.

    A DomainError (or any ValidationError) raised by the service becomes the error message shown
    to the user; nothing else is caught: a bug must still reach the logs as one.
    """
    if not form.is_valid():
        messages.error(request, invalid)
        return False
    try:
        action(form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return False
    messages.success(request, success)
    return True
