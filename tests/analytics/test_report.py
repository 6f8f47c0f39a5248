"""Monthly report and charts: the PDF is read back (pdftotext) and rasterised (pdftoppm)."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from beffroi.analytics import charts
from beffroi.analytics.kpis import AnalyticsBackend, build_rollups
from beffroi.analytics.lake import EventLake
from beffroi.analytics.objectives import Objective, ObjectiveKind, Target
from beffroi.analytics.report import (
    MonthlyReport,
    ReportAlert,
    build_monthly_report,
    render_csv,
    render_pdf,
    render_xlsx,
)

from .scenario import fill_scenario

OBJECTIVES = (
    Objective(
        ObjectiveKind.SOCIAL_LINK,
        "Lien social : répondre à chacun",
        (Target("response_rate", 0.4, 0.9, date(2026, 1, 1), date(2026, 12, 31)),),
    ),
)
ALERTS = (
    ReportAlert(
        datetime(2026, 3, 12, 16, 5, tzinfo=UTC),
        "Pic de messages négatifs : piscine",
        "crise",
        "mastodon",
    ),
)


@pytest.fixture
def march_report(lake: EventLake) -> MonthlyReport:
    fill_scenario(lake)
    backend = AnalyticsBackend.duckdb()
    build_rollups(backend, lake)
    report = build_monthly_report(
        backend,
        lake,
        organisation="ville-a",
        organisation_name="Ville A",
        year=2026,
        month=3,
        objectives=OBJECTIVES,
        alerts=ALERTS,
        generated_at=datetime(2026, 4, 1, 6, 0, tzinfo=UTC),
    )
    backend.close()
    return report


def test_the_report_gathers_the_month(march_report: MonthlyReport) -> None:
    assert march_report.title_month == "mars 2026"
    assert march_report.board.total is not None and march_report.board.total.reach == 480
    assert [p.text for p in march_report.best_posts] == [
        "Publication p2",
        "Publication p3",
        "Publication p1",
    ]
    lines = {line.key: line for line in march_report.summary}
    assert lines["reach"].value == "480"
    assert lines["engagement_rate"].value == "7,1 %"
    assert march_report.objectives[0].targets[0].value == pytest.approx(2 / 3)


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None, reason="poppler-utils (.ci/setup-analytics.sh)"
)
def test_the_pdf_reads_in_french_and_renders_as_pages(
    march_report: MonthlyReport, tmp_path: Path
) -> None:
    pdf = render_pdf(march_report)
    path = tmp_path / "rapport.pdf"
    path.write_bytes(pdf)

    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    for expected in (
        "Rapport mensuel des réseaux sociaux",
        "Ville A · mars 2026",
        "Faits marquants",
        "Objectifs",
        "Meilleures publications",
        "Messagerie et modération",
        "Pic de messages négatifs : piscine",
        "12/03 17:05",  # 16:05 UTC is 17:05 in Paris
        "Abonnés par réseau",  # the chart's title, drawn as SVG text
    ):
        assert expected in text, expected

    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 2 <= len(pages) <= 5
    assert all(page.stat().st_size > 5_000 for page in pages)


def test_csv_and_xlsx_exports(march_report: MonthlyReport) -> None:
    rows = list(csv.DictReader(io.StringIO(render_csv(march_report)), delimiter=";"))
    reach = [r for r in rows if r["indicateur"] == "reach"]
    assert {r["reseau"]: r["valeur"] for r in reach} == {
        "tous": "480",
        "bluesky": "0",
        "mastodon": "480",
    }

    with zipfile.ZipFile(io.BytesIO(render_xlsx(march_report))) as book:
        workbook = book.read("xl/workbook.xml").decode()
        strings = book.read("xl/sharedStrings.xml").decode()
    for sheet in ("Indicateurs", "Par réseau", "Meilleures publications", "Objectifs"):
        assert f'name="{sheet}"' in workbook
    assert "Lien social : répondre à chacun" in strings


def test_chart_specs_are_vega_lite_and_render_offline(march_report: MonthlyReport) -> None:
    spec = charts.followers_chart(march_report.board.daily)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert spec["data"] == {"name": charts.ROWS}
    assert {row["network"] for row in spec["datasets"][charts.ROWS]} == {"Mastodon", "Bluesky"}
    svg = charts.to_svg(spec)
    assert svg.startswith("<svg") and "Abonnés" in svg
    assert charts.to_png(charts.reach_chart(march_report.board.daily)).startswith(b"\x89PNG")
