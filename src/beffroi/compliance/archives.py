"""Public archives: export of a period as a BagIt package with SEDA 2.2 metadata.

What a collectivité publishes and receives is a public archive (Code du patrimoine, art. L211-1 and
L211-4). The package holds the posts, their versions, approvals, comments and moderation actions of
a period, as JSON, plus any attached media:

    <bag>/bagit.txt                 BagIt 1.0 declaration (RFC 8493)
    <bag>/bag-info.txt              who, what period, size (Payload-Oxum)
    <bag>/manifest-sha256.txt       checksum of every payload file
    <bag>/manifest-sha512.txt       the same in SHA-512 (the algorithm SEDA messages use)
    <bag>/tagmanifest-sha256.txt    checksums of the tag files above
    <bag>/tagmanifest-sha512.txt
    <bag>/data/manifest.xml         SEDA 2.2 ArchiveTransfer message, the SIP an archives service ingests
    <bag>/data/LISEZMOI.txt         the documented manifest: each file, its fields, its count
    <bag>/data/content/*.json       one file per kind of record
    <bag>/data/content/pieces-jointes/*   attached media

The bag is written here (BagIt 1.0, which the `bagit` package does not write: it writes 0.97) and
checked with the `bagit` package, an independent implementation. The SEDA message is validated
against the SEDA 2.2 XSD shipped in the `cubicweb-seda` distribution when it is installed.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import uuid
import zipfile
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

PARIS = ZoneInfo("Europe/Paris")

SEDA_NS = "fr:gouv:culture:archivesdefrance:seda:v2.2"
SEDA_XSD_DISTRIBUTION = "cubicweb-seda"
SEDA_XSD_PATH = "cubicweb_seda/xsd/seda-2.2-main.xsd"
BAGIT_VERSION = "1.0"
CHECKSUMS = ("sha256", "sha512")


class RecordKind(StrEnum):
    PUBLICATION = "publication"
    VERSION = "version"
    APPROVAL = "approbation"
    COMMENT = "commentaire"
    MODERATION = "moderation"


RECORD_FILES: dict[RecordKind, tuple[str, str]] = {
    RecordKind.PUBLICATION: (
        "publications.json",
        "Publications de la collectivité sur chaque réseau",
    ),
    RecordKind.VERSION: ("versions.json", "Versions successives des brouillons avant publication"),
    RecordKind.APPROVAL: ("approbations.json", "Validations et refus, par qui et quand"),
    RecordKind.COMMENT: ("commentaires.json", "Commentaires et réponses reçus"),
    RecordKind.MODERATION: (
        "moderation.json",
        "Actions de modération (masquer, supprimer, signaler)",
    ),
}


@dataclass(frozen=True, slots=True)
class ArchiveRecord:
    kind: RecordKind
    id: str
    created_at: datetime
    data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ArchiveParty:
    identifier: str  # SIREN or the code the archives service gave
    name: str


@dataclass(frozen=True, slots=True)
class ArchiveRequest:
    organisation: ArchiveParty
    archival_agency: ArchiveParty
    start: date
    end: date
    records: Sequence[ArchiveRecord]
    attachments: Sequence[Path] = ()
    archival_agreement: str | None = None
    contact_email: str = ""


class SedaSchemaUnavailable(RuntimeError):
    """The SEDA 2.2 XSD is not installed (pip install --no-deps cubicweb-seda==2.4.1)."""


# --- BagIt 1.0 writer -------------------------------------------------------------------------


def _digests(path: Path) -> dict[str, str]:
    hashes = {name: hashlib.new(name) for name in CHECKSUMS}
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            for h in hashes.values():
                h.update(chunk)
    return {name: h.hexdigest() for name, h in hashes.items()}


def _manifest_path(path: str) -> str:
    # RFC 8493 §2.1.3: percent-encode CR, LF and % in manifest paths.
    return path.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _write_manifests(root: Path, files: Sequence[Path], prefix: str) -> None:
    lines: dict[str, list[str]] = {name: [] for name in CHECKSUMS}
    for path in sorted(files):
        digests = _digests(path)
        relative = path.relative_to(root).as_posix()
        for name in CHECKSUMS:
            lines[name].append(f"{digests[name]}  {_manifest_path(relative)}")
    for name in CHECKSUMS:
        (root / f"{prefix}-{name}.txt").write_text("\n".join(lines[name]) + "\n", "utf-8")


def write_bag(root: Path, bag_info: Mapping[str, str]) -> None:
    """Turn a folder whose payload is already under root/data into a BagIt 1.0 bag."""
    payload = [p for p in (root / "data").rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in payload)
    (root / "bagit.txt").write_text(
        f"BagIt-Version: {BAGIT_VERSION}\nTag-File-Character-Encoding: UTF-8\n", "utf-8"
    )
    info = {**bag_info, "Payload-Oxum": f"{size}.{len(payload)}", "Bag-Size": _human_size(size)}
    (root / "bag-info.txt").write_text(
        "".join(f"{k}: {' '.join(str(v).split())}\n" for k, v in info.items() if str(v).strip()),
        "utf-8",
    )
    _write_manifests(root, payload, "manifest")
    tag_files = [root / "bagit.txt", root / "bag-info.txt"]
    tag_files += [root / f"manifest-{name}.txt" for name in CHECKSUMS]
    _write_manifests(root, tag_files, "tagmanifest")


def _human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.1f} {unit}" if unit != "B" else f"{size} B"
        value /= 1024
    return f"{size} B"


def validate_bag(root: Path) -> list[str]:
    """Problems found by the `bagit` package (empty list: the bag is complete and valid)."""
    import bagit

    try:
        bag = bagit.Bag(str(root))
        bag.validate(processes=1)
    except bagit.BagValidationError as error:
        return [str(d) for d in error.details] or [str(error)]
    except bagit.BagError as error:
        return [str(error)]
    return []


# --- SEDA 2.2 ---------------------------------------------------------------------------------


def _el(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    node = etree.SubElement(parent, f"{{{SEDA_NS}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


_CODE_LISTS = (
    "ReplyCodeListVersion",
    "MessageDigestAlgorithmCodeListVersion",
    "MimeTypeCodeListVersion",
    "EncodingCodeListVersion",
    "FileFormatCodeListVersion",
    "CompressionAlgorithmCodeListVersion",
    "DataObjectVersionCodeListVersion",
    "StorageRuleCodeListVersion",
    "AppraisalRuleCodeListVersion",
    "AccessRuleCodeListVersion",
    "DisseminationRuleCodeListVersion",
    "ReuseRuleCodeListVersion",
    "ClassificationRuleCodeListVersion",
    "AuthorizationReasonCodeListVersion",
    "RelationshipCodeListVersion",
)


@dataclass(frozen=True, slots=True)
class PackagedFile:
    uri: str  # relative to the SEDA manifest
    path: Path
    title: str
    mime_type: str
    description: str = ""


def seda_manifest(
    request: ArchiveRequest, files: Sequence[PackagedFile], *, now: datetime, message_id: str
) -> bytes:
    """The SEDA 2.2 ArchiveTransfer message describing the package."""
    nsmap = {None: SEDA_NS, "xlink": "http://www.w3.org/1999/xlink"}
    root = etree.Element(f"{{{SEDA_NS}}}ArchiveTransfer", nsmap=nsmap)  # type: ignore[dict-item]
    _el(
        root,
        "Comment",
        f"Archives des réseaux sociaux de {request.organisation.name}, du "
        f"{request.start:%d/%m/%Y} au {request.end:%d/%m/%Y}, exportées par Beffroi.",
    )
    _el(root, "Date", now.astimezone(UTC).replace(microsecond=0).isoformat())
    _el(root, "MessageIdentifier", message_id)
    if request.archival_agreement:
        _el(root, "ArchivalAgreement", request.archival_agreement)
    codes = _el(root, "CodeListVersions")
    for name in _CODE_LISTS:
        _el(codes, name, f"{name}0")
    package = _el(root, "DataObjectPackage")
    for index, item in enumerate(files, start=1):
        group = _el(package, "DataObjectGroup", id=f"GOT{index}")
        bdo = _el(group, "BinaryDataObject", id=f"BDO{index}")
        _el(bdo, "DataObjectVersion", "BinaryMaster_1")
        _el(bdo, "Uri", item.uri)
        _el(bdo, "MessageDigest", _digests(item.path)["sha512"], algorithm="SHA-512")
        _el(bdo, "Size", str(item.path.stat().st_size))
        fmt = _el(bdo, "FormatIdentification")
        _el(fmt, "MimeType", item.mime_type)
        info = _el(bdo, "FileInfo")
        _el(info, "Filename", item.path.name)
    descriptive = _el(package, "DescriptiveMetadata")
    top = _el(descriptive, "ArchiveUnit", id="AU0")
    content = _el(top, "Content")
    _el(content, "DescriptionLevel", "RecordGrp")
    _el(
        content,
        "Title",
        f"Réseaux sociaux — {request.organisation.name} — {request.start:%d/%m/%Y} au {request.end:%d/%m/%Y}",
    )
    _el(
        content,
        "Description",
        "Publications, versions, validations, commentaires reçus et actions de modération "
        "des comptes de la collectivité sur les réseaux sociaux.",
    )
    _el(content, "Language", "fr")
    _el(content, "StartDate", f"{request.start.isoformat()}T00:00:00")
    _el(content, "EndDate", f"{request.end.isoformat()}T23:59:59")
    for index, item in enumerate(files, start=1):
        unit = _el(top, "ArchiveUnit", id=f"AU{index}")
        unit_content = _el(unit, "Content")
        _el(unit_content, "DescriptionLevel", "Item")
        _el(unit_content, "Title", item.title)
        if item.description:
            _el(unit_content, "Description", item.description)
        ref = _el(unit, "DataObjectReference")
        _el(ref, "DataObjectGroupReferenceId", f"GOT{index}")
    management = _el(package, "ManagementMetadata")
    _el(management, "OriginatingAgencyIdentifier", request.organisation.identifier)
    _el(management, "SubmissionAgencyIdentifier", request.organisation.identifier)
    archival = _el(root, "ArchivalAgency")
    _el(archival, "Identifier", request.archival_agency.identifier)
    transferring = _el(root, "TransferringAgency")
    _el(transferring, "Identifier", request.organisation.identifier)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))


def seda_schema_path() -> Path | None:
    """The SEDA 2.2 XSD from the installed `cubicweb-seda` distribution, if any."""
    from importlib import metadata

    try:
        dist = metadata.distribution(SEDA_XSD_DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
    path = Path(str(dist.locate_file(SEDA_XSD_PATH)))
    return path if path.is_file() else None


def validate_seda(xml: bytes) -> list[str]:
    """Schema errors of a SEDA 2.2 message (empty list: valid). Raises if the XSD is missing."""
    schema_path = seda_schema_path()
    if schema_path is None:
        raise SedaSchemaUnavailable(
            "Le schéma SEDA 2.2 n'est pas installé : pip install --no-deps cubicweb-seda==2.4.1"
        )
    # The XSD imports xml.xsd and xlink.xsd from its own folder: no network access is needed.
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    schema = etree.XMLSchema(etree.parse(str(schema_path), parser))
    document = etree.fromstring(xml, parser)
    if schema.validate(document):
        return []
    return [f"ligne {e.line} : {e.message}" for e in schema.error_log]  # type: ignore[attr-defined]


# --- the export -------------------------------------------------------------------------------


def _json_default(value: Any) -> str:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _readme(request: ArchiveRequest, files: Sequence[PackagedFile], counts: Counter[str]) -> str:
    lines = [
        f"Archives des réseaux sociaux — {request.organisation.name}",
        f"Période : du {request.start:%d/%m/%Y} au {request.end:%d/%m/%Y} (jours de Paris ; horodatages ISO 8601 en UTC)",
        "",
        "Ce dossier est un paquet BagIt 1.0 (RFC 8493). Vérifiez son intégrité avec les sommes de",
        "contrôle de manifest-sha256.txt ou manifest-sha512.txt (par exemple : bagit.py --validate).",
        "Le fichier manifest.xml est un message SEDA 2.2 (ArchiveTransfer) décrivant chaque fichier.",
        "",
        "Fichiers :",
    ]
    for item in files:
        count = counts.get(item.uri)
        suffix = f" — {count} enregistrement(s)" if count is not None else ""
        lines.append(f"- {item.uri} : {item.title}{suffix}")
    lines += [
        "",
        "Champs communs de chaque enregistrement JSON :",
        "- id : identifiant de l'enregistrement dans Beffroi",
        "- type : publication, version, approbation, commentaire ou moderation",
        "- cree_le : date et heure de création (UTC)",
        "- donnees : contenu propre au type (texte, réseau, auteur, décision...)",
        "",
        "Les données personnelles de tiers (auteurs de commentaires) figurent telles qu'elles",
        "étaient conservées à la date de l'export ; leur communication relève des délais du Code",
        "du patrimoine (article L213-2).",
    ]
    return "\n".join(lines) + "\n"


def export_archive(request: ArchiveRequest, destination: Path, *, now: datetime) -> Path:
    """Write the package for the period into `destination` (a new folder) and return it."""
    if destination.exists():
        raise FileExistsError(f"le dossier existe déjà : {destination}")
    content = destination / "data" / "content"
    content.mkdir(parents=True)
    in_period = [
        r
        for r in request.records
        if request.start <= r.created_at.astimezone(UTC).date() <= request.end
    ]
    files: list[PackagedFile] = []
    counts: Counter[str] = Counter()
    for kind, (filename, title) in RECORD_FILES.items():
        records = sorted((r for r in in_period if r.kind is kind), key=lambda r: r.created_at)
        path = content / filename
        payload = [
            {"id": r.id, "type": r.kind.value, "cree_le": r.created_at, "donnees": dict(r.data)}
            for r in records
        ]
        path.write_text(
            json.dumps(payload, ensure_ascii=False, indent=2, default=_json_default), "utf-8"
        )
        uri = f"content/{filename}"
        files.append(PackagedFile(uri, path, title, "application/json"))
        counts[uri] = len(records)
    if request.attachments:
        media_dir = content / "pieces-jointes"
        media_dir.mkdir()
        for index, source in enumerate(request.attachments, start=1):
            target = media_dir / source.name
            if target.exists():  # two media with the same file name
                target = media_dir / f"{index}-{source.name}"
            shutil.copyfile(source, target)
            files.append(
                PackagedFile(
                    f"content/pieces-jointes/{target.name}",
                    target,
                    f"Pièce jointe {target.name}",
                    _mime_type(source),
                )
            )
    message_id = f"beffroi-{request.organisation.identifier}-{request.start}-{request.end}-{uuid.uuid4().hex[:8]}"
    (destination / "data" / "manifest.xml").write_bytes(
        seda_manifest(request, files, now=now, message_id=message_id)
    )
    (destination / "data" / "LISEZMOI.txt").write_text(_readme(request, files, counts), "utf-8")
    write_bag(
        destination,
        {
            "Source-Organization": request.organisation.name,
            "Internal-Sender-Identifier": request.organisation.identifier,
            "Contact-Email": request.contact_email,
            "External-Description": f"Réseaux sociaux de {request.organisation.name}, "
            f"du {request.start.isoformat()} au {request.end.isoformat()}",
            "External-Identifier": message_id,
            "Bagging-Date": now.astimezone(UTC).date().isoformat(),
            "Bag-Software-Agent": "Beffroi, export des archives publiques",
        },
    )
    return destination


def _mime_type(path: Path) -> str:
    import mimetypes

    return mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def zip_bag(bag: Path, target: Path) -> Path:
    """A zip of the bag for download, with the bag folder at its root."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(bag.rglob("*")):
            if path.is_file():
                archive.write(path, Path(bag.name) / path.relative_to(bag))
    return target
