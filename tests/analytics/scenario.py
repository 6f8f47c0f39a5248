"""A month of a small town's activity, written by hand so that every KPI can be worked out on paper.

Ville A, March 2026, on Mastodon and Bluesky:
- followers: Mastodon 1,000 -> 1,100 (30 % outside the territory at the end), Bluesky 500 -> 450
  (10 % outside): 1,500 -> 1,550, growth 50, outside share 375 / 1,550;
- 3 posts on Mastodon: p1 relays the website, p2 is a native video, p3 is sponsored; p4 is published
  at 00:30 on 1 April in Paris (22:30 UTC on 31 March) and so belongs to April;
- latest snapshots: reach 80 + 100 + 300 = 480, impressions 100 + 200 + 400 = 700, engagements
  10 + 20 + 20 = 50, video views 150; organic reach 180 over 2 unsponsored posts;
- p3 sponsored: 50 EUR for 25 results (2 EUR each), 1,500 paid reach;
- messages: 3 comments and 1 mention, 2 positive and 1 negative (net sentiment 0.25); 3 expect an
  answer, 2 got one, first answers after 600 s and 1,800 s (20 minutes on average);
- 1 moderation action; 3 replies sent.
Ville B has 3 mentions in March: Ville A's share of voice between the two is 1 / 4.
"""

from __future__ import annotations

from datetime import UTC, datetime

from beffroi.analytics.kpis import Period
from beffroi.analytics.lake import EventKind, EventLake, LakeEvent

MARCH = Period.month(2026, 3)


def at(day: int, hour: int = 12, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


def _stats(network: str, day: int, hour: int, followers: int, outside: float) -> LakeEvent:
    return LakeEvent(
        kind=EventKind.ACCOUNT_STATS,
        occurred_at=at(day, hour),
        organisation="ville-a",
        network=network,
        account=f"@ville-a@{network}",
        followers=followers,
        followers_outside_share=outside,
    )


def _post(post_id: str, when: datetime, **flags: bool) -> LakeEvent:
    return LakeEvent(
        kind=EventKind.POST,
        occurred_at=when,
        organisation="ville-a",
        network="mastodon",
        account="@ville-a",
        event_id=post_id,
        post_id=post_id,
        text=f"Publication {post_id}",
        url=f"https://mastodon.example/@ville-a/{post_id}",
        **flags,
    )


def _metrics(post_id: str, when: datetime, **values: int) -> LakeEvent:
    return LakeEvent(
        kind=EventKind.METRICS,
        occurred_at=when,
        organisation="ville-a",
        network="mastodon",
        post_id=post_id,
        **values,
    )


def _message(kind: EventKind, event_id: str, day: int, sentiment: str, expects: bool) -> LakeEvent:
    return LakeEvent(
        kind=kind,
        occurred_at=at(day),
        organisation="ville-a",
        network="mastodon",
        event_id=event_id,
        post_id="p1" if kind is EventKind.COMMENT else None,
        author=f"citoyen-{event_id}",
        sentiment=sentiment,
        expects_response=expects,
        keyword="piscine" if kind is EventKind.MENTION else None,
    )


def _reply(to: str, day: int, seconds: int) -> LakeEvent:
    return LakeEvent(
        kind=EventKind.REPLY,
        occurred_at=at(day, 13),
        organisation="ville-a",
        network="mastodon",
        in_reply_to=to,
        response_seconds=seconds,
    )


def scenario_events() -> list[LakeEvent]:
    events = [
        _stats("mastodon", 1, 6, 1000, 0.2),
        _stats("mastodon", 31, 6, 1050, 0.25),
        _stats("mastodon", 31, 18, 1100, 0.3),  # the last snapshot of the day wins
        _stats("bluesky", 1, 6, 500, 0.1),
        _stats("bluesky", 31, 6, 450, 0.1),
        _post("p1", at(2), relays_website=True),
        _post("p2", at(10), relays_website=False, is_video=True),
        _post("p3", at(20), sponsored=True),
        _post("p4", datetime(2026, 3, 31, 22, 30, tzinfo=UTC)),
        _metrics("p1", at(3), reach=50, impressions=70, likes=5),
        _metrics("p1", at(9), reach=80, impressions=100, likes=8, comments=1, shares=1),
        _metrics(
            "p2",
            at(11),
            reach=100,
            impressions=200,
            likes=10,
            comments=5,
            shares=5,
            video_views=150,
        ),
        _metrics("p3", at(21), reach=300, impressions=400, likes=20),
        _metrics("p4", at(2, month=4), reach=999, impressions=999, likes=99),
        LakeEvent(
            kind=EventKind.SPONSORED,
            occurred_at=at(21),
            organisation="ville-a",
            network="mastodon",
            post_id="p3",
            spend_eur=30.0,
            results=10,
            reach=1000,
        ),
        LakeEvent(
            kind=EventKind.SPONSORED,
            occurred_at=at(22),
            organisation="ville-a",
            network="mastodon",
            post_id="p3",
            spend_eur=20.0,
            results=15,
            reach=500,
        ),
        _message(EventKind.COMMENT, "c1", 2, "positive", True),
        _message(EventKind.COMMENT, "c2", 3, "negative", True),
        _message(EventKind.COMMENT, "c3", 4, "neutral", False),
        _message(EventKind.MENTION, "m1", 5, "positive", True),
        _reply("c1", 2, 600),
        _reply("c1", 2, 1200),  # a second answer does not change the first-response time
        _reply("m1", 5, 1800),
        LakeEvent(
            kind=EventKind.MODERATION,
            occurred_at=at(3, 14),
            organisation="ville-a",
            network="mastodon",
            in_reply_to="c2",
            moderation_action="hide",
        ),
    ]
    for index in range(3):
        events.append(
            LakeEvent(
                kind=EventKind.MENTION,
                occurred_at=at(7 + index),
                organisation="ville-b",
                network="bluesky",
                event_id=f"mb{index}",
                author=f"b{index}",
            )
        )
    return events


def fill_scenario(lake: EventLake) -> EventLake:
    lake.append(scenario_events())
    return lake
