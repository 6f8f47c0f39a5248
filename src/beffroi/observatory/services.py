"""Writes of the observatory: loading the register, importing and discovering accounts."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from beffroi.core.models import User
from beffroi.core.services import audit_record
from beffroi.observatory.accounts import (
    PRESENCE_NETWORKS,
    AccountRow,
    AccountsImport,
    accounts_parse,
)
from beffroi.observatory.discovery import (
    DiscoveredAccount,
    SiteVisit,
    accounts_best,
    site_visit,
)
from beffroi.observatory.models import ObservedAccount, RegisteredCollectivity
from beffroi.observatory.register import Collectivity, Register

if TYPE_CHECKING:
    import pyarrow as pa

_BATCH = 2_000


@dataclass(frozen=True, slots=True)
class RegisterLoadResult:
    written: int
    retired: int  # collectivités no longer in the register, marked not current


def _row(c: Collectivity) -> RegisteredCollectivity:
    return RegisteredCollectivity(
        kind=c.kind.value,
        code=c.code,
        name=c.name,
        population=c.population,
        band=c.band.key,
        region=c.region or "",
        departement=c.departement or "",
        epci=c.epci or "",
        website=(c.website or "")[:300],
        current=True,
        updated_at=timezone.now(),
    )


@transaction.atomic
def register_load_into_database(*, register: Register, actor: User | None) -> RegisterLoadResult:
    """Insert or update every collectivité of the register (idempotent); retire the ones it dropped."""
    rows = [_row(c) for c in register.collectivities.values()]
    for start in range(0, len(rows), _BATCH):
        RegisteredCollectivity.objects.bulk_create(
            rows[start : start + _BATCH],
            update_conflicts=True,
            unique_fields=["kind", "code"],
            update_fields=[
                "name",
                "population",
                "band",
                "region",
                "departement",
                "epci",
                "website",
                "current",
                "updated_at",
            ],
        )
    known = {(kind.value, code) for kind, code in register.collectivities}
    dropped = [
        pk
        for pk, kind, code in RegisteredCollectivity.objects.filter(current=True).values_list(
            "pk", "kind", "code"
        )
        if (kind, code) not in known
    ]
    RegisteredCollectivity.objects.filter(pk__in=dropped).update(current=False)
    audit_record(
        actor=actor,
        organisation=None,
        action="observatory.register_load",
        after={"collectivities": len(rows), "retired": len(dropped), **dict(register.source)},
    )
    return RegisterLoadResult(written=len(rows), retired=len(dropped))


def _collectivity_ids(accounts: Iterable[AccountRow]) -> dict[tuple[str, str], int]:
    keys = {(a.kind.value, a.code) for a in accounts}
    codes = {code for _, code in keys}
    found: dict[tuple[str, str], int] = {}
    code_list = sorted(codes)
    for start in range(0, len(code_list), 900):  # SQLite caps the parameters of one query
        for pk, kind, code in RegisteredCollectivity.objects.filter(
            code__in=code_list[start : start + 900]
        ).values_list("pk", "kind", "code"):
            if (kind, code) in keys:
                found[(kind, code)] = pk
    return found


def _upsert_accounts(rows: list[tuple[int, str, str, str]], source: str) -> tuple[int, int]:
    """(collectivity id, network, handle, url) rows -> (created, updated)."""
    now = timezone.now()
    existing = {
        (c, n, h): pk
        for pk, c, n, h in ObservedAccount.objects.filter(
            collectivity_id__in={r[0] for r in rows}
        ).values_list("pk", "collectivity_id", "network", "handle")
    }
    new = [
        ObservedAccount(
            collectivity_id=c,
            network=n,
            handle=h,
            url=u,
            source=source,
            first_seen_at=now,
            last_seen_at=now,
        )
        for c, n, h, u in rows
        if (c, n, h) not in existing
    ]
    ObservedAccount.objects.bulk_create(new, batch_size=_BATCH)
    seen = [existing[(c, n, h)] for c, n, h, _ in rows if (c, n, h) in existing]
    for start in range(0, len(seen), 900):
        ObservedAccount.objects.filter(pk__in=seen[start : start + 900]).update(last_seen_at=now)
    return len(new), len(seen)


@dataclass(frozen=True, slots=True)
class AccountsImportResult:
    checked: AccountsImport
    created: int
    updated: int
    missing_from_database: int  # valid in the packaged register, but the register was not loaded


@transaction.atomic
def observed_accounts_import(
    *,
    text: str,
    register: Register,
    actor: User | None,
    source: str = ObservedAccount.Source.IMPORT,
) -> AccountsImportResult:
    """Import an accounts CSV: valid rows are written, rejected rows are returned with their line."""
    checked = accounts_parse(text, register)
    ids = _collectivity_ids(checked.accounts)
    rows = [
        (ids[(a.kind.value, a.code)], a.network.value, a.profile.handle if a.profile else "", a.url)
        for a in checked.accounts
        if (a.kind.value, a.code) in ids
    ]
    created, updated = _upsert_accounts(rows, source)
    result = AccountsImportResult(
        checked=checked,
        created=created,
        updated=updated,
        missing_from_database=len(checked.accounts) - len(rows),
    )
    audit_record(
        actor=actor,
        organisation=None,
        action="observatory.accounts_import",
        after={
            "rows": checked.rows_read,
            "created": created,
            "updated": updated,
            "rejected": len(checked.errors),
            "duplicates": checked.duplicates,
        },
    )
    return result


@transaction.atomic
def observed_accounts_from_discovery(
    *,
    collectivity: RegisteredCollectivity,
    discovered: Iterable[DiscoveredAccount],
    actor: User | None,
) -> int:
    """Record the best account per network found on a collectivité's website. Returns new accounts."""
    best = {network.value: found for network, found in accounts_best(discovered).items()}
    rows = [
        (collectivity.pk, network, found.profile.handle, found.profile.url)
        for network, found in best.items()
    ]
    created, _ = _upsert_accounts(rows, ObservedAccount.Source.DISCOVERY)
    audit_record(
        actor=actor,
        organisation=None,
        action="observatory.accounts_discover",
        obj=collectivity,
        after={"networks": sorted(best), "created": created},
    )
    return created


@dataclass(frozen=True, slots=True)
class WebsitesDiscoveryResult:
    visited: int
    with_accounts: int
    created: int
    errors: dict[str, str]  # code -> why its site could not be read


def websites_discover(
    *,
    collectivities: Iterable[RegisteredCollectivity],
    client: httpx.Client,
    actor: User | None,
    on_visit: Callable[[RegisteredCollectivity, SiteVisit], None] | None = None,
) -> WebsitesDiscoveryResult:
    """Visit the website of each collectivité and record the best account per network found there.

    Each site is written as soon as it is read (a long national run loses nothing if cut short);
    one audit entry sums the run up.
    """
    visited = with_accounts = created = 0
    errors: dict[str, str] = {}
    for collectivity in collectivities:
        if not collectivity.website:
            continue
        visit = site_visit(collectivity.website, client)
        visited += 1
        if on_visit is not None:
            on_visit(collectivity, visit)
        if visit.error:
            errors[collectivity.code] = visit.error
            continue
        best = accounts_best(visit.accounts)
        if not best:
            continue
        with_accounts += 1
        rows = [
            (collectivity.pk, network.value, found.profile.handle, found.profile.url)
            for network, found in best.items()
        ]
        with transaction.atomic():
            new, _ = _upsert_accounts(rows, ObservedAccount.Source.DISCOVERY)
        created += new
    audit_record(
        actor=actor,
        organisation=None,
        action="observatory.websites_discover",
        after={
            "visited": visited,
            "with_accounts": with_accounts,
            "created": created,
            "errors": len(errors),
        },
    )
    return WebsitesDiscoveryResult(visited, with_accounts, created, errors)


@transaction.atomic
def observed_accounts_from_beffroi(*, actor: User | None) -> int:
    """Record the accounts that organisations tied to the register connected to Beffroi.

    A connected account is the surest observation there is. Simulated accounts (sandbox) are left
    out: they are not accounts on a real network. Returns the number of new observed accounts.
    """
    from beffroi.core.domain import Network
    from beffroi.core.models import NetworkAccount
    from beffroi.observatory.handles import profile_parse
    from beffroi.observatory.register import PRESENCE_KINDS

    real = {n.value for n in PRESENCE_NETWORKS}
    accounts = NetworkAccount.objects.filter(
        simulated=False,
        network__in=real,
        organisation__kind__in=[k.value for k in PRESENCE_KINDS],
    ).exclude(organisation__code="")
    collectivity_of = {
        (kind, code): pk
        for pk, kind, code in RegisteredCollectivity.objects.filter(current=True).values_list(
            "pk", "kind", "code"
        )
    }
    rows = []
    for account in accounts.select_related("organisation"):
        key = (account.organisation.kind, account.organisation.code.strip().upper())
        if key not in collectivity_of:
            continue
        network = Network(account.network)
        profile = profile_parse(account.handle, network=network)
        handle = profile.handle if profile else account.handle.strip().lower()
        url = profile.url if profile else ""
        rows.append((collectivity_of[key], network.value, handle, url))
    created, updated = _upsert_accounts(rows, ObservedAccount.Source.BEFFROI)
    audit_record(
        actor=actor,
        organisation=None,
        action="observatory.accounts_from_beffroi",
        after={"created": created, "updated": updated},
    )
    return created


@dataclass(frozen=True, slots=True)
class ActivityRefreshResult:
    start: date
    end: date
    organisations: int  # organisations with activity in the period
    observed: int  # of which collectivités observed from outside Beffroi (published)


def _write_snapshot(table: pa.Table, path: Path, metadata: dict[str, str]) -> None:
    import pyarrow.parquet as pq

    existing = dict(table.schema.metadata or {})
    existing.update({f"observatory.{k}".encode(): v.encode() for k, v in metadata.items()})
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table.replace_schema_metadata(existing), tmp, compression="zstd")
    tmp.replace(path)  # readers see the old snapshot or the new one, never half of one


def activity_refresh(
    *, days: int = 90, today: date | None = None, actor: User | None = None
) -> ActivityRefreshResult | None:
    """Compute the activity benchmarks from the lake and write the snapshot the pages read.

    Three tables: every organisation's position among its peers (Beffroi's customers included,
    shown only to themselves), the positions of the collectivités observed from outside Beffroi
    computed among themselves (open data), and the national medians per kind and band (open data).
    """
    try:
        from beffroi.analytics.kpis import daily_rollup, open_backend
        from beffroi.analytics.lake import ROLLUPS_DIR, EventLake
    except ImportError:  # a deployment without the analytics lake has no activity to compare
        return None
    from beffroi.observatory.benchmarks import (
        activity_by_organisation,
        activity_summary,
        directory_table,
        peer_benchmark,
    )
    from beffroi.observatory.register import register_load
    from beffroi.observatory.selectors import DEMO_MARKER, activity_dir, beffroi_organisations

    lake = EventLake(str(settings.BEFFROI_LAKE_URL))
    if not lake.has_data():
        return None
    end = today or date.today()
    start = end - timedelta(days=days - 1)
    register = register_load()
    tied, unregistered = beffroi_organisations(register)
    observed_only = directory_table(register)
    everyone = directory_table(register, organisations=tied, unregistered=unregistered)
    with open_backend() as backend:
        if lake.has_data(ROLLUPS_DIR):
            rollups = backend.rollups(lake)
            daily = rollups.filter((rollups.day >= start) & (rollups.day <= end))
        else:
            daily = daily_rollup(backend.events(lake), start=start, end=end)
        # One pass over the lake; the three small queries then run on its result.
        activity = backend.register(backend.to_arrow(activity_by_organisation(daily, days=days)))
        observed_directory = backend.register(observed_only)
        public = backend.to_arrow(peer_benchmark(activity, observed_directory))
        summary = backend.to_arrow(activity_summary(activity, observed_directory))
        positions = backend.to_arrow(peer_benchmark(activity, backend.register(everyone)))
    organisations = len(set(positions.column("organisation").to_pylist()))
    observed = len(set(public.column("organisation").to_pylist()))
    metadata = {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "days": str(days),
        "organisations": str(organisations),
        "simulated": "1"
        if lake.local and os.path.exists(os.path.join(lake.base, DEMO_MARKER))
        else "0",
    }
    folder = activity_dir()
    folder.mkdir(parents=True, exist_ok=True)
    public = public.sort_by([("kind", "ascending"), ("code", "ascending"), ("metric", "ascending")])
    _write_snapshot(public, folder / "activite.parquet", metadata)
    _write_snapshot(summary, folder / "activite-synthese.parquet", metadata)
    _write_snapshot(positions, folder / "positions.parquet", metadata)
    audit_record(
        actor=actor,
        organisation=None,
        action="observatory.activity_refresh",
        after={**metadata, "observed": observed},
    )
    return ActivityRefreshResult(start, end, organisations, observed)
