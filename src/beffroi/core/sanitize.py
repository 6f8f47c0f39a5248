"""Text and links from outside (networks, feeds, webhooks, imported files), made safe where they enter.

Beffroi stores no HTML from outside: a Mastodon status, a YouTube comment or an article of a
website's feed becomes plain text here, through nh3 (the Ammonia sanitiser) rather than a regular
expression: a regex that drops `<...>` keeps the text of a `<script>`, and is fooled by an
unclosed tag or a `>` inside an attribute. Django's templates then escape that text like any other.

A link from outside is kept only if it is http(s): a `javascript:` or `data:` URL in an author's
profile (set by a remote Mastodon instance), a feed's `<link>` or a webhook would otherwise become
a clickable `href` in our pages. CSP forbids inline script too; this is the second lock.

No Django import: the network adapters (a plain library) use it as well.
"""

from __future__ import annotations

import html
import re
import unicodedata
from urllib.parse import urlsplit

import nh3

# Block elements whose end is a paragraph break in the text; <br> is a line break.
_BLOCKS = frozenset(
    {"p", "div", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "figure"}
)
_KEPT_FOR_LAYOUT = _BLOCKS | {"br"}
_BLOCK_END = re.compile(
    r"</(?:" + "|".join(sorted(_BLOCKS)) + r")>|<(?:p|div|li|h[1-6]|blockquote|figure)>"
)
_BREAK = re.compile(r"<br\s*/?>")
_ANY_TAG = re.compile(r"</?[a-z0-9]+\s*/?>")
# Elements dropped with everything inside them, not just their tags.
_DROPPED_WITH_CONTENT = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math"}
)
SAFE_SCHEMES = frozenset({"http", "https"})


def text_from_html(fragment: str | None) -> str:
    """Plain text of an HTML fragment: tags and scripts gone, entities decoded, paragraphs kept."""
    if not fragment:
        return ""
    # nh3 parses like a browser, then keeps only layout tags with no attribute at all: what is
    # left is well formed, so the simple patterns below see every remaining tag.
    cleaned = nh3.clean(
        fragment,
        tags=set(_KEPT_FOR_LAYOUT),
        attributes={},
        clean_content_tags=set(_DROPPED_WITH_CONTENT),
        strip_comments=True,
        link_rel=None,
    )
    cleaned = _BREAK.sub("\n", cleaned)
    cleaned = _BLOCK_END.sub("\n\n", cleaned)
    cleaned = _ANY_TAG.sub("", cleaned)
    return plain_text(html.unescape(cleaned))


def plain_text(text: str | None) -> str:
    """Text as received, without control characters (other than line breaks and tabs); paragraphs
    separated by one blank line, spaces folded within lines."""
    if not text:
        return ""
    kept = "".join(
        c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cs", "Co")
    )
    lines = [
        re.sub(r"[ \t\r\f\v]+", " ", line).strip()
        for line in kept.replace("\r\n", "\n").split("\n")
    ]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link with a host; None otherwise."""
    if not url:
        return None
    candidate = url.strip()
    # Browsers ignore tabs and newlines inside a scheme ("java\tscript:"): so must the check.
    if any(c in candidate for c in "\t\n\r") or any(ord(c) < 32 for c in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    return candidate


_BARE_HOST = re.compile(r"^[\w-]+(?:\.[\w-]+)+(?::\d{1,5})?(?:[/?#]|$)")


def web_address(url: str | None) -> str | None:
    """An http(s) address, accepting one typed without its scheme (`www.ville.fr/actu`), as the
    absolute URL; None for anything else (`javascript:`, `data:`, a path, a bare word)."""
    if not url or not url.strip():
        return None
    candidate = url.strip()
    if "://" in candidate:
        return safe_url(candidate)
    if _BARE_HOST.match(candidate):
        return safe_url(f"https://{candidate}")
    return None
