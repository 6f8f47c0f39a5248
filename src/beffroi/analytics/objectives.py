"""Objectives (notoriety, image, attractiveness, social link): pure functions over KPI results.

An objective is a set of targets, each on one indicator of `KpiRow`, with a baseline, a target
value, a start and a deadline. Progress is the share of the way from baseline to target (it works
the same when lower is better: a target below its baseline). The trend is a least-squares slope over
the monthly values, projected to the deadline. Definitions are data: the interface shows them and
lets the team edit them; the defaults below are a starting point, not a doctrine.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from beffroi.analytics.kpis import KPI_FIELDS, KpiRow


class ObjectiveKind(StrEnum):
    NOTORIETY = "notoriete"
    IMAGE = "image"
    ATTRACTIVENESS = "attractivite"
    SOCIAL_LINK = "lien_social"

    @property
    def label(self) -> str:
        return OBJECTIVE_LABELS[self]


OBJECTIVE_LABELS = {
    ObjectiveKind.NOTORIETY: "Notoriété",
    ObjectiveKind.IMAGE: "Image",
    ObjectiveKind.ATTRACTIVENESS: "Attractivité",
    ObjectiveKind.SOCIAL_LINK: "Lien social",
}


@dataclass(frozen=True, slots=True)
class Indicator:
    key: str  # a field of KpiRow
    label: str
    definition: str
    unit: str = ""  # "%", "min", "€", or "" for a count
    higher_is_better: bool = True


INDICATORS: dict[str, Indicator] = {
    i.key: i
    for i in (
        Indicator("followers", "Abonnés", "Abonnés de tous les comptes en fin de période."),
        Indicator(
            "follower_growth", "Nouveaux abonnés", "Abonnés gagnés (ou perdus) sur la période."
        ),
        Indicator(
            "follower_growth_rate",
            "Croissance des abonnés",
            "Gain d'abonnés rapporté au début de période.",
            "%",
        ),
        Indicator(
            "reach",
            "Portée",
            "Personnes touchées par les publications de la période (dernière mesure).",
        ),
        Indicator("impressions", "Impressions", "Affichages des publications de la période."),
        Indicator("mentions", "Mentions", "Messages qui citent la collectivité ou ses mots-clés."),
        Indicator(
            "engagement_rate",
            "Taux d'engagement",
            "(J'aime + commentaires + partages) / impressions.",
            "%",
        ),
        Indicator(
            "net_sentiment",
            "Sentiment net",
            "(Messages positifs − négatifs) / messages reçus, de −100 % à +100 %.",
            "%",
        ),
        Indicator(
            "relay_share",
            "Part de simples relais du site",
            "Publications qui ne font que renvoyer vers le site web.",
            "%",
            higher_is_better=False,
        ),
        Indicator(
            "outside_share",
            "Audience hors du territoire",
            "Part des abonnés situés hors du territoire, là où le réseau publie la localisation.",
            "%",
        ),
        Indicator("video_views", "Vues de vidéos", "Vues des vidéos publiées sur la période."),
        Indicator(
            "response_rate",
            "Taux de réponse",
            "Messages qui attendaient une réponse et en ont reçu une.",
            "%",
        ),
        Indicator(
            "first_response_minutes",
            "Délai de première réponse",
            "Temps moyen avant la première réponse.",
            "min",
            higher_is_better=False,
        ),
        Indicator("messages", "Messages reçus", "Commentaires et mentions reçus."),
        Indicator("posts_per_week", "Publications par semaine", "Rythme de publication."),
        Indicator(
            "cost_per_result",
            "Coût par résultat",
            "Dépense sponsorisée / résultats.",
            "€",
            higher_is_better=False,
        ),
    )
}
assert set(INDICATORS) <= set(KPI_FIELDS)

# Which indicators measure which objective, by default. Editable per organisation.
DEFAULT_INDICATORS: dict[ObjectiveKind, tuple[str, ...]] = {
    ObjectiveKind.NOTORIETY: ("followers", "reach", "mentions"),
    ObjectiveKind.IMAGE: ("net_sentiment", "engagement_rate", "relay_share"),
    ObjectiveKind.ATTRACTIVENESS: ("outside_share", "video_views"),
    ObjectiveKind.SOCIAL_LINK: ("response_rate", "first_response_minutes", "messages"),
}


class Status(StrEnum):
    REACHED = "atteint"
    ON_TRACK = "dans_les_temps"
    LATE = "en_retard"
    MISSED = "echeance_depassee"
    NO_DATA = "sans_donnees"

    @property
    def label(self) -> str:
        return {
            Status.REACHED: "Atteint",
            Status.ON_TRACK: "Dans les temps",
            Status.LATE: "En retard",
            Status.MISSED: "Échéance dépassée",
            Status.NO_DATA: "Pas encore de données",
        }[self]


@dataclass(frozen=True, slots=True)
class Target:
    indicator: str
    baseline: float
    target: float
    start: date
    deadline: date

    def __post_init__(self) -> None:
        if self.indicator not in INDICATORS:
            raise ValueError(f"Indicateur inconnu : {self.indicator}")
        if self.deadline <= self.start:
            raise ValueError("L'échéance doit suivre le début.")
        if self.target == self.baseline:
            raise ValueError("La cible doit différer de la valeur de départ.")


@dataclass(frozen=True, slots=True)
class Objective:
    kind: ObjectiveKind
    title: str
    targets: tuple[Target, ...]
    description: str = ""


@dataclass(frozen=True, slots=True)
class Trend:
    slope_per_month: float  # in the indicator's unit, per 30 days
    projected_at_deadline: float
    reaches_target: bool


@dataclass(frozen=True, slots=True)
class TargetAssessment:
    target: Target
    indicator: Indicator
    value: float | None
    progress: float | None  # 0 at baseline, 1 at target; may exceed 1 or fall below 0
    expected: float  # share of the time elapsed
    status: Status
    trend: Trend | None


@dataclass(frozen=True, slots=True)
class ObjectiveAssessment:
    objective: Objective
    targets: tuple[TargetAssessment, ...]
    progress: float | None  # mean of the targets' progress, each capped to [0, 1]
    status: Status


def indicator_value(row: KpiRow | None, key: str) -> float | None:
    value = getattr(row, key) if row is not None else None
    return None if value is None else float(value)


def progress(target: Target, value: float) -> float:
    return (value - target.baseline) / (target.target - target.baseline)


def elapsed_share(target: Target, today: date) -> float:
    total = (target.deadline - target.start).days
    return min(1.0, max(0.0, (today - target.start).days / total))


def trend(target: Target, series: Sequence[tuple[date, float]]) -> Trend | None:
    """Least-squares line through (day, value); None with fewer than two points."""
    points = [(d, v) for d, v in series if v is not None]
    if len(points) < 2:
        return None
    xs = [(d - points[0][0]).days for d, _ in points]
    ys = [v for _, v in points]
    mean_x = sum(xs) / len(xs)
    mean_y = sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if spread == 0:
        return None
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread
    last_day, last_value = points[-1]
    projected = last_value + slope * (target.deadline - last_day).days
    return Trend(
        slope_per_month=slope * 30,
        projected_at_deadline=projected,
        reaches_target=progress(target, projected) >= 1,
    )


def assess_target(
    target: Target,
    current: KpiRow | None,
    *,
    today: date,
    series: Sequence[tuple[date, float]] = (),
    tolerance: float = 0.05,
) -> TargetAssessment:
    indicator = INDICATORS[target.indicator]
    value = indicator_value(current, target.indicator)
    expected = elapsed_share(target, today)
    line = trend(target, series)
    if value is None:
        return TargetAssessment(target, indicator, None, None, expected, Status.NO_DATA, line)
    done = progress(target, value)
    if done >= 1:
        status = Status.REACHED
    elif today > target.deadline:
        status = Status.MISSED
    elif done >= expected - tolerance or (line is not None and line.reaches_target):
        status = Status.ON_TRACK
    else:
        status = Status.LATE
    return TargetAssessment(target, indicator, value, done, expected, status, line)


def assess(
    objective: Objective,
    current: KpiRow | None,
    *,
    today: date,
    series: dict[str, Sequence[tuple[date, float]]] | None = None,
) -> ObjectiveAssessment:
    """Where an objective stands: each target, then the objective as a whole."""
    series = series or {}
    targets = tuple(
        assess_target(t, current, today=today, series=series.get(t.indicator, ()))
        for t in objective.targets
    )
    measured = [a.progress for a in targets if a.progress is not None]
    overall = sum(min(1.0, max(0.0, p)) for p in measured) / len(measured) if measured else None
    statuses = {a.status for a in targets}
    if not measured:
        status = Status.NO_DATA
    elif statuses == {Status.REACHED}:
        status = Status.REACHED
    elif Status.MISSED in statuses:
        status = Status.MISSED
    elif Status.LATE in statuses:
        status = Status.LATE
    else:
        status = Status.ON_TRACK
    return ObjectiveAssessment(objective, targets, overall, status)


def series_of(rows: Sequence[tuple[date, KpiRow]], key: str) -> list[tuple[date, float]]:
    """One indicator's monthly values, for `trend`."""
    out = []
    for day, row in rows:
        value = indicator_value(row, key)
        if value is not None:
            out.append((day, value))
    return out


def format_value(indicator: Indicator, value: float | None) -> str:
    """French display of an indicator value: 12 345 ; 4,2 % ; 35 min ; 1,80 €."""
    if value is None:
        return "—"
    if indicator.unit == "%":
        return f"{value * 100:.1f} %".replace(".", ",")
    if indicator.unit == "min":
        return f"{value:.0f} min"
    if indicator.unit == "€":
        return f"{value:.2f} €".replace(".", ",")
    if float(value).is_integer() or abs(value) >= 100:
        return f"{value:,.0f}".replace(",", "\u202f")
    return f"{value:.1f}".replace(".", ",")
