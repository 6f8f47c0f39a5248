"""Fixtures of the analytics tests: a lake, and the engine parametrisation (DuckDB, PySpark).

Every test that takes `backend` runs once per engine. The Spark session is started once for the
whole test session (5 to 17 s here) and fully stopped at the end, JVM included.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from beffroi.analytics.kpis import AnalyticsBackend
from beffroi.analytics.lake import EventLake, Pseudonymiser

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
