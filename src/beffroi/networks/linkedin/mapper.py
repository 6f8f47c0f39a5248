"""LinkedIn /rest payloads -> Beffroi's dataclasses. Times are epoch milliseconds."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from beffroi.core.domain import Network
from beffroi.networks.dedupe import text_fingerprint
from beffroi.networks.types import AccountStats, Author, Comment, Mention, MetricsSnapshot, Post


def from_ms(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, UTC)


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def post_url(urn: str) -> str:
    return f"https://www.linkedin.com/feed/update/{urn}/"


def plain(commentary: str) -> str:
    """Little text back to what a person reads: escapes and hashtag templates undone."""
    text = re.sub(r"\{hashtag\|\\?#\|([^}]*)\}", r"#\1", commentary or "")
    return re.sub(r"\\([|{}@\[\]()<>#\\*_~])", r"\1", text)


def member(urn: str, names: dict[str, str] | None = None) -> Author:
    """LinkedIn gives member URNs, not names, to organisation apps: the name is shown when known."""
    name = (names or {}).get(urn, "")
    return Author(remote_id=urn, handle=urn, display_name=name or "Membre LinkedIn")


def organisation(urn: str, name: str = "") -> Author:
    org_id = urn.rsplit(":", 1)[-1]
    return Author(
        remote_id=urn,
        handle=urn,
        display_name=name,
        url=f"https://www.linkedin.com/company/{org_id}/",
    )


def author_of(urn: str, org_name: str = "") -> Author:
    return organisation(urn, org_name) if ":organization:" in urn else member(urn)


def metrics_from(stats: dict[str, Any] | None, taken_at: datetime) -> MetricsSnapshot | None:
    if not stats:
        return None
    return MetricsSnapshot(
        taken_at=taken_at,
        impressions=stats.get("impressionCount"),
        reach=stats.get("uniqueImpressionsCount"),
        likes=int(stats.get("likeCount", 0)),
        comments=int(stats.get("commentCount", 0)),
        shares=int(stats.get("shareCount", 0)),
        clicks=stats.get("clickCount"),
    )


def post_from(
    element: dict[str, Any], stats: dict[str, Any] | None, *, taken_at: datetime, org_name: str
) -> Post:
    urn = str(element["id"])
    content = element.get("content") if isinstance(element.get("content"), dict) else {}
    media_count = 0
    if content:
        if "multiImage" in content:
            media_count = len(content["multiImage"].get("images", []))
        elif "media" in content:
            media_count = 1
    return Post(
        network=Network.LINKEDIN,
        remote_id=urn,
        url=post_url(urn),
        text=plain(str(element.get("commentary") or "")),
        published_at=from_ms(element.get("publishedAt") or element["createdAt"]),
        author=author_of(str(element.get("author", "")), org_name),
        metrics=metrics_from(stats, taken_at),
        media_count=media_count,
    )


def stats_by_post(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """organizationalEntityShareStatistics elements carry `share` or `ugcPost` and their totals."""
    found: dict[str, dict[str, Any]] = {}
    for element in body.get("elements", []):
        urn = element.get("share") or element.get("ugcPost")
        if urn and isinstance(element.get("totalShareStatistics"), dict):
            found[str(urn)] = element["totalShareStatistics"]
    return found


def comment_from(element: dict[str, Any], *, post_urn: str, org_name: str = "") -> Comment:
    created = element.get("created") if isinstance(element.get("created"), dict) else {}
    actor = str(element.get("actor") or (created or {}).get("actor") or "")
    likes = element.get("likesSummary") if isinstance(element.get("likesSummary"), dict) else {}
    return Comment(
        network=Network.LINKEDIN,
        remote_id=str(element.get("commentUrn") or element["$URN"]),
        post_remote_id=post_urn,
        text=plain(str((element.get("message") or {}).get("text") or "")),
        created_at=from_ms((created or {})["time"]),
        author=author_of(actor, org_name),
        parent_remote_id=str(element["parentComment"]) if element.get("parentComment") else None,
        likes=int((likes or {}).get("totalLikes", 0)),
    )


def mention_from_post(element: dict[str, Any]) -> Mention:
    urn = str(element["id"])
    return Mention(
        network=Network.LINKEDIN,
        remote_id=urn,
        text=plain(str(element.get("commentary") or "")),
        created_at=from_ms(element.get("publishedAt") or element["createdAt"]),
        author=author_of(str(element.get("author", ""))),
        url=post_url(urn),
        kind="mention",
    )


def account_stats_from(
    network_size: dict[str, Any], share_stats: dict[str, Any], *, taken_at: datetime
) -> AccountStats:
    impressions = reach = 0
    seen = False
    for element in share_stats.get("elements", []):
        totals = element.get("totalShareStatistics") or {}
        impressions += int(totals.get("impressionCount", 0))
        reach += int(totals.get("uniqueImpressionsCount", 0))
        seen = True
    return AccountStats(
        taken_at=taken_at,
        followers=int(network_size.get("firstDegreeSize", 0)),
        impressions_28d=impressions if seen else None,
        # Daily unique impressions summed over 28 days overcount people seen twice: an upper bound.
        reach_28d=reach if seen else None,
    )


def followers_by_geo(body: dict[str, Any]) -> dict[str, int]:
    """organizationalEntityFollowerStatistics (lifetime): organic + paid followers by geo URN."""
    counts: dict[str, int] = {}
    for element in body.get("elements", []):
        for entry in element.get("followerCountsByGeo", []):
            followers = entry.get("followerCounts") or {}
            total = int(followers.get("organicFollowerCount", 0)) + int(
                followers.get("paidFollowerCount", 0)
            )
            if entry.get("geo") and total:
                counts[str(entry["geo"])] = counts.get(str(entry["geo"]), 0) + total
    return counts


def places_from(
    geos: list[str], counts: dict[str, int], total: int, names: dict[str, Any]
) -> dict[str, float]:
    """{"Lyon": 0.31, ...} from the Geo API's BATCH_GET `results`, keyed by numeric id."""
    results = names.get("results") if isinstance(names.get("results"), dict) else {}
    places: dict[str, float] = {}
    for geo in geos:
        entry = (results or {}).get(geo.rsplit(":", 1)[-1]) or {}
        name = str((entry.get("defaultLocalizedName") or {}).get("value") or "")
        if name and total:
            places[name] = round(counts[geo] / total, 4)
    return places


def same_text(commentary: str, text: str) -> bool:
    return text_fingerprint(commentary) == text_fingerprint(text)
