from django import forms
from django.utils.translation import gettext_lazy as _

from beffroi.core.domain import NETWORK_LABELS, REAL_NETWORKS
from beffroi.core.models import Role


class MemberInviteForm(forms.Form):
    email = forms.EmailField(label=_("Adresse e-mail"))
    role = forms.ChoiceField(
        label=_("Rôle"), choices=[c for c in Role.choices if c[0] != Role.GUEST_REVIEWER]
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(
        label=_("Rôle"), choices=[c for c in Role.choices if c[0] != Role.GUEST_REVIEWER]
    )


class SimulatedAccountForm(forms.Form):
    network = forms.ChoiceField(
        label=_("Réseau"), choices=[(n.value, NETWORK_LABELS[n]) for n in REAL_NETWORKS]
    )
    handle = forms.CharField(label=_("Identifiant du compte"), max_length=200)
