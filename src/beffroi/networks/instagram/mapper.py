"""Instagram professional account payloads (Graph API, Facebook Login) -> Beffroi's dataclasses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from beffroi.core.domain import Network
from beffroi.networks.facebook.graph import graph_items, insight_values, parse_graph_time
from beffroi.networks.types import AccountStats, Author, Comment, Mention, MetricsSnapshot, Post

MEDIA_FIELDS = (
    "id,caption,media_type,media_product_type,permalink,timestamp,username,"
    "like_count,comments_count,children{id}"
)
COMMENT_FIELDS = (
    "id,text,timestamp,username,from{id,username},like_count,hidden,parent_id,"
    "replies{id,text,timestamp,username,from{id,username},like_count,hidden,parent_id}"
)
TAG_FIELDS = "id,caption,timestamp,permalink,username,like_count,comments_count"
HASHTAG_MEDIA_FIELDS = "id,caption,timestamp,permalink,like_count,comments_count,media_type"
# `impressions` was retired for media after 2 July 2024 (Graph v22): `views` replaces it.
MEDIA_INSIGHTS = "reach,views,saved,shares"


def profile(username: str) -> str:
    return f"https://www.instagram.com/{username}/"


def author_named(username: str, remote_id: str = "") -> Author:
    return Author(
        remote_id=remote_id or username,
        handle=username,
        display_name=username,
        url=profile(username) if username else None,
    )


def post_from(node: dict[str, Any], insights: Any, *, taken_at: datetime) -> Post:
    values = insight_values(insights)
    children = graph_items(node.get("children"))
    return Post(
        network=Network.INSTAGRAM,
        remote_id=str(node["id"]),
        url=node.get("permalink"),
        text=str(node.get("caption") or ""),
        published_at=parse_graph_time(node["timestamp"]),
        author=author_named(str(node.get("username") or "")),
        metrics=MetricsSnapshot(
            taken_at=taken_at,
            impressions=values.get("views"),
            reach=values.get("reach"),
            likes=int(node.get("like_count") or 0),
            comments=int(node.get("comments_count") or 0),
            shares=values.get("shares", 0),
            saves=values.get("saved"),
            video_views=values.get("views") if node.get("media_type") == "VIDEO" else None,
        ),
        media_count=len(children) or 1,
    )


def comments_from(node: dict[str, Any], *, media_id: str) -> list[Comment]:
    """A top-level comment and its replies, flattened; replies keep their parent id."""
    found = [_comment(node, media_id=media_id, parent=None)]
    for reply in graph_items(node.get("replies")):
        found.append(_comment(reply, media_id=media_id, parent=str(node["id"])))
    return found


def _comment(node: dict[str, Any], *, media_id: str, parent: str | None) -> Comment:
    sender = node.get("from") if isinstance(node.get("from"), dict) else {}
    username = str(node.get("username") or (sender or {}).get("username") or "")
    return Comment(
        network=Network.INSTAGRAM,
        remote_id=str(node["id"]),
        post_remote_id=media_id,
        text=str(node.get("text") or ""),
        created_at=parse_graph_time(node["timestamp"]),
        author=author_named(username, str((sender or {}).get("id") or "")),
        parent_remote_id=str(node.get("parent_id") or parent or "") or None,
        likes=int(node.get("like_count") or 0),
        hidden=bool(node.get("hidden", False)),
    )


def mention_from_tag(node: dict[str, Any]) -> Mention:
    return Mention(
        network=Network.INSTAGRAM,
        remote_id=str(node["id"]),
        text=str(node.get("caption") or ""),
        created_at=parse_graph_time(node["timestamp"]),
        author=author_named(str(node.get("username") or "")),
        url=node.get("permalink"),
        kind="mention",
        likes=int(node.get("like_count") or 0),
    )


def mention_from_comment(node: dict[str, Any]) -> Mention:
    """A comment that @mentions the account: Instagram does not name its author here."""
    media = node.get("media") if isinstance(node.get("media"), dict) else {}
    return Mention(
        network=Network.INSTAGRAM,
        remote_id=str(node["id"]),
        text=str(node.get("text") or ""),
        created_at=parse_graph_time(node["timestamp"]),
        author=Author(remote_id="", handle="", display_name="Compte non communiqué par Instagram"),
        url=(media or {}).get("permalink"),
        in_reply_to_remote_id=str((media or {}).get("id") or "") or None,
        kind="mention",
        likes=int(node.get("like_count") or 0),
    )


def mention_from_hashtag(node: dict[str, Any]) -> Mention:
    """Hashtag search does not name the author (Meta's rule): the permalink leads to the post."""
    return Mention(
        network=Network.INSTAGRAM,
        remote_id=str(node["id"]),
        text=str(node.get("caption") or ""),
        created_at=parse_graph_time(node["timestamp"]),
        author=Author(remote_id="", handle="", display_name="Compte non communiqué par Instagram"),
        url=node.get("permalink"),
        kind="search",
        likes=int(node.get("like_count") or 0),
    )


def account_stats_from(user: dict[str, Any], insights: Any, *, taken_at: datetime) -> AccountStats:
    values = insight_values(insights)
    return AccountStats(
        taken_at=taken_at,
        followers=int(user.get("followers_count") or 0),
        following=_opt_int(user.get("follows_count")),
        posts=_opt_int(user.get("media_count")),
        impressions_28d=values.get("views"),
        reach_28d=values.get("reach"),
    )


def _opt_int(value: Any) -> int | None:
    return int(value) if isinstance(value, int) else None
