"""Pages of the measurement app: dashboard, objectives, monthly report downloads."""

from __future__ import annotations

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
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
PRESET_LABELS = [
    ("7j", _lazy("7 jours")),
    ("30j", _lazy("30 jours")),
    ("90j", _lazy("90 jours")),
    ("365j", _lazy("12 mois")),
    ("mois", _lazy("Mois dernier")),
]


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
    specs = dict(selectors.dashboard_charts(organisation, period, board))
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
            "presets": PRESET_LABELS,
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


TARGET_FIELDS = ("indicator", "baseline", "target", "start", "deadline")


def _target_rows(objective: Objective) -> list[dict[str, str]]:
    """The objective's targets as the edit form shows them, and one blank row to add a target."""
    rows = [
        {
            "indicator": t.indicator,
            "baseline": f"{t.baseline:g}",
            "target": f"{t.target:g}",
            "start": t.start.isoformat(),
            "deadline": t.deadline.isoformat(),
        }
        for t in objective.targets.all()  # type: ignore[attr-defined]
    ]
    return [*rows, dict.fromkeys(TARGET_FIELDS, "")]


def _posted_rows(data: QueryDict) -> list[dict[str, str]]:
    # A forged count gets at most 50 rows, and a non-number none (the form always sends a number).
    raw = data.get("targets", "0")
    count = min(int(raw), 50) if raw.isdigit() else 0
    rows = []
    for index in range(count):
        row = {name: data.get(f"target-{index}-{name}", "").strip() for name in TARGET_FIELDS}
        row["remove"] = "on" if data.get(f"target-{index}-remove") else ""
        rows.append(row)
    return rows


def _number(value: str) -> float:
    return float(value.replace("\u202f", "").replace(" ", "").replace(",", "."))


def _targets_of(rows: list[dict[str, str]]) -> list[services.TargetInput]:
    """Targets from the form: removed rows and the untouched blank row are left out."""
    targets = []
    for row in rows:
        if row.get("remove") or not (row["baseline"] or row["target"] or row["deadline"]):
            continue
        targets.append(
            services.TargetInput(
                indicator=row["indicator"],
                baseline=_number(row["baseline"]),
                target=_number(row["target"]),
                start=date.fromisoformat(row["start"]),
                deadline=date.fromisoformat(row["deadline"]),
            )
        )
    return targets


@require_http_methods(["GET", "POST"])
@organisation_view(Perm.MANAGE_OBJECTIVES)
def objective_edit(request: HttpRequest, organisation: Organisation, pk: int) -> HttpResponse:
    """Change an objective's title, definition and targets (value, start, deadline)."""
    objective = get_object_or_404(Objective, pk=pk, organisation=organisation)
    rows = _target_rows(objective)
    title, description = objective.title, objective.description
    if request.method == "POST":
        rows = _posted_rows(request.POST)
        title = request.POST.get("title", "").strip()
        description = request.POST.get("description", "")
        try:
            if not title:
                raise ValidationError(_("l'intitulé est obligatoire."))
            services.objective_update(
                objective=objective,
                title=title,
                description=description,
                targets=_targets_of(rows),
                actor=acting_user(request),
            )
        except (ValueError, ValidationError) as error:
            text = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, _("Objectif non modifié : %(e)s") % {"e": text})
            if not any(not r.get("remove") and not r["baseline"] for r in rows):
                rows.append(dict.fromkeys(TARGET_FIELDS, ""))
        else:
            messages.success(request, _("Objectif modifié."))
            return redirect("analytics:objectives", org=organisation.slug)
    return render(
        request,
        "analytics/objective_edit.html",
        {
            "organisation": organisation,
            "objective": objective,
            "title": title,
            "description": description,
            "rows": rows,
            "indicators": list(INDICATORS.values()),
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


@require_GET
@organisation_view(Perm.VIEW_STATS)
def share_of_voice(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The organisation's share of the mentions among chosen peers, and of its listened keywords."""
    today = timezone.localdate()
    period, preset = period_from(request, today)
    offered = selectors.peers_offered(organisation, user=acting_user(request))
    chosen = set(request.GET.getlist("pairs"))
    peers = [o for o in offered if o.slug in chosen]
    voices = selectors.share_of_voice_of(organisation, peers, period) if peers else []
    keywords = selectors.keyword_shares_of(organisation, period)
    specs = {}
    if voices and any(v.mentions for v in voices):
        specs["voice"] = charts.share_chart(
            [(v.organisation.name, v.share or 0.0) for v in voices],
            _("Part de voix parmi les pairs choisis"),
            highlight=organisation.name,
        )
    if keywords:
        specs["keywords"] = charts.share_chart(
            [(k.keyword, k.share) for k in keywords], _("Mots-clés écoutés : part des mentions")
        )
    return render(
        request,
        "analytics/share_of_voice.html",
        {
            "organisation": organisation,
            "period": period,
            "preset": preset,
            "presets": PRESET_LABELS,
            "offered": offered,
            "chosen": chosen,
            "voices": voices,
            "keywords": keywords,
            "specs": specs,
        },
    )


def _budget(value: str) -> float:
    budget = _number(value)
    if not 0 <= budget <= 1_000_000:
        raise ValueError(_("le budget doit être compris entre 0 et 1 000 000 €."))
    return budget


@require_GET
@organisation_view(Perm.VIEW_STATS)
def sponsoring(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The sponsoring planner: what a budget would add to a post, refused in an election period."""
    from beffroi.compliance.selectors import periods_upcoming

    today = timezone.localdate()
    networks = sorted(
        {value for value in organisation.network_accounts.values_list("network", flat=True)}
    )
    answer = None
    error = ""
    on = today
    if "reseau" in request.GET:
        try:
            network = request.GET["reseau"]
            if network not in networks:
                raise ValueError(_("aucun compte de l'organisation sur ce réseau."))
            on = date.fromisoformat(request.GET.get("jour") or today.isoformat())
            answer = selectors.sponsoring_plan_for(
                organisation,
                network=network,
                budget_eur=_budget(request.GET.get("budget", "0")),
                on=on,
            )
        except ValueError as problem:
            error = str(problem)
    specs = {}
    if answer is not None and answer.plan is not None and answer.plan.organic_reach is not None:
        specs["sponsoring"] = charts.sponsoring_chart(
            answer.plan.organic_reach,
            answer.plan.paid_reach_expected or 0,
            _("Portée attendue de la publication"),
        )
    return render(
        request,
        "analytics/sponsoring.html",
        {
            "organisation": organisation,
            "networks": [(n, _network_label(n)) for n in networks],
            "answer": answer,
            "error": error,
            "day": on,
            "upcoming": periods_upcoming(organisation=organisation, when=today)[:3],
            "specs": specs,
            "form": request.GET,
        },
    )
