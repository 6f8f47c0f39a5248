"""Each network's rules for a post, as their documentation states them (checked November 2026).

Sources: X developer docs (counting characters, media best practices); Bluesky `app.bsky.feed.post`
lexicon (300 graphemes) and `app.bsky.embed.images` (4 images, 1 000 000 bytes each);
Mastodon StatusLengthValidator and default MediaAttachment limits; Instagram Graph API content
publishing (2 200 characters, 30 hashtags, JPEG, ratio 4:5 to 1.91:1, 8 MB); LinkedIn Posts API
(3 000 characters); Facebook Graph API (63 206 characters, photos up to 4 MB); YouTube Data API
(title 100 characters, description 5 000 bytes, no « < » or « > »).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from beffroi.core.domain import Network
from beffroi.publishing.composer.counting import LengthUnit

MB = 1024 * 1024


class LinkPolicy(StrEnum):
    IN_TEXT = "in_text"  # the link is written in the text and becomes clickable (and a card)
    LINK_IN_BIO = "link_in_bio"  # Instagram: links in captions are not clickable
    IN_DESCRIPTION = "in_description"  # YouTube: the link goes in the description


@dataclass(frozen=True, slots=True)
class MediaRules:
    image_types: frozenset[str]
    max_image_bytes: int
    video_types: frozenset[str]
    max_video_bytes: int
    max_video_seconds: float | None
    max_images: int
    max_videos: int
    # Width / height bounds for images, when the network crops or refuses outside them.
    min_ratio: float | None = None
    max_ratio: float | None = None
    max_alt_text: int | None = None
    # Several images and a video in the same post.
    images_and_video_together: bool = False
    gif_max_bytes: int | None = None


@dataclass(frozen=True, slots=True)
class NetworkRules:
    network: Network
    max_length: int
    unit: LengthUnit
    threads: bool
    link_policy: LinkPolicy
    media: MediaRules
    max_hashtags: int | None = None
    # Past this many hashtags the post reads as spam on this network (warning only).
    advised_hashtags: int | None = None
    # Characters shown before « voir plus »: the hook must fit in them.
    fold: int | None = None
    requires_media: bool = False
    requires_video: bool = False
    title_max: int | None = None
    max_thread_parts: int = 10
    # Does an @handle in the text become a mention (or must the network's API tag the page)?
    text_mentions: bool = True


_COMMON_IMAGES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
_MP4_MOV = frozenset({"video/mp4", "video/quicktime"})

RULES: dict[Network, NetworkRules] = {
    Network.X: NetworkRules(
        network=Network.X,
        max_length=280,
        unit=LengthUnit.WEIGHTED,
        threads=True,
        link_policy=LinkPolicy.IN_TEXT,
        advised_hashtags=2,
        media=MediaRules(
            image_types=_COMMON_IMAGES,
            max_image_bytes=5 * MB,
            gif_max_bytes=15 * MB,
            video_types=_MP4_MOV,
            max_video_bytes=512 * MB,
            max_video_seconds=140,
            max_images=4,
            max_videos=1,
            max_alt_text=1000,
        ),
        max_thread_parts=25,
    ),
    Network.BLUESKY: NetworkRules(
        network=Network.BLUESKY,
        max_length=300,
        unit=LengthUnit.GRAPHEMES,
        threads=True,
        link_policy=LinkPolicy.IN_TEXT,
        advised_hashtags=3,
        media=MediaRules(
            image_types=frozenset({"image/jpeg", "image/png", "image/webp", "image/gif"}),
            max_image_bytes=1_000_000,
            video_types=frozenset({"video/mp4"}),
            max_video_bytes=100 * MB,
            max_video_seconds=180,
            max_images=4,
            max_videos=1,
            max_alt_text=2000,
        ),
    ),
    Network.MASTODON: NetworkRules(
        network=Network.MASTODON,
        max_length=500,
        unit=LengthUnit.MASTODON,
        threads=True,
        link_policy=LinkPolicy.IN_TEXT,
        advised_hashtags=5,
        media=MediaRules(
            image_types=_COMMON_IMAGES | {"image/avif", "image/heic"},
            max_image_bytes=16 * MB,
            video_types=_MP4_MOV | {"video/webm"},
            max_video_bytes=99 * MB,
            max_video_seconds=None,
            max_images=4,
            max_videos=1,
            max_alt_text=1500,
        ),
    ),
    Network.INSTAGRAM: NetworkRules(
        network=Network.INSTAGRAM,
        max_length=2200,
        unit=LengthUnit.CHARACTERS,
        threads=False,
        link_policy=LinkPolicy.LINK_IN_BIO,
        max_hashtags=30,
        advised_hashtags=10,
        fold=125,
        requires_media=True,
        text_mentions=True,
        media=MediaRules(
            image_types=frozenset({"image/jpeg"}),
            max_image_bytes=8 * MB,
            video_types=_MP4_MOV,
            max_video_bytes=300 * MB,
            max_video_seconds=15 * 60,
            max_images=10,
            max_videos=10,
            min_ratio=4 / 5,
            max_ratio=1.91,
            max_alt_text=1000,
            images_and_video_together=True,
        ),
    ),
    Network.LINKEDIN: NetworkRules(
        network=Network.LINKEDIN,
        max_length=3000,
        unit=LengthUnit.CHARACTERS,
        threads=False,
        link_policy=LinkPolicy.IN_TEXT,
        advised_hashtags=5,
        fold=210,
        text_mentions=False,
        media=MediaRules(
            image_types=frozenset({"image/jpeg", "image/png", "image/gif"}),
            max_image_bytes=36 * MB,
            video_types=frozenset({"video/mp4"}),
            max_video_bytes=500 * MB,
            max_video_seconds=30 * 60,
            max_images=20,
            max_videos=1,
            max_alt_text=4086,
        ),
    ),
    Network.FACEBOOK: NetworkRules(
        network=Network.FACEBOOK,
        max_length=63206,
        unit=LengthUnit.CHARACTERS,
        threads=False,
        link_policy=LinkPolicy.IN_TEXT,
        advised_hashtags=3,
        fold=480,
        text_mentions=False,
        media=MediaRules(
            image_types=_COMMON_IMAGES | {"image/bmp", "image/tiff"},
            max_image_bytes=4 * MB,
            video_types=_MP4_MOV,
            max_video_bytes=4 * 1024 * MB,
            max_video_seconds=240 * 60,
            max_images=10,
            max_videos=1,
        ),
    ),
    Network.YOUTUBE: NetworkRules(
        network=Network.YOUTUBE,
        max_length=5000,
        unit=LengthUnit.CHARACTERS,
        threads=False,
        link_policy=LinkPolicy.IN_DESCRIPTION,
        max_hashtags=60,  # YouTube ignores every hashtag of a video that has more than 60
        advised_hashtags=3,
        fold=157,
        requires_video=True,
        title_max=100,
        text_mentions=True,
        media=MediaRules(
            image_types=frozenset({"image/jpeg", "image/png"}),  # custom thumbnail
            max_image_bytes=2 * MB,
            video_types=_MP4_MOV | {"video/webm", "video/x-msvideo", "video/mpeg"},
            max_video_bytes=256 * 1024 * MB,
            max_video_seconds=12 * 3600,
            max_images=1,
            max_videos=1,
        ),
    ),
    # The simulator takes the strictest common rules so that a demo post fits every network.
    Network.SANDBOX: NetworkRules(
        network=Network.SANDBOX,
        max_length=500,
        unit=LengthUnit.GRAPHEMES,
        threads=True,
        link_policy=LinkPolicy.IN_TEXT,
        advised_hashtags=3,
        media=MediaRules(
            image_types=_COMMON_IMAGES,
            max_image_bytes=5 * MB,
            video_types=_MP4_MOV,
            max_video_bytes=100 * MB,
            max_video_seconds=600,
            max_images=4,
            max_videos=1,
            max_alt_text=1000,
        ),
    ),
}


def rules_for(network: Network | str) -> NetworkRules:
    return RULES[Network(network)]
