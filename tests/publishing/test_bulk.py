"""Bulk planning from a CSV or XLSX file: accepted rows become draft requests, refused rows say why."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time

import pytest
from openpyxl import Workbook

from beffroi.core.domain import Network
from beffroi.publishing.bulk import BulkFileError, paris_to_utc, parse_bulk_file

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

CSV = """date;heure;réseaux;texte;médias;textes alternatifs;lien;hashtags;sponsorisé
21/06/2026;18:30;Facebook, X, Instagram;La Fête de la musique commence ! Rendez-vous place du Beffroi.;media/fete.jpg;Une scène devant le beffroi illuminé.;https://www.ville-exemple.fr/fete;fête de la musique;non
22/06/2026;8 h 15;mastodon | bluesky;"Les bus circulent toute la nuit; merci aux agents !";;;;;
15/02/2026;10:00;X;Trop tard, cette date est passée.;;;;;
29/03/2026;02:30;X;L'heure n'existe pas.;;;;;
23/06/2026;09:00;TikTok;Réseau inconnu.;;;;;
24/06/2026;9h;Instagram;Photo sans texte alternatif;media/parc.jpg;;;;
25/06/2026;09:00;X;;;;;;
26/06/2026;demain;X;Heure illisible;;;;;
27/06/2026;12:00;X;{long};;;;;
;;;;;;;;
28/06/2026;12:00;Facebook;Offre d'emploi : animateur périscolaire (H/F);;;;;oui
""".replace("{long}", "Le marché de la place couverte ouvre ses portes. " * 8)


def test_a_french_csv_gives_draft_requests_and_a_reason_for_each_refused_row() -> None:
    report = parse_bulk_file(CSV.encode("utf-8"), "planning.csv", now=NOW)
    accepted = {r.line: r for r in report.requests}
    assert sorted(accepted) == [2, 3, 10, 12]
    fete = accepted[2]
    assert fete.scheduled_at == datetime(2026, 6, 21, 16, 30, tzinfo=UTC)  # 18:30 in Paris, summer
    assert fete.networks == (Network.FACEBOOK, Network.X, Network.INSTAGRAM)
    assert fete.message.media[0].alt_text == "Une scène devant le beffroi illuminé."
    assert fete.message.hashtags == ("fête de la musique",)
    assert "#FêteDeLaMusique" in fete.composition.for_network(Network.X).variant.text
    assert accepted[3].networks == (Network.MASTODON, Network.BLUESKY)
    assert accepted[3].scheduled_at == datetime(2026, 6, 22, 6, 15, tzinfo=UTC)
    # A text longer than X's limit becomes a thread: it is not refused.
    assert accepted[10].composition.for_network(Network.X).variant.thread
    assert accepted[12].message.sponsored is True

    refused = {r.line: r.message for r in report.refused}
    assert refused == {
        4: "Ligne 4 : date passée (15/02/2026 à 10:00, heure de Paris)",
        5: "Ligne 5 : 02:30 n'existe pas le 29/03/2026 à Paris (passage à l'heure d'été)",
        6: "Ligne 6 : réseau « TikTok » inconnu",
        7: refused[7],
        8: "Ligne 8 : texte vide",
        9: "Ligne 9 : heure « demain » illisible (attendu HH:MM ou 18 h 30)",
    }
    assert refused[7].startswith(
        "Ligne 7 : Instagram : Texte alternatif manquant pour l'image « parc.jpg »"
    )


def test_the_autumn_hour_that_happens_twice_is_accepted_with_a_warning() -> None:
    moment, warning = paris_to_utc(datetime(2026, 10, 25).date(), time(2, 30))
    assert moment == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert warning is not None and "deux fois" in warning


def test_a_windows_1252_csv_with_commas_is_read() -> None:
    content = "Date,Heure,Reseaux,Texte\n21/06/2026,18:30,X,Fête au village\n".encode("cp1252")
    report = parse_bulk_file(content, "export.csv", now=NOW)
    assert report.requests[0].message.text == "Fête au village"


def test_an_xlsx_with_real_date_and_time_cells() -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Date", "Heure", "Réseaux", "Texte", "Médias", "Textes alternatifs"])
    sheet.append(
        [
            datetime(2026, 7, 14),
            time(10, 0),
            "LinkedIn",
            "Cérémonie du 14 juillet au monument aux morts.",
            None,
            None,
        ]
    )
    sheet.append(
        [
            "14/07/2026",
            "22:30",
            "Facebook|X",
            "Feu d'artifice au bord de la Loire !",
            "media/feu.mp4",
            None,
        ]
    )
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = parse_bulk_file(buffer.getvalue(), "juillet.xlsx", now=NOW)
    assert [r.line for r in report.requests] == [2, 3]
    assert report.requests[0].scheduled_at == datetime(2026, 7, 14, 8, 0, tzinfo=UTC)
    assert report.requests[1].message.media[0].mime_type == "video/mp4"


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"", "vide.csv", "Le fichier est vide."),
        (b"jour;texte\n21/06/2026;x\n", "a.csv", "Colonnes manquantes : « heure », « reseaux »"),
        (b"PK\x03\x04garbage", "a.xlsx", "Ce n'est pas un classeur Excel lisible"),
        (b"x", "a.pdf", "Format non pris en charge"),
    ],
)
def test_an_unusable_file_raises_a_clear_error(content: bytes, filename: str, message: str) -> None:
    with pytest.raises(BulkFileError) as error:
        parse_bulk_file(content, filename, now=NOW)
    assert error.value.message.startswith(message)
