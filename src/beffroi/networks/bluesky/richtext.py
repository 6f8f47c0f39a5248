"""Bluesky rich text: facets on UTF-8 byte offsets, grapheme length, record keys from idempotency keys.

Bluesky does not parse links, mentions or hashtags out of the text: the client sends facets, whose
indexes count UTF-8 *bytes*, not characters (docs.bsky.app, "Links, mentions, and rich text").
An emoji or an accented letter before a link shifts every later index.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import Any

import regex

MAX_GRAPHEMES = 300
MAX_BYTES = 3000
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"

# The patterns of Bluesky's documentation, adapted to str (offsets converted to bytes afterwards).
_URL = re.compile(
    r"(?:^|(?<=\W))(https?://(?:www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,6}\b"
    r"(?:[-a-zA-Z0-9()@:%_+.~#?&/=]*[-a-zA-Z0-9@%_+~#/=])?)"
)
_MENTION = re.compile(
    r"(?:^|(?<=\W))(@(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+"
    r"[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)"
)
# A hashtag starts after a space or the start of the text; trailing punctuation is not part of it.
_TAG = re.compile(r"(?:^|(?<=\s))(#[^\s#]+)")
_TRAILING = re.compile(r"[.,;:!?)»\"']+$")


def grapheme_length(text: str) -> int:
    """What Bluesky counts against its 300 limit: user-perceived characters (an emoji flag is one)."""
    return len(regex.findall(r"\X", text))


def byte_slice(text: str, start: int, end: int) -> dict[str, int]:
    return {
        "byteStart": len(text[:start].encode("utf-8")),
        "byteEnd": len(text[:end].encode("utf-8")),
    }


def facets(text: str, resolve_handle: Callable[[str], str | None]) -> list[dict[str, Any]]:
    """Link, mention and hashtag facets of `text`; a mention whose handle does not resolve stays plain text."""
    found: list[dict[str, Any]] = []
    for match in _URL.finditer(text):
        found.append(
            {
                "index": byte_slice(text, match.start(1), match.end(1)),
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": match.group(1)}],
            }
        )
    for match in _MENTION.finditer(text):
        did = resolve_handle(match.group(1)[1:])
        if did:
            found.append(
                {
                    "index": byte_slice(text, match.start(1), match.end(1)),
                    "features": [{"$type": "app.bsky.richtext.facet#mention", "did": did}],
                }
            )
    for match in _TAG.finditer(text):
        tag = _TRAILING.sub("", match.group(1))
        if len(tag) < 2 or tag[1:].isdigit() or _inside_link(match.start(1), found, text):
            continue
        end = match.start(1) + len(tag)
        found.append(
            {
                "index": byte_slice(text, match.start(1), end),
                "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag[1:]}],
            }
        )
    return sorted(found, key=lambda f: f["index"]["byteStart"])


def _inside_link(start: int, found: list[dict[str, Any]], text: str) -> bool:
    position = len(text[:start].encode("utf-8"))
    return any(f["index"]["byteStart"] <= position < f["index"]["byteEnd"] for f in found)


def tid_from_key(key: str) -> str:
    """A valid TID record key derived from an idempotency key alone, so that a retry reuses it.

    TIDs are 13 characters of base32-sortable encoding of (microseconds << 10 | clock id). The time
    part here comes from a hash and is spread over 2023, always in the past, so it never collides
    with the keys the PDS makes from the clock. The post's real time is its `createdAt`.
    """
    digest = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    start_2023 = 1_672_531_200_000_000
    year_us = 365 * 24 * 3600 * 1_000_000
    micros = start_2023 + digest % year_us
    clock_id = (digest >> 50) & 0x3FF
    value = (micros << 10) | clock_id
    chars = []
    for _ in range(13):
        chars.append(TID_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def is_tid(rkey: str) -> bool:
    return bool(re.fullmatch(r"[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}", rkey))
