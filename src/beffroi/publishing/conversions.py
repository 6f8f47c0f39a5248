"""Between stored JSON and the composer's frozen dataclasses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from typing import Any

from beffroi.core.domain import Network
from beffroi.networks.types import Media, PostVariant

_MEDIA_FIELDS = (
    "path",
    "mime_type",
    "alt_text",
    "width",
    "height",
    "size_bytes",
    "duration_s",
    "captions_path",
)


def media_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[Media, ...]:
    return tuple(Media(**{k: item[k] for k in _MEDIA_FIELDS if k in item}) for item in items)


def media_to_json(media: Iterable[Media]) -> list[dict[str, Any]]:
    return [asdict(m) for m in media]


def variant_to_post_variant(variant: Any) -> PostVariant:
    """A stored Variant as the adapters take it."""
    return PostVariant(
        network=Network(variant.network),
        text=variant.text,
        media=media_from_json(variant.media),
        link=variant.link or None,
        thread=tuple(variant.thread),
        title=variant.title or None,
        sponsored=variant.sponsored,
    )
