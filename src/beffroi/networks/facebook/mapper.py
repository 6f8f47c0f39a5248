"""Facebook Page payloads (Graph API) -> Beffroi's frozen dataclasses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beffroi.core.domain import Network
from beffroi.networks.facebook.graph import (
    graph_items,
    insight_values,
    parse_graph_time,
    summary_count,
)
from beffroi.networks.types import AccountStats, Author, Comment, Mention, MetricsSnapshot, Post

# Fields asked for each Page post: what fetch_posts maps below, nothing more.
POST_FIELDS = (
    "id,message,created_time,permalink_url,from{id,name},shares,"
    "reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),"
    "attachments{media_type,subattachments.limit(10){media_type}},"
    "insights.metric(post_media_view,post_total_media_view_unique,post_clicks)"
)
POST_FIELDS_WITHOUT_INSIGHTS = POST_FIELDS.rsplit(",insights.", 1)[0]
COMMENT_FIELDS = (
    "id,message,created_time,from{id,name},like_count,is_hidden,parent{id},permalink_url"
)
TAGGED_FIELDS = "id,message,created_time,from{id,name},permalink_url"


def author_from(node: Any) -> Author:
    """`from` is missing when the commenter did not allow apps to see them (Graph privacy rule)."""
    if not isinstance(node, dict) or not node.get("id"):
        return Author(remote_id="", handle="", display_name="Personne non identifiée")
    remote_id = str(node["id"])
    name = str(node.get("name") or "")
    return Author(
        remote_id=remote_id,
        handle=name,
        display_name=name,
        url=f"https://www.facebook.com/{remote_id}",
    )


def post_from(node: dict[str, Any], *, page_id: str, taken_at: datetime) -> Post:
    insights = insight_values(node.get("insights"))
    shares = node.get("shares")
    metrics = MetricsSnapshot(
        taken_at=taken_at,
        impressions=insights.get("post_media_view"),
        reach=insights.get("post_total_media_view_unique"),
        likes=summary_count(node.get("reactions")),
        comments=summary_count(node.get("comments")),
        shares=int(shares.get("count", 0)) if isinstance(shares, dict) else 0,
        clicks=insights.get("post_clicks"),
    )
    author = author_from(node.get("from")) if node.get("from") else Author(page_id, page_id)
    return Post(
        network=Network.FACEBOOK,
        remote_id=str(node["id"]),
        url=node.get("permalink_url") or f"https://www.facebook.com/{node['id']}",
        text=str(node.get("message") or ""),
        published_at=parse_graph_time(node["created_time"]),
        author=author,
        metrics=metrics,
        media_count=_media_count(node.get("attachments")),
    )


def _media_count(attachments: Any) -> int:
    count = 0
    for attachment in graph_items(attachments):
        sub = graph_items(attachment.get("subattachments"))
        if sub:
            count += len(sub)
        elif attachment.get("media_type") in {"photo", "video", "album"}:
            count += 1
    return count


def comment_from(node: dict[str, Any], *, post_remote_id: str) -> Comment:
    parent = node.get("parent")
    return Comment(
        network=Network.FACEBOOK,
        remote_id=str(node["id"]),
        post_remote_id=post_remote_id,
        text=str(node.get("message") or ""),
        created_at=parse_graph_time(node["created_time"]),
        author=author_from(node.get("from")),
        parent_remote_id=str(parent["id"]) if isinstance(parent, dict) and "id" in parent else None,
        likes=int(node.get("like_count") or 0),
        hidden=bool(node.get("is_hidden", False)),
        url=node.get("permalink_url"),
    )


def mention_from_tagged(node: dict[str, Any]) -> Mention:
    return Mention(
        network=Network.FACEBOOK,
        remote_id=str(node["id"]),
        text=str(node.get("message") or ""),
        created_at=parse_graph_time(node["created_time"]),
        author=author_from(node.get("from")),
        url=node.get("permalink_url"),
        kind="mention",
    )


def account_stats_from(page: dict[str, Any], insights: Any, *, taken_at: datetime) -> AccountStats:
    values = insight_values(insights)
    followers = page.get("followers_count")
    if followers is None:
        followers = page.get("fan_count", 0)
    return AccountStats(
        taken_at=taken_at,
        followers=int(followers or 0),
        impressions_28d=values.get("page_media_view"),
        reach_28d=values.get("page_total_media_view_unique"),
    )
