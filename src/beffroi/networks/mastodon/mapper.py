"""Mastodon entities (documented at docs.joinmastodon.org/entities) to Beffroi's dataclasses."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from beffroi.core.domain import Network
from beffroi.core.sanitize import safe_url, text_from_html
from beffroi.networks.types import AccountStats, Author, Comment, Mention, MetricsSnapshot, Post


def html_to_text(content: str) -> str:
    """Mastodon sends statuses as HTML, written by any instance: sanitised to plain text."""
    return text_from_html(content)


def status_url(status: Mapping[str, Any]) -> str | None:
    # A remote instance sets these: only an http(s) link may become an href in our pages.
    return safe_url(status.get("url")) or safe_url(status.get("uri"))


def parse_time(value: Any) -> datetime:
    # Mastodon.py hands back datetimes in the local zone; Beffroi stores UTC.
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).astimezone(UTC)


def author(account: Mapping[str, Any]) -> Author:
    return Author(
        remote_id=str(account["id"]),
        handle=str(account["acct"]),
        display_name=str(account.get("display_name") or account.get("username") or ""),
        url=safe_url(account.get("url")),
        followers=account.get("followers_count"),
    )


def status_text(status: Mapping[str, Any]) -> str:
    text = html_to_text(str(status.get("content") or ""))
    spoiler = status.get("spoiler_text")
    return f"{spoiler}\n\n{text}" if spoiler else text


def metrics(status: Mapping[str, Any], taken_at: datetime) -> MetricsSnapshot:
    # Mastodon counts favourites, replies and boosts; it has no impressions or reach.
    return MetricsSnapshot(
        taken_at=taken_at,
        likes=int(status.get("favourites_count") or 0),
        comments=int(status.get("replies_count") or 0),
        shares=int(status.get("reblogs_count") or 0),
    )


def post(status: Mapping[str, Any], taken_at: datetime) -> Post:
    return Post(
        network=Network.MASTODON,
        remote_id=str(status["id"]),
        url=status_url(status),
        text=status_text(status),
        published_at=parse_time(status["created_at"]),
        author=author(status["account"]),
        metrics=metrics(status, taken_at),
        media_count=len(status.get("media_attachments") or []),
    )


def comment(status: Mapping[str, Any], post_remote_id: str) -> Comment:
    parent = status.get("in_reply_to_id")
    return Comment(
        network=Network.MASTODON,
        remote_id=str(status["id"]),
        post_remote_id=post_remote_id,
        text=status_text(status),
        created_at=parse_time(status["created_at"]),
        author=author(status["account"]),
        parent_remote_id=None if parent is None or str(parent) == post_remote_id else str(parent),
        likes=int(status.get("favourites_count") or 0),
        url=status_url(status),
    )


def mention(status: Mapping[str, Any], kind: str) -> Mention:
    parent = status.get("in_reply_to_id")
    return Mention(
        network=Network.MASTODON,
        remote_id=str(status["id"]),
        text=status_text(status),
        created_at=parse_time(status["created_at"]),
        author=author(status["account"]),
        url=status_url(status),
        in_reply_to_remote_id=None if parent is None else str(parent),
        kind=kind,
        likes=int(status.get("favourites_count") or 0),
        shares=int(status.get("reblogs_count") or 0),
    )


def account_stats(account: Mapping[str, Any], taken_at: datetime) -> AccountStats:
    return AccountStats(
        taken_at=taken_at,
        followers=int(account.get("followers_count") or 0),
        following=account.get("following_count"),
        posts=account.get("statuses_count"),
    )
