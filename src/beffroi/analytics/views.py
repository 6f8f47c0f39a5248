"""Pages of the measurement app: dashboard, objectives, monthly report downloads."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from beffroi.analytics import charts, selectors, services
from beffroi.analytics.kpis import Period
from beffroi.analytics.models import Objective
from beffroi.analytics.objectives import INDICATORS, OBJECTIVE_LABELS, ObjectiveKind
from beffroi.analytics.report import (
    MONTHS_FR,
    render_csv,
    render_pdf,
    render_xlsx,
    summary_lines,
)
from beffroi.core.access import acting_user, organisation_view
from beffroi.core.domain import Network
from beffroi.core.models import Organisation
from beffroi.core.permissions import Perm, role_allows

PRESETS = {"7j": 7, "30j": 30, "90j": 90, "365j": 365}


def period_from(request: HttpRequest, today: date) -> tuple[Period, str]:
    """The period asked in the query string: a preset, or start and end dates; 30 days by default."""
    preset = request.GET.get("periode", "30j")
    if preset == "mois":
        first = today.replace(day=1) - timedelta(days=1)
        return Period.month(first.year, first.month), preset
    if preset == "dates":
        try:
            start = date.fromisoformat(request.GET.get("debut", ""))
            end = date.fromisoformat(request.GET.get("fin", ""))
        except ValueError:
            start = end = today
        if start <= end <= today + timedelta(days=1) and (end - start).days <= 731:
            return Period(start, end), preset
    days = PRESETS.get(preset, 30)
    return Period(today - timedelta(days=days - 1), today), preset if preset in PRESETS else "30j"


def _network_label(value: str | None) -> str:
    try:
        return Network(value or "").label
    except ValueError:
        return value or ""


@require_GET
@organisation_view(Perm.VIEW_STATS)
def dashboard(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    today = timezone.localdate()
    period, preset = period_from(request, today)
    board = selectors.organisation_dashboard(organisation, period)
    assessments = selectors.assessments_of(organisation, board, today=today)
    specs = {}
    if board.daily.num_rows:
        specs["followers"] = charts.followers_chart(board.daily)
        specs["reach"] = charts.reach_chart(board.daily)
    if assessments:
        specs["objectives"] = charts.objectives_chart(assessments)
    last_month = today.replace(day=1) - timedelta(days=1)
    return render(
        request,
        "analytics/dashboard.html",
        {
            "organisation": organisation,
            "period": period,
            "previous": period.previous(),
            "preset": preset,
            "presets": [
                ("7j", _("7 jours")),
                ("30j", _("30 jours")),
                ("90j", _("90 jours")),
                ("365j", _("12 mois")),
                ("mois", _("Mois dernier")),
            ],
            "board": board,
            "summary": summary_lines(board.total, board.previous_total),
            "networks": [(_network_label(row.network), row) for row in board.by_network],
            "assessments": assessments,
            "specs": specs,
            "report_month": last_month,
            "report_label": f"{MONTHS_FR[last_month.month - 1]} {last_month.year}",
        },
    )


@require_http_methods(["GET", "POST"])
@organisation_view(Perm.VIEW_STATS)
def objectives(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    user = acting_user(request)
    can_edit = role_allows(getattr(request, "organisation_role", None), Perm.MANAGE_OBJECTIVES)
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        try:
            target = services.TargetInput(
                indicator=request.POST["indicator"],
                baseline=float(request.POST["baseline"].replace(",", ".")),
                target=float(request.POST["target"].replace(",", ".")),
                start=date.fromisoformat(request.POST["start"]),
                deadline=date.fromisoformat(request.POST["deadline"]),
            )
            services.objective_create(
                organisation=organisation,
                kind=request.POST["kind"],
                title=request.POST["title"],
                description=request.POST.get("description", ""),
                targets=[target],
                actor=user,
            )
        except (KeyError, ValueError, ValidationError) as error:
            messages.error(request, _("Objectif non enregistré : %(e)s") % {"e": error})
        else:
            messages.success(request, _("Objectif enregistré."))
            return redirect("analytics:objectives", org=organisation.slug)
    today = timezone.localdate()
    board = selectors.organisation_dashboard(
        organisation, Period(today - timedelta(days=29), today)
    )
    rows = selectors.objectives_of(organisation)
    assessments = selectors.assessments_of(organisation, board, today=today)
    return render(
        request,
        "analytics/objectives.html",
        {
            "organisation": organisation,
            "items": list(zip([row for row, _ in rows], assessments, strict=True)),
            "can_edit": can_edit,
            "kinds": [(k.value, OBJECTIVE_LABELS[k]) for k in ObjectiveKind],
            "indicators": list(INDICATORS.values()),
            "today": today,
        },
    )


@require_POST
@organisation_view(Perm.MANAGE_OBJECTIVES)
def objective_delete(request: HttpRequest, organisation: Organisation, pk: int) -> HttpResponse:
    objective = get_object_or_404(Objective, pk=pk, organisation=organisation)
    services.objective_delete(objective=objective, actor=acting_user(request))
    messages.success(request, _("Objectif supprimé."))
    return redirect("analytics:objectives", org=organisation.slug)


CONTENT_TYPES = {
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@require_GET
@organisation_view(Perm.VIEW_STATS)
def report(
    request: HttpRequest, organisation: Organisation, year: int, month: int, fmt: str
) -> HttpResponse:
    if not 1 <= month <= 12 or fmt not in CONTENT_TYPES:
        raise Http404
    monthly = selectors.monthly_report(organisation, year=year, month=month)
    body: bytes | str
    if fmt == "pdf":
        body = render_pdf(monthly)
    elif fmt == "csv":
        body = render_csv(monthly)
    else:
        body = render_xlsx(monthly)
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    name = f"rapport-{organisation.slug}-{year:04d}-{month:02d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
