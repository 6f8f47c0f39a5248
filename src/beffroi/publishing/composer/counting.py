"""Length of a text in each network's own unit."""

from __future__ import annotations

import unicodedata
from enum import StrEnum

import regex

from beffroi.publishing.composer.twitter_text import parse_tweet
from beffroi.publishing.composer.urls import extract_urls


class LengthUnit(StrEnum):
    WEIGHTED = "weighted"  # X: twitter-text v3 weights, links as 23
    GRAPHEMES = "graphemes"  # Bluesky: what a reader sees as one character
    MASTODON = "mastodon"  # graphemes, links as 23, @user@domain as @user
    CHARACTERS = "characters"  # Unicode code points after NFC

    @property
    def label(self) -> str:
        return {
            LengthUnit.WEIGHTED: "caractères pondérés",
            LengthUnit.GRAPHEMES: "caractères (graphèmes)",
            LengthUnit.MASTODON: "caractères",
            LengthUnit.CHARACTERS: "caractères",
        }[self]


_GRAPHEME = regex.compile(r"\X")
# Mastodon's mention: @user or @user@domain, not glued to a word (as in an e-mail address).
_MASTODON_MENTION = regex.compile(
    r"(?<![\p{L}\p{N}_/])@(?P<user>[a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@(?P<domain>[\p{L}\p{N}.-]+[\p{L}\p{N}]))?",
    regex.IGNORECASE,
)
MASTODON_URL_LENGTH = 23


def count_graphemes(text: str) -> int:
    """Extended grapheme clusters (UAX #29): a family emoji, a flag or « é » written e + ◌́ count 1."""
    return len(_GRAPHEME.findall(text))


def mastodon_countable_text(text: str) -> str:
    """The text as Mastodon's StatusLengthValidator counts it.

    Mastodon replaces each link that has a scheme by 23 characters and keeps only the user part
    of a remote mention (@ville@mastodon.social counts as @ville).
    """
    pieces: list[str] = []
    cursor = 0
    spans: list[tuple[int, int, str]] = [
        (u.start, u.end, "x" * MASTODON_URL_LENGTH) for u in extract_urls(text, require_scheme=True)
    ]
    for match in _MASTODON_MENTION.finditer(text):
        if not any(start <= match.start() < end for start, end, _ in spans):
            spans.append((match.start(), match.end(), "@" + match.group("user")))
    for start, end, replacement in sorted(spans):
        if start < cursor:
            continue
        pieces.append(text[cursor:start])
        pieces.append(replacement)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def measure(text: str, unit: LengthUnit) -> int:
    """Length of `text` in `unit`."""
    if unit is LengthUnit.WEIGHTED:
        return parse_tweet(text).weighted_length
    if unit is LengthUnit.GRAPHEMES:
        return count_graphemes(text)
    if unit is LengthUnit.MASTODON:
        return count_graphemes(mastodon_countable_text(text))
    return len(unicodedata.normalize("NFC", text))
