"""Reads of the observatory: national presence tables, open data rows, an organisation's position."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
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


def _present() -> set[tuple[str, str, str, str]]:
    """(kind, code, band, network) of every current collectivité with at least one account."""
    return set(
        ObservedAccount.objects.filter(collectivity__current=True).values_list(
            "collectivity__kind", "collectivity__code", "collectivity__band", "network"
        )
    )


def presence_national() -> list[PresenceRow]:
    """One row per kind and network, with the counts behind each share (same table as the CLI)."""
    totals = register_counts()
    counted = Counter((kind, network) for kind, _, _, network in _present())
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
    counted = Counter(
        (band, network)
        for kind, _, band, network in _present()
        if kind == CollectivityKind.COMMUNE.value
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
# Activity benchmarks from the analytics lake


@dataclass(frozen=True, slots=True)
class PositionReport:
    organisation_id: str  # id under which the lake knows the organisation
    days: int
    start: date
    end: date
    positions: list[Any]  # list[benchmarks.PeerPosition]
    organisations_compared: int
    simulated: bool = False  # the demo wrote simulated peers into the lake


DEMO_MARKER = ".observatory-demo"


def _beffroi_organisations(
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


def organisation_position(
    *, organisation: Organisation, days: int = 90, today: date | None = None
) -> PositionReport | None:
    """The organisation's indicators over the last `days` days, ranked among its peers (None: no data)."""
    try:
        from beffroi.analytics.kpis import daily_rollup, open_backend
        from beffroi.analytics.lake import ROLLUPS_DIR, EventLake
    except ImportError:  # a deployment without the analytics lake has no activity to compare
        return None
    from beffroi.observatory.benchmarks import (
        activity_by_organisation,
        directory_table,
        peer_benchmark,
        positions_of,
    )
    from beffroi.observatory.register import register_load

    lake = EventLake(str(settings.BEFFROI_LAKE_URL))
    if not lake.has_data():
        return None
    end = today or date.today()
    start = end - timedelta(days=days - 1)
    register = register_load()
    tied, unregistered = _beffroi_organisations(register)
    directory = directory_table(register, organisations=tied, unregistered=unregistered)
    with open_backend() as backend:
        if lake.has_data(ROLLUPS_DIR):
            rollups = backend.rollups(lake)
            daily = rollups.filter((rollups.day >= start) & (rollups.day <= end))
        else:
            daily = daily_rollup(backend.events(lake), start=start, end=end)
        activity = activity_by_organisation(daily, days=days)
        table = backend.to_arrow(peer_benchmark(activity, backend.register(directory)))
    positions = positions_of(table, organisation.slug)
    if not positions:
        return None
    return PositionReport(
        organisation_id=organisation.slug,
        days=days,
        start=start,
        end=end,
        positions=positions,
        organisations_compared=len(set(table.column("organisation").to_pylist())),
        simulated=lake.local and os.path.exists(os.path.join(lake.base, DEMO_MARKER)),
    )


@dataclass(frozen=True, slots=True)
class NationalActivity:
    start: date
    end: date
    summary: list[dict[str, Any]]  # kind, band, metric, organisations, median, mean
    organisations: list[dict[str, Any]]  # the public rows of peer_benchmark (register ids only)
    simulated: bool


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
_ACTIVITY_CACHE_SECONDS = 3600


def activity_national(*, days: int = 90, today: date | None = None) -> NationalActivity | None:
    """Activity of the collectivités observed from outside Beffroi (lake ids `kind:code`), by kind and band.

    Beffroi's own customers are left out: their statistics are theirs, not open data. Computed
    once an hour (a national lake takes seconds on DuckDB, not milliseconds).
    """
    from django.core.cache import cache

    end = today or date.today()
    key = f"observatory:activity:{days}:{end.isoformat()}:{settings.BEFFROI_LAKE_URL}"
    cached = cache.get(key)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    result = _activity_national(days=days, end=end)
    cache.set(key, result, _ACTIVITY_CACHE_SECONDS)
    return result


def _activity_national(*, days: int, end: date) -> NationalActivity | None:
    try:
        from beffroi.analytics.kpis import daily_rollup, open_backend
        from beffroi.analytics.lake import ROLLUPS_DIR, EventLake
    except ImportError:
        return None
    from beffroi.observatory.benchmarks import (
        activity_by_organisation,
        activity_summary,
        directory_table,
        peer_benchmark,
    )
    from beffroi.observatory.register import register_load

    lake = EventLake(str(settings.BEFFROI_LAKE_URL))
    if not lake.has_data():
        return None
    start = end - timedelta(days=days - 1)
    directory = directory_table(register_load())  # register ids only
    with open_backend() as backend:
        if lake.has_data(ROLLUPS_DIR):
            rollups = backend.rollups(lake)
            daily = rollups.filter((rollups.day >= start) & (rollups.day <= end))
        else:
            daily = daily_rollup(backend.events(lake), start=start, end=end)
        activity = backend.register(backend.to_arrow(activity_by_organisation(daily, days=days)))
        known = backend.register(directory)
        summary = backend.to_arrow(activity_summary(activity, known)).to_pylist()
        ranked = backend.to_arrow(peer_benchmark(activity, known)).to_pylist()
    if not summary:
        return None
    ranked.sort(key=lambda r: (r["kind"], r["code"], r["metric"]))
    return NationalActivity(
        start=start,
        end=end,
        summary=summary,
        organisations=[{c: r[c] for c in ACTIVITY_COLUMNS} for r in ranked],
        simulated=lake.local and os.path.exists(os.path.join(lake.base, DEMO_MARKER)),
    )
