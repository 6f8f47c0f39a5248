"""YouTube Data API v3 resources -> Beffroi's dataclasses. Counts arrive as strings (uint64)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from beffroi.core.domain import Network
from beffroi.core.sanitize import safe_url, text_from_html
from beffroi.networks.types import AccountStats, Author, Comment, Mention, MetricsSnapshot, Post


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def count(value: Any) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def video_url(video_id: str) -> str:
    return f"https://www.youtube.com/watch?v={video_id}"


def video_text(snippet: dict[str, Any]) -> str:
    """A video's « text » for Beffroi: its title, then its description."""
    title = str(snippet.get("title") or "")
    description = str(snippet.get("description") or "")
    return f"{title}\n\n{description}".strip()


def post_from(video: dict[str, Any], *, taken_at: datetime) -> Post:
    snippet = video.get("snippet", {})
    stats = video.get("statistics", {})
    channel = str(snippet.get("channelId") or "")
    return Post(
        network=Network.YOUTUBE,
        remote_id=str(video["id"]),
        url=video_url(str(video["id"])),
        text=video_text(snippet),
        published_at=parse_time(snippet["publishedAt"]),
        author=Author(
            remote_id=channel,
            handle=str(snippet.get("channelTitle") or channel),
            display_name=str(snippet.get("channelTitle") or ""),
            url=f"https://www.youtube.com/channel/{channel}" if channel else None,
        ),
        metrics=MetricsSnapshot(
            taken_at=taken_at,
            likes=count(stats.get("likeCount")) or 0,
            comments=count(stats.get("commentCount")) or 0,
            video_views=count(stats.get("viewCount")),
            impressions=count(stats.get("viewCount")),
        ),
        media_count=1,
    )


def _author(snippet: dict[str, Any]) -> Author:
    channel = (
        snippet.get("authorChannelId") if isinstance(snippet.get("authorChannelId"), dict) else {}
    )
    name = str(snippet.get("authorDisplayName") or "")
    return Author(
        remote_id=str((channel or {}).get("value") or ""),
        handle=name,
        display_name=name.lstrip("@"),
        url=safe_url(snippet.get("authorChannelUrl")),
    )


def comment_from(comment: dict[str, Any], *, video_id: str) -> Comment:
    snippet = comment.get("snippet", {})
    return Comment(
        network=Network.YOUTUBE,
        remote_id=str(comment["id"]),
        post_remote_id=str(snippet.get("videoId") or video_id),
        # textDisplay is HTML (links, <br>): only used when the plain textOriginal is absent.
        text=str(snippet.get("textOriginal") or text_from_html(snippet.get("textDisplay"))),
        created_at=parse_time(snippet["publishedAt"]),
        author=_author(snippet),
        parent_remote_id=str(snippet["parentId"]) if snippet.get("parentId") else None,
        likes=count(snippet.get("likeCount")) or 0,
        hidden=snippet.get("moderationStatus") in {"heldForReview", "rejected", "likelySpam"},
        url=f"{video_url(video_id)}&lc={comment['id']}",
    )


def comments_from_thread(thread: dict[str, Any], *, video_id: str) -> list[Comment]:
    top = thread.get("snippet", {}).get("topLevelComment")
    found = [comment_from(top, video_id=video_id)] if isinstance(top, dict) else []
    replies = thread.get("replies", {}).get("comments", [])
    found.extend(comment_from(r, video_id=video_id) for r in replies if isinstance(r, dict))
    return found


def mention_from_search(result: dict[str, Any]) -> Mention:
    snippet = result.get("snippet", {})
    video_id = str(result.get("id", {}).get("videoId") or "")
    channel = str(snippet.get("channelId") or "")
    return Mention(
        network=Network.YOUTUBE,
        remote_id=video_id,
        text=video_text(snippet),
        created_at=parse_time(snippet["publishedAt"]),
        author=Author(
            remote_id=channel,
            handle=str(snippet.get("channelTitle") or channel),
            display_name=str(snippet.get("channelTitle") or ""),
            url=f"https://www.youtube.com/channel/{channel}" if channel else None,
        ),
        url=video_url(video_id),
        kind="search",
    )


def account_stats_from(channel: dict[str, Any], *, taken_at: datetime) -> AccountStats:
    stats = channel.get("statistics", {})
    return AccountStats(
        taken_at=taken_at,
        followers=count(stats.get("subscriberCount")) or 0,
        posts=count(stats.get("videoCount")),
    )
