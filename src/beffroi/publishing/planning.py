"""Where the plan is not met, and when an account's audience answers best: pure functions over
simple records, so that the calendar view, the reports and the tests share them."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from beffroi.core.domain import TOPIC_LABELS, Network, Topic
from beffroi.publishing.agenda import PARIS

WEEKDAYS_FR = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
# Used until an account has enough history of its own: mornings and lunch on weekdays.
DEFAULT_SLOTS: tuple[tuple[int, int], ...] = ((1, 8), (3, 12), (4, 18))
MIN_HISTORY = 20


@dataclass(frozen=True, slots=True)
class PlannedPost:
    network: Network
    starts_at: datetime  # aware
    topic: Topic = Topic.AUTRE
    relays_website: bool = False  # imported from the website as it was


@dataclass(frozen=True, slots=True)
class LinePlan:
    """What the editorial line of one network account asks for."""

    network: Network
    posts_per_week: float
    themes: tuple[Topic, ...] = ()
    max_per_day: int = 3


ALERT_LABELS = {
    "silent_network": "Réseau silencieux",
    "under_rhythm": "Rythme insuffisant",
    "crowded_day": "Jour chargé",
    "theme_missing": "Thème absent",
    "website_relay": "Simple relais du site",
}


@dataclass(frozen=True, slots=True)
class PlanAlert:
    kind: str  # silent_network, under_rhythm, crowded_day, theme_missing, website_relay
    network: Network | None
    message: str
    day: date | None = None

    @property
    def label(self) -> str:
        return ALERT_LABELS.get(self.kind, self.kind)


def plan_alerts(
    posts: Sequence[PlannedPost],
    lines: Sequence[LinePlan],
    *,
    start: date,
    end: date,
    max_relay_share: float = 0.5,
) -> list[PlanAlert]:
    """Gaps between the calendar of `start`..`end` (inclusive, Paris days) and the editorial lines."""
    alerts: list[PlanAlert] = []
    days = (end - start).days + 1
    in_period = [p for p in posts if start <= p.starts_at.astimezone(PARIS).date() <= end]
    for line in lines:
        mine = [p for p in in_period if p.network is line.network]
        expected = line.posts_per_week * days / 7
        label = line.network.label
        if not mine and expected >= 1:
            alerts.append(
                PlanAlert(
                    "silent_network", line.network, f"{label} reste silencieux sur la période."
                )
            )
        elif len(mine) + 0.5 < expected * 0.75:
            alerts.append(
                PlanAlert(
                    "under_rhythm",
                    line.network,
                    f"{label} : {len(mine)} publication(s) prévue(s) pour {expected:.0f} attendue(s) "
                    f"par la ligne éditoriale ({line.posts_per_week:g} par semaine).",
                )
            )
        per_day = Counter(p.starts_at.astimezone(PARIS).date() for p in mine)
        for day, count in sorted(per_day.items()):
            if count > line.max_per_day:
                alerts.append(
                    PlanAlert(
                        "crowded_day",
                        line.network,
                        f"{label} : {count} publications le {WEEKDAYS_FR[day.weekday()]} "
                        f"{day:%d/%m}, la ligne en prévoit {line.max_per_day} au plus par jour.",
                        day,
                    )
                )
        covered = {p.topic for p in mine}
        for theme in line.themes:
            if theme not in covered:
                alerts.append(
                    PlanAlert(
                        "theme_missing",
                        line.network,
                        f"{label} : le thème « {TOPIC_LABELS[theme]} » n'est jamais abordé.",
                    )
                )
        relays = sum(p.relays_website for p in mine)
        if mine and relays / len(mine) > max_relay_share:
            alerts.append(
                PlanAlert(
                    "website_relay",
                    line.network,
                    f"{label} : {relays} publication(s) sur {len(mine)} ne font que relayer le site ; "
                    "adaptez-les au réseau.",
                )
            )
    return alerts


@dataclass(frozen=True, slots=True)
class PostOutcome:
    published_at: datetime
    engagement_rate: float  # interactions / reach (or / followers when reach is unknown)


@dataclass(frozen=True, slots=True)
class Slot:
    weekday: int  # 0 = lundi
    hour: int  # Paris time
    median_rate: float | None  # None for default slots
    posts: int

    @property
    def label(self) -> str:
        return f"{WEEKDAYS_FR[self.weekday]} {self.hour} h"


def best_slots(history: Iterable[PostOutcome], *, top: int = 3) -> list[Slot]:
    """The weekday and hour (Paris) when the account's posts got the best median engagement.

    Slots with fewer than two posts are ignored; with less than 20 posts of history, the
    defaults that collectivités' studies give are returned (mardi 8 h, jeudi 12 h, vendredi 18 h).
    """
    outcomes = list(history)
    if len(outcomes) < MIN_HISTORY:
        return [Slot(d, h, None, 0) for d, h in DEFAULT_SLOTS[:top]]
    by_slot: dict[tuple[int, int], list[float]] = defaultdict(list)
    for outcome in outcomes:
        local = outcome.published_at.astimezone(PARIS)
        by_slot[(local.weekday(), local.hour)].append(outcome.engagement_rate)
    ranked = sorted(
        (
            (statistics.median(rates), len(rates), key)
            for key, rates in by_slot.items()
            if len(rates) >= 2
        ),
        key=lambda item: (-item[0], -item[1], item[2]),
    )
    return [Slot(key[0], key[1], rate, count) for rate, count, key in ranked[:top]]


def next_slot_after(moment: datetime, slots: Sequence[Slot]) -> datetime:
    """The first of `slots` after `moment` (aware), in Paris time."""
    local = moment.astimezone(PARIS)
    candidates = []
    for slot in slots:
        days_ahead = (slot.weekday - local.weekday()) % 7
        candidate = (local + timedelta(days=days_ahead)).replace(
            hour=slot.hour, minute=0, second=0, microsecond=0
        )
        if candidate <= local:
            candidate += timedelta(days=7)
        candidates.append(candidate)
    return min(candidates)
