"""Compliance pages: election periods, accessibility, RGPD requests, archive export. No rule here."""

from __future__ import annotations

import json
from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from beffroi.compliance import selectors, services
from beffroi.compliance.accessibility import CHECK_LABELS, Check, check_variant
from beffroi.compliance.archives import ArchiveParty
from beffroi.compliance.elections import restricted_period
from beffroi.compliance.evidence import evidence_csv, evidence_json, evidence_summary
from beffroi.compliance.forms import (
    AccessibilityPolicyForm,
    ArchiveForm,
    CalendarEntryForm,
    CheckTextForm,
    ErasureRequestForm,
    OfficialForm,
    RejectForm,
    RetentionForm,
)
from beffroi.compliance.guard import review_draft
from beffroi.compliance.models import ElectedOfficial, ElectionCalendarEntry, ErasureRequest
from beffroi.compliance.rgpd import (
    DATA_KIND_LABELS,
    DataKind,
    privacy_notice,
    register_entry,
    register_entry_text,
)
from beffroi.core.access import acting_user, organisation_view
from beffroi.core.actions import run_form_action
from beffroi.core.domain import Network, OrganisationKind
from beffroi.core.models import Organisation
from beffroi.core.permissions import Perm, role_allows
from beffroi.networks.types import Media, PostVariant


def _can(request: HttpRequest, perm: Perm) -> bool:
    return role_allows(request.organisation_role, perm)  # type: ignore[attr-defined]


def _error(request: HttpRequest, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@organisation_view(Perm.VIEW_ORG)
def overview(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    return render(
        request,
        "compliance/overview.html",
        {
            "organisation": organisation,
            "periods": selectors.periods_now(organisation=organisation),
            "upcoming": selectors.periods_upcoming(organisation=organisation)[:4],
            "flagged": selectors.draft_review_list(organisation=organisation, flagged_only=True)[
                :10
            ],
            "reports": selectors.accessibility_reports(organisation=organisation),
            "open_requests": selectors.erasure_request_list(organisation=organisation)
            .filter(status=ErasureRequest.Status.RECEIVED)
            .count(),
            "last_purge": selectors.purge_run_list(organisation=organisation).first(),
            "can_manage": _can(request, Perm.MANAGE_COMPLIANCE),
            "can_export": _can(request, Perm.EXPORT_DATA),
        },
    )


# --- election periods ---------------------------------------------------------------------------


@organisation_view(Perm.VIEW_ORG)
def elections(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    calendar = selectors.calendar_for(organisation=organisation)
    kind = OrganisationKind(organisation.kind)
    today = timezone.localdate()
    rows = []
    for election in calendar:
        start, end = restricted_period(election)
        rows.append(
            {
                "election": election,
                "start": start,
                "end": end,
                "in_force": start <= today <= end,
                "past": end < today,
                "started": start <= today,
            }
        )
    return render(
        request,
        "compliance/elections.html",
        {
            "organisation": organisation,
            "kind": kind,
            "rows": rows,
            "entries": selectors.calendar_entry_list(organisation=organisation),
            "officials": selectors.official_list(organisation=organisation),
            "reviews": selectors.draft_review_list(organisation=organisation, flagged_only=True)[
                :50
            ],
            "entry_form": CalendarEntryForm(),
            "official_form": OfficialForm(),
            "can_manage": _can(request, Perm.MANAGE_COMPLIANCE),
            "can_export": _can(request, Perm.EXPORT_DATA),
        },
    )


@require_POST
@organisation_view(Perm.MANAGE_COMPLIANCE)
def calendar_entry_add(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    run_form_action(
        request,
        CalendarEntryForm(request.POST),
        lambda data: services.calendar_entry_save(
            organisation=organisation, actor=acting_user(request), **data
        ),
        success="Calendrier mis à jour.",
        invalid="Élection invalide : vérifiez les champs.",
    )
    return redirect("compliance:elections", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_COMPLIANCE)
def calendar_entry_delete(
    request: HttpRequest, organisation: Organisation, entry_id: int
) -> HttpResponse:
    entry = get_object_or_404(ElectionCalendarEntry, id=entry_id, organisation=organisation)
    services.calendar_entry_delete(entry=entry, actor=acting_user(request))
    messages.success(request, "Entrée retirée du calendrier.")
    return redirect("compliance:elections", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_COMPLIANCE)
def official_add(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    run_form_action(
        request,
        OfficialForm(request.POST),
        lambda data: services.official_add(
            organisation=organisation, actor=acting_user(request), **data
        ),
        success="Élu ajouté.",
    )
    return redirect("compliance:elections", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_COMPLIANCE)
def official_delete(
    request: HttpRequest, organisation: Organisation, official_id: int
) -> HttpResponse:
    official = get_object_or_404(ElectedOfficial, id=official_id, organisation=organisation)
    services.official_delete(official=official, actor=acting_user(request))
    messages.success(request, "Élu retiré.")
    return redirect("compliance:elections", org=organisation.slug)


@organisation_view(Perm.EXPORT_DATA)
def evidence_export(
    request: HttpRequest, organisation: Organisation, election_id: str, fmt: str
) -> HttpResponse:
    kind = OrganisationKind(organisation.kind)
    from beffroi.compliance.elections import CONCERNS, RestrictedPeriod

    election = next(
        (e for e in selectors.calendar_for(organisation=organisation) if e.id == election_id), None
    )
    if election is None or fmt not in {"csv", "json", "txt"}:
        raise Http404("Élection inconnue")
    start, end = restricted_period(election)
    period = RestrictedPeriod(election, start, end, CONCERNS[kind][election.kind])
    evidence = selectors.evidence_file_for(organisation=organisation, period=period)
    content, mime = {
        "csv": (evidence_csv, "text/csv"),
        "json": (evidence_json, "application/json"),
        "txt": (evidence_summary, "text/plain"),
    }[fmt]
    response = HttpResponse(content(evidence), content_type=f"{mime}; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="preuves-{organisation.slug}-{election.id}.{fmt}"'
    )
    return response


# --- accessibility ------------------------------------------------------------------------------


@organisation_view(Perm.VIEW_ORG)
def accessibility(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    policy = selectors.accessibility_policy_for(organisation=organisation)
    initial = {
        "min_readability": policy.min_readability,
        "max_emoji_run": policy.max_emoji_run,
        "min_alt_chars": policy.min_alt_chars,
        **{f"severity_{c.value}": policy.severity(c).value for c in Check},
    }
    check_form = CheckTextForm(request.GET or None)
    checked = election = None
    if check_form.is_valid():
        alt = check_form.cleaned_data["alt_text"]
        media = (Media("image.jpg", "image/jpeg", alt),) if alt else ()
        checked = check_variant(
            PostVariant(
                network=Network.FACEBOOK, text=check_form.cleaned_data["text"], media=media
            ),
            policy,
        )
        election = review_draft(
            text=check_form.cleaned_data["text"],
            org_kind=OrganisationKind(organisation.kind),
            when=timezone.now(),
            officials=selectors.officials_for(organisation=organisation),
            alt_texts=[alt] if alt else [],
            calendar=selectors.calendar_for(organisation=organisation),
        )
    return render(
        request,
        "compliance/accessibility.html",
        {
            "organisation": organisation,
            "reports": selectors.accessibility_reports(organisation=organisation),
            "policy_form": AccessibilityPolicyForm(initial=initial),
            "check_form": check_form,
            "checked": checked,
            "election": election,
            "labels": CHECK_LABELS,
            "can_manage": _can(request, Perm.MANAGE_COMPLIANCE),
        },
    )


@require_POST
@organisation_view(Perm.MANAGE_COMPLIANCE)
def accessibility_policy(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = AccessibilityPolicyForm(request.POST)
    run_form_action(
        request,
        form,
        lambda data: services.accessibility_settings_update(
            organisation=organisation,
            actor=acting_user(request),
            severities=form.severities(),
            min_readability=data["min_readability"],
            max_emoji_run=data["max_emoji_run"],
            min_alt_chars=data["min_alt_chars"],
        ),
        success="Politique d'accessibilité enregistrée.",
        invalid="Réglages invalides.",
    )
    return redirect("compliance:accessibility", org=organisation.slug)


# --- RGPD ---------------------------------------------------------------------------------------


@organisation_view(Perm.MANAGE_COMPLIANCE)
def rgpd(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    policy = selectors.retention_policy_for(organisation=organisation)
    config = selectors.rgpd_config(organisation=organisation)
    initial = {
        "contact_email": config["contact_email"],
        "dpo_email": config["dpo"]["email"],
        "address": config["organisation"]["address"],
        "processors": "\n".join(config["processors"]),
        **{f"days_{k.value}": policy.days_for(k) for k in DataKind},
    }
    notices: list[tuple[str, str]] = []
    register = ""
    try:
        notices = [
            (Network(n).label, privacy_notice(Network(n), config)) for n in config["networks"]
        ]
        register = register_entry_text(register_entry(config))
    except ValueError as exc:
        messages.warning(request, f"Notice et registre incomplets : {exc}.")
    return render(
        request,
        "compliance/rgpd.html",
        {
            "organisation": organisation,
            "retention": [(DATA_KIND_LABELS[k], policy.days_for(k)) for k in DataKind],
            "retention_form": RetentionForm(initial=initial),
            "runs": selectors.purge_run_list(organisation=organisation)[:10],
            "requests": selectors.erasure_request_list(organisation=organisation)[:50],
            "request_form": ErasureRequestForm(),
            "reject_form": RejectForm(),
            "notices": notices,
            "register": register,
        },
    )


@require_POST
@organisation_view(Perm.MANAGE_COMPLIANCE)
def retention_update(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = RetentionForm(request.POST)
    run_form_action(
        request,
        form,
        lambda data: services.retention_settings_update(
            organisation=organisation,
            actor=acting_user(request),
            days=form.days(),
            contact_email=data["contact_email"],
            dpo_email=data["dpo_email"],
            address=data["address"],
            processors=data["processors"],
        ),
        success="Durées de conservation enregistrées.",
        invalid="Durées invalides.",
    )
    return redirect("compliance:rgpd", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_COMPLIANCE)
def purge(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    run = services.retention_purge(organisation=organisation, actor=acting_user(request))
    messages.success(request, f"Purge effectuée : {run.total} enregistrement(s) supprimé(s).")
    return redirect("compliance:rgpd", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_COMPLIANCE)
def request_create(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = ErasureRequestForm(request.POST)
    run_form_action(
        request,
        form,
        lambda data: services.erasure_request_create(
            organisation=organisation,
            actor=acting_user(request),
            kind=data["kind"],
            requester=data["requester"],
            handles=form.handles(),
            note=data["note"],
        ),
        success="Demande enregistrée : réponse due sous un mois.",
        invalid="Demande incomplète.",
    )
    return redirect("compliance:rgpd", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_COMPLIANCE)
def request_execute(
    request: HttpRequest, organisation: Organisation, request_id: int
) -> HttpResponse:
    item = get_object_or_404(ErasureRequest, id=request_id, organisation=organisation)
    try:
        done = services.erasure_request_execute(request=item, actor=acting_user(request))
        messages.success(
            request, f"Demande traitée : {done.result.get('total', 0)} donnée(s) trouvée(s)."
        )
    except ValidationError as exc:
        _error(request, exc)
    return redirect("compliance:rgpd", org=organisation.slug)


@require_POST
@organisation_view(Perm.MANAGE_COMPLIANCE)
def request_reject(
    request: HttpRequest, organisation: Organisation, request_id: int
) -> HttpResponse:
    item = get_object_or_404(ErasureRequest, id=request_id, organisation=organisation)
    run_form_action(
        request,
        RejectForm(request.POST),
        lambda data: services.erasure_request_reject(
            request=item, actor=acting_user(request), reason=data["reason"]
        ),
        success="Demande rejetée, motif enregistré.",
        invalid="Indiquez le motif du rejet.",
    )
    return redirect("compliance:rgpd", org=organisation.slug)


@organisation_view(Perm.MANAGE_COMPLIANCE)
def request_export(
    request: HttpRequest, organisation: Organisation, request_id: int
) -> HttpResponse:
    item = get_object_or_404(
        ErasureRequest, id=request_id, organisation=organisation, kind=ErasureRequest.Kind.ACCESS
    )
    payload = selectors.access_export(organisation=organisation, request=item)
    response = HttpResponse(
        json.dumps(payload, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = (
        f'attachment; filename="acces-{organisation.slug}-{item.pk}.json"'
    )
    return response


@organisation_view(Perm.MANAGE_COMPLIANCE)
def register(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    try:
        text = register_entry_text(register_entry(selectors.rgpd_config(organisation=organisation)))
    except ValueError as exc:
        raise Http404(str(exc)) from exc
    response = HttpResponse(text, content_type="text/plain; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="registre-{organisation.slug}.txt"'
    return response


# --- archives -----------------------------------------------------------------------------------


@organisation_view(Perm.EXPORT_DATA)
def archives(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    today = timezone.localdate()
    form = ArchiveForm(
        request.POST or None,
        initial={"start": date(today.year, 1, 1), "end": today},
    )
    if request.method == "POST" and form.is_valid():
        try:
            path = services.archive_export(
                organisation=organisation,
                actor=acting_user(request),
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                archival_agency=ArchiveParty(
                    form.cleaned_data["agency_identifier"], form.cleaned_data["agency_name"]
                ),
                archival_agreement=form.cleaned_data["agreement"] or None,
            )
            # A streamed file: the package can be large.
            return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)  # type: ignore[return-value]
        except ValidationError as exc:
            _error(request, exc)
    return render(request, "compliance/archives.html", {"organisation": organisation, "form": form})
