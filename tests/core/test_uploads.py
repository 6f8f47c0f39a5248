"""Uploads: the type comes from the content, the size is bounded, images are re-encoded clean."""

import io
import random
import struct
import zipfile
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

from beffroi.core import uploads
from beffroi.core.uploads import IMAGES, SPREADSHEETS, Kind, UploadRefused, check_upload

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def png(width=12, height=8, colour=(200, 30, 30)) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(output, "PNG")
    return output.getvalue()


def jpeg_with_gps() -> bytes:
    image = Image.new("RGB", (40, 20), (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "Appareil du service communication"  # Make
    exif[ORIENTATION] = 6  # taken rotated: the pixels must be turned, not just the tag dropped
    exif.get_ifd(GPS_IFD).update({1: "N", 2: (48.0, 51.0, 24.0), 3: "E", 4: (2.0, 21.0, 3.0)})
    output = io.BytesIO()
    image.save(output, "JPEG", exif=exif)
    return output.getvalue()


def upload(content: bytes, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")  # the browser's claim


def test_a_page_of_html_named_like_a_png_is_refused():
    page = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload(page, "photo.png"), accept=IMAGES)
    assert refused.value.message == (
        "Le contenu du fichier « photo.png » n'est pas d'un type accepté (reconnu : page HTML). "
        "Types acceptés : GIF, JPEG, PNG, WebP."
    )
    # Nor does it pass as a table when named .csv.
    with pytest.raises(UploadRefused, match="page HTML"):
        check_upload(upload(page, "planning.csv"), accept=SPREADSHEETS)


def test_an_svg_is_not_an_image_we_accept():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>'
    with pytest.raises(UploadRefused, match="XML ou SVG"):
        check_upload(upload(svg, "logo.png"), accept=IMAGES)


def test_an_oversized_file_is_refused_before_it_is_read_whole():
    big = SimpleUploadedFile("planning.csv", b"date;heure\n" * 200_000)  # 2.2 MB
    with pytest.raises(UploadRefused) as refused:
        check_upload(big, accept=SPREADSHEETS, max_bytes=1024 * 1024)
    assert "dépasse la taille maximale de 1,0 Mo" in refused.value.message

    class NoSize(io.BytesIO):  # a stream that does not say its size: read is bounded anyway
        name = "flux.csv"

    stream = NoSize(b"a;b\n" * 600_000)
    with pytest.raises(UploadRefused, match="dépasse"):
        check_upload(stream, accept=SPREADSHEETS, max_bytes=1024 * 1024)
    assert stream.tell() == 1024 * 1024 + 1


def test_gps_position_and_every_exif_tag_are_gone_after_the_check():
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(GPS_IFD)  # the fixture has them

    checked = check_upload(upload(original, "marché.jpeg"), accept=IMAGES)

    assert checked.kind is Kind.JPEG and checked.name == "marché.jpg"
    cleaned = Image.open(io.BytesIO(checked.content))
    assert not cleaned.getexif()
    assert "exif" not in cleaned.info
    assert b"Appareil" not in checked.content
    assert cleaned.size == (20, 40)  # orientation 6 applied to the pixels


def test_a_polyglot_loses_what_it_hid_after_the_image():
    polyglot = png() + b"<script>alert('xss')</script>" + b"PK\x03\x04 hidden archive"
    checked = check_upload(upload(polyglot, "affiche.png"), accept=IMAGES)
    assert b"<script>" not in checked.content and b"PK\x03\x04" not in checked.content
    assert Image.open(io.BytesIO(checked.content)).getpixel((3, 3)) == (200, 30, 30)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def announced_png(width: int, height: int) -> bytes:
    """A few hundred bytes whose header announces width × height pixels (1 bit, grey)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    ("width", "height", "message"),
    [
        (8_000, 8_000, "est trop grande (8000 × 8000 pixels) : au plus 40 millions de pixels"),
        # Beyond Pillow's own bomb limit: refused when opened, before any size is read.
        (50_000, 50_000, "est trop grande : au plus 40 millions de pixels"),
    ],
)
def test_a_decompression_bomb_is_refused_without_being_decoded(width, height, message):
    bomb = announced_png(width, height)
    assert len(bomb) < 500
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload(bomb, "bombe.png"), accept=IMAGES)
    assert message in refused.value.message


def test_an_animation_keeps_its_frames():
    frames = [Image.new("RGB", (10, 10), colour) for colour in ("red", "green", "blue")]
    output = io.BytesIO()
    frames[0].save(
        output, "GIF", save_all=True, append_images=frames[1:], duration=80, comment=b"secret"
    )
    checked = check_upload(upload(output.getvalue(), "anim.gif"), accept=IMAGES)
    again = Image.open(io.BytesIO(checked.content))
    assert again.n_frames == 3 and b"secret" not in checked.content


def test_a_truncated_image_is_refused_with_a_clear_message(monkeypatch):
    # As once WeasyPrint (the PDF reports) is imported in the same process.
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    noise = io.BytesIO()
    Image.frombytes("RGB", (100, 100), random.Random(1).randbytes(30_000)).save(noise, "PNG")
    with pytest.raises(UploadRefused, match="« coupée.png » est illisible ou abîmée"):
        check_upload(upload(noise.getvalue()[:2000], "coupée.png"), accept=IMAGES)


def xlsx(extra: dict[str, bytes] | None = None) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return output.getvalue()


def test_a_spreadsheet_is_named_after_its_content():
    checked = check_upload(upload(xlsx(), "planning.csv"), accept=SPREADSHEETS)
    assert checked.kind is Kind.XLSX and checked.name == "planning.xlsx"
    text = "date;heure;réseaux;texte\n21/06/2030;18:30;X;Fête de la musique\n".encode("cp1252")
    assert check_upload(upload(text, "planning.txt"), accept=SPREADSHEETS).name == "planning.csv"


def test_a_spreadsheet_that_unpacks_beyond_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNPACKED_BYTES", 1024 * 1024)
    bomb = xlsx({"xl/worksheets/sheet1.xml": b"\x00" * (2 * 1024 * 1024)})
    assert len(bomb) < 20_000
    with pytest.raises(UploadRefused, match="se décompresse en 2,0 Mo"):
        check_upload(upload(bomb, "planning.xlsx"), accept=SPREADSHEETS)


@pytest.mark.parametrize(
    ("content", "seen"),
    [(b"%PDF-1.7 ...", "PDF"), (b"\x00\x01binary", "format inconnu"), (b"", None)],
)
def test_other_contents_are_refused(content, seen):
    with pytest.raises(UploadRefused) as refused:
        check_upload(upload(content, "x.csv"), accept=SPREADSHEETS)
    assert (seen or "est vide") in refused.value.message
