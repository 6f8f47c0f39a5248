"""The length of a post counted the way X counts it (twitter-text v3 weighted length).

Rules, from the v3 configuration and the official conformance suite:
- the text is normalised to NFC first;
- each code point weighs the weight of the Unicode range it falls in (1 for Latin, most
  punctuation and general punctuation; 2 for everything else: CJK, emoji, ...);
- every link weighs `transformed_url_length` (23), whatever its length, because X shortens it;
- with emoji parsing on (v3), a whole emoji sequence (ZWJ family, skin tone, flag, keycap) weighs
  as one emoji (2);
- U+FFFE, U+FEFF and U+FFFF make the post invalid;
- ranges and offsets are reported in UTF-16 code units, as twitter-text does.
"""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import regex

from beffroi.publishing.composer.urls import extract_urls


@dataclass(frozen=True, slots=True)
class WeightRange:
    start: int
    end: int  # inclusive
    weight: int


@dataclass(frozen=True, slots=True)
class TwitterTextConfig:
    version: int
    max_weighted_length: int
    scale: int
    default_weight: int
    emoji_parsing_enabled: bool
    transformed_url_length: int
    ranges: tuple[WeightRange, ...]

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> TwitterTextConfig:
        return cls(
            version=int(data["version"]),
            max_weighted_length=int(data["maxWeightedTweetLength"]),
            scale=int(data["scale"]),
            default_weight=int(data["defaultWeight"]),
            emoji_parsing_enabled=bool(data.get("emojiParsingEnabled", False)),
            transformed_url_length=int(data["transformedURLLength"]),
            ranges=tuple(
                WeightRange(int(r["start"]), int(r["end"]), int(r["weight"]))
                for r in data["ranges"]
            ),
        )

    @classmethod
    def from_json(cls, path: Path) -> TwitterTextConfig:
        return cls.from_mapping(json.loads(path.read_text(encoding="utf-8")))

    def weight_of(self, code_point: int) -> int:
        for weight_range in self.ranges:
            if weight_range.start <= code_point <= weight_range.end:
                return weight_range.weight
        return self.default_weight


# twitter-text config/v3.json: the configuration X uses today.
CONFIG_V3 = TwitterTextConfig(
    version=3,
    max_weighted_length=280,
    scale=100,
    default_weight=200,
    emoji_parsing_enabled=True,
    transformed_url_length=23,
    ranges=(
        WeightRange(0, 4351, 100),
        WeightRange(8192, 8205, 100),
        WeightRange(8208, 8223, 100),
        WeightRange(8242, 8247, 100),
    ),
)
# v2 is v3 without emoji sequences counted as one (kept for the conformance suite).
CONFIG_V2 = replace(CONFIG_V3, version=2, emoji_parsing_enabled=False)

_INVALID_CHARACTERS = frozenset("\ufffe\ufeff\uffff")
_GRAPHEME = regex.compile(r"\X")
_EMOJI_CLUSTER = regex.compile(
    r"""^(?:
        [0-9#*]\uFE0F?\u20E3                                   # keycap
      | \p{Regional_Indicator}{2}                              # flag
      | \U0001F3F4[\U000E0020-\U000E007E]+\U000E007F           # subdivision flag (tags)
      | (?=.*(?:\p{Emoji_Presentation}|\uFE0F|\p{Emoji_Modifier}|\u200D))
        \p{Extended_Pictographic}.*                            # pictograph shown as emoji
    )$""",
    regex.VERBOSE | regex.DOTALL,
)


@dataclass(frozen=True, slots=True)
class TweetLength:
    """What twitter-text's parseTweet returns; ranges are inclusive UTF-16 offsets."""

    weighted_length: int
    valid: bool
    permillage: int
    display_range: tuple[int, int]
    valid_range: tuple[int, int]


def _utf16_length(text: str) -> int:
    return sum(2 if ord(ch) > 0xFFFF else 1 for ch in text)


def _emoji_spans(text: str) -> dict[int, int]:
    """Start -> end (code point offsets) of every emoji sequence."""
    spans: dict[int, int] = {}
    for match in _GRAPHEME.finditer(text):
        if _EMOJI_CLUSTER.match(match.group()):
            spans[match.start()] = match.end()
    return spans


def parse_tweet(text: str, config: TwitterTextConfig = CONFIG_V3) -> TweetLength:
    """The weighted length of `text` and whether X accepts it."""
    normalized = unicodedata.normalize("NFC", text)
    url_spans = {span.start: span.end for span in extract_urls(normalized)}
    emoji_spans = _emoji_spans(normalized) if config.emoji_parsing_enabled else {}
    url_weight = config.transformed_url_length * config.scale
    max_scaled = config.max_weighted_length * config.scale

    weighted = 0
    index = 0  # code points in `normalized`
    utf16_offset = 0
    valid_utf16_offset = 0
    has_invalid = False
    while index < len(normalized):
        if index in url_spans:
            end = url_spans[index]
            weighted += url_weight
        elif index in emoji_spans:
            end = emoji_spans[index]
            weighted += config.default_weight
        else:
            end = index + 1
            char = normalized[index]
            weighted += config.weight_of(ord(char))
            has_invalid = has_invalid or char in _INVALID_CHARACTERS
        utf16_offset += _utf16_length(normalized[index:end])
        index = end
        if not has_invalid and weighted <= max_scaled:
            valid_utf16_offset = utf16_offset

    # Offsets are reported against the text as typed, not the normalised one.
    shift = _utf16_length(text) - _utf16_length(normalized)
    weighted_length = weighted // config.scale
    return TweetLength(
        weighted_length=weighted_length,
        valid=bool(text) and not has_invalid and weighted_length <= config.max_weighted_length,
        permillage=weighted_length * 1000 // config.max_weighted_length,
        display_range=(0, utf16_offset + shift - 1),
        valid_range=(0, valid_utf16_offset + shift - 1),
    )
