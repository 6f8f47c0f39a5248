"""Charts as Vega-Lite specs built with Altair: the same dict goes to vega-embed in the browser and
to vl-convert for the PDF report. Data travels inline (a month of one organisation is small).

Altair builds and validates a spec in 50 to 500 ms here, most of it on the inline rows: each chart's
skeleton (encodings, scales, titles) is built once per shape and cached, with a named dataset that
each call fills with its rows (Vega-Lite's top-level `datasets`)."""

from __future__ import annotations

import copy
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

import altair as alt
import pyarrow as pa

from beffroi.analytics.objectives import ObjectiveAssessment
from beffroi.core.domain import Network

Spec = dict[str, Any]
# Colour-blind-safe palette (Okabe-Ito), one colour per network, stable across charts.
NETWORK_COLOURS = {
    Network.FACEBOOK.value: "#0072B2",
    Network.INSTAGRAM.value: "#CC79A7",
    Network.X.value: "#000000",
    Network.YOUTUBE.value: "#D55E00",
    Network.LINKEDIN.value: "#56B4E9",
    Network.MASTODON.value: "#009E73",
    Network.BLUESKY.value: "#E69F00",
    Network.SANDBOX.value: "#999999",
}
FONT = "DejaVu Sans"
ROWS = "rows"  # the name of each chart's dataset
_ROWS = alt.Data(name=ROWS)
WIDTH = 520
HEIGHT = 200


def _network_label(value: str) -> str:
    try:
        return Network(value).label
    except ValueError:
        return value


def _colour_scale(networks: Sequence[str]) -> alt.Scale:
    labels = [_network_label(n) for n in networks]
    return alt.Scale(domain=labels, range=[NETWORK_COLOURS.get(n, "#777777") for n in networks])


def _finish(chart: alt.TopLevelMixin, title: str) -> Spec:
    spec: Spec = (
        chart.properties(title=title)
        .configure(font=FONT)
        .configure_axis(labelFontSize=11, titleFontSize=11)
        .configure_legend(orient="bottom", labelFontSize=11, title=None)
        .configure_title(fontSize=14, anchor="start")
        .to_dict()
    )
    return spec


def _filled(skeleton: Spec, rows: list[dict[str, Any]]) -> Spec:
    spec = copy.deepcopy(skeleton)
    spec["datasets"] = {ROWS: rows}
    return spec


def _rows(daily: pa.Table, columns: Sequence[str]) -> list[dict[str, Any]]:
    out = []
    for row in daily.select(list(columns)).to_pylist():
        record = dict(row)
        day = record.get("day")
        if isinstance(day, date):
            record["day"] = day.isoformat()
        if "network" in record:
            record["network"] = _network_label(record["network"])
        out.append(record)
    return out


def followers_chart(daily: pa.Table) -> Spec:
    """Followers per network over the period (days without a snapshot are left out)."""
    rows = [r for r in _rows(daily, ["day", "network", "followers"]) if r["followers"] is not None]
    return _filled(_followers_skeleton(_networks(daily)), rows)


def _networks(daily: pa.Table) -> tuple[str, ...]:
    return tuple(sorted(set(daily.column("network").to_pylist())))


@lru_cache(maxsize=64)
def _followers_skeleton(networks: tuple[str, ...]) -> Spec:
    chart = (
        alt.Chart(_ROWS)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("day:T", title=None, axis=alt.Axis(format="%d %b")),
            y=alt.Y("followers:Q", title="Abonnés", scale=alt.Scale(zero=False)),
            color=alt.Color("network:N", scale=_colour_scale(networks), title="Réseau"),
            tooltip=[
                alt.Tooltip("day:T", title="Jour", format="%d/%m/%Y"),
                alt.Tooltip("network:N", title="Réseau"),
                alt.Tooltip("followers:Q", title="Abonnés", format=",d"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return _finish(chart, "Abonnés par réseau")


def reach_chart(daily: pa.Table) -> Spec:
    """Reach per week and network, stacked, with engagements in the tooltip."""
    rows = _rows(daily, ["day", "network", "reach", "engagements"])
    return _filled(_reach_skeleton(_networks(daily)), rows)


@lru_cache(maxsize=64)
def _reach_skeleton(networks: tuple[str, ...]) -> Spec:
    chart = (
        alt.Chart(_ROWS)
        .mark_bar()
        .encode(
            x=alt.X(
                "yearweek(day):O", title="Semaine", axis=alt.Axis(labelAngle=0, format="%d/%m")
            ),
            y=alt.Y("sum(reach):Q", title="Portée"),
            color=alt.Color("network:N", scale=_colour_scale(networks), title="Réseau"),
            tooltip=[
                alt.Tooltip("network:N", title="Réseau"),
                alt.Tooltip("sum(reach):Q", title="Portée", format=",d"),
                alt.Tooltip("sum(engagements):Q", title="Engagements", format=",d"),
            ],
        )
        .properties(width=WIDTH, height=HEIGHT)
    )
    return _finish(chart, "Portée des publications, par semaine")


def comparison_chart(current: dict[str, float], previous: dict[str, float], title: str) -> Spec:
    """Side-by-side bars: this period against the previous one, for a few counts."""
    rows = [
        {"indicateur": name, "période": label, "valeur": value}
        for source, label in ((previous, "Période précédente"), (current, "Période"))
        for name, value in source.items()
    ]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("indicateur:N", title=None, sort=list(current)),
            yOffset=alt.YOffset("période:N", sort=["Période précédente", "Période"]),
            x=alt.X("valeur:Q", title=None),
            color=alt.Color(
                "période:N",
                scale=alt.Scale(
                    domain=["Période précédente", "Période"], range=["#BBBBBB", "#0072B2"]
                ),
            ),
            tooltip=["indicateur:N", "période:N", alt.Tooltip("valeur:Q", format=",d")],
        )
        .properties(width=WIDTH, height=40 * max(1, len(current)))
    )
    return _finish(chart, title)


def objectives_chart(assessments: Sequence[ObjectiveAssessment]) -> Spec:
    """Progress of each objective against the share of time elapsed (the black tick)."""
    rows = []
    for assessment in assessments:
        expected = max((t.expected for t in assessment.targets), default=0.0)
        rows.append(
            {
                "objectif": assessment.objective.title,
                "avancement": round(100 * (assessment.progress or 0.0), 1),
                "attendu": round(100 * expected, 1),
                "statut": assessment.status.label,
            }
        )
    return _filled(_objectives_skeleton(len(rows)), rows)


@lru_cache(maxsize=32)
def _objectives_skeleton(count: int) -> Spec:
    base = alt.Chart(_ROWS).encode(y=alt.Y("objectif:N", title=None, sort=None))
    bars = base.mark_bar(color="#009E73").encode(
        x=alt.X("avancement:Q", title="Avancement (%)", scale=alt.Scale(domain=[0, 100])),
        tooltip=["objectif:N", "avancement:Q", "attendu:Q", "statut:N"],
    )
    ticks = base.mark_tick(color="black", thickness=2, size=18).encode(x="attendu:Q")
    chart = alt.layer(bars, ticks).properties(width=WIDTH, height=34 * max(1, count))
    return _finish(chart, "Objectifs : avancement et temps écoulé")


def sponsoring_chart(organic_reach: float, paid_reach: float, title: str) -> Spec:
    rows = [
        {"source": "Organique", "portée": organic_reach},
        {"source": "Sponsorisée", "portée": paid_reach},
    ]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            x=alt.X("portée:Q", title="Portée"),
            y=alt.Y("source:N", title=None),
            color=alt.Color(
                "source:N",
                scale=alt.Scale(domain=["Organique", "Sponsorisée"], range=["#009E73", "#E69F00"]),
                legend=None,
            ),
        )
        .properties(width=WIDTH, height=80)
    )
    return _finish(chart, title)


def to_svg(spec: Spec) -> str:
    """The spec rendered offline by vl-convert, with French number and date formats."""
    import vl_convert as vlc

    svg: str = vlc.vegalite_to_svg(spec, format_locale="fr-FR", time_format_locale="fr-FR")
    return svg


def to_png(spec: Spec, scale: float = 2.0) -> bytes:
    import vl_convert as vlc

    png: bytes = vlc.vegalite_to_png(
        spec, scale=scale, format_locale="fr-FR", time_format_locale="fr-FR"
    )
    return png


def share_chart(shares: Sequence[tuple[str, float]], title: str, highlight: str = "") -> Spec:
    """Horizontal bars of shares (0 to 1), largest first; `highlight` in blue, the others grey."""
    rows = [
        {"nom": name, "part": round(100 * share, 1), "mise_en_avant": name == highlight}
        for name, share in shares
    ]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar()
        .encode(
            y=alt.Y("nom:N", title=None, sort="-x"),
            x=alt.X("part:Q", title="Part (%)", scale=alt.Scale(domain=[0, 100])),
            color=alt.Color(
                "mise_en_avant:N",
                scale=alt.Scale(domain=[True, False], range=["#0072B2", "#BBBBBB"]),
                legend=None,
            ),
            tooltip=[alt.Tooltip("nom:N", title="Nom"), alt.Tooltip("part:Q", title="Part (%)")],
        )
        .properties(width=WIDTH, height=30 * max(1, len(rows)))
    )
    return _finish(chart, title)
