"""Fixtures of the analytics tests: a lake, and the engine parametrisation (DuckDB, PySpark).

Every test that takes `backend` runs once per engine. The Spark session is started once for the
whole test session (5 to 17 s here) and fully stopped at the end, JVM included.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from beffroi.analytics.kpis import AnalyticsBackend, build_rollups
from beffroi.analytics.lake import EventKind, EventLake, LakeEvent, Pseudonymiser

TEST_KEY = b"cle-de-test-pseudonymisation-0123456789"


@pytest.fixture
def pseudonymiser() -> Pseudonymiser:
    return Pseudonymiser(TEST_KEY)


@pytest.fixture
def lake(tmp_path: Path, pseudonymiser: Pseudonymiser) -> EventLake:
    return EventLake(str(tmp_path / "lake"), pseudonymiser=pseudonymiser)


@pytest.fixture(params=["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def backend(request: pytest.FixtureRequest) -> Iterator[AnalyticsBackend]:
    if request.param == "duckdb":
        duck = AnalyticsBackend.duckdb()
        yield duck
        duck.close()
    else:
        yield AnalyticsBackend.pyspark(request.getfixturevalue("spark"))


@pytest.fixture
def town(make_org, tmp_path: Path, settings):  # type: ignore[no-untyped-def]
    """Valmont, with a month of activity in its own lake and its rollups built (the pages' tests)."""
    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    organisation = make_org(name="Valmont")
    from beffroi.analytics.selectors import lake

    event_lake: EventLake = lake()
    events = [
        LakeEvent(
            kind=EventKind.ACCOUNT_STATS,
            occurred_at=datetime(2026, 3, d, 6, tzinfo=UTC),
            organisation=organisation.slug,
            network="mastodon",
            followers=1000 + d,
        )
        for d in (1, 31)
    ] + [
        LakeEvent(
            kind=EventKind.POST,
            occurred_at=datetime(2026, 3, 10, 9, tzinfo=UTC),
            organisation=organisation.slug,
            network="mastodon",
            post_id="p1",
            event_id="p1",
            text="Fête de la musique : programme",
            relays_website=False,
        ),
        LakeEvent(
            kind=EventKind.METRICS,
            occurred_at=datetime(2026, 3, 11, 9, tzinfo=UTC),
            organisation=organisation.slug,
            network="mastodon",
            post_id="p1",
            reach=321,
            impressions=400,
            likes=12,
        ),
    ]
    event_lake.append(events)
    backend = AnalyticsBackend.duckdb()
    build_rollups(backend, event_lake)
    backend.close()
    return organisation
