"""A request to erase someone's data also reaches the bad-buzz detector's memory: their salted
author key and their handle and text among the last hour's messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from beffroi.core.domain import Network
from beffroi.listening.detector import BurstDetector
from beffroi.listening.ingestion import Incoming, ingest
from beffroi.listening.models import DetectorState
from beffroi.listening.services import detector_author_secret, detector_forget_authors
from tests.listening.conftest import MemoryLake

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)


def _comment(n: int, author: str, text: str) -> Incoming:
    return Incoming(
        network=Network.FACEBOOK,
        kind="comment",
        remote_id=f"erasure-{n}",
        text=text,
        created_at=NOW + timedelta(minutes=n),
        author_remote_id=author,
        author_handle=author,
    )


def _detector(team) -> BurstDetector:
    state = DetectorState.objects.get(organisation=team.org).state
    return BurstDetector.from_state(state, author_secret=detector_author_secret())


def test_erasing_an_author_removes_them_from_the_detector_state(team):
    ingest(
        organisation=team.org,
        account=team.account,
        messages=[
            _comment(1, "marie-98765", "Toujours pas de bus ce matin, c'est honteux"),
            _comment(2, "paul-11111", "Merci pour le concert"),
        ],
        lake=MemoryLake(),
    )
    known = _detector(team).known_authors(team.org.slug)
    assert known is not None and known.last_seen("marie-98765") is not None

    assert detector_forget_authors(organisation=team.org, author_ids=["marie-98765"])

    state = DetectorState.objects.get(organisation=team.org).state
    known = _detector(team).known_authors(team.org.slug)
    assert known is not None
    assert known.last_seen("marie-98765") is None
    assert known.last_seen("paul-11111") is not None
    assert "marie-98765" not in str(state) and "honteux" not in str(state)


def test_erasing_someone_the_detector_never_heard_changes_nothing(team):
    assert not detector_forget_authors(organisation=team.org, author_ids=["inconnu"])
    assert not DetectorState.objects.filter(organisation=team.org).exists()
