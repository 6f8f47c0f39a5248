"""Every uploaded file goes through here before anything reads it.

What a file is comes from its first bytes, never from its name or the browser's Content-Type: a
page of HTML named `photo.png` is refused, a spreadsheet named `.csv` is read as a spreadsheet.
Images are decoded and encoded again with Pillow, which keeps the pixels and nothing else: EXIF
(GPS position, camera serial), comments, and whatever a polyglot file hid after the image data
are gone. An image whose header announces more pixels than `max_pixels` is refused before it is
decoded (a few kilobytes can announce gigabytes: a decompression bomb); so is a spreadsheet whose
archive would unpack beyond the size limit.

Use it in a form: `clean_file = lambda self: check_upload(self.cleaned_data["file"], accept=SPREADSHEETS)`
then read `CheckedUpload.content` and `.name` (its extension is the sniffed type's).
"""

from __future__ import annotations

import enum
import io
import threading
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import PurePath
from typing import IO, Protocol

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, ImageFile, ImageOps, ImageSequence, UnidentifiedImageError

MEGABYTE = 1024 * 1024
DEFAULT_MAX_BYTES = 10 * MEGABYTE
# 40 megapixels: above any phone camera (a 48 MP sensor saves 12 MP by default), far below
# what would exhaust a worker's memory once decoded (4 bytes a pixel).
DEFAULT_MAX_PIXELS = 40_000_000
# An XLSX is a zip: what it unpacks to is bounded too (5,000 rows of posts are a few megabytes).
MAX_UNPACKED_BYTES = 100 * MEGABYTE


class Kind(enum.Enum):
    CSV = ("csv", "text/csv", "CSV")
    XLSX = ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "XLSX")
    PNG = ("png", "image/png", "PNG")
    JPEG = ("jpg", "image/jpeg", "JPEG")
    GIF = ("gif", "image/gif", "GIF")
    WEBP = ("webp", "image/webp", "WebP")

    def __init__(self, extension: str, mime_type: str, label: str) -> None:
        self.extension = extension
        self.mime_type = mime_type
        self.label = label


SPREADSHEETS = frozenset({Kind.CSV, Kind.XLSX})
IMAGES = frozenset({Kind.PNG, Kind.JPEG, Kind.GIF, Kind.WEBP})
_PILLOW_FORMAT = {Kind.PNG: "PNG", Kind.JPEG: "JPEG", Kind.GIF: "GIF", Kind.WEBP: "WEBP"}


class UploadRefused(ValidationError):
    """The file cannot be accepted; `message` says why, in French, for the person who sent it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="upload_refused")
        self.message = message


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # the original name with the extension of the sniffed type
    kind: Kind
    content: bytes  # for an image: the re-encoded bytes, metadata stripped

    @property
    def mime_type(self) -> str:
        return self.kind.mime_type


class _Upload(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = ..., /) -> bytes: ...


def check_upload(
    upload: _Upload | IO[bytes],
    *,
    accept: frozenset[Kind],
    max_bytes: int | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> CheckedUpload:
    """Size, type sniffed from the content, and for images a clean re-encoding; or UploadRefused."""
    name = PurePath(getattr(upload, "name", None) or "fichier").name
    limit = (
        max_bytes
        if max_bytes is not None
        else int(getattr(settings, "BEFFROI_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))
    )
    declared = getattr(upload, "size", None)
    if declared is not None and declared > limit:
        raise _too_big(name, declared, limit)
    content = upload.read(limit + 1)  # never more than the limit in memory
    if len(content) > limit:
        raise _too_big(name, len(content), limit)
    if not content:
        raise UploadRefused(f"Le fichier « {name} » est vide.")
    kind = sniff(content)
    if kind is None or kind not in accept:
        seen = kind.label if kind else _describe_unknown(content)
        accepted = ", ".join(sorted(k.label for k in accept))
        raise UploadRefused(
            f"Le contenu du fichier « {name} » n'est pas d'un type accepté (reconnu : {seen}). "
            f"Types acceptés : {accepted}."
        )
    if kind is Kind.XLSX:
        _check_archive(name, content)
    if kind in IMAGES:
        content = reencode_image(content, kind=kind, name=name, max_pixels=max_pixels)
    return CheckedUpload(name=f"{PurePath(name).stem}.{kind.extension}", kind=kind, content=content)


def _too_big(name: str, size: int, limit: int) -> UploadRefused:
    return UploadRefused(
        f"Le fichier « {name} » dépasse la taille maximale de {_megabytes(limit)} "
        f"(il fait au moins {_megabytes(size)})."
    )


def _megabytes(size: int) -> str:
    return f"{size / MEGABYTE:.1f} Mo".replace(".", ",")


# ----------------------------------------------------------------------------- sniffing


_MARKUP_STARTS = (
    b"<!doctype",
    b"<html",
    b"<head",
    b"<body",
    b"<script",
    b"<svg",
    b"<?xml",
    b"<iframe",
)


def sniff(content: bytes) -> Kind | None:
    """The type from the first bytes (magic numbers), or None when it is none of ours."""
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return Kind.PNG
    if content.startswith(b"\xff\xd8\xff"):
        return Kind.JPEG
    if content.startswith((b"GIF87a", b"GIF89a")):
        return Kind.GIF
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return Kind.WEBP
    if content.startswith(b"PK\x03\x04"):
        return Kind.XLSX if _is_xlsx(content) else None
    if content.startswith(b"%PDF"):
        return None  # its header is text, the rest is not: never a table
    if _is_plain_text(content):
        return Kind.CSV
    return None


def _is_xlsx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and "xl/workbook.xml" in names


def _is_plain_text(content: bytes) -> bool:
    if b"\x00" in content:
        return False  # binary, or UTF-16: the import reads UTF-8 and Windows-1252 only
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    if head.startswith(_MARKUP_STARTS):
        return False  # a page or an SVG, with scripts perhaps: never a table
    for encoding in ("utf-8", "cp1252"):
        try:
            text = content.decode(encoding)
        except UnicodeDecodeError:
            continue
        # Control characters other than tabs and line breaks mean a binary file.
        return not any(ord(c) < 32 and c not in "\t\r\n\f" for c in text[:65536])
    return False


def _describe_unknown(content: bytes) -> str:
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:64].lower()
    if head.startswith((b"<svg", b"<?xml")):
        return "document XML ou SVG"
    if head.startswith(_MARKUP_STARTS):
        return "page HTML"
    if content.startswith(b"%PDF"):
        return "PDF"
    if content.startswith(b"PK\x03\x04"):
        return "archive ZIP"
    return "format inconnu"


def _check_archive(name: str, content: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > MAX_UNPACKED_BYTES:
        raise UploadRefused(
            f"Le classeur « {name} » se décompresse en {_megabytes(unpacked)}, au-delà de "
            f"{_megabytes(MAX_UNPACKED_BYTES)} : enregistrez-le en CSV ou découpez-le."
        )


# ----------------------------------------------------------------------------- images


def reencode_image(content: bytes, *, kind: Kind, name: str, max_pixels: int) -> bytes:
    """The pixels again, in the same format, without metadata or trailing bytes."""
    unreadable = UploadRefused(f"L'image « {name} » est illisible ou abîmée.")
    with warnings.catch_warnings():
        # Pillow only warns between its own limit and twice it: make that a refusal as well.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(content), formats=[_PILLOW_FORMAT[kind]])
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _bomb(name, None, max_pixels) from None
        except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
            raise unreadable from None
        with image:
            # Only the header has been read so far: the size is checked before decoding.
            width, height = image.size
            frames = getattr(image, "n_frames", 1)
            if width * height * frames > max_pixels:
                raise _bomb(name, (width, height, frames), max_pixels)
            try:
                with _whole_images_only():
                    return _encode(image, kind)
            except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
                raise unreadable from None


_TRUNCATION_SETTING = threading.Lock()


@contextmanager
def _whole_images_only() -> Iterator[None]:
    """Pillow's LOAD_TRUNCATED_IMAGES is process-wide, and importing WeasyPrint (the PDF reports)
    turns it on: a cut-off upload would then be padded with grey instead of refused."""
    with _TRUNCATION_SETTING:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _encode(image: Image.Image, kind: Kind) -> bytes:
    output = io.BytesIO()
    if getattr(image, "n_frames", 1) > 1 and kind in (Kind.GIF, Kind.WEBP):
        # An animation keeps its frames and timing, nothing else.
        frames = [frame.copy() for frame in ImageSequence.Iterator(image)]
        for frame in frames:
            frame.info = {}
        frames[0].save(
            output,
            _PILLOW_FORMAT[kind],
            save_all=True,
            append_images=frames[1:],
            duration=image.info.get("duration", 100),
            loop=image.info.get("loop", 0),
        )
        return output.getvalue()
    # Orientation is applied to the pixels first, since the EXIF tag that carried it goes.
    clean = ImageOps.exif_transpose(image)
    clean.load()
    clean.info = {}
    if kind is Kind.JPEG:
        if clean.mode not in ("RGB", "L", "CMYK"):
            clean = clean.convert("RGB")
        clean.save(output, "JPEG", quality=90, optimize=True)
    else:
        clean.save(output, _PILLOW_FORMAT[kind])
    return output.getvalue()


def _bomb(name: str, size: tuple[int, int, int] | None, max_pixels: int) -> UploadRefused:
    announced = ""
    if size is not None:
        width, height, frames = size
        count = f" × {frames} images" if frames > 1 else ""
        announced = f" ({width} × {height} pixels{count})"
    return UploadRefused(
        f"L'image « {name} » est trop grande{announced} : au plus "
        f"{max_pixels // 1_000_000} millions de pixels. Réduisez-la avant de l'envoyer."
    )
