"""Writes of the analytics app: objectives and their targets, each with its audit entry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction

from beffroi.analytics.models import Objective, ObjectiveTarget
from beffroi.analytics.objectives import INDICATORS
from beffroi.core.models import Organisation, User
from beffroi.core.services import audit_record


@dataclass(frozen=True, slots=True)
class TargetInput:
    indicator: str
    baseline: float
    target: float
    start: date
    deadline: date


def _check(target: TargetInput) -> None:
    if target.indicator not in INDICATORS:
        raise ValidationError(f"Indicateur inconnu : {target.indicator}")
    if target.deadline <= target.start:
        raise ValidationError("L'échéance doit suivre la date de début.")
    if target.target == target.baseline:
        raise ValidationError("La cible doit différer de la valeur de départ.")


def _snapshot(objective: Objective) -> dict[str, object]:
    return {
        "kind": objective.kind,
        "title": objective.title,
        "description": objective.description,
        "targets": [
            [t.indicator, t.baseline, t.target, t.start.isoformat(), t.deadline.isoformat()]
            for t in ObjectiveTarget.objects.filter(objective=objective)
        ],
    }


def _check_all(targets: list[TargetInput]) -> None:
    if not targets:
        raise ValidationError("Un objectif a au moins une cible.")
    for target in targets:
        _check(target)


def _targets_add(objective: Objective, targets: list[TargetInput]) -> None:
    ObjectiveTarget.objects.bulk_create(
        ObjectiveTarget(
            objective=objective,
            indicator=t.indicator,
            baseline=t.baseline,
            target=t.target,
            start=t.start,
            deadline=t.deadline,
        )
        for t in targets
    )


def objective_create(
    *,
    organisation: Organisation,
    kind: str,
    title: str,
    description: str = "",
    targets: list[TargetInput],
    actor: User | None,
) -> Objective:
    if kind not in Objective.Kind.values:
        raise ValidationError(f"Type d'objectif inconnu : {kind}")
    _check_all(targets)
    with transaction.atomic():
        objective = Objective.objects.create(
            organisation=organisation, kind=kind, title=title.strip(), description=description
        )
        _targets_add(objective, targets)
        audit_record(
            actor=actor,
            organisation=organisation,
            action="objective_create",
            obj=objective,
            after=_snapshot(objective),
        )
    return objective


def objective_update(
    *,
    objective: Objective,
    title: str,
    description: str,
    targets: list[TargetInput],
    actor: User | None,
) -> Objective:
    """Replace the title, definition and targets (the team edits the whole objective at once)."""
    _check_all(targets)
    with transaction.atomic():
        before = _snapshot(objective)
        objective.title = title.strip()
        objective.description = description
        objective.save(update_fields=["title", "description"])
        ObjectiveTarget.objects.filter(objective=objective).delete()
        _targets_add(objective, targets)
        audit_record(
            actor=actor,
            organisation=objective.organisation,
            action="objective_update",
            obj=objective,
            before=before,
            after=_snapshot(objective),
        )
    return objective


def objective_delete(*, objective: Objective, actor: User | None) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            organisation=objective.organisation,
            action="objective_delete",
            obj=objective,
            before=_snapshot(objective),
        )
        objective.delete()


def rollups_refresh(*, since: date | None = None) -> int:
    """Rewrite the daily rollups from the first day of the previous month (late metric snapshots).

    The raw events are compacted first: ingestion leaves one small file per poll; compaction
    merges them, sorts each month by organisation (what the keyword and planner pages read) and
    drops any copy of an event. Months already compacted are left alone (see `EventLake.compact`).
    """
    from beffroi.analytics.kpis import AnalyticsBackend, build_rollups
    from beffroi.analytics.selectors import lake

    today = date.today()
    since = since or (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    event_lake = lake()
    event_lake.compact()
    backend = AnalyticsBackend.duckdb()
    try:
        return build_rollups(backend, event_lake, since=since)
    finally:
        backend.close()


def monthly_report_send(*, organisation: Organisation, year: int, month: int) -> int:
    """E-mail the month's PDF report to the organisation's administrators. Returns recipients."""
    from beffroi.analytics.report import render_pdf
    from beffroi.analytics.selectors import monthly_report
    from beffroi.core.models import Membership

    recipients = sorted(
        Membership.objects.filter(organisation=organisation, role="admin").values_list(
            "user__email", flat=True
        )
    )
    if not recipients:
        return 0
    report = monthly_report(organisation, year=year, month=month)
    message = EmailMessage(
        subject=f"Rapport mensuel des réseaux sociaux : {report.title_month}",
        body=(
            f"Bonjour,\n\nVoici le rapport de {report.title_month} de {organisation.name} "
            "(indicateurs, objectifs, meilleures publications, messagerie et alertes).\n\nBeffroi"
        ),
        to=recipients,
    )
    message.attach(
        f"rapport-{organisation.slug}-{year:04d}-{month:02d}.pdf",
        render_pdf(report),
        "application/pdf",
    )
    message.send()
    audit_record(
        actor=None,
        organisation=organisation,
        action="monthly_report_send",
        after={"month": f"{year:04d}-{month:02d}", "recipients": len(recipients)},
    )
    return len(recipients)
