"""Import of the accounts registry from CSV: one row per collectivité and network.

Lists of accounts are kept in spreadsheets, so the reader expects what spreadsheets do to them:
codes whose leading zeros were dropped (`1001` for commune 01001, `1` for the Ain), `200000172.0`
SIRENs, a BOM, `;` separators, Windows-1252 or UTF-16 exports, stray spaces, `Région` or
`Twitter` written by hand. Each row that cannot be used is reported with its line number and
skipped; the rest is kept.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from beffroi.core.domain import Network
from beffroi.core.sanitize import web_address
from beffroi.observatory.handles import ProfileRef, profile_parse
from beffroi.observatory.register import PRESENCE_KINDS, CollectivityKind, Register

# Networks in the order of the presence tables (the order of the published contract).
PRESENCE_NETWORKS: tuple[Network, ...] = (
    Network.FACEBOOK,
    Network.X,
    Network.INSTAGRAM,
    Network.YOUTUBE,
    Network.LINKEDIN,
    Network.MASTODON,
    Network.BLUESKY,
)


class AccountsFileError(ValueError):
    """The file cannot be read at all (missing, empty, no `code`/`kind`/`network` columns)."""


@dataclass(frozen=True, slots=True)
class LineIssue:
    line: int
    message: str

    def __str__(self) -> str:
        return f"ligne {self.line} : {self.message}"


@dataclass(frozen=True, slots=True)
class AccountRow:
    """One account of the registry, tied to a collectivité of the register."""

    line: int
    kind: CollectivityKind
    code: str
    network: Network
    url: str
    profile: ProfileRef | None

    @property
    def key(self) -> tuple[CollectivityKind, str, Network]:
        return (self.kind, self.code, self.network)


@dataclass(frozen=True, slots=True)
class AccountsImport:
    accounts: tuple[AccountRow, ...]  # one per collectivité and network (first row kept)
    errors: tuple[LineIssue, ...]  # rows skipped
    warnings: tuple[LineIssue, ...]  # rows kept, with something to check
    duplicates: int
    rows_read: int


# ---------------------------------------------------------------------------------------------
# Normalisation of the values written by hand


@lru_cache(maxsize=1024)  # applied to the kind and network of every row: few distinct values
def _fold(text: str) -> str:
    """Lowercase, accents removed, spaces, dashes and underscores removed: `Départ-ement ` -> `departement`."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s_\-.'’]+", "", ascii_text.lower())


_KIND_ALIASES: dict[str, CollectivityKind] = {
    "region": CollectivityKind.REGION,
    "regions": CollectivityKind.REGION,
    "reg": CollectivityKind.REGION,
    "conseilregional": CollectivityKind.REGION,
    "departement": CollectivityKind.DEPARTEMENT,
    "departements": CollectivityKind.DEPARTEMENT,
    "dept": CollectivityKind.DEPARTEMENT,
    "dep": CollectivityKind.DEPARTEMENT,
    "conseildepartemental": CollectivityKind.DEPARTEMENT,
    "epci": CollectivityKind.EPCI,
    "intercommunalite": CollectivityKind.EPCI,
    "interco": CollectivityKind.EPCI,
    "commune": CollectivityKind.COMMUNE,
    "communes": CollectivityKind.COMMUNE,
}

_NETWORK_ALIASES: dict[str, Network] = {
    **{n.value: n for n in PRESENCE_NETWORKS},
    "twitter": Network.X,
    "xtwitter": Network.X,
    "twitterx": Network.X,
    "x(twitter)": Network.X,
    "xcom": Network.X,
    "twittercom": Network.X,
    "fb": Network.FACEBOOK,
    "facebookcom": Network.FACEBOOK,
    "insta": Network.INSTAGRAM,
    "bsky": Network.BLUESKY,
}


@lru_cache(maxsize=256)  # a file holds a handful of distinct spellings, repeated on every row
def kind_parse(text: str) -> CollectivityKind | None:
    return _KIND_ALIASES.get(_fold(text))


@lru_cache(maxsize=256)
def network_parse(text: str) -> Network | None:
    return _NETWORK_ALIASES.get(_fold(text).replace("/", ""))


_SPACES = re.compile(r"\s+")
_FLOAT_ZERO = re.compile(r"\d+\.0+")
_SCIENTIFIC = re.compile(r"\d(?:[.,]\d+)?E\+?\d{1,2}")
_ONE_DIGIT = re.compile(r"\d")
_FOUR_DIGITS = re.compile(r"\d{4}")
_CORSICA_TRUNCATED = re.compile(r"[AB]\d{3}")


def code_clean(text: str) -> str:
    """Spaces, quotes, Excel's text apostrophe and a float's `.0` removed; letters (2A, 2B) upper-cased."""
    if text.isalnum() and text.isascii():
        code = text.upper()  # the usual case, without the regular expressions below
    else:
        code = _SPACES.sub("", text.replace("\u00a0", " ")).strip("'\"=").upper()
    if _FLOAT_ZERO.fullmatch(code):
        code = code.split(".", 1)[0]
    elif _SCIENTIFIC.fullmatch(code):
        # `2.00046977E+08`: a SIREN shown in scientific notation, exact when it is a whole number.
        value = float(code.replace(",", "."))
        if value.is_integer():
            code = str(int(value))
    return code


def code_for_kind(code: str, kind: CollectivityKind) -> str:
    """The code as the register writes it for `kind`, restoring leading zeros lost by a spreadsheet."""
    if kind in (CollectivityKind.REGION, CollectivityKind.DEPARTEMENT) and _ONE_DIGIT.fullmatch(
        code
    ):
        return code.zfill(2)
    if kind is CollectivityKind.COMMUNE:
        if _FOUR_DIGITS.fullmatch(code):
            return code.zfill(5)
        if _CORSICA_TRUNCATED.fullmatch(code):
            return "2" + code  # `A004`: only Corsica has letters in its codes
    return code


# ---------------------------------------------------------------------------------------------
# Reading the file


_HEADER_ALIASES: dict[str, str] = {
    "code": "code",
    "codeinsee": "code",
    "insee": "code",
    "siren": "code",
    "codesiren": "code",
    "kind": "kind",
    "type": "kind",
    "nature": "kind",
    "categorie": "kind",
    "network": "network",
    "reseau": "network",
    "url": "url",
    "lien": "url",
    "handle": "url",
    "compte": "url",
}
_REQUIRED = ("code", "kind", "network")


def decode_bytes(data: bytes) -> str:
    """Text of a CSV file as spreadsheets save it (UTF-8 with or without BOM, UTF-16, Windows-1252)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # French spreadsheets export Windows-1252 by default.
        return data.decode("cp1252", errors="replace")


def _header_map(fields: Sequence[str]) -> dict[str, int]:
    mapping: dict[str, int] = {}
    for index, name in enumerate(fields):
        canonical = _HEADER_ALIASES.get(_fold(name.lstrip("\ufeff")))
        if canonical and canonical not in mapping:
            mapping[canonical] = index
    return mapping


def _sniff_delimiter(first_line: str) -> str:
    """The separator under which the header names the required columns (`,`, `;`, tab or `|`)."""
    best, best_count = ",", -1
    for delimiter in (",", ";", "\t", "|"):
        fields = next(csv.reader([first_line], delimiter=delimiter), [])
        found = sum(1 for key in _header_map(fields) if key in _REQUIRED)
        if found > best_count:
            best, best_count = delimiter, found
    return best


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Rows with the line number where each starts (a quoted field may span lines)."""
    # Old Mac spreadsheets end lines with a bare CR, which the csv module refuses.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.splitlines(keepends=True)
    first = next((line for line in lines if line.strip()), "")
    reader = csv.reader(io.StringIO(text), delimiter=_sniff_delimiter(first))
    previous_end = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise AccountsFileError(f"ligne {reader.line_num} : CSV illisible ({exc})") from exc
        start = previous_end + 1
        previous_end = reader.line_num
        yield start, row


def accounts_read(path: Path, register: Register) -> AccountsImport:
    """Read an accounts CSV file (see `accounts_parse`)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AccountsFileError(f"lecture impossible de {path} : {exc.strerror or exc}") from exc
    return accounts_parse(decode_bytes(data), register)


def accounts_parse(text: str, register: Register) -> AccountsImport:
    """Check every row against the register; keep the valid ones, once per collectivité and network."""
    records = _records(text)
    header: dict[str, int] | None = None
    for _line, row in records:
        if any(cell.strip() for cell in row):
            header = _header_map(row)
            break
    if header is None:
        raise AccountsFileError(
            "fichier vide : une ligne d'en-tête code, kind, network, url est attendue"
        )
    missing = [name for name in _REQUIRED if name not in header]
    if missing:
        raise AccountsFileError(
            f"colonne(s) manquante(s) dans l'en-tête : {', '.join(missing)} "
            "(attendu : code, kind, network, url)"
        )

    kept: dict[tuple[CollectivityKind, str, Network], AccountRow] = {}
    errors: list[LineIssue] = []
    warnings: list[LineIssue] = []
    duplicates = rows_read = 0
    columns = [header.get(name) for name in ("code", "kind", "network", "url")]
    for line, row in records:
        if not any(cell.strip() for cell in row):
            continue
        rows_read += 1
        code, kind, network, url = (
            row[i].strip() if i is not None and i < len(row) else "" for i in columns
        )
        result = _row_check(line, code, kind, network, url, register, "url" in header)
        if isinstance(result, LineIssue):
            errors.append(result)
            continue
        account, notes = result
        warnings.extend(LineIssue(line, note) for note in notes)
        if account.key in kept:
            duplicates += 1
            continue
        kept[account.key] = account
    return AccountsImport(
        tuple(kept.values()), tuple(errors), tuple(warnings), duplicates, rows_read
    )


def _row_check(
    line: int,
    raw_code: str,
    raw_kind: str,
    raw_network: str,
    url: str,
    register: Register,
    url_column: bool = True,
) -> LineIssue | tuple[AccountRow, list[str]]:
    notes: list[str] = []
    if not raw_code:
        return LineIssue(line, "code manquant")
    kind = kind_parse(raw_kind)
    if kind is None:
        expected = ", ".join(k.value for k in PRESENCE_KINDS)
        return LineIssue(
            line, f"type de collectivité inconnu « {raw_kind} » (attendu : {expected})"
        )
    network = network_parse(raw_network)
    if network is None:
        expected = ", ".join(n.value for n in PRESENCE_NETWORKS)
        return LineIssue(line, f"réseau inconnu « {raw_network} » (attendu : {expected})")
    if _fold(raw_network) != network.value:
        notes.append(f"réseau « {raw_network} » lu comme {network.value}")
    if _fold(raw_kind) not in (kind.value, kind.value + "s"):
        notes.append(f"type « {raw_kind} » lu comme {kind.value}")
    cleaned = code_clean(raw_code)
    code = code_for_kind(cleaned, kind)
    if kind is CollectivityKind.COMMUNE and register.get(kind, code) is None:
        # A list kept by SIREN (the identifier of the collectivité as a legal person) is still clear.
        by_siren = register.commune_by_siren.get(code)
        if by_siren is not None:
            notes.append(f"SIREN {code} lu comme la commune {by_siren}")
            code = by_siren
    collectivity = register.get(kind, code)
    if collectivity is None:
        return LineIssue(line, _unknown_code_message(raw_code, cleaned, kind, register))
    if url and web_address(url) is None:
        # The address becomes a link on the benchmark pages: a javascript: or data: one never does.
        return LineIssue(
            line, f"adresse refusée « {url[:80]} » : une adresse web (http ou https) est attendue"
        )
    profile = profile_parse(url, network=network) if url else None
    if not url:
        if url_column:
            notes.append("adresse du compte vide : le compte est compté sans adresse")
    elif profile is not None and profile.network is not network:
        notes.append(
            f"l'adresse {url} est un compte {profile.network.label}, pas {network.label} : "
            f"compté sous {network.value} comme indiqué"
        )
    elif profile is None:
        notes.append(f"adresse non reconnue comme un profil {network.label} : {url}")
    account = AccountRow(line, kind, code, network, url, profile)
    return account, notes


def _unknown_code_message(
    raw: str, cleaned: str, kind: CollectivityKind, register: Register
) -> str:
    code = code_for_kind(cleaned, kind)
    retired = register.retired.get((kind, code))
    if retired is not None:
        successor = ""
        if retired.successor and retired.successor != code:
            current = register.get(CollectivityKind.COMMUNE, retired.successor)
            name = f" ({current.name})" if current else ""
            successor = f" ; commune actuelle : {retired.successor}{name}"
        return f"le code {code} n'est pas une collectivité comptée : {retired.reason}{successor}"
    others = []
    for other in CollectivityKind:
        if other is kind:
            continue
        found = register.get(other, code_for_kind(cleaned, other))
        if found is not None:
            others.append(f"{other.label.lower()} {found.code} ({found.name})")
    commune = register.commune_by_siren.get(cleaned)
    if commune is not None and kind is not CollectivityKind.COMMUNE:
        found = register.get(CollectivityKind.COMMUNE, commune)
        others.append(f"commune {commune} ({found.name if found else ''}), par son SIREN")
    if others:
        return (
            f"le code {raw} n'existe pas pour le type {kind.value} mais désigne : "
            f"{' ; '.join(others)} — vérifiez le type"
        )
    hint = ""
    if kind is CollectivityKind.EPCI and not re.fullmatch(r"\d{9}", code):
        hint = " (un EPCI se désigne par son SIREN à 9 chiffres)"
    elif kind is CollectivityKind.COMMUNE and not re.fullmatch(r"\d[\dAB]\d{3}", code):
        hint = " (une commune se désigne par son code INSEE à 5 caractères)"
    return f"code {kind.value} inconnu « {raw} »{hint}"
