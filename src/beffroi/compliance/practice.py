"""Compare communication during a restricted period with the account's own practice before it.

The election judge asks whether the collectivité's communication kept its usual rhythm, tone and
subjects (Conseil d'État case law on "communication habituelle"): a new rhythm or a sudden taste
for achievements is a sign of a promotion campaign. These are plain descriptive statistics over the
account's posts, meant to be read by a person, not a verdict.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from beffroi.compliance.guard import promotional_signals
from beffroi.compliance.text import fold
from beffroi.core.domain import TOPIC_LABELS, Topic

_EMPHATIC_RE = re.compile(
    r"!|\b(?:formidable|magnifique|exceptionnel(?:le)?s?|incroyable|historique|fantastique|"
    r"extraordinaire|superbe|genial(?:e)?|bravo|felicitations|fiers?|fieres?)\b"
)

RHYTHM_RATIO_ALERT = 1.5
PROMO_SHARE_ALERT_POINTS = 0.10
EMPHASIS_ALERT_POINTS = 0.15
THEME_DISTANCE_ALERT = 0.30
RARE_THEME_SHARE = 0.05


@dataclass(frozen=True, slots=True)
class PostRecord:
    """One post of the account, as the comparison needs it."""

    published_at: datetime
    text: str
    topic: Topic | None = None


@dataclass(frozen=True, slots=True)
class PracticeProfile:
    posts: int
    weeks: float
    posts_per_week: float
    promo_share: float  # share of posts with at least one promotional signal
    emphasis_share: float  # share of posts with an exclamation or an emphatic word
    themes: dict[Topic, float]


@dataclass(frozen=True, slots=True)
class PracticeComparison:
    before: PracticeProfile
    during: PracticeProfile
    theme_distance: float  # total variation distance between theme shares, 0 to 1
    findings: tuple[str, ...]

    @property
    def usual(self) -> bool:
        return not self.findings


def _weeks(start: datetime, end: datetime) -> float:
    return max((end - start).total_seconds() / (7 * 86400), 1 / 7)


def is_emphatic(text: str) -> bool:
    return bool(_EMPHATIC_RE.search(fold(text)))


def profile(posts: Sequence[PostRecord], start: datetime, end: datetime) -> PracticeProfile:
    """Statistics of the posts published in [start, end)."""
    window = [p for p in posts if start <= p.published_at < end]
    weeks = _weeks(start, end)
    n = len(window)
    themes = Counter(p.topic or Topic.AUTRE for p in window)
    return PracticeProfile(
        posts=n,
        weeks=round(weeks, 2),
        posts_per_week=n / weeks,
        promo_share=(sum(1 for p in window if promotional_signals(p.text)) / n) if n else 0.0,
        emphasis_share=(sum(1 for p in window if is_emphatic(p.text)) / n) if n else 0.0,
        themes={t: c / n for t, c in themes.items()} if n else {},
    )


def theme_distance(a: dict[Topic, float], b: dict[Topic, float]) -> float:
    """Total variation distance: half the sum of absolute differences of shares."""
    keys = set(a) | set(b)
    return 0.5 * sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in keys)


def compare_practice(
    posts: Sequence[PostRecord],
    *,
    period_start: datetime,
    now: datetime,
    baseline_start: datetime,
    draft: PostRecord | None = None,
) -> PracticeComparison:
    """Posts of [baseline_start, period_start) against [period_start, now), plus the draft if any.

    The draft counts as published at `now` so that the comparison says what it would change.
    """
    before = profile(posts, baseline_start, period_start)
    during_posts = list(posts)
    if draft is not None:
        # A planned draft lies after `now`: date it inside the window so that it counts.
        inside = draft.published_at if period_start <= draft.published_at < now else period_start
        during_posts.append(PostRecord(inside, draft.text, draft.topic))
    during = profile(during_posts, period_start, now)
    distance = theme_distance(before.themes, during.themes)
    findings: list[str] = []
    if before.posts and during.posts_per_week > RHYTHM_RATIO_ALERT * before.posts_per_week:
        change = during.posts_per_week / before.posts_per_week - 1
        findings.append(
            f"Rythme en hausse de {change:.0%} : {during.posts_per_week:.1f} publications par "
            f"semaine contre {before.posts_per_week:.1f} avant la période."
        )
    if during.promo_share - before.promo_share > PROMO_SHARE_ALERT_POINTS:
        findings.append(
            f"Part de publications valorisant l'action de la collectivité : {during.promo_share:.0%} "
            f"contre {before.promo_share:.0%} avant la période."
        )
    if during.emphasis_share - before.emphasis_share > EMPHASIS_ALERT_POINTS:
        findings.append(
            f"Ton plus emphatique : {during.emphasis_share:.0%} des publications contre "
            f"{before.emphasis_share:.0%} avant la période."
        )
    if before.posts and during.posts and distance > THEME_DISTANCE_ALERT:
        findings.append(
            f"Sujets différents de l'habitude (écart de {distance:.0%} dans la répartition des thèmes)."
        )
    if draft is not None:
        findings.extend(_draft_findings(draft, before))
    return PracticeComparison(before, during, round(distance, 3), tuple(findings))


def _draft_findings(draft: PostRecord, before: PracticeProfile) -> list[str]:
    out: list[str] = []
    if not before.posts:
        return out  # no history before the period: nothing to compare with
    if promotional_signals(draft.text) and before.promo_share < PROMO_SHARE_ALERT_POINTS:
        out.append(
            "Ce brouillon valorise l'action de la collectivité, ce que le compte faisait rarement "
            f"avant la période ({before.promo_share:.0%} des publications)."
        )
    topic = draft.topic or Topic.AUTRE
    if before.themes.get(topic, 0.0) < RARE_THEME_SHARE:
        out.append(
            f"Thème inhabituel pour ce compte : « {TOPIC_LABELS[topic]} » "
            f"({before.themes.get(topic, 0.0):.0%} des publications avant la période)."
        )
    if is_emphatic(draft.text) and before.emphasis_share < EMPHASIS_ALERT_POINTS:
        out.append("Ton plus emphatique que d'habitude (exclamations, superlatifs).")
    return out
