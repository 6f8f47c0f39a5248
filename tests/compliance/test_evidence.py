"""The evidence file of a restricted period, from plain records."""

import csv
import io
import json
from datetime import UTC, date, datetime, timedelta

from beffroi.compliance.elections import default_calendar, periods_for
from beffroi.compliance.evidence import (
    EvidenceEntry,
    EvidenceFile,
    Validation,
    evidence_csv,
    evidence_json,
    evidence_summary,
)
from beffroi.compliance.practice import PostRecord, compare_practice
from beffroi.core.domain import OrganisationKind

PERIOD = next(
    p
    for p in periods_for(OrganisationKind.COMMUNE, date(2026, 1, 10))
    if p.election.id == "municipales-2026"
)
T0 = datetime(2026, 1, 10, 9, tzinfo=UTC)


def entries():
    def approved(who, hours):
        return Validation(who, "validator", T0 - timedelta(hours=hours), "approved")

    return (
        EvidenceEntry(
            T0,
            "facebook",
            "@ville",
            "Collecte des encombrants mardi.",
            url="https://fb.example/1",
            validations=(approved("alice", 2),),
        ),
        EvidenceEntry(
            T0 + timedelta(days=3),
            "mastodon",
            "@ville@piaille.fr",
            "Inauguration du gymnase samedi.",
            flags=(
                "Inauguration ou mise en avant d'une réalisation : « Inauguration du gymnase »",
            ),
            validations=(approved("alice", 1), approved("bruno", 0)),
            justification="Annonce habituelle de l'ouverture au public, sans bilan.",
        ),
        EvidenceEntry(
            T0 + timedelta(days=4),
            "x",
            "@ville",
            "Bilan de l'année : succès !",
            flags=("Bilan de l'action ou de la gestion de la collectivité : « Bilan »",),
            validations=(approved("alice", 1),),
        ),
        # Before the period: not in the file.
        EvidenceEntry(datetime(2025, 8, 20, tzinfo=UTC), "x", "@ville", "Rentrée scolaire."),
    )


def make_file(practice=None):
    return EvidenceFile(
        "Ville de Saint-Aubin", PERIOD, entries(), datetime(2026, 3, 30, tzinfo=UTC), practice
    )


def test_csv_has_one_row_per_publication_of_the_period():
    rows = list(csv.DictReader(io.StringIO(evidence_csv(make_file())), delimiter=";"))
    assert [r["reseau"] for r in rows] == ["facebook", "mastodon", "x"]
    assert rows[0]["publie_le"] == "10/01/2026 10:00"  # Paris time
    assert "approved par bruno (validator)" in rows[1]["validations"]
    assert rows[1]["justification"].startswith("Annonce habituelle")


def test_json_carries_the_election_and_the_legal_basis():
    payload = json.loads(evidence_json(make_file()))
    assert payload["election"]["id"] == "municipales-2026"
    assert payload["periode"] == {"debut": "2025-09-01", "fin": "2026-03-22"}
    assert len(payload["publications"]) == 3
    assert payload["base_legale"] == "Code électoral, article L52-1"


def test_summary_counts_and_warns_about_incomplete_validation():
    before = [
        PostRecord(datetime(2025, 5, 1, tzinfo=UTC) + timedelta(weeks=w), "Travaux rue Pasteur.")
        for w in range(16)
    ]
    practice = compare_practice(
        before,
        period_start=datetime(2025, 9, 1, tzinfo=UTC),
        now=datetime(2026, 3, 22, tzinfo=UTC),
        baseline_start=datetime(2025, 5, 1, tzinfo=UTC),
    )
    summary = evidence_summary(make_file(practice))
    assert "Publications pendant la période : 3" in summary
    assert "Publications signalées (double validation et justification) : 2" in summary
    assert "ATTENTION : 1 publication(s) signalée(s) sans double validation" in summary
    assert "Comparaison avec la pratique habituelle" in summary
    assert "validée par : alice (validator" in summary
    assert default_calendar()  # the calendar the period came from is the shipped one
