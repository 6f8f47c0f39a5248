"""Frozen dataclasses shared by every network adapter: what the rest of Beffroi knows of a network."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from beffroi.core.domain import Network


class Capability(StrEnum):
    PUBLISH = "publish"
    DELETE = "delete"
    FETCH_POSTS = "fetch_posts"
    FETCH_COMMENTS = "fetch_comments"
    FETCH_MENTIONS = "fetch_mentions"
    SEARCH = "search"
    REPLY = "reply"
    HIDE_COMMENT = "hide_comment"
    ACCOUNT_STATS = "account_stats"
    THREADS = "threads"
    WEBHOOKS = "webhooks"
    SPONSORING = "sponsoring"


@dataclass(frozen=True, slots=True)
class Media:
    """An image or video to attach. `alt_text` is required for images (RGAA)."""

    path: str
    mime_type: str
    alt_text: str = ""
    width: int | None = None
    height: int | None = None
    size_bytes: int | None = None
    duration_s: float | None = None
    captions_path: str | None = None


@dataclass(frozen=True, slots=True)
class PostVariant:
    """The native variant of a message for one network, as the composer produced and checked it."""

    network: Network
    text: str
    media: tuple[Media, ...] = ()
    link: str | None = None
    # Follow-up parts of a thread, published as replies to the first part (X, Bluesky, Mastodon).
    thread: tuple[str, ...] = ()
    title: str | None = None  # YouTube video title, LinkedIn article title
    reply_to_remote_id: str | None = None
    sponsored: bool = False


@dataclass(frozen=True, slots=True)
class Author:
    remote_id: str
    handle: str
    display_name: str = ""
    url: str | None = None
    followers: int | None = None


@dataclass(frozen=True, slots=True)
class MetricsSnapshot:
    taken_at: datetime
    impressions: int | None = None
    reach: int | None = None
    likes: int = 0
    comments: int = 0
    shares: int = 0
    clicks: int | None = None
    video_views: int | None = None
    saves: int | None = None
    # Part of reach/impressions bought by sponsoring, where the network splits them (Meta, LinkedIn).
    paid_reach: int | None = None
    paid_impressions: int | None = None


@dataclass(frozen=True, slots=True)
class Post:
    network: Network
    remote_id: str
    url: str | None
    text: str
    published_at: datetime
    author: Author
    metrics: MetricsSnapshot | None = None
    media_count: int = 0
    sponsored: bool = False
    # Remote ids of every part when a thread was published.
    thread_remote_ids: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Comment:
    network: Network
    remote_id: str
    post_remote_id: str
    text: str
    created_at: datetime
    author: Author
    parent_remote_id: str | None = None
    likes: int = 0
    hidden: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A message that names the account or matches a search, outside the account's own posts."""

    network: Network
    remote_id: str
    text: str
    created_at: datetime
    author: Author
    url: str | None = None
    in_reply_to_remote_id: str | None = None
    kind: str = "mention"  # mention, search, direct_message
    likes: int = 0
    shares: int = 0


@dataclass(frozen=True, slots=True)
class AccountStats:
    taken_at: datetime
    followers: int
    following: int | None = None
    posts: int | None = None
    impressions_28d: int | None = None
    reach_28d: int | None = None
    # Share of the audience by place, where the network reports it: {"Lyon": 0.31, ...}
    audience_places: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PublishResult:
    remote_id: str
    url: str | None
    published_at: datetime
    thread_remote_ids: tuple[str, ...] = ()
    # True when an earlier attempt with the same idempotency key was found on the network.
    already_published: bool = False


@dataclass(frozen=True, slots=True)
class TokenSet:
    access_token: str
    refresh_token: str | None = None
    expires_at: datetime | None = None
    scopes: tuple[str, ...] = ()
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TokenHealth:
    ok: bool
    expires_at: datetime | None
    missing_scopes: tuple[str, ...] = ()
    deprecated_api_version: str | None = None
    message: str = ""
