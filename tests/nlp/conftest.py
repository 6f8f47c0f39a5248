"""Models load once per test session: both tiers together take a few seconds."""

from __future__ import annotations

import pytest

from beffroi.nlp import Enricher, get_enricher


@pytest.fixture(scope="session")
def fast() -> Enricher:
    return get_enricher("fast")


@pytest.fixture(scope="session")
def accurate() -> Enricher:
    return get_enricher("accurate")


@pytest.fixture(params=["fast", "accurate"], scope="session")
def enricher(request: pytest.FixtureRequest) -> Enricher:
    return get_enricher(request.param)
