"""A worker upgraded in place: the detector state that an older version saved in the database is
read by the next batch of messages and saved back as version 4, with keys instead of handles."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from beffroi.core.domain import Network
from beffroi.listening.detector import BurstDetector
from beffroi.listening.ingestion import Incoming, ingest
from beffroi.listening.models import DetectorState
from beffroi.listening.services import detector_author_secret
from tests.listening.conftest import MemoryLake

pytestmark = pytest.mark.django_db

STATES = Path(__file__).parent / "states"


def _comment(n: int, at: datetime, author: str) -> Incoming:
    return Incoming(
        network=Network.FACEBOOK,
        kind="comment",
        remote_id=f"after-upgrade-{n}",
        text="Merci pour l'info",
        created_at=at,
        author_remote_id=author,
        author_handle=author,
    )


def test_a_version_3_state_in_the_database_is_saved_back_as_version_4(team):
    saved = json.loads((STATES / "detector-v3.json").read_text())
    saved["orgs"] = {team.org.slug: saved["orgs"]["montreval"]}
    handles = saved["orgs"][team.org.slug]["known_authors"]
    DetectorState.objects.create(organisation=team.org, state=saved)
    later = datetime.fromtimestamp(saved["last_at"], UTC) + timedelta(minutes=5)

    ingest(
        organisation=team.org,
        account=team.account,
        messages=[_comment(1, later, handles[0]), _comment(2, later, "someone-new")],
        lake=MemoryLake(),
    )

    state = DetectorState.objects.get(organisation=team.org).state
    assert state["version"] == 4
    authors = state["orgs"][team.org.slug]["authors"]
    assert "known_authors" not in state["orgs"][team.org.slug]
    assert not any(handle in json.dumps(authors) for handle in handles)
    detector = BurstDetector.from_state(state, author_secret=detector_author_secret())
    known = detector.known_authors(team.org.slug)
    assert known is not None and len(known) == len(handles) + 1  # the regulars and a newcomer
    assert known.last_seen(handles[0]) == int(later.timestamp() // 86_400)
