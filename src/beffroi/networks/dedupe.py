"""Helpers shared by the Facebook, Instagram, X, YouTube and LinkedIn adapters.

Exactly-once publication on networks that offer no idempotency key, and the guard that turns a
well-formed JSON answer missing what the documentation promises into a typed error.

X, Facebook, Instagram and LinkedIn accept no `Idempotency-Key`. When a publish request ends in a
timeout or a 5xx, the post may or may not exist. Before posting (again), the adapter lists the
account's own recent posts and looks for one with the same text: the *fingerprint* compares texts
the way the network gives them back (links rewritten to t.co or lnkd.in, LinkedIn's escaped
characters, spacing and case changed), and the *window* keeps an honest repetition from days ago
(a weekly « conseil municipal ce soir ») from being taken for an earlier attempt. Each of these
networks also refuses a recent identical post (X 403 « duplicate content », LinkedIn 422
DUPLICATE_POST, Facebook #506), so within the window two identical posts could not coexist anyway.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

from beffroi.networks.base import NetworkAdapter
from beffroi.networks.errors import ContentRejected, MalformedResponse, Transient
from beffroi.networks.types import PublishResult

# Every network rewrites links (t.co, lnkd.in, l.facebook.com) or drops them into a card.
_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
# LinkedIn "little text" escapes reserved characters with a backslash.
_LINKEDIN_ESCAPE = re.compile(r"\\([|{}@\[\]()<>#\\*_~])")
# ... and writes a hashtag as a template: {hashtag|\#|mobilite}.
_LINKEDIN_HASHTAG = re.compile(r"\{hashtag\|\\?#\|([^}]*)\}")
_SPACES = re.compile(r"\s+")

DEFAULT_LOOKBACK = timedelta(hours=48)


def text_fingerprint(text: str) -> str:
    """A comparable form of a post's text: links dropped, escapes undone, case and spacing folded."""
    text = unicodedata.normalize("NFC", text or "")
    text = _LINKEDIN_HASHTAG.sub(r"#\1", text)
    text = _LINKEDIN_ESCAPE.sub(r"\1", text)
    text = _URL.sub(" ", text)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return _SPACES.sub(" ", text).strip().casefold()


@dataclass(frozen=True, slots=True)
class Candidate:
    """One of the account's own recent posts, as the network lists it."""

    remote_id: str
    text: str
    created_at: datetime
    url: str | None = None
    in_reply_to: str | None = None


def find_earlier_attempt(
    text: str,
    candidates: Iterable[Candidate],
    *,
    now: datetime,
    lookback: timedelta = DEFAULT_LOOKBACK,
    in_reply_to: str | None = None,
) -> Candidate | None:
    """The newest own post with the same fingerprint inside the window, or None."""
    wanted = text_fingerprint(text)
    if not wanted:
        return None
    oldest = now - lookback
    matches = [
        c
        for c in candidates
        if c.created_at >= oldest
        and text_fingerprint(c.text) == wanted
        and (in_reply_to is None or c.in_reply_to == in_reply_to)
    ]
    return max(matches, key=lambda c: c.created_at, default=None)


def publish_once(
    *,
    lookup: Callable[[], PublishResult | None],
    create: Callable[[], PublishResult],
    is_duplicate: Callable[[ContentRejected], bool] = lambda error: False,
) -> PublishResult:
    """Looks for an earlier attempt, publishes only if there is none, and looks again when unsure.

    `create` may end in Transient after the network received the post (read timeout, 502 from a
    proxy that forwarded it): the post is then looked for once more before the error is raised, and
    the scheduler's next try will look again. A refusal the network gives because the post already
    exists (`is_duplicate`) is an earlier attempt too.
    """
    earlier = lookup()
    if earlier is not None:
        return earlier
    try:
        return create()
    except Transient:
        earlier = lookup()
        if earlier is not None:
            return earlier
        raise
    except ContentRejected as error:
        if not is_duplicate(error):
            raise
        earlier = lookup()
        if earlier is not None:
            return earlier
        raise


def already(candidate: Candidate) -> PublishResult:
    return PublishResult(
        remote_id=candidate.remote_id,
        url=candidate.url,
        published_at=candidate.created_at,
        already_published=True,
    )


def as_already(result: PublishResult) -> PublishResult:
    """The result of a call already made in this process, marked as such."""
    return PublishResult(
        remote_id=result.remote_id,
        url=result.url,
        published_at=result.published_at,
        thread_remote_ids=result.thread_remote_ids,
        already_published=True,
    )


def lookback_of(options: Mapping[str, Any]) -> timedelta:
    """The `dedupe_lookback_hours` adapter option, else the default window."""
    hours = options.get("dedupe_lookback_hours")
    return timedelta(hours=float(hours)) if hours is not None else DEFAULT_LOOKBACK


P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S", bound=NetworkAdapter)


def guarded(method: Callable[Concatenate[S, P], R]) -> Callable[Concatenate[S, P], R]:
    """An answer that parses as JSON but lacks a documented field becomes MalformedResponse.

    Without it a renamed or missing field would escape as KeyError, with no network, no reason
    and no advice for the user; MalformedResponse is retryable and says which field was missing.
    """

    @functools.wraps(method)
    def wrapper(self: S, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return method(self, *args, **kwargs)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            raise MalformedResponse(
                self.network,
                f"réponse inattendue du réseau ({type(exc).__name__} : {exc})",
            ) from exc

    return wrapper
