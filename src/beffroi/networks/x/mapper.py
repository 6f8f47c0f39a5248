"""X API v2 payloads -> Beffroi's dataclasses."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from beffroi.core.domain import Network
from beffroi.networks.types import AccountStats, Author, Comment, Mention, MetricsSnapshot, Post


def parse_time(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime) -> str:
    """X wants RFC 3339 with seconds and a Z: `2026-11-27T12:00:00Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def users_by_id(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    includes = body.get("includes") if isinstance(body.get("includes"), dict) else {}
    return {str(u["id"]): u for u in (includes or {}).get("users", []) if "id" in u}


def author_from(user: dict[str, Any] | None, fallback_id: str = "") -> Author:
    if not user:
        return Author(remote_id=fallback_id, handle=fallback_id or "inconnu")
    username = str(user.get("username") or "")
    metrics = user.get("public_metrics") if isinstance(user.get("public_metrics"), dict) else {}
    return Author(
        remote_id=str(user["id"]),
        handle=username,
        display_name=str(user.get("name") or username),
        url=f"https://x.com/{username}" if username else None,
        followers=(metrics or {}).get("followers_count"),
    )


def replied_to(post: dict[str, Any]) -> str | None:
    """The parent of a reply: `referenced_posts` in the current spec, `referenced_tweets` before."""
    for key in ("referenced_posts", "referenced_tweets"):
        for ref in post.get(key) or []:
            if isinstance(ref, dict) and ref.get("type") == "replied_to":
                return str(ref["id"])
    return None


def post_url(username: str, remote_id: str) -> str:
    return f"https://x.com/{username or 'i'}/status/{remote_id}"


def metrics_from(post: dict[str, Any], taken_at: datetime) -> MetricsSnapshot:
    public = post.get("public_metrics") if isinstance(post.get("public_metrics"), dict) else {}
    public = public or {}
    reposts = public.get("repost_count", public.get("retweet_count", 0))
    return MetricsSnapshot(
        taken_at=taken_at,
        impressions=public.get("impression_count"),
        likes=int(public.get("like_count", 0)),
        comments=int(public.get("reply_count", 0)),
        shares=int(reposts or 0) + int(public.get("quote_count", 0)),
        saves=public.get("bookmark_count"),
    )


def post_from(
    post: dict[str, Any], users: dict[str, dict[str, Any]], *, taken_at: datetime
) -> Post:
    author = author_from(users.get(str(post.get("author_id", ""))), str(post.get("author_id", "")))
    attachments = post.get("attachments") if isinstance(post.get("attachments"), dict) else {}
    return Post(
        network=Network.X,
        remote_id=str(post["id"]),
        url=post_url(author.handle, str(post["id"])),
        text=str(post.get("text") or ""),
        published_at=parse_time(post["created_at"]),
        author=author,
        metrics=metrics_from(post, taken_at),
        media_count=len((attachments or {}).get("media_keys") or []),
    )


def mention_from(post: dict[str, Any], users: dict[str, dict[str, Any]], kind: str) -> Mention:
    author = author_from(users.get(str(post.get("author_id", ""))), str(post.get("author_id", "")))
    public = post.get("public_metrics") if isinstance(post.get("public_metrics"), dict) else {}
    public = public or {}
    return Mention(
        network=Network.X,
        remote_id=str(post["id"]),
        text=str(post.get("text") or ""),
        created_at=parse_time(post["created_at"]),
        author=author,
        url=post_url(author.handle, str(post["id"])),
        in_reply_to_remote_id=replied_to(post),
        kind=kind,
        likes=int(public.get("like_count", 0)),
        shares=int(public.get("repost_count", public.get("retweet_count", 0)) or 0),
    )


def comment_from(
    post: dict[str, Any], users: dict[str, dict[str, Any]], *, conversation_id: str
) -> Comment:
    author = author_from(users.get(str(post.get("author_id", ""))), str(post.get("author_id", "")))
    parent = replied_to(post)
    public = post.get("public_metrics") if isinstance(post.get("public_metrics"), dict) else {}
    return Comment(
        network=Network.X,
        remote_id=str(post["id"]),
        post_remote_id=conversation_id,
        text=str(post.get("text") or ""),
        created_at=parse_time(post["created_at"]),
        author=author,
        # A direct answer to the post is a comment, not a reply to another comment.
        parent_remote_id=parent if parent and parent != conversation_id else None,
        likes=int((public or {}).get("like_count", 0)),
        url=post_url(author.handle, str(post["id"])),
    )


def account_stats_from(user: dict[str, Any], *, taken_at: datetime) -> AccountStats:
    metrics = user.get("public_metrics") if isinstance(user.get("public_metrics"), dict) else {}
    metrics = metrics or {}
    return AccountStats(
        taken_at=taken_at,
        followers=int(metrics.get("followers_count", 0)),
        following=metrics.get("following_count"),
        posts=metrics.get("post_count", metrics.get("tweet_count")),
    )
