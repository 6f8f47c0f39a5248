"""Fixtures of the publishing tests: an organisation with a team, simulated accounts and a circuit."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from beffroi.core.domain import Network


@dataclass
class Team:
    org: Any
    admin: Any
    cm: Any
    director: Any  # validator, step 2
    analyst: Any
    outsider: Any
    accounts: dict[Network, Any]


@pytest.fixture
def team(db, make_org, make_member) -> Team:
    from beffroi.core import services as core

    org = make_org()
    accounts = {
        network: core.network_account_create(
            organisation=org,
            network=network.value,
            handle=f"saint-aubin-{network.value}",
            display_name="Saint-Aubin-sur-Brume",
            simulated=True,
            credentials={"sandbox_seed": f"test-{org.slug}-{network.value}"},
            actor=None,
        )
        for network in (Network.FACEBOOK, Network.X, Network.MASTODON, Network.INSTAGRAM)
    }
    other = make_org(name="Montclair-le-Lac")
    return Team(
        org=org,
        admin=make_member(org, "admin"),
        cm=make_member(org, "community_manager"),
        director=make_member(org, "validator"),
        analyst=make_member(org, "analyst"),
        outsider=make_member(other, "admin"),
        accounts=accounts,
    )


@pytest.fixture
def soon() -> Callable[[int], datetime]:
    def at(minutes: int = 60) -> datetime:
        return datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)

    return at


@pytest.fixture(autouse=True)
def _fresh_sandbox_states():
    from beffroi.networks.sandbox.state import forget_states

    forget_states()
    yield
    forget_states()
