"""A BagIt package of a period that validates, with SEDA 2.2 metadata."""

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from beffroi.compliance.archives import (
    SEDA_NS,
    ArchiveParty,
    ArchiveRecord,
    ArchiveRequest,
    RecordKind,
    export_archive,
    seda_schema_path,
    validate_bag,
    validate_seda,
    zip_bag,
)

NOW = datetime(2026, 4, 2, 8, tzinfo=UTC)


def request(tmp_path: Path) -> ArchiveRequest:
    photo = tmp_path / "affiche.png"
    photo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    records = [
        ArchiveRecord(
            RecordKind.PUBLICATION,
            "post-1",
            datetime(2026, 3, 2, 9, tzinfo=UTC),
            {"reseau": "facebook", "texte": "Collecte des encombrants mardi."},
        ),
        ArchiveRecord(
            RecordKind.VERSION,
            "draft-1-v1",
            datetime(2026, 3, 1, 9, tzinfo=UTC),
            {"texte": "Collecte mardi"},
        ),
        ArchiveRecord(
            RecordKind.APPROVAL,
            "appr-1",
            datetime(2026, 3, 1, 10, tzinfo=UTC),
            {"par": "alice", "decision": "approved"},
        ),
        ArchiveRecord(
            RecordKind.COMMENT,
            "com-1",
            datetime(2026, 3, 2, 11, tzinfo=UTC),
            {"auteur": "@marie", "texte": "Merci !"},
        ),
        ArchiveRecord(
            RecordKind.MODERATION,
            "mod-1",
            datetime(2026, 3, 3, 11, tzinfo=UTC),
            {"action": "masquer", "motif": "insulte"},
        ),
        # Outside the period: left out.
        ArchiveRecord(
            RecordKind.PUBLICATION,
            "post-0",
            datetime(2026, 2, 27, 9, tzinfo=UTC),
            {"texte": "Février"},
        ),
    ]
    return ArchiveRequest(
        organisation=ArchiveParty("213500001", "Ville de Saint-Aubin"),
        archival_agency=ArchiveParty("FRAD035", "Archives départementales"),
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        records=records,
        attachments=[photo],
        contact_email="archives@saint-aubin.example",
    )


def test_the_package_is_a_valid_bagit_1_0_bag(tmp_path):
    bag = export_archive(request(tmp_path), tmp_path / "paquet", now=NOW)
    assert validate_bag(bag) == []
    assert (
        bag / "bagit.txt"
    ).read_text() == "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
    info = (bag / "bag-info.txt").read_text()
    assert "Source-Organization: Ville de Saint-Aubin" in info
    assert "Payload-Oxum: " in info
    manifest = (bag / "manifest-sha256.txt").read_text()
    assert "data/content/pieces-jointes/affiche.png" in manifest
    assert "data/manifest.xml" in manifest


def test_records_of_the_period_only(tmp_path):
    bag = export_archive(request(tmp_path), tmp_path / "paquet", now=NOW)
    publications = json.loads((bag / "data/content/publications.json").read_text())
    assert [p["id"] for p in publications] == ["post-1"]
    readme = (bag / "data/LISEZMOI.txt").read_text()
    assert (
        "content/commentaires.json : Commentaires et réponses reçus — 1 enregistrement(s)" in readme
    )


def test_a_changed_file_breaks_the_checksums(tmp_path):
    bag = export_archive(request(tmp_path), tmp_path / "paquet", now=NOW)
    target = bag / "data/content/commentaires.json"
    # Same size, one letter changed: only the checksum can tell.
    target.write_text(target.read_text().replace("Merci", "Mercy"))
    problems = validate_bag(bag)
    assert problems and any("commentaires.json" in p for p in problems)


def test_a_missing_file_is_reported(tmp_path):
    bag = export_archive(request(tmp_path), tmp_path / "paquet", now=NOW)
    (bag / "data/content/moderation.json").unlink()
    assert validate_bag(bag)


def test_the_destination_must_be_new(tmp_path):
    (tmp_path / "paquet").mkdir()
    with pytest.raises(FileExistsError):
        export_archive(request(tmp_path), tmp_path / "paquet", now=NOW)


def test_zip_for_download(tmp_path):
    import zipfile

    bag = export_archive(request(tmp_path), tmp_path / "paquet", now=NOW)
    target = zip_bag(bag, tmp_path / "paquet.zip")
    names = zipfile.ZipFile(target).namelist()
    assert "paquet/bagit.txt" in names and "paquet/data/manifest.xml" in names


needs_xsd = pytest.mark.skipif(
    seda_schema_path() is None,
    reason="SEDA 2.2 XSD not installed: run .ci/setup-compliance.sh (pip install --no-deps cubicweb-seda==2.4.1)",
)


@needs_xsd
def test_the_seda_manifest_validates_against_the_seda_2_2_schema(tmp_path):
    bag = export_archive(request(tmp_path), tmp_path / "paquet", now=NOW)
    xml = (bag / "data/manifest.xml").read_bytes()
    assert validate_seda(xml) == []
    root = etree.fromstring(xml)
    ns = {"s": SEDA_NS}
    uris = root.xpath("//s:BinaryDataObject/s:Uri/text()", namespaces=ns)
    assert "content/publications.json" in uris
    # Every URI points to a file of the bag whose SHA-512 is the one declared.
    import hashlib

    for bdo in root.xpath("//s:BinaryDataObject", namespaces=ns):
        uri = bdo.xpath("s:Uri/text()", namespaces=ns)[0]
        digest = bdo.xpath("s:MessageDigest/text()", namespaces=ns)[0]
        assert hashlib.sha512((bag / "data" / uri).read_bytes()).hexdigest() == digest


@needs_xsd
def test_an_invalid_seda_message_is_rejected(tmp_path):
    bag = export_archive(request(tmp_path), tmp_path / "paquet", now=NOW)
    root = etree.fromstring((bag / "data/manifest.xml").read_bytes())
    root.remove(root.find(f"{{{SEDA_NS}}}MessageIdentifier"))
    errors = validate_seda(etree.tostring(root))
    assert errors and "MessageIdentifier" in " ".join(errors)
