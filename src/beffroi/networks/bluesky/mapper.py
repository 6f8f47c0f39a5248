"""AT Protocol views and records (app.bsky.* lexicons) to Beffroi's dataclasses."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from beffroi.core.domain import Network
from beffroi.networks.types import AccountStats, Author, Comment, Mention, MetricsSnapshot, Post

POST_COLLECTION = "app.bsky.feed.post"
THREADGATE_COLLECTION = "app.bsky.feed.threadgate"


@dataclass(frozen=True, slots=True)
class AtUri:
    repo: str
    collection: str
    rkey: str

    @classmethod
    def parse(cls, uri: str) -> AtUri:
        if not uri.startswith("at://"):
            raise ValueError(f"not an at:// URI: {uri}")
        parts = uri[len("at://") :].split("/")
        if len(parts) != 3:
            raise ValueError(f"not a record URI: {uri}")
        return cls(*parts)

    def __str__(self) -> str:
        return f"at://{self.repo}/{self.collection}/{self.rkey}"


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


def web_url(uri: str, handle: str | None = None) -> str:
    """The bsky.app address of a post (handle when known, DID otherwise)."""
    at = AtUri.parse(uri)
    return f"https://bsky.app/profile/{handle or at.repo}/post/{at.rkey}"


def author(profile: Mapping[str, Any]) -> Author:
    handle = str(profile.get("handle") or profile["did"])
    return Author(
        remote_id=str(profile["did"]),
        handle=handle,
        display_name=str(profile.get("displayName") or ""),
        url=f"https://bsky.app/profile/{handle}",
        followers=profile.get("followersCount"),
    )


def _media_count(embed: Mapping[str, Any] | None) -> int:
    if not embed:
        return 0
    if "images" in embed:
        return len(embed["images"])
    if "media" in embed:  # recordWithMedia
        return _media_count(embed["media"])
    return 1 if "video" in embed or "playlist" in embed else 0


def post_from_view(view: Mapping[str, Any], taken_at: datetime) -> Post:
    record = view["record"]
    handle = view["author"].get("handle")
    return Post(
        network=Network.BLUESKY,
        remote_id=str(view["uri"]),
        url=web_url(view["uri"], handle),
        text=str(record.get("text", "")),
        published_at=parse_time(record["createdAt"]),
        author=author(view["author"]),
        metrics=MetricsSnapshot(
            taken_at=taken_at,
            likes=int(view.get("likeCount") or 0),
            comments=int(view.get("replyCount") or 0),
            shares=int(view.get("repostCount") or 0) + int(view.get("quoteCount") or 0),
        ),
        media_count=_media_count(record.get("embed")),
    )


def post_from_record(item: Mapping[str, Any], me: Author) -> Post:
    """A post read from the repository (com.atproto.repo.listRecords): no counts, they live in the AppView."""
    record = item["value"]
    return Post(
        network=Network.BLUESKY,
        remote_id=str(item["uri"]),
        url=web_url(item["uri"], me.handle),
        text=str(record.get("text", "")),
        published_at=parse_time(record["createdAt"]),
        author=me,
        metrics=None,
        media_count=_media_count(record.get("embed")),
    )


def walk_replies(thread: Mapping[str, Any]) -> Iterator[tuple[Mapping[str, Any], str]]:
    """(reply post view, parent uri) for every reply below a threadViewPost, depth first."""
    parent_uri = str(thread["post"]["uri"])
    for reply in thread.get("replies") or []:
        if (
            reply.get("$type", "app.bsky.feed.defs#threadViewPost")
            != "app.bsky.feed.defs#threadViewPost"
        ):
            continue  # notFoundPost, blockedPost
        yield reply["post"], parent_uri
        yield from walk_replies(reply)


def comment(view: Mapping[str, Any], parent_uri: str, post_uri: str, hidden: bool) -> Comment:
    record = view["record"]
    return Comment(
        network=Network.BLUESKY,
        remote_id=str(view["uri"]),
        post_remote_id=post_uri,
        text=str(record.get("text", "")),
        created_at=parse_time(record["createdAt"]),
        author=author(view["author"]),
        parent_remote_id=None if parent_uri == post_uri else parent_uri,
        likes=int(view.get("likeCount") or 0),
        hidden=hidden,
        url=web_url(view["uri"], view["author"].get("handle")),
    )


def mention_from_notification(notification: Mapping[str, Any]) -> Mention:
    record = notification["record"]
    reply = record.get("reply") or {}
    return Mention(
        network=Network.BLUESKY,
        remote_id=str(notification["uri"]),
        text=str(record.get("text", "")),
        created_at=parse_time(record.get("createdAt") or notification["indexedAt"]),
        author=author(notification["author"]),
        url=web_url(notification["uri"], notification["author"].get("handle")),
        in_reply_to_remote_id=(reply.get("parent") or {}).get("uri"),
        kind="mention",
    )


def mention_from_view(view: Mapping[str, Any], kind: str) -> Mention:
    record = view["record"]
    reply = record.get("reply") or {}
    return Mention(
        network=Network.BLUESKY,
        remote_id=str(view["uri"]),
        text=str(record.get("text", "")),
        created_at=parse_time(record["createdAt"]),
        author=author(view["author"]),
        url=web_url(view["uri"], view["author"].get("handle")),
        in_reply_to_remote_id=(reply.get("parent") or {}).get("uri"),
        kind=kind,
        likes=int(view.get("likeCount") or 0),
        shares=int(view.get("repostCount") or 0) + int(view.get("quoteCount") or 0),
    )


def account_stats(profile: Mapping[str, Any], taken_at: datetime) -> AccountStats:
    return AccountStats(
        taken_at=taken_at,
        followers=int(profile.get("followersCount") or 0),
        following=profile.get("followsCount"),
        posts=profile.get("postsCount"),
    )
