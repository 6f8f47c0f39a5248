"""Bulk planning: a CSV or XLSX file of posts becomes draft requests, with every refused row and why.

Expected columns (header names are matched without case or accents, and a few synonyms):
date, heure, réseaux, texte, médias, textes alternatifs, and optionally lien, hashtags, sponsorisé.
Several networks, media or alt texts in one cell are separated by « | », « ; » or « , »
(media and alt texts by « | » only, since an alt text may hold commas). Dates and times are read
in Europe/Paris and stored in UTC.
"""

from __future__ import annotations

import csv
import io
import mimetypes
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import regex

from beffroi.core.domain import NETWORK_LABELS, Network
from beffroi.networks.types import Media
from beffroi.publishing.composer import Composition, Message, compose

PARIS = ZoneInfo("Europe/Paris")
MAX_ROWS = 5000

COLUMNS: dict[str, tuple[str, ...]] = {
    "date": ("date", "jour", "date de publication"),
    "time": ("heure", "horaire", "heure de publication"),
    "networks": ("reseaux", "reseau", "canaux", "plateformes"),
    "text": ("texte", "message", "contenu", "publication"),
    "media": ("medias", "media", "images", "fichiers", "visuels"),
    "alt": ("textes alternatifs", "texte alternatif", "alt", "alternatives", "descriptions"),
    "link": ("lien", "url"),
    "hashtags": ("hashtags", "mots-diese", "mots dieses"),
    "sponsored": ("sponsorise", "sponsorisee", "sponsoring", "payant"),
}
REQUIRED = ("date", "time", "networks", "text")

_NETWORK_NAMES: dict[str, Network] = {
    **{n.value: n for n in Network},
    **{label.casefold(): n for n, label in NETWORK_LABELS.items()},
    "twitter": Network.X,
    "x (twitter)": Network.X,
    "insta": Network.INSTAGRAM,
    "fb": Network.FACEBOOK,
    "yt": Network.YOUTUBE,
    "bsky": Network.BLUESKY,
}
_TRUE = {"oui", "o", "x", "vrai", "1", "yes", "true"}


class BulkFileError(Exception):
    """The whole file is unusable (not a table, no header, missing columns): nothing was created."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class DraftRequest:
    """One accepted row: what the drafting service needs to create a draft in the circuit."""

    line: int
    scheduled_at: datetime  # UTC
    networks: tuple[Network, ...]
    message: Message
    composition: Composition
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RefusedRow:
    line: int
    reasons: tuple[str, ...]  # French

    @property
    def message(self) -> str:
        return f"Ligne {self.line} : " + " ; ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class BulkReport:
    requests: tuple[DraftRequest, ...]
    refused: tuple[RefusedRow, ...]


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", str(text).strip().casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).replace("_", " ")


def _map_header(header: Sequence[Any]) -> dict[str, int]:
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = _fold(cell or "")
        for key, synonyms in COLUMNS.items():
            if name in synonyms and key not in positions:
                positions[key] = index
    missing = [COLUMNS[key][0] for key in REQUIRED if key not in positions]
    if missing:
        raise BulkFileError(
            "Colonnes manquantes : "
            + ", ".join(f"« {m} »" for m in missing)
            + ". La première ligne doit nommer les colonnes (date, heure, réseaux, texte, médias, "
            "textes alternatifs)."
        )
    return positions


# ----------------------------------------------------------------------------- reading files


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BulkFileError("Encodage du fichier illisible : enregistrez-le en CSV UTF-8.")


def read_csv(content: bytes) -> list[list[Any]]:
    text = _decode(content)
    if not text.strip():
        raise BulkFileError("Le fichier est vide.")
    first_line = text.splitlines()[0]
    # French spreadsheets export with « ; » because « , » is the decimal separator.
    delimiter = max(";,\t", key=first_line.count)
    # newline="": a lone carriage return (old Mac exports) ends a line instead of breaking the
    # reader; whatever else the csv module refuses is the user's file, not a crash.
    try:
        return [row for row in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]
    except csv.Error as exc:
        raise BulkFileError(
            f"CSV illisible : {exc}. Enregistrez-le à nouveau en CSV UTF-8."
        ) from None


def read_xlsx(content: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many unrelated types for a bad file
        raise BulkFileError(
            f"Ce n'est pas un classeur Excel lisible ({type(exc).__name__})."
        ) from None
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_table(content: bytes, filename: str) -> list[list[Any]]:
    if filename.lower().endswith((".xlsx", ".xlsm")):
        return read_xlsx(content)
    if filename.lower().endswith((".csv", ".txt")):
        return read_csv(content)
    raise BulkFileError("Format non pris en charge : envoyez un fichier .csv ou .xlsx.")


# ----------------------------------------------------------------------------- cells


def _parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value or "").strip()
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m/%y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"date « {text} » illisible (attendu JJ/MM/AAAA)")


def _parse_time(value: Any) -> time:
    if isinstance(value, datetime):
        return value.time()
    if isinstance(value, time):
        return value
    if isinstance(value, timedelta):
        return (datetime.min + value).time()
    text = str(value or "").strip()
    match = regex.fullmatch(r"(\d{1,2})\s*(?:h|:|H)\s*(\d{2})?(?::\d{2})?", text)
    if match:
        hour, minute = int(match.group(1)), int(match.group(2) or 0)
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise ValueError(f"heure « {text} » illisible (attendu HH:MM ou 18 h 30)")


def paris_to_utc(day: date, moment: time) -> tuple[datetime, str | None]:
    """A wall-clock time in Paris as UTC, refusing the hour that does not exist in spring."""
    naive = datetime.combine(day, moment)
    first = naive.replace(tzinfo=PARIS, fold=0)
    second = naive.replace(tzinfo=PARIS, fold=1)
    if first.astimezone(UTC).replace(tzinfo=None) == second.astimezone(UTC).replace(tzinfo=None):
        return first.astimezone(UTC), None
    # The offsets differ: in spring the hour does not exist, in autumn it happens twice.
    round_trip = first.astimezone(UTC).astimezone(PARIS).replace(tzinfo=None)
    if round_trip != naive:
        raise ValueError(
            f"{moment:%H:%M} n'existe pas le {day:%d/%m/%Y} à Paris (passage à l'heure d'été)"
        )
    return first.astimezone(UTC), (
        f"{moment:%H:%M} a lieu deux fois le {day:%d/%m/%Y} (passage à l'heure d'hiver) : "
        "la première est retenue"
    )


def _split(value: Any, separators: str) -> list[str]:
    text = str(value or "").strip()
    if not text:
        return []
    return [
        part.strip() for part in regex.split(f"[{regex.escape(separators)}]", text) if part.strip()
    ]


def _networks(value: Any) -> tuple[Network, ...]:
    names = _split(value, "|;,/+")
    if not names:
        raise ValueError("aucun réseau indiqué")
    networks: list[Network] = []
    for name in names:
        network = _NETWORK_NAMES.get(_fold(name)) or _NETWORK_NAMES.get(name.strip().casefold())
        if network is None:
            raise ValueError(f"réseau « {name} » inconnu")
        if network not in networks:
            networks.append(network)
    return tuple(networks)


def _media(paths: list[str], alts: list[str]) -> tuple[Media, ...]:
    if len(alts) > len(paths):
        raise ValueError(f"{len(alts)} textes alternatifs pour {len(paths)} média(s)")
    media: list[Media] = []
    for index, path in enumerate(paths):
        mime, _ = mimetypes.guess_type(path.split("?", 1)[0])
        if mime is None or not mime.startswith(("image/", "video/")):
            raise ValueError(f"média « {path} » : format inconnu (jpg, png, gif, webp, mp4, mov)")
        media.append(
            Media(path=path, mime_type=mime, alt_text=alts[index] if index < len(alts) else "")
        )
    return tuple(media)


# ----------------------------------------------------------------------------- rows


def _cell(row: Sequence[Any], positions: dict[str, int], key: str) -> Any:
    index = positions.get(key)
    if index is None or index >= len(row):
        return None
    return row[index]


def parse_rows(
    rows: Iterable[Sequence[Any]],
    *,
    now: datetime | None = None,
    compose_fn: Callable[[Message, Sequence[Network]], Composition] | None = None,
) -> BulkReport:
    """Rows (header first) -> draft requests and refused rows; nothing is lost silently."""
    iterator = iter(rows)
    try:
        header = next(iterator)
    except StopIteration:
        raise BulkFileError("Le fichier est vide.") from None
    positions = _map_header(header)
    current = now or datetime.now(UTC)
    composer = compose_fn or (lambda message, networks: compose(message, networks))
    requests: list[DraftRequest] = []
    refused: list[RefusedRow] = []
    for line, row in enumerate(iterator, start=2):
        if line - 1 > MAX_ROWS:
            raise BulkFileError(f"Plus de {MAX_ROWS} lignes : découpez le fichier.")
        if all(cell in (None, "") or str(cell).strip() == "" for cell in row):
            continue  # spreadsheets keep empty rows at the end
        reasons: list[str] = []
        warnings: list[str] = []
        scheduled_at: datetime | None = None
        networks: tuple[Network, ...] = ()
        media: tuple[Media, ...] = ()
        try:
            day = _parse_date(_cell(row, positions, "date"))
            moment = _parse_time(_cell(row, positions, "time"))
            scheduled_at, ambiguity = paris_to_utc(day, moment)
            if ambiguity:
                warnings.append(ambiguity)
            if scheduled_at <= current:
                reasons.append(
                    f"date passée ({scheduled_at.astimezone(PARIS):%d/%m/%Y à %H:%M}, heure de Paris)"
                )
        except ValueError as exc:
            reasons.append(str(exc))
        try:
            networks = _networks(_cell(row, positions, "networks"))
        except ValueError as exc:
            reasons.append(str(exc))
        try:
            media = _media(
                _split(_cell(row, positions, "media"), "|"),
                _split(_cell(row, positions, "alt"), "|"),
            )
        except ValueError as exc:
            reasons.append(str(exc))
        text = str(_cell(row, positions, "text") or "").strip()
        if not text and not media:
            reasons.append("texte vide")
        if reasons or scheduled_at is None:
            refused.append(RefusedRow(line, tuple(reasons)))
            continue
        link = str(_cell(row, positions, "link") or "").strip() or None
        message = Message(
            text=text,
            link=link,
            hashtags=tuple(_split(_cell(row, positions, "hashtags"), ",;|")),
            media=media,
            sponsored=_fold(_cell(row, positions, "sponsored") or "") in _TRUE,
        )
        composition = composer(message, networks)
        blocking = [f"{i.network.label} : {i.message}" for i in composition.issues if i.blocking]
        if blocking:
            refused.append(RefusedRow(line, tuple(blocking)))
            continue
        requests.append(
            DraftRequest(
                line=line,
                scheduled_at=scheduled_at,
                networks=networks,
                message=message,
                composition=composition,
                warnings=tuple(warnings),
            )
        )
    return BulkReport(tuple(requests), tuple(refused))


def parse_bulk_file(content: bytes, filename: str, *, now: datetime | None = None) -> BulkReport:
    return parse_rows(read_table(content, filename), now=now)
