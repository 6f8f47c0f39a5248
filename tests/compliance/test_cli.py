"""The `beffroi compliance` commands that need no database."""

from datetime import UTC, date, datetime

from typer.testing import CliRunner

from beffroi.compliance.archives import (
    ArchiveParty,
    ArchiveRecord,
    ArchiveRequest,
    RecordKind,
    export_archive,
)
from beffroi.compliance.cli import app

runner = CliRunner()


def test_periods_of_a_day():
    result = runner.invoke(app, ["periodes", "--type", "departement", "--date", "2028-02-01"])
    assert result.exit_code == 0
    assert (
        "Élections départementales 2028 : période restreinte du 01/09/2027 au 19/03/2028"
        in result.output
    )
    assert "l'assemblée de la collectivité est renouvelée" in result.output


def test_checking_a_text_exits_1_when_blocked():
    ok = runner.invoke(app, ["verifier", "La piscine ouvre lundi.", "--date", "2026-05-01"])
    assert ok.exit_code == 0
    blocked = runner.invoke(
        app, ["verifier", "Inauguration du gymnase", "--image", "--date", "2026-01-10"]
    )
    assert blocked.exit_code == 1
    assert "Image sans texte alternatif" in blocked.output
    assert "[période électorale] Inauguration" in blocked.output


def test_validating_a_package(tmp_path):
    request = ArchiveRequest(
        organisation=ArchiveParty("213500001", "Ville"),
        archival_agency=ArchiveParty("FRAD035", "AD"),
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        records=[
            ArchiveRecord(
                RecordKind.PUBLICATION, "p1", datetime(2026, 3, 2, tzinfo=UTC), {"texte": "x"}
            )
        ],
    )
    bag = export_archive(request, tmp_path / "bag", now=datetime(2026, 4, 1, tzinfo=UTC))
    assert runner.invoke(app, ["valider-paquet", str(bag)]).exit_code == 0
    (bag / "data/content/publications.json").write_text("[]")
    broken = runner.invoke(app, ["valider-paquet", str(bag)])
    assert broken.exit_code == 1
