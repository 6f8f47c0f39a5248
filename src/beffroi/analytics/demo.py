"""Demonstration data: a year of an organisation's accounts on the simulated network, in the lake.

The history comes from `beffroi.networks.sandbox.world.simulate_history` (posts, metric snapshots,
comments, mentions, each with its ground truth). The simulator does not play the communication
team, so the team's side is derived here, deterministically: answers to most requests within a few
hours, insults hidden. Everything written is simulated, and the demo says so.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from beffroi.analytics.lake import AppendResult, EventKind, EventLake, LakeEvent
from beffroi.core.domain import Network
from beffroi.networks.sandbox.adapter import AUDIENCE_SHARE
from beffroi.networks.sandbox.corpus import LabelledText
from beffroi.networks.sandbox.model import PostFormat
from beffroi.networks.sandbox.world import SimulatedDay, simulate_history
from beffroi.networks.types import Comment, Mention

# Places of the simulated audience that count as the territory (attractiveness looks outside it).
TERRITORY_PLACES = frozenset({"Ville-centre", "Communes de l'agglomération"})


@dataclass(frozen=True, slots=True)
class DemoAccount:
    network: Network
    handle: str
    followers: int


def _fraction(*parts: str) -> float:
    """A stable pseudo-random number in [0, 1) from its parts (no global random state)."""
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _outside_share(places: dict[str, float]) -> float | None:
    if not places:
        return None
    return round(sum(share for place, share in places.items() if place not in TERRITORY_PLACES), 4)


def day_events(organisation: str, network: str, day: SimulatedDay) -> Iterator[LakeEvent]:
    """The lake events of one simulated day, with the team's answers and moderation."""
    stats = day.account
    yield LakeEvent(
        kind=EventKind.ACCOUNT_STATS,
        occurred_at=stats.taken_at,
        organisation=organisation,
        network=network,
        followers=stats.followers,
        followers_outside_share=_outside_share(stats.audience_places),
    )
    for simulated in day.posts:
        post = simulated.post
        sponsored = simulated.budget_eur > 0 or post.sponsored
        yield LakeEvent(
            kind=EventKind.POST,
            occurred_at=post.published_at,
            organisation=organisation,
            network=network,
            account=post.author.handle,
            event_id=post.remote_id,
            post_id=post.remote_id,
            is_video=simulated.format is PostFormat.VIDEO,
            relays_website=simulated.format is PostFormat.LINK,
            sponsored=sponsored,
            topic=simulated.topic.value,
            text=post.text,
            url=post.url,
        )
        for snapshot in simulated.snapshots:
            yield LakeEvent(
                kind=EventKind.METRICS,
                occurred_at=snapshot.taken_at,
                organisation=organisation,
                network=network,
                post_id=post.remote_id,
                impressions=snapshot.impressions,
                reach=snapshot.reach,
                likes=snapshot.likes,
                comments=snapshot.comments,
                shares=snapshot.shares,
                clicks=snapshot.clicks,
                video_views=snapshot.video_views,
            )
        if sponsored and simulated.outcome.paid_reach:
            yield LakeEvent(
                kind=EventKind.SPONSORED,
                occurred_at=post.published_at + timedelta(days=1),
                organisation=organisation,
                network=network,
                post_id=post.remote_id,
                spend_eur=simulated.budget_eur,
                reach=simulated.outcome.paid_reach,
                impressions=simulated.outcome.paid_impressions,
                results=simulated.outcome.clicks or simulated.outcome.likes,
            )
    messages: list[tuple[Comment | Mention, LabelledText, EventKind, str | None]] = [
        (c.comment, c.label, EventKind.COMMENT, c.comment.post_remote_id) for c in day.comments
    ]
    messages += [(m.mention, m.label, EventKind.MENTION, None) for m in day.mentions]
    for message, label, kind, post_id in messages:
        yield LakeEvent(
            kind=kind,
            occurred_at=message.created_at,
            organisation=organisation,
            network=network,
            event_id=message.remote_id,
            post_id=post_id,
            author=message.author.remote_id,
            sentiment=label.sentiment.value,
            topic=label.topic.value,
            expects_response=label.is_request,
        )
        if label.is_insult:
            yield LakeEvent(
                kind=EventKind.MODERATION,
                occurred_at=message.created_at + timedelta(minutes=40),
                organisation=organisation,
                network=network,
                in_reply_to=message.remote_id,
                moderation_action="hide",
            )
        elif label.is_request and _fraction(message.remote_id, "answered") < 0.75:
            delay = timedelta(minutes=20 + 600 * _fraction(message.remote_id, "delay"))
            yield LakeEvent(
                kind=EventKind.REPLY,
                occurred_at=message.created_at + delay,
                organisation=organisation,
                network=network,
                in_reply_to=message.remote_id,
                response_seconds=int(delay.total_seconds()),
            )


def fill_demo_history(
    lake: EventLake,
    *,
    organisation: str,
    accounts: Sequence[DemoAccount],
    start: date,
    days: int = 365,
    place: str = "Valmont",
    batch_days: int = 31,
) -> AppendResult:
    """Append `days` of simulated history of every account, a month at a time."""
    rows = 0
    files: list[str] = []
    for account in accounts:
        history = simulate_history(
            f"{organisation}:{account.network.value}",
            account.followers,
            start,
            days,
            network=account.network,
            handle=account.handle,
            place=place,
        )
        for batch in _batches(history, batch_days):
            events = [
                e for day in batch for e in day_events(organisation, account.network.value, day)
            ]
            result = lake.append(events)
            rows += result.rows
            files += result.files
    return AppendResult(rows=rows, files=tuple(files))


def _batches(days: Iterable[SimulatedDay], size: int) -> Iterator[list[SimulatedDay]]:
    batch: list[SimulatedDay] = []
    for day in days:
        batch.append(day)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def demo_load(context: Any) -> None:
    """`beffroi demo`: a year of history of the demo commune's seven accounts, rollups, objectives.

    Idempotent: the history is written once (a marker in the lake), objectives only if none exist.
    """
    from beffroi.analytics import selectors, services
    from beffroi.analytics.models import Objective

    organisation = context.commune
    event_lake = selectors.lake()
    marker = Path(str(event_lake.root)) / f".analytics-demo-{organisation.slug}"
    today = date.today()
    start = today - timedelta(days=365)
    if not marker.exists():
        accounts = [
            DemoAccount(
                Network(account.network),
                account.handle.lstrip("@").split("@")[0],
                max(
                    100,
                    round(organisation.population / 10 * AUDIENCE_SHARE[Network(account.network)]),
                ),
            )
            for account in context.accounts.values()
        ]
        fill_demo_history(
            event_lake,
            organisation=organisation.slug,
            accounts=accounts,
            start=start,
            days=365,
            place=organisation.name,
        )
        marker.write_text(today.isoformat())
        services.rollups_refresh(since=start)
    if not Objective.objects.filter(organisation=organisation).exists():
        deadline = date(today.year, 12, 31) if today.month < 10 else date(today.year + 1, 6, 30)
        for kind, title, indicator, baseline, target in (
            ("notoriete", "Élargir l'audience de la ville", "followers", 1200, 1800),
            ("image", "Améliorer la tonalité des échanges", "net_sentiment", 0.0, 0.2),
            ("lien_social", "Répondre vite aux habitants", "response_rate", 0.6, 0.9),
        ):
            services.objective_create(
                organisation=organisation,
                kind=kind,
                title=title,
                actor=None,
                targets=[services.TargetInput(indicator, baseline, target, start, deadline)],
            )
