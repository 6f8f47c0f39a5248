"""Sponsoring planner: what a budget would add to a post's reach, from the account's own history.

An unsponsored post reaches at most about one follower in ten; the account's past posts say where it
stands below that ceiling. Past sponsored posts say how much reach a euro bought on this network
(the interquartile range gives the low and high estimates). No history: no figure invented, the plan
says so. During an election period the plan is refused (Code électoral, art. L52-1): the compliance
module supplies the calendar as a predicate.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import ibis.expr.types as ir

from beffroi.analytics.kpis import AnalyticsBackend
from beffroi.analytics.lake import EventKind

ORGANIC_CEILING = 0.10  # share of followers an unsponsored post reaches, at most


class SponsoringRefused(Exception):
    """Sponsoring is not allowed now (election period)."""


@dataclass(frozen=True, slots=True)
class PastCampaign:
    post_id: str
    day: date
    spend_eur: float
    paid_reach: int
    results: int

    @property
    def reach_per_euro(self) -> float:
        return self.paid_reach / self.spend_eur if self.spend_eur else 0.0


@dataclass(frozen=True, slots=True)
class SponsoringHistory:
    organisation: str
    network: str
    followers: int | None
    organic_reach_ratios: tuple[float, ...]  # reach / followers of past unsponsored posts
    campaigns: tuple[PastCampaign, ...]


@dataclass(frozen=True, slots=True)
class SponsoringPlan:
    budget_eur: float
    followers: int | None
    organic_reach: int | None  # what the post would reach without paying
    paid_reach_low: int | None
    paid_reach_expected: int | None
    paid_reach_high: int | None
    cost_per_thousand_eur: float | None
    campaigns_used: int
    explanation: str

    @property
    def total_reach_expected(self) -> int | None:
        if self.organic_reach is None:
            return None
        return self.organic_reach + (self.paid_reach_expected or 0)


def _quartiles(values: Sequence[float]) -> tuple[float, float, float]:
    if len(values) == 1:
        return values[0], values[0], values[0]
    low, median, high = statistics.quantiles(values, n=4, method="inclusive")
    return low, median, high


# The raw columns `history_expressions` reads (`events_window` reads only those).
HISTORY_COLUMNS = (
    *("organisation", "network", "day", "kind", "occurred_at", "post_id", "account"),
    *("sponsored", "spend_eur", "reach", "results", "followers"),
)


def history_expressions(
    events: ir.Table, *, organisation: str, network: str, since: date
) -> tuple[ir.Table, ir.Table, ir.Table]:
    """Ibis expressions: past campaigns, unsponsored posts' latest reach, latest followers."""
    t = events.filter(
        (events.organisation == organisation) & (events.network == network) & (events.day >= since)
    )
    paid = t.filter(t.kind == EventKind.SPONSORED.value)
    campaigns = paid.group_by("post_id").agg(
        day=paid.day.min(),
        spend_eur=paid.spend_eur.sum(),
        paid_reach=paid.reach.sum(),
        results=paid.results.sum(),
    )
    posts = t.filter((t.kind == EventKind.POST.value) & ~t.sponsored.fill_null(False)).select(
        "post_id"
    )
    metrics = t.filter(t.kind == EventKind.METRICS.value)
    latest = metrics.group_by("post_id").agg(reach=metrics.reach.argmax(metrics.occurred_at))
    organic = posts.inner_join(latest, "post_id").select("post_id", "reach")
    stats = t.filter((t.kind == EventKind.ACCOUNT_STATS.value) & t.followers.notnull())
    followers = stats.group_by("account").agg(followers=stats.followers.argmax(stats.occurred_at))
    return campaigns, organic, followers


def load_history(
    backend: AnalyticsBackend,
    events: ir.Table,
    *,
    organisation: str,
    network: str,
    since: date,
) -> SponsoringHistory:
    campaigns, organic, followers = history_expressions(
        events, organisation=organisation, network=network, since=since
    )
    follower_rows = backend.to_arrow(followers).to_pylist()
    total_followers = sum(r["followers"] for r in follower_rows) if follower_rows else None
    ratios: tuple[float, ...] = ()
    if total_followers:
        ratios = tuple(
            r["reach"] / total_followers
            for r in backend.to_arrow(organic).to_pylist()
            if r["reach"] is not None
        )
    past = tuple(
        PastCampaign(
            post_id=r["post_id"],
            day=r["day"],
            spend_eur=float(r["spend_eur"] or 0),
            paid_reach=int(r["paid_reach"] or 0),
            results=int(r["results"] or 0),
        )
        for r in sorted(backend.to_arrow(campaigns).to_pylist(), key=lambda r: r["day"])
        if r["spend_eur"]
    )
    return SponsoringHistory(organisation, network, total_followers, ratios, past)


def plan_sponsoring(
    history: SponsoringHistory,
    *,
    budget_eur: float,
    on: date,
    is_election_period: Callable[[date], bool] = lambda _day: False,
) -> SponsoringPlan:
    """What `budget_eur` would add to the reach of one post, from the account's history."""
    if is_election_period(on):
        raise SponsoringRefused(
            "Période électorale : pas de publication sponsorisée (Code électoral, art. L52-1). "
            "La communication institutionnelle reste possible sans achat d'espace."
        )
    if budget_eur < 0:
        raise ValueError("Le budget ne peut pas être négatif.")
    notes: list[str] = []
    organic = None
    if history.followers and history.organic_reach_ratios:
        typical = min(statistics.median(history.organic_reach_ratios), ORGANIC_CEILING)
        organic = round(history.followers * typical)
        share = f"{typical * 100:.1f}".replace(".", ",")  # French decimal comma
        notes.append(
            f"Sans sponsoring, une publication de ce compte touche en général "
            f"{share} % de ses {history.followers} abonnés "
            f"(médiane de {len(history.organic_reach_ratios)} publications ; "
            f"plafond habituel : {ORGANIC_CEILING * 100:.0f} %)."
        )
    else:
        notes.append("Pas assez d'historique pour estimer la portée organique.")
    rates = [c.reach_per_euro for c in history.campaigns if c.spend_eur > 0]
    low = expected = high = None
    cpm = None
    if rates and budget_eur > 0:
        q1, median, q3 = _quartiles(rates)
        low, expected, high = (round(budget_eur * r) for r in (q1, median, q3))
        cpm = 1000 / median if median else None
        notes.append(
            f"D'après {len(rates)} publication(s) sponsorisée(s) de ce compte, "
            f"{budget_eur:.0f} € apporteraient entre {low} et {high} personnes "
            f"(environ {expected})."
        )
    elif budget_eur > 0:
        notes.append(
            "Aucune publication sponsorisée dans l'historique de ce compte : "
            "pas d'estimation de la portée payante."
        )
    return SponsoringPlan(
        budget_eur=budget_eur,
        followers=history.followers,
        organic_reach=organic,
        paid_reach_low=low,
        paid_reach_expected=expected,
        paid_reach_high=high,
        cost_per_thousand_eur=cpm,
        campaigns_used=len(rates),
        explanation=" ".join(notes),
    )
