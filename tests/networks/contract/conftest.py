"""Runs every contract test once per network harness found in harnesses/."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator

import pytest
import respx

from beffroi.networks.types import Capability
from tests.networks.contract import harnesses
from tests.networks.contract.harness import ContractHarness, Scene


def _discover() -> list[ContractHarness]:
    found = []
    for module_info in sorted(pkgutil.iter_modules(harnesses.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{harnesses.__name__}.{module_info.name}")
        harness = getattr(module, "contract_harness", None)
        if isinstance(harness, ContractHarness):
            found.append(harness)
    return found


HARNESSES = _discover()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "requires_capability(capability): skip the contract test for an adapter that does not declare it",
    )


@pytest.fixture(params=HARNESSES, ids=[h.network.value for h in HARNESSES])
def harness(request: pytest.FixtureRequest) -> ContractHarness:
    chosen: ContractHarness = request.param
    marker = request.node.get_closest_marker("requires_capability")
    if marker is not None:
        capability = Capability(marker.args[0])
        scene_adapter_capabilities = _capabilities_of(chosen)
        if capability not in scene_adapter_capabilities:
            pytest.skip(f"{chosen.network.label} ne propose pas « {capability.value} »")
    return chosen


@pytest.fixture
def scene(harness: ContractHarness) -> Iterator[Scene]:
    if not harness.uses_http:
        yield harness.scene(None)
        return
    with respx.mock(assert_all_called=False, assert_all_mocked=True) as router:
        yield harness.scene(router)


def _capabilities_of(harness: ContractHarness) -> frozenset[Capability]:
    from beffroi.networks.registry import adapter_factory

    factory = adapter_factory(harness.network)
    return frozenset(getattr(factory, "capabilities", frozenset()))
