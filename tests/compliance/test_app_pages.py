"""Compliance pages: who sees what, the accessibility policy and report, the archive download."""

import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse

from beffroi.compliance import selectors, services
from beffroi.compliance.accessibility import Check, Severity
from beffroi.compliance.archives import ArchiveParty, validate_bag
from beffroi.networks.types import Media

pytestmark = pytest.mark.django_db


@pytest.fixture
def commune(make_org):
    return make_org(name="Saint-Aubin", kind="commune")


@pytest.fixture
def admin(commune, make_member):
    return make_member(commune, "admin")


@pytest.mark.parametrize("name", ["overview", "elections", "accessibility"])
def test_every_member_sees_the_overview_pages(client, commune, make_member, name):
    client.force_login(make_member(commune, "validator"))
    response = client.get(reverse(f"compliance:{name}", kwargs={"org": commune.slug}))
    assert response.status_code == 200


def test_overview_shows_the_period_in_force(client, commune, admin):
    from django.utils import timezone

    in_two_months = timezone.localdate() + timedelta(days=60)
    services.calendar_entry_save(
        organisation=commune,
        actor=admin,
        election_id="complementaire",
        kind="municipales",
        label="Municipale complémentaire",
        first_round=in_two_months,
        second_round=in_two_months + timedelta(days=7),
    )
    client.force_login(admin)
    page = client.get(reverse("compliance:overview", kwargs={"org": commune.slug})).content.decode()
    assert "Période restreinte en cours" in page
    assert "Municipale complémentaire" in page


def test_accessibility_policy_changes_what_blocks(client, commune, admin):
    client.force_login(admin)
    data = {"min_readability": 40, "max_emoji_run": 2, "min_alt_chars": 10}
    data |= {f"severity_{c.value}": Severity.WARN.value for c in Check}
    data["severity_alt_manquant"] = Severity.OFF.value
    response = client.post(
        reverse("compliance:accessibility_policy", kwargs={"org": commune.slug}), data
    )
    assert response.status_code == 302
    policy = selectors.accessibility_policy_for(organisation=commune)
    assert policy.severity(Check.ALT_MISSING) is Severity.OFF
    assert policy.max_emoji_run == 2


def test_accessibility_checker_and_report(client, commune, admin):
    services.publication_log(
        organisation=commune,
        network="instagram",
        account="saintaubin",
        text="Fête 🎉🎉🎉🎉",
        published_at=datetime.now(UTC),
        media=[Media("f.jpg", "image/jpeg", "IMG_0042.jpg")],
    )
    client.force_login(admin)
    url = reverse("compliance:accessibility", kwargs={"org": commune.slug})
    page = client.get(
        url, {"text": "Rendez-vous au 🏊 samedi #fetedusport", "alt_text": ""}
    ).content.decode()
    assert "Émoji au milieu d&#x27;une phrase" in page or "Émoji au milieu d'une phrase" in page
    assert "#FeteDuSport" in page
    assert "Images avec un texte alternatif pertinent : 0/1" in page


def test_archive_export_downloads_a_valid_bag(client, commune, admin, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "drafts").mkdir(parents=True)
    (tmp_path / "media" / "drafts" / "marche.jpg").write_bytes(b"\xff\xd8\xff photo")
    (tmp_path / "secret.txt").write_text("hors du dossier des médias")
    services.publication_log(
        organisation=commune,
        network="facebook",
        account="VilleDeSaintAubin",
        text="Marché de Noël samedi.",
        published_at=datetime(2026, 3, 2, 9, tzinfo=UTC),
        media=[
            Media("drafts/marche.jpg", "image/jpeg", "Les chalets du marché de Noël sur la place"),
            Media("../secret.txt", "text/plain", ""),
        ],
        validations=[
            {
                "by": "alice",
                "role": "validator",
                "at": "2026-03-01T10:00:00+00:00",
                "decision": "approved",
            }
        ],
    )
    client.force_login(admin)
    response = client.post(
        reverse("compliance:archives", kwargs={"org": commune.slug}),
        {
            "start": "2026-03-01",
            "end": "2026-03-31",
            "agency_identifier": "FRAD099",
            "agency_name": "Archives départementales",
        },
    )
    assert response.status_code == 200
    payload = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(payload)) as archive:
        archive.extractall(tmp_path / "unzipped")
    (bag,) = (tmp_path / "unzipped").iterdir()
    assert validate_bag(bag) == []
    assert "Marché de Noël" in (bag / "data/content/publications.json").read_text()
    assert '"alice"' in (bag / "data/content/approbations.json").read_text()
    # The media file is packed; a path leading outside MEDIA_ROOT is not.
    assert [p.name for p in (bag / "data/content/pieces-jointes").iterdir()] == ["marche.jpg"]


def test_archive_export_needs_the_export_permission(client, commune, make_member):
    client.force_login(make_member(commune, "community_manager"))
    response = client.get(reverse("compliance:archives", kwargs={"org": commune.slug}))
    assert response.status_code == 403


def test_archive_service_refuses_a_reversed_period(commune, admin, tmp_path, settings):
    from beffroi.core.services import DomainError

    settings.DATA_DIR = tmp_path
    with pytest.raises(DomainError):
        services.archive_export(
            organisation=commune,
            actor=admin,
            start=date(2026, 3, 31),
            end=date(2026, 3, 1),
            archival_agency=ArchiveParty("FRAD099", "AD"),
        )
    path = services.archive_export(
        organisation=commune,
        actor=admin,
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        archival_agency=ArchiveParty("FRAD099", "AD"),
    )
    assert Path(path).suffix == ".zip" and Path(path).is_file()
