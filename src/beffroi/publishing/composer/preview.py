"""What a variant will look like on its network: text cut into links, hashtags and mentions,
the « voir plus » fold, links shortened as the network shows them, and the counter."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote

import regex

from beffroi.core.domain import Network
from beffroi.networks.types import PostVariant
from beffroi.publishing.composer.compose import CheckedVariant
from beffroi.publishing.composer.hashtags import HASHTAG
from beffroi.publishing.composer.rules import LinkPolicy, rules_for
from beffroi.publishing.composer.urls import extract_urls

_MENTION = regex.compile(r"(?<![\p{L}\p{N}_])@[\p{L}\p{N}_.\-]+(?:@[\p{L}\p{N}.\-]+[\p{L}\p{N}])?")
# X and Mastodon show at most this many characters of a link, then an ellipsis.
_SHOWN_LINK = 30

_HASHTAG_URLS = {
    Network.X: "https://x.com/hashtag/{tag}",
    Network.BLUESKY: "https://bsky.app/hashtag/{tag}",
    Network.INSTAGRAM: "https://www.instagram.com/explore/tags/{tag}/",
    Network.LINKEDIN: "https://www.linkedin.com/feed/hashtag/{tag}/",
    Network.FACEBOOK: "https://www.facebook.com/hashtag/{tag}",
    Network.YOUTUBE: "https://www.youtube.com/hashtag/{tag}",
}


class SegmentKind(StrEnum):
    TEXT = "text"
    LINK = "link"
    HASHTAG = "hashtag"
    MENTION = "mention"


@dataclass(frozen=True, slots=True)
class Segment:
    kind: SegmentKind
    text: str  # as shown
    href: str | None = None


@dataclass(frozen=True, slots=True)
class PartPreview:
    segments: tuple[Segment, ...]
    # Segments shown before « voir plus », when the network folds long texts.
    folded_at: int | None = None


@dataclass(frozen=True, slots=True)
class VariantPreview:
    network: Network
    parts: tuple[PartPreview, ...]
    title: str | None
    counter: str  # « 234 / 280 »
    over_limit: bool
    clickable_links: bool


def _shown_link(url: str, network: Network) -> str:
    if network in (Network.X, Network.MASTODON, Network.BLUESKY):
        shown = regex.sub(r"^https?://(www\.)?", "", url)
        return shown if len(shown) <= _SHOWN_LINK else shown[: _SHOWN_LINK - 1] + "…"
    return url


def segments_of(text: str, network: Network) -> tuple[Segment, ...]:
    """Cuts a text into plain text, links, hashtags and mentions, as the network highlights them."""
    clickable = rules_for(network).link_policy is not LinkPolicy.LINK_IN_BIO
    spans: list[tuple[int, int, Segment]] = []
    for url in extract_urls(text):
        href = url.url if url.has_scheme else f"https://{url.url}"
        segment = (
            Segment(SegmentKind.LINK, _shown_link(url.url, network), href)
            if clickable
            else Segment(SegmentKind.TEXT, url.url)
        )
        spans.append((url.start, url.end, segment))
    for match in HASHTAG.finditer(text):
        template = _HASHTAG_URLS.get(network)
        tag_href = template.format(tag=quote(match.group("tag"))) if template else None
        spans.append(
            (match.start(), match.end(), Segment(SegmentKind.HASHTAG, match.group(), tag_href))
        )
    for match in _MENTION.finditer(text):
        spans.append((match.start(), match.end(), Segment(SegmentKind.MENTION, match.group())))
    segments: list[Segment] = []
    cursor = 0
    for start, end, segment in sorted(spans, key=lambda s: (s[0], -s[1])):
        if start < cursor:
            continue  # a hashtag inside a link belongs to the link
        if start > cursor:
            segments.append(Segment(SegmentKind.TEXT, text[cursor:start]))
        segments.append(segment)
        cursor = end
    if cursor < len(text):
        segments.append(Segment(SegmentKind.TEXT, text[cursor:]))
    return tuple(segments)


def _fold(
    segments: tuple[Segment, ...], fold: int | None
) -> tuple[tuple[Segment, ...], int | None]:
    """Segments with a plain-text segment cut where the network folds, and the first hidden one."""
    if fold is None:
        return segments, None
    shown = 0
    for index, segment in enumerate(segments):
        if shown + len(segment.text) > fold:
            if segment.kind is SegmentKind.TEXT and fold > shown:
                cut = fold - shown
                # Cut between words, as the networks do.
                space = segment.text.rfind(" ", 0, cut + 1)
                cut = space if space > 0 else cut
                head = Segment(SegmentKind.TEXT, segment.text[:cut])
                tail = Segment(SegmentKind.TEXT, segment.text[cut:])
                return (*segments[:index], head, tail, *segments[index + 1 :]), index + 1
            return segments, index
        shown += len(segment.text)
    return segments, None


def preview(checked: CheckedVariant) -> VariantPreview:
    variant: PostVariant = checked.variant
    rules = rules_for(variant.network)
    parts = tuple(
        PartPreview(*_fold(segments_of(text, variant.network), rules.fold))
        for text in (variant.text, *variant.thread)
    )
    return VariantPreview(
        network=variant.network,
        parts=parts,
        title=variant.title,
        counter=f"{checked.length} / {checked.limit}",
        over_limit=checked.length > checked.limit,
        clickable_links=rules.link_policy is not LinkPolicy.LINK_IN_BIO,
    )
