"""What happens on the simulated network: posts and their metrics, comments, mentions, public chatter.

`simulate_history` walks day by day and yields everything a real account would have produced, with
the ground truth of every message, for the demo data, analytics and listening modules.
"""

from __future__ import annotations

import math
import random
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from beffroi.core.domain import Network, Topic
from beffroi.networks.sandbox import corpus
from beffroi.networks.sandbox.model import (
    COMMENT_TIME_CONSTANT_H,
    FORMAT_WEIGHTS,
    REACH_TIME_CONSTANT_H,
    REQUEST_SHARE,
    TOPIC_WEIGHTS,
    Audience,
    Incident,
    PostFormat,
    PostOutcome,
    poisson,
    progress,
    rng_for,
)
from beffroi.networks.types import AccountStats, Author, Comment, Mention, MetricsSnapshot, Post

SIMULATED = True
PARIS = ZoneInfo("Europe/Paris")
# Where the followers of a large collectivité live: mostly the city, then its neighbours.
AUDIENCE_PLACES = {
    "Ville-centre": 0.52,
    "Communes de l'agglomération": 0.27,
    "Reste du département": 0.11,
    "Reste de la France": 0.08,
    "Étranger": 0.02,
}
SNAPSHOT_AGES = (timedelta(hours=1), timedelta(days=1), timedelta(days=7))


def sandbox_url(network: Network, handle: str, *parts: str) -> str:
    """Every link of the simulator uses the sandbox:// scheme, so nothing can pass for a real post."""
    return "sandbox://" + "/".join([network.value, handle, *parts])


@dataclass(frozen=True, slots=True)
class SimulatedPost:
    post: Post
    topic: Topic
    format: PostFormat
    budget_eur: float
    outcome: PostOutcome
    snapshots: tuple[MetricsSnapshot, ...]


@dataclass(frozen=True, slots=True)
class SimulatedComment:
    comment: Comment
    label: corpus.LabelledText


@dataclass(frozen=True, slots=True)
class SimulatedMention:
    mention: Mention
    label: corpus.LabelledText


@dataclass(frozen=True, slots=True)
class SimulatedDay:
    day: date
    account: AccountStats
    posts: tuple[SimulatedPost, ...]
    comments: tuple[SimulatedComment, ...]
    mentions: tuple[SimulatedMention, ...]
    incidents: tuple[Incident, ...]  # incidents active on this day
    simulated: bool = True


def metrics_at(outcome: PostOutcome, published_at: datetime, at: datetime) -> MetricsSnapshot:
    """The figures of a post as seen at `at`: reach first, comments a little later."""
    elapsed = at - published_at
    p_reach = progress(elapsed, REACH_TIME_CONSTANT_H)
    p_talk = progress(elapsed, COMMENT_TIME_CONSTANT_H)

    def part(value: int | None, share: float) -> int | None:
        return None if value is None else math.floor(value * share)

    return MetricsSnapshot(
        taken_at=at,
        impressions=math.floor(outcome.impressions * p_reach),
        reach=math.floor(outcome.reach * p_reach),
        likes=math.floor(outcome.likes * p_reach),
        comments=comments_count_at(outcome, published_at, at),
        shares=math.floor(outcome.shares * p_reach),
        clicks=part(outcome.clicks, p_reach),
        video_views=part(outcome.video_views, p_reach),
        saves=part(outcome.saves, p_talk),
        paid_reach=math.floor(outcome.paid_reach * p_reach) if outcome.paid_reach else None,
        paid_impressions=(
            math.floor(outcome.paid_impressions * p_reach) if outcome.paid_impressions else None
        ),
    )


def comment_delays(post_key: str, seed: str, count: int) -> list[timedelta]:
    rng = rng_for(seed, "comment-delays", post_key)
    return sorted(
        timedelta(hours=rng.expovariate(1 / COMMENT_TIME_CONSTANT_H)) for _ in range(count)
    )


def comments_count_at(outcome: PostOutcome, published_at: datetime, at: datetime) -> int:
    # Same law as comment_delays, in expectation; the exact list is in comments_of.
    return math.floor(outcome.comments * progress(at - published_at, COMMENT_TIME_CONSTANT_H))


def comments_of(
    audience: Audience,
    post: Post,
    topic: Topic,
    outcome: PostOutcome,
    *,
    until: datetime,
) -> list[SimulatedComment]:
    """The public's comments under a post up to `until`, oldest first; the same on every call."""
    delays = comment_delays(post.remote_id, audience.seed, outcome.comments)
    rng = rng_for(audience.seed, "comments", post.remote_id)
    topics = list(Topic)
    result: list[SimulatedComment] = []
    for index, delay in enumerate(delays):
        created_at = post.published_at + delay
        # Draw everything even past `until`, so that comment n is the same whenever it is read.
        about = topic if rng.random() < 0.85 else rng.choice(topics)
        label = corpus.public_message(
            rng,
            about,
            negative_share=audience.negative_share(about, created_at),
            request_share=REQUEST_SHARE,
            insult_share=audience.insult_share(about, created_at),
        )
        handle, name = corpus.person(rng)
        reply_roll = rng.random()
        parent_index = rng.randrange(index) if index and reply_roll < 0.15 else None
        likes = poisson(rng, 1.5 if label.sentiment.value != "negative" else 3.0)
        if created_at > until:
            break
        remote_id = f"{post.remote_id}-c{index}"
        result.append(
            SimulatedComment(
                comment=Comment(
                    network=post.network,
                    remote_id=remote_id,
                    post_remote_id=post.remote_id,
                    text=label.text,
                    created_at=created_at,
                    author=_public_author(post.network, handle, name),
                    parent_remote_id=(
                        f"{post.remote_id}-c{parent_index}" if parent_index is not None else None
                    ),
                    likes=likes,
                    url=sandbox_url(post.network, post.author.handle, "posts", remote_id),
                ),
                label=label,
            )
        )
    return result


def mentions_on(
    audience: Audience, day: date, account_handle: str, *, until: datetime | None = None
) -> list[SimulatedMention]:
    """Messages that name the account on `day` (UTC), with the buzz of any incident."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    rng = rng_for(audience.seed, "mentions", day.isoformat())
    count = poisson(rng, audience.daily_mentions(start))
    found: list[SimulatedMention] = []
    for index in range(count):
        created_at = _daytime(rng, start)
        label = _chatter(rng, audience, created_at)
        handle, name = corpus.person(rng)
        remote_id = f"sim-m-{day:%Y%m%d}-{index}"
        if until is not None and created_at > until:
            continue
        found.append(
            SimulatedMention(
                mention=Mention(
                    network=audience.network,
                    remote_id=remote_id,
                    text=f"@{account_handle} {label.text}",
                    created_at=created_at,
                    author=_public_author(audience.network, handle, name),
                    url=sandbox_url(audience.network, handle, "posts", remote_id),
                    kind="mention",
                    likes=poisson(rng, 2.0),
                    shares=poisson(rng, 0.5 + audience.buzz_level(created_at)),
                ),
                label=label,
            )
        )
    return sorted(found, key=lambda m: m.mention.created_at)


def chatter_on(
    audience: Audience, day: date, place: str, *, until: datetime | None = None
) -> list[SimulatedMention]:
    """Public messages about the town that do not name the account: what a keyword search finds."""
    start = datetime.combine(day, time(0), tzinfo=UTC)
    rng = rng_for(audience.seed, "chatter", day.isoformat())
    count = poisson(rng, 3 * audience.daily_mentions(start))
    found: list[SimulatedMention] = []
    for index in range(count):
        created_at = _daytime(rng, start)
        label = _chatter(rng, audience, created_at)
        handle, name = corpus.person(rng)
        remote_id = f"sim-s-{day:%Y%m%d}-{index}"
        text = f"{label.text} #{place}" if rng.random() < 0.5 else f"{place} : {label.text}"
        if until is not None and created_at > until:
            continue
        found.append(
            SimulatedMention(
                mention=Mention(
                    network=audience.network,
                    remote_id=remote_id,
                    text=text,
                    created_at=created_at,
                    author=_public_author(audience.network, handle, name),
                    url=sandbox_url(audience.network, handle, "posts", remote_id),
                    kind="search",
                    likes=poisson(rng, 1.5),
                ),
                label=label,
            )
        )
    return sorted(found, key=lambda m: m.mention.created_at)


def random_incidents(
    seed: str, start: datetime, days: int, per_year: float = 3.0
) -> list[Incident]:
    """Bad buzzes that happen by themselves: about `per_year` a year, on touchy subjects mostly."""
    rng = rng_for(seed, "incidents")
    touchy = [
        Topic.VOIRIE_TRAVAUX,
        Topic.PROPRETE_DECHETS,
        Topic.SECURITE_TRANQUILLITE,
        Topic.MOBILITE,
        Topic.URBANISME_LOGEMENT,
        Topic.EDUCATION_JEUNESSE,
    ]
    incidents = []
    for offset in range(days):
        if rng.random() < per_year / 365:
            incidents.append(
                Incident(
                    topic=rng.choice(touchy),
                    start=start + timedelta(days=offset, hours=rng.uniform(6, 20)),
                    intensity=rng.uniform(3, 10),
                    peak_after=timedelta(hours=rng.uniform(18, 60)),
                    duration=timedelta(days=rng.uniform(8, 18)),
                )
            )
    return incidents


def simulate_history(
    seed: str | int,
    followers: int,
    start: datetime | date,
    days: int,
    *,
    network: Network = Network.SANDBOX,
    handle: str = "ville.simulee",
    place: str = "Valmont",
    posts_per_week: float | None = None,
    sponsored_share: float = 0.05,
    incidents: Sequence[Incident] = (),
    incidents_per_year: float = 3.0,
    site_url: str = "https://www.valmont.example/actualites",
) -> Iterator[SimulatedDay]:
    """Yields one SimulatedDay per day from `start`: the account's posts with metrics, comments, mentions.

    Deterministic: the same arguments give the same history. A year of a large collectivité
    (200,000 followers) takes a few seconds.
    """
    start_at = _as_start(start)
    seed = str(seed)
    all_incidents = [*incidents, *random_incidents(seed, start_at, days, incidents_per_year)]
    audience = Audience(network, followers, start_at, seed, all_incidents)
    rhythm = posts_per_week if posts_per_week is not None else audience.profile.posts_per_week
    end = start_at + timedelta(days=days)
    account = Author(
        remote_id=f"sim-account-{handle}",
        handle=handle,
        display_name=place,
        url=sandbox_url(network, handle),
    )
    window: deque[tuple[datetime, PostOutcome]] = deque()
    total_posts = 0
    for offset in range(days):
        day_start = start_at + timedelta(days=offset)
        day = day_start.date()
        posts = _posts_of_day(audience, account, day, rhythm, sponsored_share, site_url, end)
        comments: list[SimulatedComment] = []
        for simulated in posts:
            comments.extend(
                comments_of(
                    audience,
                    simulated.post,
                    simulated.topic,
                    simulated.outcome,
                    until=min(end, simulated.post.published_at + SNAPSHOT_AGES[-1]),
                )
            )
            window.append((simulated.post.published_at, simulated.outcome))
        total_posts += len(posts)
        day_end = day_start + timedelta(days=1)
        while window and window[0][0] < day_end - timedelta(days=28):
            window.popleft()
        yield SimulatedDay(
            day=day,
            account=AccountStats(
                taken_at=day_end,
                followers=audience.followers_on(day_end),
                following=None,
                posts=total_posts,
                impressions_28d=sum(o.impressions for _, o in window),
                reach_28d=sum(o.reach for _, o in window),
                audience_places=dict(AUDIENCE_PLACES),
            ),
            posts=tuple(posts),
            comments=tuple(comments),
            mentions=tuple(mentions_on(audience, day, handle, until=end)),
            incidents=tuple(
                i for i in all_incidents if i.level_at(day_start + timedelta(hours=12)) > 0.05
            ),
        )


def _posts_of_day(
    audience: Audience,
    account: Author,
    day: date,
    rhythm: float,
    sponsored_share: float,
    site_url: str,
    end: datetime,
) -> list[SimulatedPost]:
    rng = rng_for(audience.seed, "posts", day.isoformat())
    weekend = day.weekday() >= 5
    count = poisson(rng, rhythm / 7 * (0.5 if weekend else 1.15))
    topics, topic_weights = zip(*TOPIC_WEIGHTS.items(), strict=True)
    formats, format_weights = zip(*FORMAT_WEIGHTS.items(), strict=True)
    posts = []
    for index in range(count):
        topic = rng.choices(topics, topic_weights)[0]
        fmt = rng.choices(formats, format_weights)[0]
        local = datetime.combine(day, time(8), tzinfo=PARIS) + timedelta(
            minutes=rng.randint(0, 11 * 60)
        )
        published_at = local.astimezone(UTC)
        budget = round(rng.uniform(50, 500), 2) if rng.random() < sponsored_share else 0.0
        remote_id = f"sim-{audience.network.value}-{day:%Y%m%d}-{index}"
        outcome = audience.outcome(
            remote_id, published_at=published_at, topic=topic, fmt=fmt, budget_eur=budget
        )
        snapshots = tuple(
            metrics_at(outcome, published_at, published_at + age)
            for age in SNAPSHOT_AGES
            if published_at + age <= end
        )
        posts.append(
            SimulatedPost(
                post=Post(
                    network=audience.network,
                    remote_id=remote_id,
                    url=sandbox_url(audience.network, account.handle, "posts", remote_id),
                    text=corpus.post_text(rng, topic, site_url),
                    published_at=published_at,
                    author=account,
                    metrics=snapshots[-1] if snapshots else None,
                    media_count={
                        PostFormat.CAROUSEL: 4,
                        PostFormat.IMAGE: 1,
                        PostFormat.VIDEO: 1,
                    }.get(fmt, 0),
                    sponsored=budget > 0,
                ),
                topic=topic,
                format=fmt,
                budget_eur=budget,
                outcome=outcome,
                snapshots=snapshots,
            )
        )
    return sorted(posts, key=lambda p: p.post.published_at)


def _chatter(rng: random.Random, audience: Audience, created_at: datetime) -> corpus.LabelledText:
    active = [i for i in audience.incidents if i.level_at(created_at) > 0]
    for incident in active:
        level = incident.level_at(created_at)
        if rng.random() < level / (1 + level):
            return corpus.public_message(
                rng, incident.topic, negative_share=1, request_share=0, insult_share=0, buzz=True
            )
    topics, weights = zip(*TOPIC_WEIGHTS.items(), strict=True)
    topic = rng.choices(topics, weights)[0]
    return corpus.public_message(
        rng,
        topic,
        negative_share=audience.negative_share(topic, created_at),
        request_share=REQUEST_SHARE,
        insult_share=audience.insult_share(topic, created_at),
    )


def _daytime(rng: random.Random, day_start: datetime) -> datetime:
    # People write from 7 h to midnight mostly, with a peak in the evening.
    hour = min(23.99, max(0.0, rng.gauss(15.5, 4.5)))
    return day_start + timedelta(hours=hour)


def _public_author(network: Network, handle: str, name: str) -> Author:
    return Author(
        remote_id=f"sim-user-{handle}",
        handle=handle,
        display_name=name,
        url=sandbox_url(network, handle),
        followers=None,
    )


def _as_start(start: datetime | date) -> datetime:
    if isinstance(start, datetime):
        return start if start.tzinfo else start.replace(tzinfo=UTC)
    return datetime.combine(start, time(0), tzinfo=UTC)
