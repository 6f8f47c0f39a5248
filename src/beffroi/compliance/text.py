"""Small text helpers shared by the compliance checks (no dependency, French first)."""

from __future__ import annotations

import re
import unicodedata

URL_RE = re.compile(r"(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
HASHTAG_RE = re.compile(r"(?<![\w#])#(\w+)", re.UNICODE)
MENTION_RE = re.compile(r"(?<![\w@])@[\w.@-]+", re.UNICODE)
WORD_RE = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)
SENTENCE_END_RE = re.compile(r"(?<=[.!?…])\s+|\n{1,}")


def fold(text: str) -> str:
    """Lower case without accents, typographic apostrophes made plain: for matching only."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'").replace("œ", "oe"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def strip_links_and_tags(text: str) -> str:
    """The prose of a post: without URLs, hashtags and mentions."""
    text = URL_RE.sub(" ", text)
    text = HASHTAG_RE.sub(" ", text)
    return MENTION_RE.sub(" ", text)


def words(text: str) -> list[str]:
    return WORD_RE.findall(text)


def sentences(text: str) -> list[str]:
    """Sentences of a text: split on final punctuation and line breaks, empty ones dropped."""
    return [s.strip() for s in SENTENCE_END_RE.split(text) if words(s)]
