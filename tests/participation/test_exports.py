"""Exports in the documented import formats of Decidim and CONSUL Democracy, and as open data."""

from __future__ import annotations

import csv
import io
import json

from beffroi.listening.routing import Level
from beffroi.participation import exports
from beffroi.participation.competences import Holder
from beffroi.participation.selectors import IdeaSummary, Quote, Synthesis


def _idea(n: int, label: str, **extra) -> IdeaSummary:
    fields = dict(
        id=n,
        label=label,
        people=10 - n,
        answers=12 - n,
        likes=3,
        topic="urbanisme_logement",
        topic_label="Urbanisme et logement",
        sentiment="positive",
        sentiment_label="plutôt favorable",
        networks={"Facebook": 6 - n, "Page publique": 2},
        places={"Les Tanneurs": 2},
        quotes=(Quote("Des jardins partagés pour le quartier", "Facebook", 3, ""),),
        holder=None,
    )
    fields.update(extra)
    return IdeaSummary(**fields)


SYNTHESIS = Synthesis(
    consultation_id=1,
    question="Que faire de la friche ?",
    people=20,
    answers=25,
    ideas=(
        _idea(1, "Des jardins partagés pour les habitants du quartier"),
        _idea(
            2,
            "Bus",
            places={},
            quotes=(),
            holder=Holder(Level.EPCI, "bus", "l'intercommunalité"),
        ),
        _idea(3, "x" * 400),
    ),
    networks={"Facebook": 20, "Page publique": 5},
    places={"Les Tanneurs": 4},
    ungrouped=0,
)


def test_decidim_csv_has_the_verifier_headers_and_semicolons():
    text = exports.decidim_csv(SYNTHESIS, "Saint-Aubin-sur-Brume")
    header = text.splitlines()[0]
    assert header == "title/fr;body/fr;address"
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 3
    assert rows[0]["title/fr"] == "Des jardins partagés pour les habitants du quartier"
    assert "9 personne(s)" in rows[0]["body/fr"] and "« Des jardins" in rows[0]["body/fr"]
    assert rows[0]["address"] == "Les Tanneurs" and rows[1]["address"] == ""
    assert "« bus » : compétence de l'intercommunalité" in rows[1]["body/fr"]
    assert all(r["title/fr"] and r["body/fr"] for r in rows)


def test_decidim_json_is_an_array_of_objects_with_the_same_keys():
    data = json.loads(exports.decidim_json(SYNTHESIS, "Saint-Aubin-sur-Brume"))
    assert isinstance(data, list) and len(data) == 3
    assert all(set(row) == {"title/fr", "body/fr", "address"} for row in data)


def test_consul_rows_respect_the_model_validations():
    rows = exports.consul_rows(SYNTHESIS, "Sai")
    assert [set(r) for r in rows] == [set(exports.CONSUL_FIELDS)] * 3
    for row in rows:
        assert 4 <= len(row["title"]) <= 80
        assert row["summary"] and len(row["summary"]) <= 200
        assert len(row["description"]) <= 6000
        assert 6 <= len(row["responsible_name"]) <= 60
        assert row["terms_of_service"] == "1"
    assert (
        rows[1]["title"] == "Idée : Bus"
    )  # under CONSUL's 4-character minimum otherwise... kept readable
    assert rows[2]["title"].endswith("…")
    parsed = list(csv.DictReader(io.StringIO(exports.consul_csv(SYNTHESIS, "Saint-Aubin"))))
    assert parsed[0]["tag_list"].startswith("Urbanisme et logement")
    assert json.loads(exports.consul_json(SYNTHESIS, "Saint-Aubin"))[0]["geozone"] == "Les Tanneurs"


def test_open_data_csv_one_row_per_idea_in_rank_order():
    rows = list(csv.DictReader(io.StringIO(exports.open_data_csv(SYNTHESIS))))
    assert list(rows[0]) == list(exports.OPEN_DATA_FIELDS)
    assert [r["rang"] for r in rows] == ["1", "2", "3"]
    assert rows[1]["hors_competence"] == "oui" and rows[1]["competence_de"] == "l'intercommunalité"
    assert rows[0]["reseaux"] == "Facebook (5), Page publique (2)"
