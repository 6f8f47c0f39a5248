"""Monthly report: PDF (WeasyPrint, charts through vl-convert), CSV and XLSX, in French.

`build_monthly_report` gathers the figures (KPIs of the month and the month before, objectives, best
posts, inbox and moderation, alerts); the renderers only lay them out.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from beffroi.analytics import charts
from beffroi.analytics.kpis import (
    AnalyticsBackend,
    Dashboard,
    KpiRow,
    Period,
    rollup_dashboard,
    top_posts,
)
from beffroi.analytics.lake import EventLake
from beffroi.analytics.objectives import (
    INDICATORS,
    Objective,
    ObjectiveAssessment,
    assess,
    format_value,
)
from beffroi.core.domain import Network

MONTHS_FR = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
# The indicators of the summary table, in reading order.
SUMMARY = (
    "followers", "follower_growth", "posts", "posts_per_week", "reach", "impressions",
    "engagement_rate", "video_views", "relay_share", "messages", "net_sentiment",
    "response_rate", "first_response_minutes", "outside_share", "cost_per_result",
)  # fmt: skip
# A Jinja2 template (not a Django one): the report renders without Django (CLI, tasks, Spark jobs).
TEMPLATES = Path(__file__).parent / "templates" / "analytics" / "pdf"
PARIS = ZoneInfo("Europe/Paris")


@dataclass(frozen=True, slots=True)
class ReportAlert:
    """An alert of the month, as the listening module raised it."""

    raised_at: datetime
    title: str
    level: str = "attention"  # information, attention, crise
    network: str | None = None


@dataclass(frozen=True, slots=True)
class BestPost:
    day: date
    network: str
    text: str
    url: str | None
    reach: int | None
    engagements: int
    sponsored: bool


@dataclass(frozen=True, slots=True)
class SummaryLine:
    key: str
    label: str
    value: str
    previous: str
    change: str  # "+12 %", "−3 pts", "—"
    favourable: bool | None


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    organisation: str
    organisation_name: str
    period: Period
    board: Dashboard
    objectives: tuple[ObjectiveAssessment, ...]
    best_posts: tuple[BestPost, ...]
    alerts: tuple[ReportAlert, ...]
    generated_at: datetime
    simulated: bool = False
    summary: tuple[SummaryLine, ...] = field(default=())

    @property
    def title_month(self) -> str:
        return f"{MONTHS_FR[self.period.start.month - 1]} {self.period.start.year}"


def _change(key: str, current: float | None, previous: float | None) -> tuple[str, bool | None]:
    indicator = INDICATORS.get(key)
    if current is None or previous is None:
        return "—", None
    if indicator is not None and indicator.unit == "%":
        delta = (current - previous) * 100
        text = f"{delta:+.1f} pts".replace(".", ",").replace("-", "−")
    elif previous == 0:
        return "—", None
    else:
        delta = (current - previous) / abs(previous) * 100
        text = f"{delta:+.0f} %".replace("-", "−")
    if abs(delta) < 0.05:
        return "=", None
    higher_is_better = indicator.higher_is_better if indicator else True
    return text, (delta > 0) == higher_is_better


# Figures of the summary that are not indicators an objective can target.
SUMMARY_ONLY_LABELS = {"posts": "Publications"}


def summary_lines(current: KpiRow | None, previous: KpiRow | None) -> tuple[SummaryLine, ...]:
    lines = []
    for key in SUMMARY:
        indicator = INDICATORS.get(key)
        label = indicator.label if indicator else SUMMARY_ONLY_LABELS.get(key, key)
        now = getattr(current, key) if current else None
        before = getattr(previous, key) if previous else None
        change, favourable = _change(key, now, before)
        fmt = indicator or INDICATORS["messages"]
        lines.append(
            SummaryLine(
                key, label, format_value(fmt, now), format_value(fmt, before), change, favourable
            )
        )
    return tuple(lines)


def highlights(report: MonthlyReport) -> list[str]:
    """A few plain sentences for the director, from the figures."""
    total, before = report.board.total, report.board.previous_total
    out: list[str] = []
    if total is None:
        return ["Aucune activité enregistrée ce mois-ci."]
    if total.followers is not None and total.follower_growth is not None:
        out.append(
            f"{format_value(INDICATORS['followers'], total.followers)} abonnés en fin de mois "
            f"({total.follower_growth:+,d} sur le mois).".replace(",", "\u202f")
        )
    if before is not None and before.reach:
        change = (total.reach - before.reach) / before.reach * 100
        out.append(
            f"Portée de {format_value(INDICATORS['reach'], total.reach)} personnes, "
            f"{change:+.0f} % par rapport au mois précédent.".replace("-", "−")
        )
    if total.relay_share is not None:
        out.append(
            f"{total.relay_share * 100:.0f} % des {total.posts} publications ne font que relayer "
            "le site web : les publications écrites pour le réseau touchent davantage."
        )
    if total.response_rate is not None:
        minutes = total.first_response_minutes or 0
        delay = f"{minutes / 60:.1f} h".replace(".", ",") if minutes >= 90 else f"{minutes:.0f} min"
        out.append(
            f"{total.response_rate * 100:.0f} % des messages qui attendaient une réponse en ont "
            f"reçu une, en {delay} en moyenne."
        )
    if report.best_posts:
        best = report.best_posts[0]
        out.append(
            f"Meilleure publication : le {best.day:%d/%m} sur {_network(best.network)}, "
            f"{best.engagements} réactions."
        )
    if report.alerts:
        out.append(f"{len(report.alerts)} alerte(s) de veille ce mois-ci.")
    return out


def _network(value: str) -> str:
    try:
        return Network(value).label
    except ValueError:
        return value


def build_monthly_report(
    backend: AnalyticsBackend,
    lake: EventLake,
    *,
    organisation: str,
    organisation_name: str,
    year: int,
    month: int,
    objectives: Sequence[Objective] = (),
    alerts: Sequence[ReportAlert] = (),
    generated_at: datetime,
    simulated: bool = False,
) -> MonthlyReport:
    """Gather the month's figures from the rollups (and the raw events for the best posts)."""
    period = Period.month(year, month)
    board = rollup_dashboard(lake, organisation=organisation, period=period)
    best = backend.to_arrow(
        top_posts(
            backend.events(lake),
            organisation=organisation,
            start=period.start,
            end=period.end,
            limit=5,
        )
    ).to_pylist()
    today = min(generated_at.date(), period.end)
    assessments = tuple(assess(o, board.total, today=today) for o in objectives)
    report = MonthlyReport(
        organisation=organisation,
        organisation_name=organisation_name,
        period=period,
        board=board,
        objectives=assessments,
        best_posts=tuple(
            BestPost(
                day=row["day"],
                network=row["network"],
                text=row["text"] or "",
                url=row["url"],
                reach=row["reach"],
                engagements=row["engagements"],
                sponsored=bool(row["sponsored"]),
            )
            for row in best
        ),
        alerts=tuple(sorted(alerts, key=lambda a: a.raised_at)),
        generated_at=generated_at,
        simulated=simulated,
        summary=summary_lines(board.total, board.previous_total),
    )
    return report


def report_charts(report: MonthlyReport) -> dict[str, charts.Spec]:
    board = report.board
    specs = {
        "followers": charts.followers_chart(board.daily),
        "reach": charts.reach_chart(board.daily),
    }
    if board.total is not None and board.previous_total is not None:
        keys = {"Publications": "posts", "Messages reçus": "messages", "Réponses": "replies"}
        specs["comparison"] = charts.comparison_chart(
            {label: getattr(board.total, key) for label, key in keys.items()},
            {label: getattr(board.previous_total, key) for label, key in keys.items()},
            "Activité : le mois et le mois précédent",
        )
    if report.objectives:
        specs["objectives"] = charts.objectives_chart(report.objectives)
    return specs


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
    )
    env.filters["network"] = _network
    env.filters["paris"] = lambda moment: moment.astimezone(PARIS)
    env.filters["value"] = lambda v, key: format_value(INDICATORS[key], v)
    return env


def render_html(report: MonthlyReport) -> str:
    svgs = {name: charts.to_svg(spec) for name, spec in report_charts(report).items()}
    template = _environment().get_template("monthly.html")
    total = report.board.total
    return template.render(
        report=report,
        highlights=highlights(report),
        charts=svgs,
        total=total,
        indicators=INDICATORS,
        months=MONTHS_FR,
    )


def render_pdf(report: MonthlyReport) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(report), base_url=str(TEMPLATES)).write_pdf()
    return pdf


def _rows(report: MonthlyReport) -> list[list[str]]:
    rows = [["Indicateur", "Mois", "Mois précédent", "Évolution"]]
    rows += [[line.label, line.value, line.previous, line.change] for line in report.summary]
    return rows


def render_csv(report: MonthlyReport) -> str:
    """Indicators of the month, then per network, as machine-readable numbers (separator ;)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        ["organisation", "periode_debut", "periode_fin", "reseau", "indicateur", "valeur"]
    )
    rows: list[KpiRow] = [r for r in (report.board.total,) if r is not None]
    rows += list(report.board.by_network)
    for row in rows:
        for key in SUMMARY:
            value = getattr(row, key)
            writer.writerow(
                [
                    report.organisation,
                    report.period.start.isoformat(),
                    report.period.end.isoformat(),
                    row.network or "tous",
                    key,
                    "" if value is None else value,
                ]
            )
    return out.getvalue()


def render_xlsx(report: MonthlyReport) -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF4"})
    percent = book.add_format({"num_format": "0.0%"})
    number = book.add_format({"num_format": "# ##0"})
    sheet = book.add_worksheet("Indicateurs")
    sheet.write_row(0, 0, ["Indicateur", "Mois", "Mois précédent", "Évolution"], bold)
    for index, line in enumerate(report.summary, start=1):
        sheet.write_row(index, 0, [line.label, line.value, line.previous, line.change])
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 3, 16)

    networks = book.add_worksheet("Par réseau")
    networks.write_row(
        0,
        0,
        [
            "Réseau",
            *[
                INDICATORS[k].label if k in INDICATORS else SUMMARY_ONLY_LABELS.get(k, k)
                for k in SUMMARY
            ],
        ],
        bold,
    )
    for r, row in enumerate(report.board.by_network, start=1):
        networks.write(r, 0, _network(row.network or ""))
        for c, key in enumerate(SUMMARY, start=1):
            value = getattr(row, key)
            unit = INDICATORS[key].unit if key in INDICATORS else ""
            if value is None:
                networks.write_blank(r, c, None)
            else:
                networks.write_number(r, c, value, percent if unit == "%" else number)
    networks.set_column(0, len(SUMMARY), 16)

    posts = book.add_worksheet("Meilleures publications")
    posts.write_row(
        0, 0, ["Date", "Réseau", "Texte", "Portée", "Réactions", "Sponsorisée", "Lien"], bold
    )
    for r, post in enumerate(report.best_posts, start=1):
        posts.write_row(
            r,
            0,
            [
                post.day.strftime("%d/%m/%Y"),
                _network(post.network),
                post.text,
                post.reach or 0,
                post.engagements,
                "oui" if post.sponsored else "non",
                post.url or "",
            ],
        )
    posts.set_column(2, 2, 60)

    goals = book.add_worksheet("Objectifs")
    goals.write_row(
        0,
        0,
        ["Objectif", "Indicateur", "Départ", "Cible", "Valeur", "Avancement", "Échéance", "Statut"],
        bold,
    )
    r = 1
    for assessment in report.objectives:
        for target in assessment.targets:
            goals.write_row(
                r,
                0,
                [
                    assessment.objective.title,
                    target.indicator.label,
                    target.target.baseline,
                    target.target.target,
                    "" if target.value is None else target.value,
                ],
            )
            if target.progress is not None:
                goals.write_number(r, 5, target.progress, percent)
            goals.write(r, 6, target.target.deadline.strftime("%d/%m/%Y"))
            goals.write(r, 7, target.status.label)
            r += 1
    goals.set_column(0, 1, 30)
    book.close()
    return buffer.getvalue()
