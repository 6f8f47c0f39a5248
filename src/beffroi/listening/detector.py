"""Early warning of a bad buzz: a pure, online detector of negative bursts, one state per organisation.

Feed enriched messages in time order (`BurstDetector.observe`); an `Alert` comes out at the message
where a burst becomes certain. Production (the listening app) and `beffroi alerts replay` run this
same class.

How it decides, and why:

- Baseline per organisation, learnt online from the messages before the current one: a level of
  volume (messages per hour) times an hour-of-day factor and a day-of-week factor, both in
  Europe/Paris time since that is when the public writes; and the share of negative messages.
  Level and share are exponentially weighted (half-lives in hours), the seasonal factors are
  shrunk towards a typical curve of French social-media traffic, so that a village with five
  messages a day borrows the curve while a region with thousands learns its own within days.
- Cold start: with no history, the level is the organisation's own count so far over its own
  elapsed (seasonally weighted) time, plus a weak prior. The uncertainty of a level learnt from few
  messages is kept: the expected count of a window follows a negative binomial (the Gamma-Poisson
  predictive) whose shape is the number of messages the level was learnt from, capped to keep
  room for day-to-day overdispersion.
- A burst is a departure of NEGATIVE volume, checked at each negative message on sliding windows
  (2, 3, 5, 8, 12, 20, 30, 45, 60 minutes) ending at it; the windows share one list of the last
  hour's messages with running counts, so each window costs a binary search. On one window:
  1. at least `min_negative` negative messages, from at least `min_authors` distinct authors
     (when authors are known): one angry person is not a bad buzz;
  2. most of the extra volume is negative (`min_excess_negative_share`);
  3. the negatives are improbable (negative-binomial tail, -log10 p) under the baseline scaled by
     how busy the account is right now: the other (non-negative) messages of the window and of
     the last `context_minutes`, against their baseline, shrunk towards 1 (`surge_prior`). A
     festival, an event day or a post that draws many comments brings negatives in proportion
     to its other messages; a bad buzz brings far more;
  4. that surprise clears the bar: `total_surprise` plus `multiplicity_weight` times the log of
     the hourly negatives (a busy account is tested more often). When it falls short (but is at
     least `count_surprise`), two kinds of evidence may make up the difference. Newcomers (up to
     `max_newcomer_bonus`): a bad buzz brings people who have not written to the organisation
     for months (`author_horizon_days` of stream time; the state keeps salted keys of authors,
     not their handles, at most `max_known_authors`, forgetting the least recently seen), while
     its ordinary complaints and the threads under its posts come from its regulars; the share
     of newcomers among the window's signed negatives is tested against the share among
     the organisation's ordinary negative messages (learnt online, older than an hour, outside
     bursts, so that a young organisation whose every author is new learns that too). And the
     words of the window may make up to `max_cohesion_bonus`: a
     bad buzz is many people angry about ONE thing, so its negatives share a word (the pool, the
     tax) far more often than the organisation's ordinary complaints do (learnt online from its
     negative messages older than an hour, outside bursts) and than the window's other messages
     do (a festival's happy and grumpy messages all name the festival). A cluster of unrelated
     complaints needs the counts alone.
  A slow drift moves the baseline with it, so it never makes a short window improbable.
- One alert per burst: once an organisation is alerted, it stays in burst until the hour of
  negatives is back to the baseline and `rearm_minutes` have passed (or `max_burst_hours`); during
  that time its baseline does not learn from the burst. An alert within `same_buzz_hours` of the
  previous one and sharing its top words is the tail of the same buzz: it is not raised again.

Tuned on the generated streams of `beffroi.listening.streams` (seeds 1 to 6), checked on others
(7 to 12) by `benchmarks/alerts_replay.py`.

Severity scale (documented, also the `severity_level` 1-4), from the pace of the burst when it is
detected: its extra negative messages per hour (the excess of the firing window, brought to an
hour) and how many times the expected negatives it holds:
  low (1): significant, under 20 extra negative messages an hour;
  medium (2): at least 20 an hour and 3 times the expected;
  high (3): at least 60 an hour and 5 times the expected;
  critical (4): at least 200 an hour and 10 times the expected, or high with a third of the
  negative messages insulting.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import sys
import unicodedata
from array import array
from bisect import bisect_right
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

# Typical share of a day's messages per local hour (mean 1): the prior of the hour-of-day factor.
PRIOR_HOUR_PROFILE: tuple[float, ...] = (
    0.55, 0.3, 0.15, 0.1, 0.1, 0.2, 0.6, 1.3, 1.9, 1.7, 1.5, 1.6,
    2.0, 1.9, 1.4, 1.25, 1.3, 1.6, 1.95, 2.2, 2.3, 2.0, 1.5, 1.0,
)  # fmt: skip


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def level(self) -> int:
        return _SEVERITY_LEVELS[self]

    @property
    def label(self) -> str:
        return _SEVERITY_LABELS[self]


_SEVERITY_LEVELS = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}
_SEVERITY_LABELS = {
    Severity.LOW: "faible",
    Severity.MEDIUM: "moyenne",
    Severity.HIGH: "élevée",
    Severity.CRITICAL: "critique",
}


@dataclass(frozen=True, slots=True)
class Observation:
    """One enriched message, as the detector needs it."""

    org: str
    ts: datetime  # aware
    negative: bool
    toxic: bool = False
    message_id: str = ""
    author: str | None = None
    text: str = ""
    topic: str | None = None


@dataclass(frozen=True, slots=True)
class Alert:
    org: str
    detected_at: datetime
    message_id: str
    severity: Severity
    window_minutes: int
    negative_count: int
    expected_negative: float
    total_count: int
    expected_total: float
    negative_share: float
    baseline_share: float
    count_surprise: float  # -log10 p of the negative count
    share_surprise: float  # -log10 p of the negative share
    negative_authors: int
    toxic_count: int
    top_terms: tuple[str, ...] = ()
    top_topics: tuple[str, ...] = ()
    top_authors: tuple[str, ...] = ()
    message_ids: tuple[str, ...] = ()
    cohesion_surprise: float = 0.0  # -log10 p of the negatives sharing their top word this much

    @property
    def reason(self) -> str:
        return (
            f"{self.negative_count} messages négatifs en {self.window_minutes} min "
            f"(attendu {self.expected_negative:.1f}), part négative {self.negative_share:.0%} "
            f"(habituelle {self.baseline_share:.0%})"
        )


@dataclass(frozen=True, slots=True)
class DetectorConfig:
    # Settings tuned on generated streams (seeds 1 to 6, see benchmarks/alerts_replay.py).
    # Short windows are the fast path of a viral bad buzz (a flood within a minute or two), long
    # ones catch a slow build-up and the few messages of a village.
    windows_minutes: tuple[int, ...] = (2, 3, 5, 8, 12, 20, 30, 45, 60)
    min_negative: int = 3
    min_authors: int = 3
    # The counts alone must reach this -log10 p before the words are even looked at.
    # (3.5 before the newcomers' evidence: a slow build-up on a big account waited for it.)
    count_surprise: float = 2.0
    # The bar (-log10 p) rises with the log of the hourly negatives: a busy account is tested
    # more often. On the counts and words alone, under 7.5 ordinary threads of comments under a
    # divisive post fired (a drift's cluster of 13 negatives in 8 minutes reaches 7.4).
    total_surprise: float = 7.5
    multiplicity_weight: float = 0.5
    # Busyness of the account from its non-negative messages: pseudo-count of the shrinkage
    # towards 1, and the longer context read besides the window itself.
    surge_prior: float = 2.0
    context_minutes: float = 20.0
    # What shared words may add to the counts' surprise (a few messages about one subject).
    # 2.5: at 3.5 the words were what carried most false alarms (a drift's shared grumbles).
    max_cohesion_bonus: float = 2.5
    # Prior of the word counts: any word is in 5 % of negative messages, worth 20 messages.
    term_prior_share: float = 0.05
    term_prior: float = 20.0
    # Past this many learnt negative messages, the counts are halved (recent ones weigh more).
    term_memory: float = 2000.0
    # What newcomers may add to the counts' surprise: a bad buzz brings people who have never
    # written to the organisation, its ordinary complaints (and a thread under one of its posts)
    # come from its regulars. Learnt like the words, from negative messages older than an hour.
    max_newcomer_bonus: float = 6.0
    newcomer_prior_share: float = 0.3
    newcomer_prior: float = 20.0
    # An author is known when seen within this many days of stream time: 180 keeps as regulars
    # the citizens who come back at each of a collectivité's seasonal moments (school year, budget,
    # summer events, a few months apart), while someone whose last message was last year's buzz
    # is new again; and it stays under the year for which Beffroi keeps messages and authors
    # (compliance.rgpd.DEFAULT_RETENTION_DAYS). The usual newcomer share is learnt under the same
    # rule, so the evidence stays calibrated whatever the horizon: even 7 days and 5,000 authors
    # (benchmarks/alerts_replay.py --author-horizon-days 7 --max-known-authors 5000, seeds 7-9)
    # still found every burst, precision 97 %, median delay 4.6 min instead of 4.3.
    author_horizon_days: int = 180
    # Hard cap of the authors kept (least recently seen evicted first): 50,000 keys are about
    # 270 kB of saved state, rewritten after each batch; a region hears from about 20,000
    # people a month. Regulars write again within weeks, so eviction falls on one-off writers.
    max_known_authors: int = 50_000
    # A new alert within these hours of the last one, on the same words, is the same buzz.
    same_buzz_hours: float = 12.0
    min_excess_negative_share: float = 0.5
    # Added to the baseline share: the share drifts between two updates.
    share_margin: float = 0.03
    max_share_evidence: float = 300.0
    level_half_life_hours: float = 72.0
    share_half_life_hours: float = 48.0
    season_half_life_hours: float = 24.0 * 14
    # Prior: one message per hour until the organisation shows its own rate.
    prior_messages: float = 1.0
    prior_hours: float = 1.0
    prior_share: float = 0.25
    prior_share_weight: float = 8.0
    # Strength, in expected messages, of the typical curve in each seasonal factor.
    season_prior_weight: float = 12.0
    # Overdispersion of day-to-day volume: the negative-binomial shape never exceeds this.
    max_shape: float = 30.0
    # No alert before the organisation has this much history.
    warmup_minutes: float = 30.0
    rearm_minutes: float = 30.0
    max_burst_hours: float = 12.0


# 32-bit keys: with 50,000 kept, a newcomer is mistaken for a known author once in ~86,000 times,
# far below what moves the newcomers' evidence, and a key identifies nobody without the salt.
_KEY_TYPECODE = next(code for code in "IL" if array(code).itemsize == 4)
_DAY_SECONDS = 86_400


def author_salt(org: str, secret: bytes = b"") -> bytes:
    """The per-organisation salt of author keys: from the organisation's id and a secret.

    Without the secret, anyone holding a saved state can still test whether a handle they guess
    is in it; with a secret kept out of the database (the deployment's), they cannot.
    """
    key = hashlib.blake2b(secret, digest_size=32).digest() if secret else b""
    return hashlib.blake2b(
        org.encode(), key=key, digest_size=16, person=b"beffroi-authors"
    ).digest()


class KnownAuthors:
    """The authors an organisation heard from recently: a salted 32-bit key per author and the day
    (of stream time) it last wrote, least recently seen first.

    An author unseen for more than `horizon_days` is a newcomer again; past `capacity` authors the
    least recently seen is forgotten. No handle is kept: the saved state holds keys, which say
    nothing without the salt, and per-day counts.
    """

    def __init__(self, salt: bytes, *, horizon_days: int, capacity: int) -> None:
        self.salt = salt
        self.horizon_days = horizon_days
        self.capacity = capacity
        self._last_seen: OrderedDict[int, int] = OrderedDict()  # key -> day, oldest first
        self._expired_on: int | None = None

    def __len__(self) -> int:
        return len(self._last_seen)

    def key(self, author: str) -> int:
        digest = hashlib.blake2b(author.encode(), key=self.salt, digest_size=4).digest()
        return int.from_bytes(digest, "little")

    def meet(self, author: str, day: int) -> bool:
        """Note that `author` wrote on `day` (days since 1970, stream time); True for a newcomer."""
        if day != self._expired_on:
            self._expire(day)
        entries = self._last_seen
        key = self.key(author)
        last = entries.get(key)
        if last is None:
            entries[key] = day
            if len(entries) > self.capacity:
                entries.popitem(last=False)
            return True
        if last != day:
            entries[key] = day
            entries.move_to_end(key)
        return False

    def last_seen(self, author: str) -> int | None:
        """The day the author last wrote, if still remembered."""
        return self._last_seen.get(self.key(author))

    def forget(self, author: str) -> bool:
        """Erase one author (a request to erase their data); True if they were remembered."""
        return self._last_seen.pop(self.key(author), None) is not None

    def _expire(self, day: int) -> None:
        self._expired_on = day
        oldest = day - self.horizon_days
        entries = self._last_seen
        while entries and next(iter(entries.values())) < oldest:
            entries.popitem(last=False)

    def to_json(self) -> dict[str, Any]:
        """Keys in base64 (4 bytes each, little-endian), oldest first, and runs of [day, count]."""
        runs: list[list[int]] = []
        for day in self._last_seen.values():
            if runs and runs[-1][0] == day:
                runs[-1][1] += 1
            else:
                runs.append([day, 1])
        keys = array(_KEY_TYPECODE, self._last_seen)
        if sys.byteorder == "big":
            keys.byteswap()
        return {
            "salt_id": hashlib.blake2b(self.salt, digest_size=4).hexdigest(),
            "days": runs,
            "keys": base64.b64encode(keys.tobytes()).decode("ascii"),
        }

    @classmethod
    def from_json(
        cls, data: dict[str, Any], salt: bytes, *, horizon_days: int, capacity: int
    ) -> KnownAuthors:
        """Read `to_json`; keys made with another salt (the secret changed) are dropped."""
        known = cls(salt, horizon_days=horizon_days, capacity=capacity)
        if data.get("salt_id") != hashlib.blake2b(salt, digest_size=4).hexdigest():
            return known
        keys = array(_KEY_TYPECODE)
        keys.frombytes(base64.b64decode(data["keys"]))
        if sys.byteorder == "big":
            keys.byteswap()
        days = [int(day) for day, count in data["days"] for _ in range(int(count))]
        if len(days) != len(keys):
            raise ValueError("état illisible : autant de jours que d'auteurs attendus")
        known._last_seen.update(zip(keys, days, strict=True))
        known._trim()
        return known

    @classmethod
    def from_handles(
        cls, handles: Iterable[str], day: int, salt: bytes, *, horizon_days: int, capacity: int
    ) -> KnownAuthors:
        """Authors named in a state of version 3, which kept no date: taken as seen on `day`."""
        known = cls(salt, horizon_days=horizon_days, capacity=capacity)
        for handle in handles:
            known._last_seen[known.key(str(handle))] = day
        known._trim()
        return known

    def _trim(self) -> None:
        while len(self._last_seen) > self.capacity:
            self._last_seen.popitem(last=False)


@dataclass(slots=True)
class _Item:
    at: float
    negative: bool
    toxic: bool
    author: str | None
    message_id: str
    text: str
    topic: str | None
    newcomer: bool = False  # the author had not written within `author_horizon_days`
    terms: frozenset[str] = frozenset()  # of a negative message only

    @classmethod
    def of(
        cls,
        at: float,
        negative: bool,
        toxic: bool,
        author: str | None,
        message_id: str,
        text: str,
        topic: str | None,
        newcomer: bool = False,
    ) -> _Item:
        terms = message_terms(text) if negative else frozenset()
        return cls(at, negative, toxic, author, message_id, text, topic, newcomer, terms)


@dataclass(slots=True)
class _Recent:
    """The messages of the longest window, with running counts: any shorter window ending now is
    a binary search and two look-ups, so that many windows cost little."""

    seconds: float
    items: list[_Item] = field(default_factory=list)
    times: list[float] = field(default_factory=list)
    negatives_to: list[int] = field(default_factory=list)  # negatives up to and including i
    head: int = 0

    def push(self, item: _Item) -> None:
        before = self.negatives_to[-1] if self.negatives_to else 0
        self.items.append(item)
        self.times.append(item.at)
        self.negatives_to.append(before + item.negative)

    def evict(self, now: float) -> list[_Item]:
        """Drop the messages older than the longest window; return them."""
        old = self.head
        self.head = bisect_right(self.times, now - self.seconds, lo=old)
        evicted = self.items[old : self.head] if self.head > old else []
        if self.head > 1024 and self.head * 2 > len(self.times):
            del self.items[: self.head], self.times[: self.head], self.negatives_to[: self.head]
            self.head = 0
        return evicted

    def window(self, now: float, seconds: float) -> tuple[int, int, int]:
        """(first index, messages, negative messages) of the window of `seconds` ending now."""
        start = bisect_right(self.times, now - seconds, lo=self.head)
        if start >= len(self.items):
            return start, 0, 0
        first = self.items[start]
        negatives = self.negatives_to[-1] - self.negatives_to[start] + first.negative
        return start, len(self.items) - start, negatives

    def live(self) -> list[_Item]:
        return self.items[self.head :]


@dataclass(slots=True)
class _OrgState:
    """Baseline and windows of one organisation."""

    first_at: float
    hour_start: float
    recent: _Recent
    known_authors: KnownAuthors  # the authors seen lately: a newcomer is none of them
    hour_total: int = 0
    hour_negative: int = 0
    level_count: float = 0.0  # decayed messages of closed hours
    level_hours: float = 0.0  # decayed seasonal weight of closed hours
    share_negative: float = 0.0
    share_total: float = 0.0
    hour_seen: list[float] = field(default_factory=lambda: [0.0] * 24)
    hour_expected: list[float] = field(default_factory=lambda: [0.0] * 24)
    day_seen: list[float] = field(default_factory=lambda: [0.0] * 7)
    day_expected: list[float] = field(default_factory=lambda: [0.0] * 7)
    hour_factor: list[float] = field(default_factory=lambda: list(PRIOR_HOUR_PROFILE))
    day_factor: list[float] = field(default_factory=lambda: [1.0] * 7)
    burst_since: float | None = None
    author_known: bool = False
    # How often each word appears in the organisation's ordinary negative messages (those older
    # than the longest window, outside bursts): a bad buzz is many people angry about one thing.
    term_counts: dict[str, float] = field(default_factory=dict)
    term_messages: float = 0.0
    last_alert_at: float | None = None
    last_alert_terms: list[str] = field(default_factory=list)
    # How many of the ordinary negative messages came from a newcomer (see known_authors).
    newcomer_negatives: float = 0.0
    learnt_negatives: float = 0.0


@dataclass(frozen=True, slots=True)
class _Test:
    items: list[_Item]  # the window's messages
    minutes: int
    negatives: int
    total: int
    expected_negative: float
    expected_total: float
    baseline_share: float
    count_surprise: float
    cohesion: float
    novelty: float = 0.0

    @property
    def evidence(self) -> float:
        return self.count_surprise + self.cohesion + self.novelty


_LN10 = math.log(10.0)


def negative_binomial_surprise(k: int, mean: float, shape: float) -> float:
    """-log10 P(X >= k) for X negative binomial with this mean and shape (Gamma-Poisson)."""
    if k <= 0 or k <= mean:
        return 0.0
    mean = max(mean, 1e-9)
    p = shape / (shape + mean)
    log_term = (
        math.lgamma(k + shape)
        - math.lgamma(shape)
        - math.lgamma(k + 1)
        + shape * math.log(p)
        + k * math.log1p(-p)
    )
    return -_log_tail(log_term, lambda j: (j + shape) / (j + 1) * (1 - p), k) / _LN10


def binomial_surprise(k: int, n: int, p: float) -> float:
    """-log10 P(X >= k) for X binomial(n, p)."""
    if k <= 0 or k <= n * p:
        return 0.0
    if p >= 1.0:
        return 0.0
    p = max(p, 1e-9)
    log_term = (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + k * math.log(p)
        + (n - k) * math.log1p(-p)
    )
    return -_log_tail(log_term, lambda j: (n - j) / (j + 1) * p / (1 - p), k, last=n) / _LN10


def beta_binomial_surprise(k: int, n: int, alpha: float, beta: float) -> float:
    """-log10 P(X >= k) for X beta-binomial(n, alpha, beta): a binomial whose p is uncertain."""
    if k <= 0 or k <= n * alpha / (alpha + beta):
        return 0.0
    log_term = (
        math.lgamma(n + 1)
        - math.lgamma(k + 1)
        - math.lgamma(n - k + 1)
        + math.lgamma(k + alpha)
        + math.lgamma(n - k + beta)
        - math.lgamma(n + alpha + beta)
        + math.lgamma(alpha + beta)
        - math.lgamma(alpha)
        - math.lgamma(beta)
    )
    return (
        -_log_tail(
            log_term, lambda j: (n - j) / (j + 1) * (j + alpha) / (n - j - 1 + beta), k, last=n
        )
        / _LN10
    )


def _log_tail(log_first: float, ratio: object, k: int, last: int | None = None) -> float:
    """Natural log of a pmf tail from k, summed term by term (terms fall past the mean)."""
    assert callable(ratio)
    total, term, j = 1.0, 1.0, k
    while j < k + 5000 and (last is None or j < last):
        term *= ratio(j)
        j += 1
        total += term
        if term < 1e-12 * total:
            break
    return log_first + math.log(total)


class BurstDetector:
    """Online negative-burst detector; state per organisation, messages in time order."""

    def __init__(self, config: DetectorConfig | None = None, *, author_secret: bytes = b"") -> None:
        """`author_secret`, kept out of the saved state, salts the author keys (see author_salt)."""
        self.config = config or DetectorConfig()
        self._author_secret = author_secret
        self._orgs: dict[str, _OrgState] = {}
        self._local_cache: dict[int, tuple[int, int]] = {}
        cfg = self.config
        self._level_decay = 0.5 ** (1 / cfg.level_half_life_hours)
        self._share_decay = 0.5 ** (1 / cfg.share_half_life_hours)
        self._season_decay = 0.5 ** (1 / cfg.season_half_life_hours)
        self._last_at = -math.inf

    # --- persistence: a worker that restarts goes on where it stopped ------------------------

    # 2 added the word counts, 3 the known authors (handles), 4 made them salted keys with the day
    # last seen; an older state is read without what it lacks, a v3 state's authors as seen on
    # the day of its organisation's last message.
    STATE_VERSION = 4
    _SCALARS = (
        "first_at", "hour_start", "hour_total", "hour_negative", "level_count", "level_hours",
        "share_negative", "share_total", "burst_since", "author_known",
    )  # fmt: skip
    _OPTIONAL_SCALARS = ("newcomer_negatives", "learnt_negatives")
    _VECTORS = (
        "hour_seen", "hour_expected", "day_seen", "day_expected", "hour_factor", "day_factor",
    )  # fmt: skip

    def export_state(self) -> dict[str, Any]:
        """Everything the detector knows, as plain JSON-ready data."""
        orgs: dict[str, Any] = {}
        for org, state in self._orgs.items():
            orgs[org] = {
                **{name: getattr(state, name) for name in self._SCALARS},
                **{name: list(getattr(state, name)) for name in self._VECTORS},
                **{name: getattr(state, name) for name in self._OPTIONAL_SCALARS},
                "items": [
                    [i.at, i.negative, i.toxic, i.author, i.message_id, i.text, i.topic, i.newcomer]
                    for i in state.recent.live()
                ],
                "authors": state.known_authors.to_json(),
                "term_counts": dict(state.term_counts),
                "term_messages": state.term_messages,
                "last_alert_at": state.last_alert_at,
                "last_alert_terms": list(state.last_alert_terms),
            }
        return {
            "version": self.STATE_VERSION,
            "last_at": self._last_at if math.isfinite(self._last_at) else None,
            "orgs": orgs,
        }

    @classmethod
    def from_state(
        cls,
        data: dict[str, Any],
        config: DetectorConfig | None = None,
        *,
        author_secret: bytes = b"",
    ) -> BurstDetector:
        """A detector that goes on from an `export_state` snapshot."""
        if data.get("version") not in (1, 2, 3, cls.STATE_VERSION):
            raise ValueError(f"version d'état inconnue : {data.get('version')!r}")
        detector = cls(config, author_secret=author_secret)
        if data["last_at"] is not None:
            detector._last_at = float(data["last_at"])
        for org, saved in data["orgs"].items():
            state = detector._new_state(org, float(saved["first_at"]))
            for name in cls._SCALARS:
                setattr(state, name, saved[name])
            for name in cls._VECTORS:
                setattr(state, name, [float(value) for value in saved[name]])
            state.term_counts = {
                str(term): float(count) for term, count in saved.get("term_counts", {}).items()
            }
            state.term_messages = float(saved.get("term_messages", 0.0))
            for name in cls._OPTIONAL_SCALARS:
                setattr(state, name, float(saved.get(name, 0.0)))
            state.known_authors = detector._read_authors(state, saved)
            last_alert_at = saved.get("last_alert_at")
            state.last_alert_at = float(last_alert_at) if last_alert_at is not None else None
            state.last_alert_terms = [str(term) for term in saved.get("last_alert_terms", [])]
            items = [_Item.of(*row) for row in saved["items"]]
            if items:
                # The window was last trimmed at this organisation's latest message.
                latest = items[-1].at
                for item in items:
                    if item.at > latest - state.recent.seconds:
                        state.recent.push(item)
            detector._orgs[org] = state
        return detector

    def _read_authors(self, state: _OrgState, saved: dict[str, Any]) -> KnownAuthors:
        cfg = self.config
        salt = state.known_authors.salt
        limits = {"horizon_days": cfg.author_horizon_days, "capacity": cfg.max_known_authors}
        if "authors" in saved:
            return KnownAuthors.from_json(saved["authors"], salt, **limits)
        # Version 3 kept every handle ever seen and no date: seen on the last message's day, they
        # stay regulars for one horizon unless they write again (no sudden wave of newcomers).
        day = int(state.hour_start // _DAY_SECONDS)
        return KnownAuthors.from_handles(saved.get("known_authors", []), day, salt, **limits)

    def forget_author(self, org: str, author: str) -> bool:
        """Erase one person from the organisation's state (a request to erase their data): their
        key, and their handle and text among the last hour's messages. True if anything was."""
        state = self._orgs.get(org)
        if state is None:
            return False
        erased = state.known_authors.forget(author)
        for item in state.recent.live():
            if item.author == author:
                item.author, item.text = None, ""
                erased = True
        return erased

    def known_authors(self, org: str) -> KnownAuthors | None:
        """The authors the organisation heard from lately (None before its first message)."""
        state = self._orgs.get(org)
        return state.known_authors if state is not None else None

    def known_author_count(self, org: str) -> int:
        """How many authors the organisation's state remembers (newcomers' evidence)."""
        return len(self.known_authors(org) or ())

    def observe_many(self, observations: Iterable[Observation]) -> Iterator[Alert]:
        for observation in observations:
            alert = self.observe(observation)
            if alert is not None:
                yield alert

    def observe(self, observation: Observation) -> Alert | None:
        """Take one message (not earlier than the previous one); return an alert if it fires one."""
        at = observation.ts.timestamp()
        if at < self._last_at:
            raise ValueError("les messages doivent arriver dans l'ordre chronologique")
        self._last_at = at
        state = self._orgs.get(observation.org)
        if state is None:
            state = self._new_state(observation.org, at)
            self._orgs[observation.org] = state
        self._close_hours(state, at)
        author = observation.author
        newcomer = author is not None and state.known_authors.meet(author, int(at // _DAY_SECONDS))
        item = _Item.of(
            at,
            observation.negative or observation.toxic,
            observation.toxic,
            author,
            observation.message_id,
            observation.text,
            observation.topic,
            newcomer,
        )
        state.author_known = state.author_known or author is not None
        for old in state.recent.evict(at):
            if old.negative and state.burst_since is None:
                self._learn_terms(state, old.terms)
                if old.author is not None:
                    self._learn_newcomer(state, old.newcomer)
        state.recent.push(item)
        state.hour_total += 1
        state.hour_negative += item.negative
        if state.burst_since is not None:
            if not self._burst_over(state, at):
                return None
            state.burst_since = None
        if not item.negative or at - state.first_at < self.config.warmup_minutes * 60:
            return None
        test = self._strongest_departure(state, at)
        if test is None:
            return None
        state.burst_since = at
        alert = self._alert(observation, test, state)
        previous = state.last_alert_at
        same_subject = set(alert.top_terms[:3]) & set(state.last_alert_terms)
        state.last_alert_at = at
        state.last_alert_terms = list(alert.top_terms[:3])
        if (
            previous is not None
            and at - previous < self.config.same_buzz_hours * 3600
            and same_subject
        ):
            # The tail of the same buzz (its words again, within hours): already alerted.
            return None
        return alert

    # --- baseline ----------------------------------------------------------------------------

    def _learn_terms(self, state: _OrgState, terms: frozenset[str]) -> None:
        counts = state.term_counts
        for term in terms:
            counts[term] = counts.get(term, 0.0) + 1.0
        state.term_messages += 1.0
        if state.term_messages >= self.config.term_memory:
            # Halve everything: recent complaints weigh more, and rare words are forgotten.
            state.term_messages /= 2
            state.term_counts = {t: c / 2 for t, c in counts.items() if c >= 1.0}

    def _learn_newcomer(self, state: _OrgState, newcomer: bool) -> None:
        state.newcomer_negatives += newcomer
        state.learnt_negatives += 1.0
        if state.learnt_negatives >= self.config.term_memory:
            # Recent messages weigh more: a young organisation's authors are all new at first.
            state.newcomer_negatives /= 2
            state.learnt_negatives /= 2

    def _usual_newcomer_share(self, state: _OrgState) -> float:
        cfg = self.config
        return (state.newcomer_negatives + cfg.newcomer_prior_share * cfg.newcomer_prior) / (
            state.learnt_negatives + cfg.newcomer_prior
        )

    def _novelty(self, state: _OrgState, negatives: list[_Item]) -> float:
        """-log10 p that this many of the window's negatives come from newcomers, given how often
        the organisation's ordinary negative messages do."""
        signed = [item for item in negatives if item.author is not None]
        if not signed:
            return 0.0
        usual = self._usual_newcomer_share(state)
        newcomers = sum(item.newcomer for item in signed)
        return binomial_surprise(newcomers, len(signed), min(usual, 0.95))

    def _cohesion(self, state: _OrgState, items: list[_Item]) -> float:
        """-log10 p that the window's negatives share their most shared word this much, given how
        often the word appears in the organisation's ordinary negative messages and in the
        window's other messages (a festival's happy and grumpy messages all name the festival),
        with Bonferroni over the words of the window."""
        cfg = self.config
        counts: Counter[str] = Counter()
        negatives = [item for item in items if item.negative]
        for item in negatives:
            counts.update(item.terms)
        if not counts:
            return 0.0
        frequent = {term for term, count in counts.items() if count >= cfg.min_negative}
        if not frequent:
            return 0.0
        others = [item for item in items if not item.negative]
        in_others: Counter[str] = Counter()
        for item in others:
            in_others.update(frequent & message_terms(item.text))
        n = len(negatives)
        best = 0.0
        for term in frequent:
            learned = (state.term_counts.get(term, 0.0) + cfg.term_prior_share * cfg.term_prior) / (
                state.term_messages + cfg.term_prior
            )
            here = (in_others[term] + cfg.term_prior_share * 4) / (len(others) + 4)
            base = min(max(learned, here), 0.95)
            best = max(best, binomial_surprise(counts[term], n, base))
        return max(0.0, best - math.log10(len(counts)))

    def _new_state(self, org: str, at: float) -> _OrgState:
        cfg = self.config
        hour_start = at - at % 3600
        return _OrgState(
            first_at=at,
            hour_start=hour_start,
            recent=_Recent(max(cfg.windows_minutes) * 60.0),
            known_authors=KnownAuthors(
                author_salt(org, self._author_secret),
                horizon_days=cfg.author_horizon_days,
                capacity=cfg.max_known_authors,
            ),
        )

    def _local(self, at: float) -> tuple[int, int]:
        """(hour, weekday) in Europe/Paris of the UTC hour holding `at`."""
        key = int(at // 3600)
        cached = self._local_cache.get(key)
        if cached is None:
            local = datetime.fromtimestamp(key * 3600, UTC).astimezone(PARIS)
            cached = (local.hour, local.weekday())
            self._local_cache[key] = cached
        return cached

    def _season(self, state: _OrgState, at: float) -> float:
        hour, day = self._local(at)
        return state.hour_factor[hour] * state.day_factor[day]

    def _level(self, state: _OrgState, at: float) -> tuple[float, float]:
        """Messages per hour (deseasonalised) and the count it was learnt from."""
        cfg = self.config
        partial = (at - state.hour_start) / 3600 * self._season(state, at)
        count = state.level_count + state.hour_total + cfg.prior_messages
        hours = state.level_hours + partial + cfg.prior_hours
        return count / hours, count

    def _share(self, state: _OrgState) -> tuple[float, float]:
        """Baseline negative share and the (decayed) count of negatives it was learnt from."""
        negatives, total = self._share_counts(state)
        return negatives / total, negatives

    def _share_counts(self, state: _OrgState) -> tuple[float, float]:
        cfg = self.config
        negatives = state.share_negative + cfg.prior_share * cfg.prior_share_weight
        total = state.share_total + cfg.prior_share_weight
        return negatives, total

    def _close_hours(self, state: _OrgState, at: float) -> None:
        while at >= state.hour_start + 3600:
            if state.burst_since is None:
                self._learn_hour(state)
            state.hour_total = 0
            state.hour_negative = 0
            state.hour_start += 3600

    def _learn_hour(self, state: _OrgState) -> None:
        hour, day = self._local(state.hour_start)
        # The organisation's first hour may have started after the top of the hour.
        covered = min(1.0, (state.hour_start + 3600 - state.first_at) / 3600)
        season = state.hour_factor[hour] * state.day_factor[day] * covered
        level, _ = self._level_closed(state)
        total, negative = float(state.hour_total), float(state.hour_negative)
        if state.level_hours >= 24:
            # Once the baseline is settled, one exceptional hour (a festival) may not drag it.
            cap = level * season * 4 + 10
            if total > cap:
                negative *= cap / total
                total = cap
        state.level_count = state.level_count * self._level_decay + total
        state.level_hours = state.level_hours * self._level_decay + season
        state.share_negative = state.share_negative * self._share_decay + negative
        state.share_total = state.share_total * self._share_decay + total
        self._learn_season(state, hour, day, total, covered)

    def _learn_season(
        self, state: _OrgState, hour: int, day: int, total: float, covered: float
    ) -> None:
        """Hour-of-day and day-of-week factors: Gamma-Poisson posteriors around the typical curve.

        Each factor is a ratio of counts to exposure, so it does not depend on the level (which is
        wrong during a cold start); its prior weighs `season_prior_weight` messages, so that a
        village keeps the typical curve and a region learns its own.
        """
        decay = self._season_decay
        for index in range(24):
            state.hour_seen[index] *= decay
            state.hour_expected[index] *= decay
        for index in range(7):
            state.day_seen[index] *= decay
            state.day_expected[index] *= decay
        state.hour_seen[hour] += total
        state.hour_expected[hour] += state.day_factor[day] * covered
        state.day_seen[day] += total
        state.day_expected[day] += state.hour_factor[hour] * covered
        # Messages per unit of seasonal exposure over the same (slowly decayed) period.
        rate = sum(state.hour_seen) / max(
            sum(state.hour_factor[i] * state.hour_expected[i] for i in range(24)),
            1e-9,
        )
        weight = self.config.season_prior_weight
        raw_hours = [
            (weight + state.hour_seen[i])
            / (weight / PRIOR_HOUR_PROFILE[i] + rate * state.hour_expected[i])
            for i in range(24)
        ]
        mean = sum(raw_hours) / 24
        state.hour_factor = [value / mean for value in raw_hours]
        day_weight = weight * 3  # four weeks of a month say little about one weekday
        raw_days = [
            (day_weight + state.day_seen[i]) / (day_weight + rate * state.day_expected[i])
            for i in range(7)
        ]
        mean = sum(raw_days) / 7
        state.day_factor = [value / mean for value in raw_days]

    def _level_closed(self, state: _OrgState) -> tuple[float, float]:
        cfg = self.config
        count = state.level_count + cfg.prior_messages
        return count / (state.level_hours + cfg.prior_hours), count

    # --- tests -------------------------------------------------------------------------------

    def _strongest_departure(self, state: _OrgState, at: float) -> _Test | None:
        """The window ending now whose negatives the baseline explains least, if any fails to."""
        cfg = self.config
        level, _ = self._level(state, at)
        share, share_count = self._share(state)
        rate = level * self._season(state, at) / 60  # messages per minute
        shape = min(cfg.max_shape, share_count)
        bar = cfg.total_surprise + cfg.multiplicity_weight * math.log10(1 + rate * 60 * share)
        tested_share = min(0.95, share + cfg.share_margin)
        recent = state.recent
        _, context_total, context_negatives = recent.window(at, cfg.context_minutes * 60.0)
        context_expected = rate * cfg.context_minutes
        context_surge = self._surge(
            context_total - context_negatives, context_expected * (1 - tested_share)
        )
        best: _Test | None = None
        for minutes in cfg.windows_minutes:
            start, total, negatives = recent.window(at, minutes * 60.0)
            if negatives < cfg.min_negative:
                continue
            expected_total = rate * minutes
            expected_negative = expected_total * tested_share
            if negatives - expected_negative < cfg.min_excess_negative_share * max(
                total - expected_total, 0.0
            ):
                continue
            # The other messages say how busy the account is right now (an event, a festival, a
            # post that draws many comments): as many more negatives are expected in proportion.
            # Shrunk towards the baseline, so that one neutral reply does not hide a buzz.
            # The busyness is read on the window and on a longer context ending now: a busy
            # thread lasts, and a short window may by chance hold few of its other messages.
            surge = max(
                self._surge(total - negatives, expected_total - expected_negative),
                context_surge,
            )
            explained = expected_negative * surge
            surprise = negative_binomial_surprise(negatives, explained, shape)
            if surprise < cfg.count_surprise:
                continue
            items = recent.items[start:]
            negative_items = [item for item in items if item.negative]
            if state.author_known and cfg.min_authors > 1:
                authors = {item.author for item in negative_items if item.author}
                if len(authors) < cfg.min_authors:
                    continue
            # Counts alone must clear the bar; words shared far more than usual (one subject)
            # lower it by up to `max_cohesion_bonus`.
            cohesion = novelty = 0.0
            if surprise < bar:
                cohesion = min(self._cohesion(state, items), cfg.max_cohesion_bonus)
            if surprise + cohesion < bar and cfg.max_newcomer_bonus > 0:
                novelty = min(self._novelty(state, negative_items), cfg.max_newcomer_bonus)
            evidence = surprise + cohesion + novelty
            if evidence < bar or (best is not None and evidence <= best.evidence):
                continue
            best = _Test(
                items,
                minutes,
                negatives,
                total,
                explained,
                expected_total * surge,
                share,
                surprise,
                cohesion,
                novelty,
            )
        return best

    def _surge(self, others: int, expected_others: float) -> float:
        """How many times busier than usual, from the non-negative messages, shrunk towards 1."""
        prior = self.config.surge_prior
        return max(1.0, (others + prior) / (expected_others + prior))

    def _burst_over(self, state: _OrgState, at: float) -> bool:
        """The burst is over when the last hour's negatives are back within the baseline."""
        cfg = self.config
        assert state.burst_since is not None
        elapsed = at - state.burst_since
        if elapsed >= cfg.max_burst_hours * 3600:
            return True
        if elapsed < cfg.rearm_minutes * 60:
            return False
        longest = max(cfg.windows_minutes)
        _, _, negatives = state.recent.window(at, longest * 60.0)
        level, _ = self._level(state, at)
        share, share_count = self._share(state)
        expected = level * self._season(state, at) / 60 * longest * share
        surprise = negative_binomial_surprise(negatives, expected, min(cfg.max_shape, share_count))
        return surprise < 1.3  # p > 0.05: an ordinary hour

    # --- alert -------------------------------------------------------------------------------

    def _alert(self, observation: Observation, test: _Test, state: _OrgState) -> Alert:
        negatives = [item for item in test.items if item.negative]
        excess_per_hour = (test.negatives - test.expected_negative) * 60 / test.minutes
        ratio = test.negatives / max(test.expected_negative, 0.05)
        toxic = sum(item.toxic for item in negatives)
        # The share test is reported, not decided on: how unusual the tone of the window is.
        evidence = min(self._share_counts(state)[1], self.config.max_share_evidence)
        tested = min(0.95, test.baseline_share + self.config.share_margin)
        share_surprise = beta_binomial_surprise(
            test.negatives, test.total, tested * evidence, (1 - tested) * evidence
        )
        return Alert(
            org=observation.org,
            detected_at=observation.ts,
            message_id=observation.message_id,
            severity=_severity(excess_per_hour, ratio, toxic / len(negatives)),
            window_minutes=test.minutes,
            negative_count=test.negatives,
            expected_negative=round(test.expected_negative, 3),
            total_count=test.total,
            expected_total=round(test.expected_total, 3),
            negative_share=round(test.negatives / max(test.total, 1), 3),
            baseline_share=round(test.baseline_share, 3),
            count_surprise=round(test.count_surprise, 2),
            share_surprise=round(share_surprise, 2),
            negative_authors=len({item.author for item in negatives if item.author}),
            toxic_count=toxic,
            top_terms=top_terms(item.text for item in negatives),
            top_topics=tuple(
                topic
                for topic, _ in Counter(item.topic for item in negatives if item.topic).most_common(
                    3
                )
            ),
            top_authors=tuple(
                author
                for author, count in Counter(
                    item.author for item in negatives if item.author
                ).most_common(3)
                if count > 1
            ),
            message_ids=tuple(item.message_id for item in negatives[-20:]),
            cohesion_surprise=round(test.cohesion, 2),
        )


def _severity(excess_per_hour: float, ratio: float, toxic_share: float) -> Severity:
    if excess_per_hour >= 200 and ratio >= 10:
        return Severity.CRITICAL
    if excess_per_hour >= 60 and ratio >= 5:
        return Severity.CRITICAL if toxic_share >= 1 / 3 else Severity.HIGH
    if excess_per_hour >= 20 and ratio >= 3:
        return Severity.MEDIUM
    return Severity.LOW


_WORD = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_STOPWORDS = frozenset(
    [
        "a",
        "ai",
        "au",
        "aux",
        "avec",
        "c",
        "ca",
        "ce",
        "ces",
        "cette",
        "comme",
        "d",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "est",
        "et",
        "etait",
        "il",
        "ils",
        "j",
        "je",
        "l",
        "la",
        "le",
        "les",
        "leur",
        "lui",
        "m",
        "ma",
        "mais",
        "me",
        "meme",
        "mes",
        "moi",
        "mon",
        "n",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "plus",
        "pour",
        "qu",
        "que",
        "qui",
        "s",
        "sa",
        "sans",
        "se",
        "ses",
        "si",
        "son",
        "sont",
        "sur",
        "t",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tous",
        "tout",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "y",
        "quoi",
        "quand",
        "comment",
        "pourquoi",
        "encore",
        "toujours",
        "rien",
        "tres",
        "trop",
        "fait",
        "faire",
        "faut",
        "etre",
        "avoir",
        "bien",
        "bonjour",
        "merci",
        "alors",
        "apres",
        "aussi",
        "deja",
        "ici",
        "la-bas",
        "mairie",
        "ville",
    ]
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def message_terms(text: str) -> frozenset[str]:
    """The meaningful words of one message, accents folded, each once."""
    return frozenset(
        word
        for word in _WORD.findall(_fold(text))
        if len(word) > 2 and word not in _STOPWORDS and not word.isdigit()
    )


def top_terms(texts: Iterable[str], limit: int = 5) -> tuple[str, ...]:
    """The most frequent meaningful words of some messages, accents folded."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(message_terms(text))  # once per message: a term spreads when many use it
    # Ties in alphabetical order, so that a replay gives the same terms every time.
    ranked = sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return tuple(word for word, _ in ranked[:limit])
