"""Hashtags written in CamelCase, so that screen readers read #FêteDeLaMusique word by word."""

from __future__ import annotations

import unicodedata

import regex

# A hashtag as the networks read it: letters, digits, marks and underscores after #.
HASHTAG = regex.compile(
    r"(?<![\p{L}\p{N}_&/])#(?P<tag>[\p{L}\p{M}\p{N}_]*[\p{L}\p{M}][\p{L}\p{M}\p{N}_]*)"
)
_WORD = regex.compile(r"[\p{L}\p{M}\p{N}]+")


def camel_case_hashtag(words: str) -> str:
    """« fête de la musique » -> « #FêteDeLaMusique »; « JO 2024 » -> « #JO2024 ».

    Each word gets a capital first letter and keeps the rest as written, so acronyms stay
    capitalised. Apostrophes and hyphens separate words (« l'été » -> « LÉté »).
    """
    parts = _WORD.findall(unicodedata.normalize("NFC", words.lstrip("#")))
    if not parts:
        raise ValueError(f"aucun mot dans le hashtag « {words} »")
    return "#" + "".join(part[:1].upper() + part[1:] for part in parts)


def _folded(tag: str) -> str:
    """Case and accent insensitive form, to recognise #fetedelamusique as #FêteDeLaMusique."""
    decomposed = unicodedata.normalize("NFD", tag.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch) and ch != "_")


def find_hashtags(text: str) -> list[str]:
    """The hashtags of a text, with their #."""
    return ["#" + m.group("tag") for m in HASHTAG.finditer(text)]


def recase_hashtags(text: str, known: list[str]) -> str:
    """Rewrites each hashtag of `text` that matches a known CamelCase tag in that form."""
    by_fold = {_folded(tag.lstrip("#")): tag for tag in known}

    def replace(match: regex.Match[str]) -> str:
        return by_fold.get(_folded(match.group("tag")), match.group(0))

    return HASHTAG.sub(replace, text)


def is_unreadable_hashtag(tag: str) -> bool:
    """A long hashtag written all in lower case (or all in capitals) reads as one word."""
    body = tag.lstrip("#")
    letters = [ch for ch in body if ch.isalpha()]
    return len(letters) >= 10 and (body == body.lower() or body == body.upper())
