"""The audience model of the simulated network: followers, reach, engagement, sponsoring, incidents.

Orders of magnitude, from what collectivités and the networks' own benchmarks report:
- organic reach of a post: a few percent of the followers, mostly under 10 % (lognormal, median
  depending on the network: about 3 % on X, 5 % on Facebook, 8 % on Instagram, around 10 % on the
  chronological networks, Mastodon and Bluesky, where replies are rarer);
- engagement: 1 to 6 % of the people reached, higher for images and video, and for events, sport
  and culture than for council minutes; roadworks and waste bring more comments, and more negative;
- follower growth: 5 to 25 % a year, faster when a post goes viral, with unfollows during a bad buzz;
- sponsoring: reach bought at a CPM of a few euros, with a lower engagement rate than organic reach;
- a bad buzz: messages about one subject that grow for a day or two, peak, then fade over a week or two.

Every draw comes from a `random.Random` seeded by a string key (seed, day, post id), so that a
result depends only on the seed and the object, never on the order of calls.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from beffroi.core.domain import Network, Sentiment, Topic


class PostFormat(StrEnum):
    TEXT = "text"
    LINK = "link"
    IMAGE = "image"
    CAROUSEL = "carousel"
    VIDEO = "video"


@dataclass(frozen=True, slots=True)
class NetworkProfile:
    """How one network's audience behaves, in the simulator."""

    network: Network
    organic_reach_median: float  # share of followers reached by an ordinary post
    engagement_rate: float  # interactions per person reached
    comment_share: float  # share of interactions that are comments
    share_share: float  # share of interactions that are shares (reposts, boosts)
    cpm_eur: float  # cost of 1,000 sponsored impressions
    frequency: float  # impressions per person reached
    growth_per_year: float  # organic follower growth
    posts_per_week: float  # typical rhythm of a large collectivité


PROFILES: dict[Network, NetworkProfile] = {
    Network.FACEBOOK: NetworkProfile(Network.FACEBOOK, 0.05, 0.030, 0.12, 0.10, 6.0, 1.3, 0.08, 10),
    Network.INSTAGRAM: NetworkProfile(
        Network.INSTAGRAM, 0.08, 0.045, 0.05, 0.04, 7.0, 1.5, 0.18, 5
    ),
    Network.X: NetworkProfile(Network.X, 0.03, 0.012, 0.15, 0.25, 4.0, 1.2, 0.02, 14),
    Network.YOUTUBE: NetworkProfile(Network.YOUTUBE, 0.10, 0.040, 0.10, 0.05, 8.0, 1.1, 0.12, 1),
    Network.LINKEDIN: NetworkProfile(Network.LINKEDIN, 0.06, 0.025, 0.08, 0.12, 25.0, 1.3, 0.20, 3),
    Network.MASTODON: NetworkProfile(Network.MASTODON, 0.10, 0.025, 0.06, 0.30, 0.0, 1.1, 0.25, 7),
    Network.BLUESKY: NetworkProfile(Network.BLUESKY, 0.09, 0.030, 0.06, 0.25, 0.0, 1.1, 0.40, 7),
    Network.SANDBOX: NetworkProfile(Network.SANDBOX, 0.05, 0.030, 0.12, 0.10, 6.0, 1.3, 0.10, 10),
}

FORMAT_REACH = {
    PostFormat.TEXT: 0.85,
    PostFormat.LINK: 0.70,  # networks push links down in the feed
    PostFormat.IMAGE: 1.10,
    PostFormat.CAROUSEL: 1.20,
    PostFormat.VIDEO: 1.40,
}
FORMAT_ENGAGEMENT = {
    PostFormat.TEXT: 0.8,
    PostFormat.LINK: 0.6,
    PostFormat.IMAGE: 1.2,
    PostFormat.CAROUSEL: 1.3,
    PostFormat.VIDEO: 1.5,
}
# (engagement multiplier, comment multiplier, share of negative messages) per competence area.
TOPIC_BEHAVIOUR: dict[Topic, tuple[float, float, float]] = {
    Topic.MOBILITE: (1.0, 1.4, 0.30),
    Topic.VOIRIE_TRAVAUX: (0.9, 1.8, 0.42),
    Topic.PROPRETE_DECHETS: (0.9, 1.6, 0.38),
    Topic.URBANISME_LOGEMENT: (0.8, 1.5, 0.35),
    Topic.EDUCATION_JEUNESSE: (1.1, 1.2, 0.20),
    Topic.SOLIDARITES_SANTE: (1.0, 0.9, 0.15),
    Topic.CULTURE_PATRIMOINE: (1.4, 0.8, 0.08),
    Topic.SPORT_LOISIRS: (1.5, 0.9, 0.10),
    Topic.ENVIRONNEMENT_NATURE: (1.2, 1.0, 0.18),
    Topic.ECONOMIE_EMPLOI_TOURISME: (1.1, 0.8, 0.12),
    Topic.SECURITE_TRANQUILLITE: (1.2, 1.7, 0.40),
    Topic.VIE_DEMOCRATIQUE_SERVICES: (0.6, 1.1, 0.28),
    Topic.AUTRE: (1.3, 0.7, 0.06),
}
# How often a large collectivité posts on each area (weights).
TOPIC_WEIGHTS: dict[Topic, float] = {
    Topic.MOBILITE: 10,
    Topic.VOIRIE_TRAVAUX: 9,
    Topic.PROPRETE_DECHETS: 6,
    Topic.URBANISME_LOGEMENT: 5,
    Topic.EDUCATION_JEUNESSE: 8,
    Topic.SOLIDARITES_SANTE: 6,
    Topic.CULTURE_PATRIMOINE: 14,
    Topic.SPORT_LOISIRS: 10,
    Topic.ENVIRONNEMENT_NATURE: 7,
    Topic.ECONOMIE_EMPLOI_TOURISME: 8,
    Topic.SECURITE_TRANQUILLITE: 5,
    Topic.VIE_DEMOCRATIQUE_SERVICES: 9,
    Topic.AUTRE: 3,
}
FORMAT_WEIGHTS = {
    PostFormat.TEXT: 10,
    PostFormat.LINK: 35,  # most collectivités mainly relay their website
    PostFormat.IMAGE: 35,
    PostFormat.CAROUSEL: 8,
    PostFormat.VIDEO: 12,
}
REQUEST_SHARE = 0.12
INSULT_SHARE = 0.02
# Reach keeps growing after publication: most of it in the first hours (time constant in hours).
REACH_TIME_CONSTANT_H = 5.0
COMMENT_TIME_CONSTANT_H = 8.0


def rng_for(*parts: object) -> random.Random:
    """A generator that depends only on its key (str seeding hashes with SHA-512, stable across runs)."""
    return random.Random(":".join(str(p) for p in parts))


@dataclass(frozen=True, slots=True)
class Incident:
    """A bad buzz on one subject: messages grow for `peak_after`, then fade."""

    topic: Topic
    start: datetime
    intensity: float = 6.0  # extra messages, as a multiple of the usual daily volume, at the peak
    peak_after: timedelta = timedelta(days=1, hours=12)
    duration: timedelta = timedelta(days=14)
    label: str = "bad buzz"

    def level_at(self, when: datetime) -> float:
        """0 before and after; a gamma-shaped bump peaking at `intensity` after `peak_after`."""
        elapsed = when - self.start
        if elapsed < timedelta(0) or elapsed > self.duration:
            return 0.0
        x = elapsed / self.peak_after
        return self.intensity * x * math.exp(1 - x)


@dataclass(frozen=True, slots=True)
class PostOutcome:
    """The final figures of a post, reached progressively after its publication."""

    organic_reach: int
    paid_reach: int
    impressions: int
    paid_impressions: int
    likes: int
    comments: int
    shares: int
    clicks: int | None
    video_views: int | None
    saves: int | None

    @property
    def reach(self) -> int:
        return self.organic_reach + self.paid_reach


@dataclass
class Audience:
    """The followers of one account over time."""

    network: Network
    followers_at_start: int
    start: datetime
    seed: str
    incidents: list[Incident] = field(default_factory=list)

    @property
    def profile(self) -> NetworkProfile:
        return PROFILES[self.network]

    def followers_on(self, when: datetime) -> int:
        """Compound growth with a small weekly wobble, and unfollows during incidents."""
        days = max(0.0, (when - self.start).total_seconds() / 86400)
        daily = (1 + self.profile.growth_per_year) ** (1 / 365) - 1
        base = self.followers_at_start * (1 + daily) ** days
        wobble = 1 + 0.002 * math.sin(days / 7 * 2 * math.pi + _phase(self.seed))
        lost = sum(
            self.followers_at_start * 0.004 * min(1.0, (when - i.start) / i.duration)
            for i in self.incidents
            if when > i.start
        )
        return max(0, round(base * wobble - lost))

    def buzz_level(self, when: datetime, topic: Topic | None = None) -> float:
        return sum(i.level_at(when) for i in self.incidents if topic is None or i.topic == topic)

    def outcome(
        self,
        post_key: str,
        *,
        published_at: datetime,
        topic: Topic,
        fmt: PostFormat,
        budget_eur: float = 0.0,
    ) -> PostOutcome:
        rng = rng_for(self.seed, "outcome", post_key)
        profile = self.profile
        followers = self.followers_on(published_at)
        # Lognormal share of followers reached: median * format; sigma 0.55 keeps ~95 % under 10 %.
        share = profile.organic_reach_median * FORMAT_REACH[fmt] * rng.lognormvariate(0, 0.55)
        engagement_mult, comment_mult, _ = TOPIC_BEHAVIOUR[topic]
        # A buzz on the post's subject draws attention (and anger) to it.
        buzz = self.buzz_level(published_at, topic)
        share *= 1 + 0.15 * buzz
        organic_reach = min(followers * 3, round(followers * share))
        paid_impressions = 0
        paid_reach = 0
        if budget_eur > 0 and profile.cpm_eur > 0:
            paid_impressions = round(budget_eur / profile.cpm_eur * 1000 * rng.uniform(0.85, 1.15))
            paid_reach = round(paid_impressions / (profile.frequency + 0.4))
        impressions = round(organic_reach * profile.frequency * rng.uniform(0.95, 1.1))
        impressions += paid_impressions
        rate = profile.engagement_rate * FORMAT_ENGAGEMENT[fmt] * engagement_mult
        rate *= rng.lognormvariate(0, 0.35)
        # Sponsored audiences do not know the account: they engage about half as much.
        interactions = _poisson(rng, organic_reach * rate + paid_reach * rate * 0.5)
        comment_share = min(0.6, profile.comment_share * comment_mult * (1 + 0.3 * buzz))
        comments = round(interactions * comment_share)
        shares = round(interactions * profile.share_share * (1 + 0.2 * buzz))
        likes = max(0, interactions - comments - shares)
        clicks = (
            _poisson(rng, (organic_reach + paid_reach) * 0.015)
            if fmt in (PostFormat.LINK, PostFormat.CAROUSEL)
            else None
        )
        video_views = (
            round((organic_reach + paid_reach) * rng.uniform(0.35, 0.6))
            if fmt is PostFormat.VIDEO
            else None
        )
        saves = (
            round(likes * 0.04) if profile.network in (Network.INSTAGRAM, Network.SANDBOX) else None
        )
        return PostOutcome(
            organic_reach=organic_reach,
            paid_reach=paid_reach,
            impressions=impressions,
            paid_impressions=paid_impressions,
            likes=likes,
            comments=comments,
            shares=shares,
            clicks=clicks,
            video_views=video_views,
            saves=saves,
        )

    def negative_share(self, topic: Topic, when: datetime) -> float:
        base = TOPIC_BEHAVIOUR[topic][2]
        buzz = self.buzz_level(when, topic)
        return min(0.85, base + 0.08 * buzz)

    def insult_share(self, topic: Topic, when: datetime) -> float:
        return min(0.12, INSULT_SHARE * (1 + 0.6 * self.buzz_level(when, topic)))

    def daily_mentions(self, day: datetime) -> float:
        """Expected mentions on a day: grows like the square root of the audience, plus any buzz."""
        followers = self.followers_on(day)
        weekday = 0.7 if day.weekday() >= 5 else 1.0
        base = 0.05 * math.sqrt(followers) * weekday
        return base * (1 + self.buzz_level(day + timedelta(hours=12)))


def progress(elapsed: timedelta, time_constant_h: float) -> float:
    """Share of a post's final figure reached after `elapsed`."""
    hours = elapsed.total_seconds() / 3600
    if hours <= 0:
        return 0.0
    return 1 - math.exp(-hours / time_constant_h)


def sentiment_sign(sentiment: Sentiment) -> int:
    return {Sentiment.POSITIVE: 1, Sentiment.NEUTRAL: 0, Sentiment.NEGATIVE: -1}[sentiment]


def _poisson(rng: random.Random, mean: float) -> int:
    if mean <= 0:
        return 0
    if mean > 50:  # normal approximation, fast for large audiences
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def poisson(rng: random.Random, mean: float) -> int:
    return _poisson(rng, mean)


def _phase(seed: str) -> float:
    return rng_for(seed, "phase").uniform(0, 2 * math.pi)
