"""Who counts as a newcomer: the authors an organisation heard from lately, bounded in time and in
number, kept as salted keys (no handle in the saved state), and states saved by older versions.

The files under states/ were written by the detector of the commit that introduced each version
(v1 ac4433c, v2 d4c6a55, v3 bd3d95f), on the first three days of `everyday(TOWN, days=3)`.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from beffroi.listening.detector import (
    BurstDetector,
    DetectorConfig,
    KnownAuthors,
    Observation,
    author_salt,
)

from .test_detector import TOWN, everyday

STATES = Path(__file__).parent / "states"
DAY = 20_500  # a day of stream time, in days since 1970 (2026-02-14)


def town_authors(*, horizon_days: int = 180, capacity: int = 1000) -> KnownAuthors:
    return KnownAuthors(author_salt(TOWN.slug), horizon_days=horizon_days, capacity=capacity)


def old_state(version: int) -> dict[str, Any]:
    saved: dict[str, Any] = json.loads((STATES / f"detector-v{version}.json").read_text())
    assert saved["version"] == version
    return saved


def test_an_author_silent_longer_than_the_horizon_is_a_newcomer_again() -> None:
    authors = town_authors(horizon_days=180)

    assert authors.meet("@lea", DAY) is True  # her first message
    assert authors.meet("@lea", DAY + 180) is False  # back within the horizon: a regular
    assert authors.meet("@lea", DAY + 180 + 181) is True  # 181 days of silence: new again


def test_past_the_cap_the_least_recently_seen_author_is_forgotten() -> None:
    authors = town_authors(capacity=3)
    for day, author in enumerate(("@ana", "@bruno", "@chloe")):
        authors.meet(author, DAY + day)
    authors.meet("@ana", DAY + 3)  # Ana writes again: Bruno is now the least recently seen

    assert authors.meet("@david", DAY + 4) is True  # a fourth author: someone must go

    assert len(authors) == 3
    assert authors.last_seen("@bruno") is None
    assert [authors.last_seen(a) for a in ("@chloe", "@ana", "@david")] == [
        DAY + 2,
        DAY + 3,
        DAY + 4,
    ]
    assert authors.meet("@bruno", DAY + 5) is True  # he was forgotten: a newcomer again


def test_the_detector_forgets_authors_after_the_horizon_of_stream_time() -> None:
    # Stream time, not the clock: a replay runs months in seconds.
    detector = BurstDetector(DetectorConfig(author_horizon_days=90))
    start = datetime(2026, 1, 5, 10, tzinfo=UTC)
    detector.observe(Observation(TOWN.slug, start, False, author="@lea"))
    detector.observe(Observation(TOWN.slug, start + timedelta(days=90), False, author="@marc"))
    assert detector.known_author_count(TOWN.slug) == 2

    detector.observe(Observation(TOWN.slug, start + timedelta(days=91), False, author="@marc"))

    assert detector.known_author_count(TOWN.slug) == 1  # Léa's last message is 91 days old


def test_the_saved_state_holds_salted_keys_and_days_not_handles() -> None:
    detector = BurstDetector()
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    for i in range(50):
        detector.observe(
            Observation(TOWN.slug, start + timedelta(hours=i), False, author=f"@habitant_{i}")
        )

    saved = detector.export_state()["orgs"][TOWN.slug]["authors"]

    assert "habitant" not in json.dumps(saved)
    assert len(base64.b64decode(saved["keys"])) == 4 * 50  # 4 bytes an author
    assert sum(count for _, count in saved["days"]) == 50  # [day, authors last seen that day]
    # Another organisation, or another deployment secret, gives the same person another key.
    town = town_authors()
    assert town.key("@lea") != KnownAuthors(
        author_salt("agglo"), horizon_days=180, capacity=10
    ).key("@lea")
    assert author_salt(TOWN.slug) != author_salt(TOWN.slug, b"secret of the deployment")


def test_a_state_read_with_another_secret_forgets_its_authors_rather_than_misjudging_them() -> None:
    detector = BurstDetector(author_secret=b"first secret")
    for observation in everyday(TOWN, days=1):
        detector.observe(observation)
    snapshot = json.loads(json.dumps(detector.export_state()))

    same = BurstDetector.from_state(snapshot, author_secret=b"first secret")
    other = BurstDetector.from_state(snapshot, author_secret=b"second secret")

    assert same.known_author_count(TOWN.slug) == detector.known_author_count(TOWN.slug) > 0
    assert other.known_author_count(TOWN.slug) == 0


def test_erasing_a_person_removes_their_key_and_their_last_hour_messages() -> None:
    detector = BurstDetector()
    at = datetime(2026, 3, 2, 9, tzinfo=UTC)
    detector.observe(Observation(TOWN.slug, at, True, author="@lea", text="Piscine fermée"))
    detector.observe(Observation(TOWN.slug, at + timedelta(minutes=1), False, author="@marc"))

    assert detector.forget_author(TOWN.slug, "@lea") is True

    saved = json.dumps(detector.export_state())
    assert "@lea" not in saved and "Piscine" not in saved and "@marc" in saved
    known = detector.known_authors(TOWN.slug)
    assert known is not None and known.last_seen("@lea") is None
    assert detector.forget_author(TOWN.slug, "@lea") is False  # nothing left of her


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_state_of_an_older_version_is_read_and_goes_on_as_version_4(version: int) -> None:
    old = old_state(version)

    detector = BurstDetector.from_state(old)
    # The days that follow the saved ones (the state was written after day 3 of the same stream).
    later = [o for o in everyday(TOWN, days=5) if o.ts.timestamp() > old["last_at"]]
    list(detector.observe_many(later))
    saved = detector.export_state()

    assert saved["version"] == 4
    town = saved["orgs"][TOWN.slug]
    assert town["first_at"] == old["orgs"][TOWN.slug]["first_at"]
    assert town["level_count"] > old["orgs"][TOWN.slug]["level_count"]  # it kept learning
    assert BurstDetector.from_state(json.loads(json.dumps(saved))).export_state() == saved


def test_the_authors_of_a_version_3_state_stay_regulars_for_one_horizon() -> None:
    # Version 3 kept every handle ever seen, with no date: they count as seen on the day of the
    # organisation's last message, so that loading does not bring a wave of newcomers.
    old = old_state(3)
    handles = old["orgs"][TOWN.slug]["known_authors"]
    last_day = int(old["orgs"][TOWN.slug]["hour_start"] // 86_400)

    known = BurstDetector.from_state(old).known_authors(TOWN.slug)

    assert known is not None and len(known) == len(handles) > 50
    assert {known.last_seen(handle) for handle in handles} == {last_day}
    assert known.meet(handles[0], last_day + 180) is False
    assert known.meet(handles[1], last_day + 181) is True


@pytest.mark.parametrize("version", [1, 2])
def test_a_state_older_than_the_known_authors_starts_with_none(version: int) -> None:
    assert BurstDetector.from_state(old_state(version)).known_author_count(TOWN.slug) == 0


def test_a_damaged_author_record_is_refused_with_a_clear_error() -> None:
    detector = BurstDetector()
    detector.observe(Observation(TOWN.slug, datetime(2026, 3, 2, tzinfo=UTC), False, author="@lea"))
    saved = json.loads(json.dumps(detector.export_state()))
    saved["orgs"][TOWN.slug]["authors"]["days"][0][1] += 1  # one more author than keys

    with pytest.raises(ValueError, match="illisible"):
        BurstDetector.from_state(saved)
