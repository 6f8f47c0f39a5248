"""Reads of the core domain, always scoped to what the asking user may see."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404

from beffroi.core.models import AuditEntry, Membership, NetworkAccount, Organisation, User
from beffroi.core.permissions import Perm, role_allows


def _descendant_ids(root_ids: set[int]) -> set[int]:
    """Ids of the organisations below the given ones (a shared service sees its member communes)."""
    seen: set[int] = set()
    frontier = set(root_ids)
    while frontier:
        children = set(
            Organisation.objects.filter(parent_id__in=frontier).values_list("id", flat=True)
        )
        frontier = children - seen - root_ids
        seen |= children
    return seen


def role_for(*, user: User, organisation: Organisation) -> str | None:
    """The user's role in the organisation: direct membership, else inherited from a parent."""
    if not user.is_authenticated:
        return None
    roles = dict(Membership.objects.filter(user=user).values_list("organisation_id", "role"))
    current: Organisation | None = organisation
    depth = 0
    while current is not None and depth < 10:
        if current.id in roles:
            return roles[current.id]
        current = current.parent
        depth += 1
    return None


def organisations_for_user(*, user: User) -> QuerySet[Organisation]:
    if not user.is_authenticated:
        return Organisation.objects.none()
    direct = set(Membership.objects.filter(user=user).values_list("organisation_id", flat=True))
    return Organisation.objects.filter(id__in=direct | _descendant_ids(direct))


def organisation_and_role_for_user(
    *, user: User, slug: str, perm: Perm = Perm.VIEW_ORG
) -> tuple[Organisation, str]:
    """The organisation and the user's role in it, if they may see it (else 404: its existence is
    not disclosed) and the role has `perm` (else 403)."""
    organisation = Organisation.objects.filter(slug=slug).select_related("parent").first()
    if organisation is None:
        raise Http404("Organisation introuvable")
    role = role_for(user=user, organisation=organisation)
    if role is None or not role_allows(role, Perm.VIEW_ORG):
        raise Http404("Organisation introuvable")
    if not role_allows(role, perm):
        raise PermissionDenied("Votre rôle ne permet pas cette action")
    return organisation, role


def organisation_for_user(*, user: User, slug: str, perm: Perm = Perm.VIEW_ORG) -> Organisation:
    """The organisation if the user may see it (404) and has `perm` (403)."""
    return organisation_and_role_for_user(user=user, slug=slug, perm=perm)[0]


def membership_list(*, organisation: Organisation) -> QuerySet[Membership]:
    return Membership.objects.filter(organisation=organisation).select_related("user")


def network_account_list(*, organisation: Organisation) -> QuerySet[NetworkAccount]:
    return NetworkAccount.objects.filter(organisation=organisation)


def network_account_get(*, organisation: Organisation, account_id: int) -> NetworkAccount:
    account = NetworkAccount.objects.filter(organisation=organisation, id=account_id).first()
    if account is None:
        raise Http404("Compte introuvable")
    return account


def audit_list(*, organisation: Organisation) -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(organisation=organisation).select_related("actor")
