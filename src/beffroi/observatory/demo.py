"""Demonstration data of the observatory: the real register, simulated accounts and simulated peers.

The register is the real one (the packaged file). The accounts and the activity of other
collectivités are simulated, flagged as such (`source = simulated`, organisation ids
`commune:<code>` in the lake), and the pages say so: they show how the observatory reads, not
what French collectivités really do.
"""

from __future__ import annotations

import logging
import random
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings

from beffroi.core.demo import DemoContext
from beffroi.observatory.accounts import PRESENCE_NETWORKS
from beffroi.observatory.models import ObservedAccount, RegisteredCollectivity
from beffroi.observatory.register import CollectivityKind, register_load
from beffroi.observatory.selectors import DEMO_MARKER
from beffroi.observatory.services import activity_refresh, register_load_into_database

if TYPE_CHECKING:
    from beffroi.analytics.lake import EventLake

logger = logging.getLogger(__name__)

# Orders of magnitude of the published studies (share of each kind present on each network),
# used only to draw the simulated accounts.
SIMULATED_PRESENCE: dict[CollectivityKind, dict[str, float]] = {
    CollectivityKind.REGION: {
        "facebook": 0.96,
        "x": 0.9,
        "instagram": 0.9,
        "youtube": 0.8,
        "linkedin": 0.9,
        "mastodon": 0.15,
        "bluesky": 0.4,
    },
    CollectivityKind.DEPARTEMENT: {
        "facebook": 0.95,
        "x": 0.48,
        "instagram": 0.7,
        "youtube": 0.6,
        "linkedin": 0.8,
        "mastodon": 0.05,
        "bluesky": 0.2,
    },
    CollectivityKind.EPCI: {
        "facebook": 0.6,
        "x": 0.15,
        "instagram": 0.3,
        "youtube": 0.15,
        "linkedin": 0.35,
        "mastodon": 0.01,
        "bluesky": 0.02,
    },
    CollectivityKind.COMMUNE: {
        "facebook": 0.3,
        "x": 0.03,
        "instagram": 0.08,
        "youtube": 0.02,
        "linkedin": 0.02,
        "mastodon": 0.002,
        "bluesky": 0.003,
    },
}
PEERS_IN_LAKE = 60
LAKE_DAYS = 90


def demo_load(context: DemoContext) -> None:
    register = register_load()
    register_load_into_database(register=register, actor=None)
    _simulated_accounts()
    _simulated_peer_activity(context)
    activity_refresh(actor=None)


def _simulated_accounts() -> None:
    if ObservedAccount.objects.filter(source=ObservedAccount.Source.SIMULATED).exists():
        return  # idempotent: drawn once
    rng = random.Random(2026)
    # Larger communes are more often present: weight the draw by population band.
    band_weight = {
        "0-1k": 0.5,
        "1k-3.5k": 1.0,
        "3.5k-10k": 2.0,
        "10k-20k": 2.6,
        "20k-50k": 3.0,
        "50k-100k": 3.2,
        "100k+": 3.3,
    }
    new = []
    collectivities = RegisteredCollectivity.objects.filter(
        current=True, kind__in=[k.value for k in SIMULATED_PRESENCE]
    ).values_list("pk", "kind", "code", "band")
    for pk, kind, code, band in collectivities:
        rates = SIMULATED_PRESENCE[CollectivityKind(kind)]
        weight = band_weight.get(band, 1.0) if kind == CollectivityKind.COMMUNE.value else 1.0
        for network in PRESENCE_NETWORKS:
            if rng.random() < min(1.0, rates[network.value] * weight):
                handle = f"simule-{kind}-{code}".lower()
                new.append(
                    ObservedAccount(
                        collectivity_id=pk,
                        network=network.value,
                        handle=handle,
                        url="",
                        source=ObservedAccount.Source.SIMULATED,
                    )
                )
    ObservedAccount.objects.bulk_create(new, batch_size=2_000, ignore_conflicts=True)


def _simulated_peer_activity(context: DemoContext) -> None:
    """Simulated activity of communes of the demo commune's size, so that its position has peers."""
    try:
        from beffroi.analytics.lake import EventLake
        from beffroi.analytics.synthetic import HistorySpec, history_tables
    except ImportError:  # analytics not installed: the page says there is no data
        return
    from beffroi.observatory.benchmarks import register_organisation_id
    from beffroi.observatory.register import population_band

    lake = EventLake(str(settings.BEFFROI_LAKE_URL))
    marker = f"{lake.base}/{DEMO_MARKER}"
    if lake.local and _exists(marker):
        return
    band = population_band(CollectivityKind.COMMUNE, context.commune.population).key
    peers = sorted(
        RegisteredCollectivity.objects.filter(
            kind=CollectivityKind.COMMUNE.value, band=band, current=True
        ).values_list("code", flat=True)
    )
    chosen = random.Random(7).sample(peers, min(PEERS_IN_LAKE, len(peers)))
    organisations = tuple(register_organisation_id(CollectivityKind.COMMUNE, c) for c in chosen)
    # The demo communes get simulated activity only if the analytics demo has not given them some
    # (their own history must not be counted twice).
    organisations += tuple(
        slug
        for slug in (context.commune.slug, context.neighbour.slug)
        if not _lake_has_organisation(lake, slug)
    )
    spec = HistorySpec(
        organisations, date.today() - timedelta(days=LAKE_DAYS), days=LAKE_DAYS, seed=11
    )
    for table in history_tables(spec):
        # Authors are dropped: the benchmarks do not need them, and the demo needs no key.
        if "author" in table.column_names:
            table = table.drop_columns(["author"])
        lake.append_table(table)
    if lake.local:
        with open(marker, "w", encoding="utf-8") as handle:
            handle.write("données simulées de l'observatoire\n")
    logger.info("observatoire : activité simulée de %d organisations", len(organisations))


def _lake_has_organisation(lake: EventLake, organisation: str) -> bool:
    import duckdb

    if not lake.has_data():
        return False
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT count(*) FROM read_parquet(?, hive_partitioning = true) WHERE organisation = ?",
            [lake.glob(), organisation],
        ).fetchall()
    finally:
        con.close()
    return bool(rows and rows[0][0])


def _exists(path: str) -> bool:
    import os

    return os.path.exists(path)
