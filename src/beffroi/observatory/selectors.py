"""Reads of the observatory: national presence tables, open data rows, an organisation's position."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Max

from beffroi.core.domain import Network
from beffroi.core.models import Organisation
from beffroi.observatory.accounts import PRESENCE_NETWORKS
from beffroi.observatory.models import ObservedAccount, RegisteredCollectivity
from beffroi.observatory.presence import PresenceRow, share_percent
from beffroi.observatory.register import (
    POPULATION_BANDS,
    PRESENCE_KINDS,
    CollectivityKind,
    PopulationBand,
)


def register_counts() -> dict[str, int]:
    rows = (
        RegisteredCollectivity.objects.filter(current=True)
        .values("kind")
        .annotate(n=Count("pk"))
        .values_list("kind", "n")
    )
    return dict(rows)


def _present_counts(*group: str) -> Counter[tuple[str, ...]]:
    """Collectivités with at least one account, counted by the database per `group` and network."""
    rows = (
        ObservedAccount.objects.filter(collectivity__current=True)
        .order_by()
        .values(*group, "network")
        .annotate(n=Count("collectivity", distinct=True))
        .values_list(*group, "network", "n")
    )
    return Counter({tuple(row[:-1]): row[-1] for row in rows})


def presence_national() -> list[PresenceRow]:
    """One row per kind and network, with the counts behind each share (same table as the CLI)."""
    totals = register_counts()
    counted = _present_counts("collectivity__kind")
    return [
        PresenceRow(
            kind=kind.value,
            network=network.value,
            with_account=counted[(kind.value, network.value)],
            total=totals.get(kind.value, 0),
            share=share_percent(counted[(kind.value, network.value)], totals.get(kind.value, 0)),
        )
        for kind in PRESENCE_KINDS
        for network in PRESENCE_NETWORKS
    ]


def presence_communes_by_band() -> list[PresenceRow]:
    totals = dict(
        RegisteredCollectivity.objects.filter(current=True, kind=CollectivityKind.COMMUNE.value)
        .values("band")
        .annotate(n=Count("pk"))
        .values_list("band", "n")
    )
    communes = _present_counts("collectivity__kind", "collectivity__band")
    counted = Counter(
        {
            (band, network): n
            for (kind, band, network), n in communes.items()
            if kind == CollectivityKind.COMMUNE.value
        }
    )
    return [
        PresenceRow(
            kind=CollectivityKind.COMMUNE.value,
            network=network.value,
            with_account=counted[(band.key, network.value)],
            total=totals.get(band.key, 0),
            share=share_percent(counted[(band.key, network.value)], totals.get(band.key, 0)),
            band=band.key,
        )
        for band in POPULATION_BANDS[CollectivityKind.COMMUNE]
        for network in PRESENCE_NETWORKS
    ]


def band_labels(kind: CollectivityKind = CollectivityKind.COMMUNE) -> dict[str, PopulationBand]:
    return {band.key: band for band in POPULATION_BANDS[kind]}


@dataclass(frozen=True, slots=True)
class ObservatoryStatus:
    collectivities: int
    accounts: int
    simulated_accounts: int
    last_seen: Any  # datetime | None


def observatory_status() -> ObservatoryStatus:
    accounts = ObservedAccount.objects.filter(collectivity__current=True)
    return ObservatoryStatus(
        collectivities=RegisteredCollectivity.objects.filter(current=True).count(),
        accounts=accounts.count(),
        simulated_accounts=accounts.filter(source=ObservedAccount.Source.SIMULATED).count(),
        last_seen=accounts.aggregate(last=Max("last_seen_at"))["last"],
    )


ACCOUNT_EXPORT_COLUMNS = (
    "kind",
    "code",
    "name",
    "network",
    "handle",
    "url",
    "source",
    "first_seen_at",
    "last_seen_at",
)


def accounts_export_rows() -> list[dict[str, Any]]:
    """The accounts registry as open data: public accounts of public bodies, one row per account."""
    rows = (
        ObservedAccount.objects.filter(collectivity__current=True)
        .values_list(
            "collectivity__kind",
            "collectivity__code",
            "collectivity__name",
            "network",
            "handle",
            "url",
            "source",
            "first_seen_at",
            "last_seen_at",
        )
        .order_by("collectivity__kind", "collectivity__code", "network", "handle")
    )
    return [dict(zip(ACCOUNT_EXPORT_COLUMNS, row, strict=True)) for row in rows]


def organisation_collectivity(*, organisation: Organisation) -> RegisteredCollectivity | None:
    """The register entry of a Beffroi organisation, by its kind and INSEE or SIREN code."""
    if not organisation.code or organisation.kind not in {k.value for k in PRESENCE_KINDS}:
        return None
    return RegisteredCollectivity.objects.filter(
        kind=organisation.kind, code=organisation.code.strip().upper()
    ).first()


def observed_accounts_of(
    *, collectivity: RegisteredCollectivity
) -> dict[Network, list[ObservedAccount]]:
    found: dict[Network, list[ObservedAccount]] = {}
    for account in collectivity.accounts.all():
        found.setdefault(Network(account.network), []).append(account)
    return found


# ---------------------------------------------------------------------------------------------
# Activity benchmarks: read from the snapshot that `services.activity_refresh` writes


DEMO_MARKER = ".observatory-demo"
ACTIVITY_SUMMARY_COLUMNS = ("kind", "band", "metric", "organisations", "median", "mean")
ACTIVITY_COLUMNS = (
    "kind",
    "code",
    "name",
    "band",
    "region",
    "metric",
    "value",
    "peer_scope",
    "peers",
    "rank",
    "percentile",
    "peer_median",
)


def activity_dir() -> Path:
    return Path(settings.DATA_DIR) / "observatory"


@dataclass(frozen=True, slots=True)
class PositionReport:
    organisation_id: str  # id under which the lake knows the organisation
    days: int
    start: date
    end: date
    positions: list[Any]  # list[benchmarks.PeerPosition]
    organisations_compared: int
    simulated: bool = False  # the demo wrote simulated peers into the lake


@dataclass(frozen=True, slots=True)
class NationalActivity:
    start: date
    end: date
    days: int
    summary: list[dict[str, Any]]  # kind, band, metric, organisations, median, mean
    simulated: bool


def _snapshot(name: str) -> tuple[Any, dict[str, str]] | None:
    """(Arrow table, metadata) of one snapshot file, or None before the first refresh."""
    path = activity_dir() / f"{name}.parquet"
    if not path.exists():
        return None
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    metadata = {
        k.decode(): v.decode()
        for k, v in (table.schema.metadata or {}).items()
        if k.startswith(b"observatory.")
    }
    return table, metadata


def activity_national() -> NationalActivity | None:
    """Activity of the collectivités observed from outside Beffroi, as last computed."""
    summary = _snapshot("activite-synthese")
    if summary is None or summary[0].num_rows == 0:
        return None
    meta = summary[1]
    return NationalActivity(
        start=date.fromisoformat(meta["observatory.start"]),
        end=date.fromisoformat(meta["observatory.end"]),
        days=int(meta["observatory.days"]),
        summary=summary[0].to_pylist(),
        simulated=meta.get("observatory.simulated") == "1",
    )


def activity_public_rows() -> list[dict[str, Any]]:
    """Each observed collectivité's indicators and rank among its observed peers (open data)."""
    ranked = _snapshot("activite")
    return [] if ranked is None else ranked[0].select(list(ACTIVITY_COLUMNS)).to_pylist()


def organisation_position(*, organisation: Organisation) -> PositionReport | None:
    """The organisation's indicators ranked among its peers, as last computed (None: no data)."""
    snapshot = _snapshot("positions")
    if snapshot is None:
        return None
    import pyarrow.compute as pc

    from beffroi.observatory.benchmarks import positions_of

    table, meta = snapshot
    mine = table.filter(pc.equal(table.column("organisation"), organisation.slug))
    positions = positions_of(mine, organisation.slug)
    if not positions:
        return None
    return PositionReport(
        organisation_id=organisation.slug,
        days=int(meta["observatory.days"]),
        start=date.fromisoformat(meta["observatory.start"]),
        end=date.fromisoformat(meta["observatory.end"]),
        positions=positions,
        organisations_compared=int(meta["observatory.organisations"]),
        simulated=meta.get("observatory.simulated") == "1",
    )


def beffroi_organisations(
    register: Any,
) -> tuple[dict[str, tuple[CollectivityKind, str]], list[Any]]:
    """Beffroi organisations (their slug is their id in the lake): those tied to the register by
    kind and code, and the others (fictitious demo communes, unknown codes) by kind and population."""
    from beffroi.observatory.benchmarks import UnregisteredOrganisation

    tied: dict[str, tuple[CollectivityKind, str]] = {}
    others: list[UnregisteredOrganisation] = []
    kinds = {k.value for k in PRESENCE_KINDS}
    rows = Organisation.objects.filter(kind__in=kinds).values_list(
        "slug", "kind", "code", "name", "population"
    )
    for slug, kind, code, name, population in rows:
        key = (CollectivityKind(kind), code.strip().upper())
        if code and register.get(*key) is not None:
            tied[slug] = key
        else:
            others.append(UnregisteredOrganisation(slug, CollectivityKind(kind), name, population))
    return tied, others
