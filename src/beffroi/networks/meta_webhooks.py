"""Webhooks of Facebook Pages and Instagram professional accounts: signature check and parsing.

Meta signs each POST body with the app secret: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256>`.
The check runs on the raw bytes, before any JSON parsing, and compares in constant time. The
subscription handshake is a GET with `hub.mode=subscribe`, `hub.verify_token` and `hub.challenge`.

Parsing never raises on a change it does not know (Meta adds fields and items freely): it keeps what
it understands (new comments, mentions), lists the removed comments, and counts the rest as ignored.
A hostile or broken body raises `WebhookRejected`, which the view turns into HTTP 400/403.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from beffroi.core.domain import Network
from beffroi.networks.types import Author, Comment, Mention

SIGNATURE_HEADER = "X-Hub-Signature-256"


class WebhookRejected(Exception):
    """The request is not a genuine, readable Meta webhook. `status` is the HTTP answer to give."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True)
class MentionRef:
    """Instagram sends only ids for a mention: the listener fetches the media or comment later."""

    account_id: str
    media_id: str
    comment_id: str | None = None


@dataclass(frozen=True, slots=True)
class WebhookBatch:
    network: Network
    comments: tuple[Comment, ...] = ()
    mentions: tuple[Mention, ...] = ()
    mention_refs: tuple[MentionRef, ...] = ()
    removed_comment_ids: tuple[str, ...] = ()
    ignored: int = 0


def verify_signature(body: bytes, header: str | None, app_secret: str) -> None:
    """Raises WebhookRejected (403) unless `header` is the HMAC-SHA256 of `body` under `app_secret`."""
    if not app_secret:
        raise WebhookRejected("secret de l'application Meta non configuré", status=500)
    if not header or not header.startswith("sha256="):
        raise WebhookRejected("signature X-Hub-Signature-256 absente", status=403)
    expected = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, header.removeprefix("sha256=").strip().lower()):
        raise WebhookRejected("signature X-Hub-Signature-256 invalide", status=403)


def subscription_challenge(query: Mapping[str, str], verify_token: str) -> str:
    """The subscription handshake: returns `hub.challenge` to echo, or raises WebhookRejected (403)."""
    if query.get("hub.mode") != "subscribe":
        raise WebhookRejected("hub.mode inattendu", status=400)
    given = query.get("hub.verify_token", "")
    if not verify_token or not hmac.compare_digest(given, verify_token):
        raise WebhookRejected("jeton de vérification incorrect", status=403)
    challenge = query.get("hub.challenge", "")
    if not challenge:
        raise WebhookRejected("hub.challenge absent", status=400)
    return challenge


def parse_webhook(body: bytes, header: str | None, app_secret: str) -> WebhookBatch:
    """Checks the signature, then reads a Page (`object: page`) or Instagram (`object: instagram`) batch."""
    verify_signature(body, header, app_secret)
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise WebhookRejected(f"corps illisible : {exc}") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("entry"), list):
        raise WebhookRejected("corps sans « entry »")
    kind = payload.get("object")
    if kind == "page":
        return _parse_page(payload["entry"])
    if kind == "instagram":
        return _parse_instagram(payload["entry"])
    raise WebhookRejected(f"objet de webhook non pris en charge : {kind!r}")


def _parse_page(entries: list[Any]) -> WebhookBatch:
    comments: list[Comment] = []
    mentions: list[Mention] = []
    removed: list[str] = []
    ignored = 0
    for entry in entries:
        for change in _changes(entry):
            value = change.get("value")
            if not isinstance(value, dict):
                ignored += 1
                continue
            field, item, verb = change.get("field"), value.get("item"), value.get("verb")
            if field == "feed" and item == "comment" and verb in {"add", "edited"}:
                comments.append(_page_comment(value))
            elif field == "feed" and item == "comment" and verb == "remove":
                removed.append(str(value.get("comment_id", "")))
            elif field == "mention" and verb == "add":
                mentions.append(_page_mention(value))
            else:
                ignored += 1
    return WebhookBatch(
        network=Network.FACEBOOK,
        comments=tuple(comments),
        mentions=tuple(mentions),
        removed_comment_ids=tuple(r for r in removed if r),
        ignored=ignored,
    )


def _page_comment(value: dict[str, Any]) -> Comment:
    sender = _dict(value.get("from"))
    post_id = str(value.get("post_id", ""))
    parent = str(value.get("parent_id") or "")
    return Comment(
        network=Network.FACEBOOK,
        remote_id=str(value["comment_id"]),
        post_remote_id=post_id,
        text=str(value.get("message") or ""),
        created_at=_epoch(value.get("created_time")),
        author=Author(
            remote_id=str(sender.get("id", "")),
            handle=str(sender.get("name", "")),
            display_name=str(sender.get("name", "")),
        ),
        # A comment on the post itself has the post as parent: that is not a reply.
        parent_remote_id=parent if parent and parent != post_id else None,
    )


def _page_mention(value: dict[str, Any]) -> Mention:
    remote_id = str(value.get("comment_id") or value.get("post_id") or "")
    return Mention(
        network=Network.FACEBOOK,
        remote_id=remote_id,
        text=str(value.get("message") or ""),
        created_at=_epoch(value.get("created_time")),
        author=Author(
            remote_id=str(value.get("sender_id", "")),
            handle=str(value.get("sender_name", "")),
            display_name=str(value.get("sender_name", "")),
        ),
        url=f"https://www.facebook.com/{value['post_id']}" if value.get("post_id") else None,
        kind="mention",
    )


def _parse_instagram(entries: list[Any]) -> WebhookBatch:
    comments: list[Comment] = []
    refs: list[MentionRef] = []
    ignored = 0
    for entry in entries:
        account_id = str(entry.get("id", "")) if isinstance(entry, dict) else ""
        when = _epoch(entry.get("time")) if isinstance(entry, dict) else datetime.now(UTC)
        for change in _changes(entry):
            value = change.get("value")
            field = change.get("field")
            if not isinstance(value, dict):
                ignored += 1
            elif field in {"comments", "live_comments"} and value.get("id"):
                comments.append(_instagram_comment(value, when))
            elif field == "mentions" and value.get("media_id"):
                refs.append(
                    MentionRef(
                        account_id=account_id,
                        media_id=str(value["media_id"]),
                        comment_id=str(value["comment_id"]) if value.get("comment_id") else None,
                    )
                )
            else:
                ignored += 1
    return WebhookBatch(
        network=Network.INSTAGRAM,
        comments=tuple(comments),
        mention_refs=tuple(refs),
        ignored=ignored,
    )


def _instagram_comment(value: dict[str, Any], when: datetime) -> Comment:
    sender = _dict(value.get("from"))
    media = _dict(value.get("media"))
    username = str(sender.get("username", ""))
    return Comment(
        network=Network.INSTAGRAM,
        remote_id=str(value["id"]),
        post_remote_id=str(media.get("id", "")),
        text=str(value.get("text") or ""),
        # Instagram comment notifications carry no time of their own: the entry's time is used.
        created_at=when,
        author=Author(
            remote_id=str(sender.get("id", "")),
            handle=username,
            display_name=username,
            url=f"https://www.instagram.com/{username}/" if username else None,
        ),
        parent_remote_id=str(value["parent_id"]) if value.get("parent_id") else None,
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _changes(entry: Any) -> list[dict[str, Any]]:
    if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
        return []
    return [c for c in entry["changes"] if isinstance(c, dict)]


def _epoch(value: Any) -> datetime:
    """Page webhooks send epoch seconds; a few older items send an ISO date."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if isinstance(value, str) and value:
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    raise WebhookRejected("date absente ou illisible dans le webhook")
