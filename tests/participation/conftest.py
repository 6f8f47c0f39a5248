"""Fixtures of the participation tests: a commune with a team and simulated accounts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone


@dataclass
class Team:
    org: Any
    admin: Any
    cm: Any
    analyst: Any
    accounts: dict[str, Any]


@pytest.fixture
def team(db, make_org, make_member) -> Team:
    from beffroi.core import services as core

    epci = make_org(name="Communauté de communes des Brumes", kind="epci")
    org = make_org(parent=epci)
    accounts = {
        network: core.network_account_create(
            organisation=org,
            network=network,
            handle=f"saint-aubin-{network}",
            simulated=True,
            credentials={"sandbox_seed": f"participation-{network}"},
            actor=None,
        )
        for network in ("facebook", "mastodon")
    }
    return Team(
        org=org,
        admin=make_member(org, "admin"),
        cm=make_member(org, "community_manager"),
        analyst=make_member(org, "analyst"),
        accounts=accounts,
    )


@pytest.fixture
def consultation(team):
    from beffroi.participation import services
    from beffroi.participation.models import Consultation

    now = timezone.now()
    return services.consultation_create(
        organisation=team.org,
        actor=team.cm,
        title="Friche Mercier",
        question="Que faire de la friche de l'ancienne usine Mercier ?",
        hashtag="FricheMercier",
        starts_at=now - timedelta(days=40),
        ends_at=now + timedelta(days=10),
        grouping_method=Consultation.Method.FAST,
    )


def incoming(text: str, person: str, *, source: str = "facebook", likes: int = 0, place: str = ""):
    from beffroi.participation import services

    return services.Incoming(
        source=source,
        remote_id=f"{source}-{person}-{abs(hash(text)) % 10**8}",
        author_key=services._author_key(source, person),
        author_name=person,
        text=text,
        created_at=timezone.now() - timedelta(days=1),
        likes=likes,
        place=place,
    )
