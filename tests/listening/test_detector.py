"""The bad-buzz detector, fed with labelled messages: what must fire, once, and what must not."""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from beffroi.core.domain import OrganisationKind, Sentiment
from beffroi.listening.detector import (
    Alert,
    BurstDetector,
    Observation,
    Severity,
    binomial_surprise,
    negative_binomial_surprise,
    top_terms,
)
from beffroi.listening.streams import OrgSpec, WindowKind, generate_stream

TOWN = OrgSpec("montreval", "Montréval", OrganisationKind.COMMUNE, 45, ("facebook",))
VILLAGE = OrgSpec("saint-aubin", "Saint-Aubin", OrganisationKind.COMMUNE, 5, ("facebook",))
START = datetime(2026, 3, 2, tzinfo=UTC)


def everyday(org: OrgSpec, *, days: int = 10, seed: int = 7) -> list[Observation]:
    """Ordinary traffic of one organisation, with its sentiment as written."""
    stream = generate_stream(
        seed=seed, orgs=[org], start=START, days=days, bursts_per_org=0, decoys=False
    )
    return [
        Observation(
            org=m.org,
            ts=m.ts,
            negative=stream.truth[m.id] is Sentiment.NEGATIVE,
            message_id=m.id,
            author=m.author,
            text=m.text,
        )
        for m in stream.messages
    ]


def event(
    org: OrgSpec,
    start: datetime,
    *,
    count: int,
    minutes: float,
    negative_share: float,
    seed: int = 1,
    text: str = "Fermer la piscine en plein été ? Scandaleux !",
) -> list[Observation]:
    """`count` messages spread evenly over `minutes`, each from a different author."""
    rng = random.Random(seed)
    return [
        Observation(
            org=org.slug,
            ts=start + timedelta(minutes=minutes * i / count),
            negative=rng.random() < negative_share,
            message_id=f"event-{seed}-{i}",
            author=f"@citoyen{seed}_{i}",
            text=text,
        )
        for i in range(count)
    ]


def run(observations: list[Observation]) -> list[Alert]:
    ordered = sorted(observations, key=lambda o: o.ts)
    return list(BurstDetector().observe_many(ordered))


def test_a_clear_burst_fires_one_alert_within_minutes() -> None:
    burst_start = START + timedelta(days=8, hours=9, minutes=7)  # 10:07 in Paris
    alerts = run(
        everyday(TOWN) + event(TOWN, burst_start, count=90, minutes=90, negative_share=0.85)
    )

    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.org == TOWN.slug
    assert burst_start <= alert.detected_at <= burst_start + timedelta(minutes=5)
    assert alert.severity in {Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL}
    assert alert.negative_count >= 3 and alert.negative_authors >= 3
    assert "piscine" in alert.top_terms
    assert alert.negative_share > alert.baseline_share


def test_a_village_burst_is_caught_on_its_third_day() -> None:
    burst_start = START + timedelta(days=2, hours=17)
    alerts = run(
        everyday(VILLAGE, days=4)
        + event(VILLAGE, burst_start, count=25, minutes=50, negative_share=0.9)
    )

    assert [a.org for a in alerts] == [VILLAGE.slug]
    assert alerts[0].detected_at - burst_start <= timedelta(minutes=15)


def test_a_festival_with_many_happy_comments_does_not_fire() -> None:
    evening = START + timedelta(days=7, hours=19)
    festival = event(
        TOWN, evening, count=240, minutes=180, negative_share=0.08, text="Magnifique feu d'artifice"
    )
    assert run(everyday(TOWN) + festival) == []


def test_a_busy_event_day_with_the_usual_tone_does_not_fire() -> None:
    # A storm day: four times the usual volume, all day, with the usual share of complaints.
    day = START + timedelta(days=6)
    busy = event(TOWN, day + timedelta(hours=6), count=150, minutes=16 * 60, negative_share=0.22)
    assert run(everyday(TOWN) + busy) == []


def test_a_month_of_decoys_festival_busy_day_and_slow_drift_does_not_fire() -> None:
    agglo = OrgSpec("agglo", "Agglo", OrganisationKind.EPCI, 220, ("facebook", "x"))
    stream = generate_stream(seed=1, orgs=[VILLAGE, TOWN, agglo], bursts_per_org=0, decoys=True)
    decoys = Counter(w.kind for w in stream.windows)
    assert decoys == {WindowKind.POSITIVE_BURST: 3, WindowKind.BUSY_DAY: 3, WindowKind.DRIFT: 3}

    observations = [
        Observation(m.org, m.ts, stream.truth[m.id] is Sentiment.NEGATIVE, author=m.author)
        for m in stream.messages
    ]
    assert run(observations) == []


def test_the_detector_rearms_after_a_burst_ends() -> None:
    first = START + timedelta(days=6, hours=8)
    second = START + timedelta(days=8, hours=16)
    alerts = run(
        everyday(TOWN)
        + event(TOWN, first, count=60, minutes=60, negative_share=0.85, seed=1)
        + event(TOWN, second, count=60, minutes=60, negative_share=0.85, seed=2)
    )

    assert len(alerts) == 2
    assert first <= alerts[0].detected_at <= first + timedelta(minutes=30)
    assert second <= alerts[1].detected_at <= second + timedelta(minutes=30)


def test_organisations_have_separate_baselines() -> None:
    burst_start = START + timedelta(days=8, hours=10)
    alerts = run(
        everyday(TOWN)
        + everyday(VILLAGE, seed=8)
        + event(TOWN, burst_start, count=60, minutes=60, negative_share=0.85)
    )
    assert [a.org for a in alerts] == [TOWN.slug]


def test_one_angry_author_is_not_a_bad_buzz() -> None:
    rant_start = START + timedelta(days=8, hours=10)
    rant = [
        Observation(TOWN.slug, rant_start + timedelta(minutes=i), True, author="@furieux")
        for i in range(12)
    ]
    assert run(everyday(TOWN) + rant) == []


def test_replaying_twice_gives_the_same_alerts() -> None:
    burst_start = START + timedelta(days=5, hours=18)
    observations = everyday(TOWN) + event(
        TOWN, burst_start, count=50, minutes=40, negative_share=0.8
    )
    assert run(observations) == run(observations)


def test_messages_out_of_time_order_are_refused() -> None:
    detector = BurstDetector()
    detector.observe(Observation("a", START + timedelta(minutes=5), False))
    with pytest.raises(ValueError, match="chronologique"):
        detector.observe(Observation("b", START, False))


@pytest.mark.parametrize(("k", "mean", "shape"), [(3, 0.2, 10.0), (12, 4.0, 5.0), (40, 25.0, 10.0)])
def test_negative_binomial_surprise_matches_the_summed_tail(
    k: int, mean: float, shape: float
) -> None:
    p = shape / (shape + mean)

    def pmf(j: int) -> float:
        return math.exp(
            math.lgamma(j + shape) - math.lgamma(shape) - math.lgamma(j + 1)
            + shape * math.log(p) + j * math.log(1 - p)
        )  # fmt: skip

    tail = 1 - sum(pmf(j) for j in range(k))
    assert negative_binomial_surprise(k, mean, shape) == pytest.approx(-math.log10(tail), rel=1e-6)


def test_binomial_surprise_matches_the_exact_tail() -> None:
    tail = sum(math.comb(10, j) * 0.25**j * 0.75 ** (10 - j) for j in range(7, 11))
    assert binomial_surprise(7, 10, 0.25) == pytest.approx(-math.log10(tail), rel=1e-9)
    assert binomial_surprise(2, 10, 0.25) == 0.0  # at or under the expectation: no surprise


def test_top_terms_fold_accents_and_skip_stopwords() -> None:
    terms = top_terms(["La PISCINE fermée !", "piscine fermee, honte", "Honte à la piscine"])
    assert terms[:3] == ("piscine", "fermee", "honte")  # ties in alphabetical order
    assert "la" not in terms and "mairie" not in terms


def test_a_detector_restored_from_its_state_goes_on_as_if_never_stopped() -> None:

    burst_start = START + timedelta(days=8, hours=9, minutes=7)
    observations = sorted(
        everyday(TOWN)
        + everyday(VILLAGE, seed=9)
        + event(TOWN, burst_start, count=90, minutes=90, negative_share=0.85),
        key=lambda o: o.ts,
    )
    # Stop in the middle of the burst, after it has fired: the restored one must not fire again.
    cut = next(i for i, o in enumerate(observations) if o.ts >= burst_start + timedelta(minutes=20))

    uninterrupted = BurstDetector()
    expected = list(uninterrupted.observe_many(observations))
    first = BurstDetector()
    before = list(first.observe_many(observations[:cut]))
    snapshot = json.loads(json.dumps(first.export_state()))  # as stored in a database
    after = list(BurstDetector.from_state(snapshot).observe_many(observations[cut:]))

    assert len(expected) == 1
    assert before + after == expected
    assert BurstDetector.from_state(snapshot).export_state() == snapshot


def _complaints(texts: list[str], start: datetime, minutes: float) -> list[Observation]:
    """One negative message per text, evenly over `minutes`, each from a different author."""
    return [
        Observation(
            TOWN.slug,
            start + timedelta(minutes=minutes * i / len(texts)),
            True,
            message_id=f"complaint-{i}",
            author=f"@habitant{i}",
            text=text,
        )
        for i, text in enumerate(texts)
    ]


def test_angry_messages_about_one_subject_fire_sooner_than_unrelated_complaints() -> None:
    start = START + timedelta(days=8, hours=9, minutes=7)
    one_subject = [
        "Fermer la piscine en plein été ? Scandaleux !",
        "La fermeture de la piscine est une honte",
        "Piscine fermée sans concertation, inadmissible",
    ]
    unrelated = [
        "Le bus était encore en retard ce matin, ras le bol",
        "Les impôts augmentent et les services baissent, bravo...",
        "Des tags partout dans le parc et aucun nettoyage",
    ]

    buzz = run(everyday(TOWN) + _complaints(one_subject, start, 6))
    grumbles = run(everyday(TOWN) + _complaints(unrelated, start, 6))

    assert len(buzz) == 1 and start <= buzz[0].detected_at <= start + timedelta(minutes=6)
    assert buzz[0].cohesion_surprise > 0 and "piscine" in buzz[0].top_terms
    assert grumbles == []


def test_the_tail_of_the_same_buzz_does_not_alert_again_but_a_new_subject_does() -> None:
    first = START + timedelta(days=6, hours=8)
    later = first + timedelta(hours=4)
    pool = event(TOWN, first, count=40, minutes=40, negative_share=0.9, seed=1)
    same_again = event(TOWN, later, count=40, minutes=40, negative_share=0.9, seed=2)
    other_subject = event(
        TOWN,
        later,
        count=40,
        minutes=40,
        negative_share=0.9,
        seed=3,
        text="Hausse de la taxe foncière scandaleuse, les retraités vont payer",
    )

    assert len(run(everyday(TOWN) + pool + same_again)) == 1
    alerts = run(everyday(TOWN) + pool + other_subject)
    assert len(alerts) == 2 and "fonciere" in alerts[1].top_terms


def test_window_counts_match_a_plain_count_of_the_messages() -> None:
    rng = random.Random(4)
    detector = BurstDetector()
    at = START
    observations = []
    for i in range(3000):
        at += timedelta(seconds=rng.expovariate(1 / 40))
        observations.append(Observation("a", at, rng.random() < 0.3, message_id=str(i)))
    for observation in observations:
        detector.observe(observation)
    recent = detector._orgs["a"].recent
    now = observations[-1].ts.timestamp()
    for minutes in (2, 5, 45, 60):
        inside = [o for o in observations if o.ts.timestamp() > now - minutes * 60]
        _, total, negatives = recent.window(now, minutes * 60.0)
        assert (total, negatives) == (len(inside), sum(o.negative for o in inside))


def test_a_state_saved_before_the_word_counts_is_still_read() -> None:

    detector = BurstDetector()
    list(detector.observe_many(sorted(everyday(TOWN, days=3), key=lambda o: o.ts)))
    snapshot = json.loads(json.dumps(detector.export_state()))
    assert snapshot["orgs"][TOWN.slug]["term_messages"] > 0  # negatives older than an hour
    old = {**snapshot, "version": 1}
    old["orgs"] = {
        org: {
            key: value
            for key, value in saved.items()
            if key not in {"term_counts", "term_messages", "last_alert_at", "last_alert_terms"}
        }
        for org, saved in snapshot["orgs"].items()
    }

    restored = BurstDetector.from_state(old)

    assert restored.export_state()["orgs"][TOWN.slug]["term_messages"] == 0
    assert restored.export_state()["orgs"][TOWN.slug]["level_count"] == pytest.approx(
        snapshot["orgs"][TOWN.slug]["level_count"]
    )


def test_a_burst_of_newcomers_is_caught_sooner_than_the_same_from_regulars() -> None:
    # A bad buzz brings people who never wrote to the town; its regulars grumbling together are
    # more often an ordinary thread. Same times, same tone, no words: only the authors differ.
    ordinary = everyday(TOWN)
    regulars = sorted({o.author for o in ordinary if o.author})
    start = START + timedelta(days=8, hours=9, minutes=7)
    newcomers = event(TOWN, start, count=24, minutes=40, negative_share=0.6, text="")
    familiar = [replace(o, author=regulars[i * 7 % len(regulars)]) for i, o in enumerate(newcomers)]

    by_newcomers = run(ordinary + newcomers)
    by_regulars = run(ordinary + familiar)

    assert len(by_newcomers) == 1 and len(by_regulars) == 1
    assert by_newcomers[0].detected_at < by_regulars[0].detected_at


def test_the_known_authors_survive_a_restart() -> None:
    detector = BurstDetector()
    observations = everyday(TOWN, days=2)
    for observation in observations:
        detector.observe(observation)
    snapshot = json.loads(json.dumps(detector.export_state()))
    restored = BurstDetector.from_state(snapshot)

    before, after = detector.known_authors(TOWN.slug), restored.known_authors(TOWN.slug)
    assert before is not None and after is not None
    assert len(after) == len(before) > 0
    for author in {o.author for o in observations if o.author}:
        assert after.last_seen(author) == before.last_seen(author) is not None
    assert snapshot["version"] == BurstDetector.STATE_VERSION == 4
