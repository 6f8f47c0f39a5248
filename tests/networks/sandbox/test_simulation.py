"""The simulated audience: deterministic, believable orders of magnitude, French ground-truthed messages."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest

from beffroi.core.domain import Network, Sentiment, Topic
from beffroi.networks.sandbox import Incident, simulate_history
from beffroi.networks.sandbox.model import Audience, PostFormat

START = date(2025, 3, 1)


@pytest.fixture(scope="module")
def quarter() -> list:
    return list(simulate_history("valmont", 150_000, START, 90, incidents_per_year=0))


def test_same_seed_same_history_and_another_seed_differs() -> None:
    first = list(simulate_history("a", 50_000, START, 10))
    again = list(simulate_history("a", 50_000, START, 10))
    other = list(simulate_history("b", 50_000, START, 10))
    assert first == again
    assert [p.post.text for d in first for p in d.posts] != [
        p.post.text for d in other for p in d.posts
    ]


def test_a_longer_run_begins_with_the_shorter_one() -> None:
    short = list(simulate_history("p", 30_000, START, 5, incidents_per_year=0))
    longer = list(simulate_history("p", 30_000, START, 8, incidents_per_year=0))

    # Snapshots stop at the end of the run; what happened does not depend on where the run stops.
    def facts(days: list) -> list:
        return [(p.post.remote_id, p.post.text, p.outcome) for d in days for p in d.posts]

    assert facts(short) == facts(longer[:5])
    assert [d.mentions for d in short] == [d.mentions for d in longer[:5]]


def test_organic_reach_is_mostly_under_ten_percent_of_followers(quarter: list) -> None:
    posts = [p for d in quarter for p in d.posts if not p.post.sponsored]
    shares = [p.outcome.organic_reach / 150_000 for p in posts]
    assert len(posts) > 80
    assert statistics.median(shares) < 0.07
    assert sum(s < 0.10 for s in shares) / len(shares) > 0.8


def test_followers_grow_over_a_year() -> None:
    days = list(simulate_history("g", 100_000, START, 365, incidents_per_year=0, posts_per_week=0))
    growth = days[-1].account.followers / days[0].account.followers - 1
    assert 0.03 < growth < 0.3


def test_video_engages_more_than_links_and_culture_more_than_council() -> None:
    audience = Audience(Network.FACEBOOK, 100_000, datetime(2025, 1, 1, tzinfo=UTC), "fmt")
    when = datetime(2025, 2, 1, 10, tzinfo=UTC)

    def mean_interactions(topic: Topic, fmt: PostFormat) -> float:
        outcomes = [
            audience.outcome(f"{topic}-{fmt}-{n}", published_at=when, topic=topic, fmt=fmt)
            for n in range(200)
        ]
        return statistics.mean(o.likes + o.comments + o.shares for o in outcomes)

    assert mean_interactions(Topic.CULTURE_PATRIMOINE, PostFormat.VIDEO) > 1.5 * mean_interactions(
        Topic.CULTURE_PATRIMOINE, PostFormat.LINK
    )
    assert mean_interactions(Topic.CULTURE_PATRIMOINE, PostFormat.IMAGE) > mean_interactions(
        Topic.VIE_DEMOCRATIQUE_SERVICES, PostFormat.IMAGE
    )


def test_sponsoring_buys_reach_at_a_plausible_cost() -> None:
    audience = Audience(Network.FACEBOOK, 50_000, datetime(2025, 1, 1, tzinfo=UTC), "pay")
    when = datetime(2025, 2, 1, 10, tzinfo=UTC)
    paid = audience.outcome(
        "p", published_at=when, topic=Topic.AUTRE, fmt=PostFormat.IMAGE, budget_eur=300
    )
    free = audience.outcome("p", published_at=when, topic=Topic.AUTRE, fmt=PostFormat.IMAGE)
    assert free.paid_reach == 0
    # 300 EUR at a CPM around 6 EUR: roughly 50,000 impressions.
    assert 40_000 < paid.paid_impressions < 60_000
    assert paid.paid_reach > 10 * free.organic_reach / 2


def test_comments_are_french_with_sentiment_requests_and_a_few_insults(quarter: list) -> None:
    comments = [c for d in quarter for c in d.comments]
    sentiments = Counter(c.label.sentiment for c in comments)
    assert len(comments) > 1000
    assert all(sentiments[s] > 0.1 * len(comments) for s in Sentiment)
    requests = sum(c.label.is_request for c in comments) / len(comments)
    insults = sum(c.label.is_insult for c in comments) / len(comments)
    assert 0.05 < requests < 0.25
    assert 0 < insults < 0.06
    assert any("merci" in c.comment.text.lower() for c in comments)
    topics = {c.label.topic for c in comments}
    assert len(topics) == len(Topic)  # every competence area shows up


def test_post_metrics_match_the_comments_generated(quarter: list) -> None:
    for day in quarter[:20]:
        for simulated in day.posts:
            under = [
                c for c in day.comments if c.comment.post_remote_id == simulated.post.remote_id
            ]
            assert simulated.post.metrics is not None
            # The snapshot counts comments by their expected law; the list draws them one by one.
            assert abs(len(under) - simulated.post.metrics.comments) <= max(
                3, 0.25 * simulated.outcome.comments
            )


def test_snapshots_grow_with_the_age_of_the_post(quarter: list) -> None:
    post = next(p for d in quarter for p in d.posts if p.outcome.reach > 100)
    reaches = [s.reach or 0 for s in post.snapshots]
    assert reaches == sorted(reaches) and reaches[0] < reaches[-1]


def test_a_bad_buzz_grows_then_fades_and_turns_mentions_negative() -> None:
    buzz = Incident(Topic.VOIRIE_TRAVAUX, datetime(2025, 3, 10, 8, tzinfo=UTC), intensity=8)
    days = list(simulate_history("buzz", 80_000, START, 40, incidents=[buzz], incidents_per_year=0))
    volume = {d.day: len(d.mentions) for d in days}
    before = statistics.mean(volume[date(2025, 3, n)] for n in range(1, 9))
    peak = max(volume[date(2025, 3, n)] for n in range(10, 14))
    after = statistics.mean(volume[date(2025, 4, n)] for n in range(1, 8))
    assert peak > 3 * before
    assert after < 1.5 * before
    at_peak = [
        m for d in days if date(2025, 3, 11) <= d.day <= date(2025, 3, 12) for m in d.mentions
    ]
    negative = sum(m.label.sentiment is Sentiment.NEGATIVE for m in at_peak) / len(at_peak)
    assert negative > 0.6
    assert any(d.incidents for d in days)


def test_everything_is_labelled_simulated(quarter: list) -> None:
    day = quarter[0]
    assert day.simulated
    for item in [*(p.post for p in day.posts), *(c.comment for c in day.comments)]:
        assert item.url is not None and item.url.startswith("sandbox://")


def test_posts_are_published_in_the_day_time_of_paris(quarter: list) -> None:
    from zoneinfo import ZoneInfo

    hours = [
        p.post.published_at.astimezone(ZoneInfo("Europe/Paris")).hour
        for d in quarter
        for p in d.posts
    ]
    assert min(hours) >= 8 and max(hours) <= 19
    assert all(p.post.published_at.tzinfo is not None for d in quarter for p in d.posts)
    assert quarter[0].account.taken_at - datetime(2025, 3, 1, tzinfo=UTC) == timedelta(days=1)
