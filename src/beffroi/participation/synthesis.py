"""The synthesis of a consultation as a PDF for the elected officials: the same tools as the monthly
report (Altair specs rendered offline by analytics.charts.to_svg, HTML laid out by WeasyPrint)."""

from __future__ import annotations

from typing import Any

import altair as alt
from django.template.loader import render_to_string
from django.utils import timezone

from beffroi.analytics.charts import FONT, to_svg
from beffroi.participation.models import Consultation
from beffroi.participation.selectors import Synthesis

WIDTH = 440
LABEL_CHARS = 60


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def ideas_chart(synthesis: Synthesis, limit: int = 10) -> dict[str, Any]:
    """Horizontal bars: people behind each of the main ideas."""
    rows = [
        {"idée": f"{rank}. {_short(idea.label)}", "personnes": idea.people}
        for rank, idea in enumerate(synthesis.ideas[:limit], start=1)
    ]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(color="#0072B2")
        .encode(
            y=alt.Y("idée:N", title=None, sort=None, axis=alt.Axis(labelLimit=300)),
            x=alt.X("personnes:Q", title="Personnes", axis=alt.Axis(format="d", tickMinStep=1)),
        )
        .properties(width=WIDTH, height=22 * max(1, len(rows)), title="Les idées par soutien")
    )
    spec: dict[str, Any] = chart.configure(font=FONT).to_dict()
    return spec


def networks_chart(synthesis: Synthesis) -> dict[str, Any]:
    rows = [{"source": k, "réponses": v} for k, v in synthesis.networks.items()]
    chart = (
        alt.Chart(alt.Data(values=rows))
        .mark_bar(color="#009E73")
        .encode(
            y=alt.Y("source:N", title=None, sort=None),
            x=alt.X("réponses:Q", title="Réponses", axis=alt.Axis(format="d", tickMinStep=1)),
        )
        .properties(width=WIDTH, height=22 * max(1, len(rows)), title="D'où viennent les réponses")
    )
    spec: dict[str, Any] = chart.configure(font=FONT).to_dict()
    return spec


def render_html(consultation: Consultation, synthesis: Synthesis, *, charts: bool = True) -> str:
    svgs = (
        {"ideas": to_svg(ideas_chart(synthesis)), "networks": to_svg(networks_chart(synthesis))}
        if charts and synthesis.ideas
        else {}
    )
    return render_to_string(
        "participation/synthesis_pdf.html",
        {
            "consultation": consultation,
            "organisation": consultation.organisation,
            "synthesis": synthesis,
            "charts": svgs,
            "generated_at": timezone.now(),
        },
    )


def render_pdf(consultation: Consultation, synthesis: Synthesis) -> bytes:
    from weasyprint import HTML

    pdf: bytes = HTML(string=render_html(consultation, synthesis)).write_pdf()
    return pdf
