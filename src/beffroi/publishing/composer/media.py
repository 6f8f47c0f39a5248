"""Media checks: formats, sizes, durations, ratios and alt text, per network."""

from __future__ import annotations

from pathlib import PurePosixPath

from beffroi.networks.types import Media
from beffroi.publishing.composer.issues import Issue, blocking, format_number, warning
from beffroi.publishing.composer.rules import MB, NetworkRules

# Alt text that only says an image is there tells a blind reader nothing (RGAA 1.3).
_EMPTY_ALT_OPENINGS = ("image de", "photo de", "image :", "photo :", "illustration")


def is_image(media: Media) -> bool:
    return media.mime_type.startswith("image/")


def is_video(media: Media) -> bool:
    return media.mime_type.startswith("video/")


def _size(value: int) -> str:
    if value >= MB:
        return f"{value / MB:.0f} Mo".replace(".", ",")
    return f"{format_number(round(value / 1000))} ko"


def _name(media: Media) -> str:
    return PurePosixPath(media.path).name or media.path


def check_alt_text(media: Media, rules: NetworkRules) -> list[Issue]:
    network = rules.network
    alt = media.alt_text.strip()
    if not alt:
        return [
            blocking(
                network,
                "alt_text_missing",
                f"Texte alternatif manquant pour l'image « {_name(media)} » : décrivez ce qu'elle "
                "montre pour les personnes qui ne la voient pas (RGAA).",
            )
        ]
    issues: list[Issue] = []
    if rules.media.max_alt_text and len(alt) > rules.media.max_alt_text:
        issues.append(
            blocking(
                network,
                "alt_text_too_long",
                f"Le texte alternatif de « {_name(media)} » fait {format_number(len(alt))} "
                f"caractères ; {network.label} en accepte {format_number(rules.media.max_alt_text)}.",
            )
        )
    if alt.casefold() == _name(media).casefold() or alt.casefold().startswith(_EMPTY_ALT_OPENINGS):
        issues.append(
            warning(
                network,
                "alt_text_poor",
                f"Le texte alternatif de « {_name(media)} » ne décrit pas l'image : dites ce "
                "qu'elle montre plutôt que « image de… » ou le nom du fichier.",
            )
        )
    return issues


def _check_one(media: Media, rules: NetworkRules) -> list[Issue]:
    network = rules.network
    spec = rules.media
    issues: list[Issue] = []
    name = _name(media)
    if is_image(media):
        if media.mime_type not in spec.image_types:
            allowed = ", ".join(sorted(t.split("/")[1].upper() for t in spec.image_types))
            issues.append(
                blocking(
                    network,
                    "media_format",
                    f"{network.label} n'accepte pas le format de « {name} » ({media.mime_type}) : "
                    f"utilisez {allowed}.",
                )
            )
        limit = (
            spec.gif_max_bytes
            if media.mime_type == "image/gif" and spec.gif_max_bytes
            else spec.max_image_bytes
        )
        if media.size_bytes is not None and media.size_bytes > limit:
            issues.append(
                blocking(
                    network,
                    "media_too_large",
                    f"L'image « {name} » pèse {_size(media.size_bytes)} ; {network.label} accepte "
                    f"{_size(limit)} au plus : réduisez-la.",
                )
            )
        if media.width and media.height and spec.min_ratio and spec.max_ratio:
            ratio = media.width / media.height
            if not spec.min_ratio - 0.005 <= ratio <= spec.max_ratio + 0.005:
                issues.append(
                    blocking(
                        network,
                        "media_ratio",
                        f"L'image « {name} » ({media.width}×{media.height}) sort du format "
                        f"accepté par {network.label} (de 4:5 à 1,91:1) : recadrez-la.",
                    )
                )
        issues.extend(check_alt_text(media, rules))
    elif is_video(media):
        if media.mime_type not in spec.video_types:
            issues.append(
                blocking(
                    network,
                    "media_format",
                    f"{network.label} n'accepte pas le format vidéo de « {name} » ({media.mime_type}).",
                )
            )
        if media.size_bytes is not None and media.size_bytes > spec.max_video_bytes:
            issues.append(
                blocking(
                    network,
                    "media_too_large",
                    f"La vidéo « {name} » pèse {_size(media.size_bytes)} ; {network.label} accepte "
                    f"{_size(spec.max_video_bytes)} au plus.",
                )
            )
        if (
            media.duration_s is not None
            and spec.max_video_seconds is not None
            and media.duration_s > spec.max_video_seconds
        ):
            issues.append(
                blocking(
                    network,
                    "video_too_long",
                    f"La vidéo « {name} » dure {media.duration_s:.0f} s ; {network.label} accepte "
                    f"{spec.max_video_seconds:.0f} s au plus.",
                )
            )
        if not media.captions_path:
            issues.append(
                warning(
                    network,
                    "captions_missing",
                    f"La vidéo « {name} » n'a pas de sous-titres : ajoutez-les, beaucoup la "
                    "regardent sans le son, et le RGAA les demande.",
                )
            )
    else:
        issues.append(
            blocking(
                network,
                "media_format",
                f"« {name} » n'est ni une image ni une vidéo ({media.mime_type}).",
            )
        )
    return issues


def check_media(media: tuple[Media, ...], rules: NetworkRules) -> list[Issue]:
    network = rules.network
    spec = rules.media
    issues: list[Issue] = []
    images = [m for m in media if is_image(m)]
    videos = [m for m in media if is_video(m)]
    if len(images) > spec.max_images:
        issues.append(
            blocking(
                network,
                "too_many_images",
                f"{network.label} accepte {spec.max_images} image(s) par publication, "
                f"il y en a {len(images)}.",
            )
        )
    if len(videos) > spec.max_videos:
        issues.append(
            blocking(
                network,
                "too_many_videos",
                f"{network.label} accepte {spec.max_videos} vidéo(s) par publication, "
                f"il y en a {len(videos)}.",
            )
        )
    if images and videos and not spec.images_and_video_together:
        issues.append(
            blocking(
                network,
                "images_and_video",
                f"{network.label} ne mélange pas images et vidéo dans une même publication.",
            )
        )
    if rules.requires_video and not videos:
        issues.append(
            blocking(
                network, "video_required", f"{network.label} publie des vidéos : ajoutez-en une."
            )
        )
    elif rules.requires_media and not media:
        issues.append(
            blocking(
                network,
                "media_required",
                f"{network.label} ne publie pas de texte seul : ajoutez une image ou une vidéo.",
            )
        )
    for item in media:
        issues.extend(_check_one(item, rules))
    return issues
