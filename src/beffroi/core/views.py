"""Pages of the core domain: organisations, members, network accounts, audit log. No business rule here."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from beffroi.core import selectors, services
from beffroi.core.access import acting_user, organisation_view
from beffroi.core.actions import run_form_action
from beffroi.core.forms import MemberInviteForm, MemberRoleForm, SimulatedAccountForm
from beffroi.core.home import home_cards
from beffroi.core.models import Membership, Organisation
from beffroi.core.permissions import Perm, role_allows


@login_required
def home(request: HttpRequest) -> HttpResponse:
    organisations = list(selectors.organisations_for_user(user=acting_user(request)))  # type: ignore[arg-type]
    current = request.session.get("current_org")
    if len(organisations) == 1:
        return redirect("core:organisation", org=organisations[0].slug)
    if current and any(o.slug == current for o in organisations):
        return redirect("core:organisation", org=current)
    return render(request, "core/organisation_list.html", {"organisations": organisations})


@login_required
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = selectors.organisations_for_user(user=acting_user(request))
    return render(request, "core/organisation_list.html", {"organisations": organisations})


@organisation_view(Perm.VIEW_ORG)
def organisation_detail(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    return render(
        request,
        "core/organisation_detail.html",
        {
            "organisation": organisation,
            "children": organisation.children.all(),
            "accounts": selectors.network_account_list(organisation=organisation),
            "members_count": selectors.membership_list(organisation=organisation).count(),
            "home_cards": home_cards(
                organisation=organisation,
                role=request.organisation_role,  # type: ignore[attr-defined]
            ),
        },
    )


@organisation_view(Perm.VIEW_ORG)
def member_list(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    can_manage = role_allows(request.organisation_role, Perm.MANAGE_MEMBERS)  # type: ignore[attr-defined]
    return render(
        request,
        "core/member_list.html",
        {
            "organisation": organisation,
            "memberships": selectors.membership_list(organisation=organisation),
            "can_manage": can_manage,
            "invite_form": MemberInviteForm(),
            "role_form": MemberRoleForm(),
        },
    )


@require_POST
@organisation_view(Perm.MANAGE_MEMBERS)
def member_invite(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    email = request.POST.get("email", "").strip().lower()
    run_form_action(
        request,
        MemberInviteForm(request.POST),
        lambda data: services.member_invite(
            organisation=organisation,
            email=data["email"],
            role=data["role"],
            actor=acting_user(request),
        ),
        success=f"{email} a été ajouté(e) ; une invitation lui est envoyée s'il ou elle n'avait pas de compte.",
        invalid="Adresse ou rôle invalide.",
    )
    return redirect("core:members", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_MEMBERS)
def member_change_role(
    request: HttpRequest, organisation: Organisation, membership_id: int
) -> HttpResponse:
    membership = get_object_or_404(Membership, id=membership_id, organisation=organisation)
    run_form_action(
        request,
        MemberRoleForm(request.POST),
        lambda data: services.membership_change_role(
            membership=membership, role=data["role"], actor=acting_user(request)
        ),
        success="Rôle modifié.",
        invalid="Rôle inconnu.",
    )
    return redirect("core:members", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_MEMBERS)
def member_remove(
    request: HttpRequest, organisation: Organisation, membership_id: int
) -> HttpResponse:
    membership = get_object_or_404(Membership, id=membership_id, organisation=organisation)
    try:
        services.membership_remove(membership=membership, actor=acting_user(request))
        messages.success(request, "Membre retiré.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("core:members", org=organisation.slug)


@organisation_view(Perm.VIEW_ORG)
def account_list(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    can_manage = role_allows(request.organisation_role, Perm.MANAGE_ACCOUNTS)  # type: ignore[attr-defined]
    return render(
        request,
        "core/account_list.html",
        {
            "organisation": organisation,
            "accounts": selectors.network_account_list(organisation=organisation),
            "can_manage": can_manage,
            "form": SimulatedAccountForm(),
        },
    )


@require_POST
@organisation_view(Perm.MANAGE_ACCOUNTS)
def account_add_simulated(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    run_form_action(
        request,
        SimulatedAccountForm(request.POST),
        lambda data: services.network_account_create(
            organisation=organisation,
            network=data["network"],
            handle=data["handle"],
            simulated=True,
            credentials={"sandbox_seed": organisation.slug},
            actor=acting_user(request),
        ),
        success="Compte simulé ajouté.",
    )
    return redirect("core:accounts", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_ACCOUNTS)
def account_delete(
    request: HttpRequest, organisation: Organisation, account_id: int
) -> HttpResponse:
    account = selectors.network_account_get(organisation=organisation, account_id=account_id)
    services.network_account_delete(account=account, actor=acting_user(request))
    messages.success(request, "Compte déconnecté.")
    return redirect("core:accounts", org=organisation.slug)


@organisation_view(Perm.VIEW_AUDIT)
def audit_list(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    entries = selectors.audit_list(organisation=organisation)[:200]
    return render(
        request, "core/audit_list.html", {"organisation": organisation, "entries": entries}
    )


@organisation_view(Perm.VIEW_AUDIT)
def audit_export(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="journal-{organisation.slug}-{stamp}.csv"'
    )
    writer = csv.writer(response)
    writer.writerow(["date_utc", "auteur", "action", "objet", "id", "libelle", "avant", "apres"])
    for entry in selectors.audit_list(organisation=organisation).iterator():
        writer.writerow(
            [
                entry.created_at.isoformat(),
                entry.actor_label,
                entry.action,
                entry.object_type,
                entry.object_id,
                entry.object_repr,
                entry.before,
                entry.after,
            ]
        )
    return response


@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for the operator's monitoring: the database answers."""
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return JsonResponse({"status": "ok", "database": "ok"})
    except Exception as exc:  # noqa: BLE001 - any failure means not ready
        return JsonResponse({"status": "error", "database": type(exc).__name__}, status=503)


@require_POST
@organisation_view(Perm.MANAGE_ACCOUNTS)
def account_check(
    request: HttpRequest, organisation: Organisation, account_id: int
) -> HttpResponse:
    from beffroi.core.health import network_account_check_health

    account = selectors.network_account_get(organisation=organisation, account_id=account_id)
    account = network_account_check_health(account=account)
    messages.info(request, f"{account}: {account.get_health_display()}. {account.health_message}")
    return redirect("core:accounts", org=organisation.slug)
