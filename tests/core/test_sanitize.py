"""The sanitiser at the boundary: HTML from outside becomes plain text, links only http(s)."""

import pytest

from beffroi.core.sanitize import plain_text, safe_url, text_from_html, web_address


@pytest.mark.parametrize(
    ("fragment", "text"),
    [
        ("<p>Un &amp; deux</p><p>trois<br>quatre</p>", "Un & deux\n\ntrois\nquatre"),
        # The text of a script or a style is not text a person wrote.
        ('<p>Fête</p><script>alert("x")</script><style>p{color:red}</style>', "Fête"),
        ("<img src=x onerror=alert(1)>Bonjour", "Bonjour"),
        # An unclosed tag: a regex that drops <...> would keep the handler as text.
        ("Bonjour <img src=x onerror=alert(1)", "Bonjour"),
        ('<a href="javascript:alert(1)" title="a > b">le lien</a>', "le lien"),
        ("<svg><script>alert(1)</script></svg>ok<!-- commentaire -->", "ok"),
        # Escaped markup is what the person typed: it stays, as text (templates escape it).
        ("<p>&lt;script&gt;</p>", "<script>"),
        ("Prix\u00a0: 3\u00a0€\x00\x07", "Prix\u00a0: 3\u00a0€"),
        ("", ""),
        (None, ""),
    ],
)
def test_text_from_html(fragment, text):
    assert text_from_html(fragment) == text


def test_plain_text_folds_spaces_and_keeps_paragraphs():
    assert plain_text("  a \t b \r\n\n\n\n c\x1b[31m ") == "a b\n\nc[31m"


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://www.saint-aubin.example/actu?id=1", True),
        ("http://mairie.example", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        (" javascript:alert(1)", False),
        ("data:text/html,<script>alert(1)</script>", False),
        ("vbscript:msgbox(1)", False),
        ("//evil.example/x", False),
        ("/relative/path", False),
        ("https:///no-host", False),
        ("", False),
        (None, False),
    ],
)
def test_safe_url(url, kept):
    assert (safe_url(url) is not None) is kept


@pytest.mark.parametrize(
    ("url", "address"),
    [
        (
            "https://www.facebook.com/villedesaintaubin",
            "https://www.facebook.com/villedesaintaubin",
        ),
        ("www.facebook.com/villedesaintaubin", "https://www.facebook.com/villedesaintaubin"),
        ("x.com/mairie?lang=fr", "https://x.com/mairie?lang=fr"),
        ("javascript:alert(1)", None),
        ("javascript://%0aalert(1)", None),
        ("data:text/html;base64,PHNjcmlwdD4=", None),
        ("mairie", None),
        ("/actualites", None),
        ("  ", None),
    ],
)
def test_web_address(url, address):
    assert web_address(url) == address
