"""Finding the links of a message the way X and Mastodon find them, so that each counts as 23.

Written after the twitter-text extraction rules (conformance suite in shared/data): a link is an
optional http(s) scheme, a host whose last label is a real top-level domain (the ICANN section of
the Public Suffix List shipped by `publicsuffixlist`), an optional port, path and query whose last
character is not punctuation. A link without a scheme must be ASCII, start at a word boundary, and
either have a subdomain, a path, or one of the ccTLDs that X treats as generic (.co, .tv).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import publicsuffixlist
import regex

# Characters that can never be part of a host label (ASCII punctuation, spaces, controls,
# directional marks and the characters twitter-text declares invalid).
_NOT_IN_DOMAIN = (
    r"!-/:-@\[-`{-~"  # ASCII punctuation except letters and digits
    r"\s\p{Z}\p{Cc}\p{Cf}"  # spaces, controls, format marks (directional marks are Cf)
    r"\uFFFE\uFEFF\uFFFF"
)
_LABEL = rf"(?:[^{_NOT_IN_DOMAIN}](?:[^{_NOT_IN_DOMAIN}]|[-_])*)"
# Path characters X keeps inside a link, and those a link may end with (a trailing dot,
# comma or quote belongs to the sentence, not to the link).
_PATH_CHAR = r"[\p{L}\p{M}0-9!*';:=+,.$/%#\[\]\-\u2013_~|&@()]"
_PATH_END = r"[\p{L}\p{M}0-9=_#/+\-)]"
_QUERY_CHAR = r"[a-zA-Z0-9!?*'();:&=+$/%#\[\]\-_.,~|@]"
_QUERY_END = r"[a-zA-Z0-9\-_&=#/]"

_URL = regex.compile(
    rf"""
    (?P<before>^|[^A-Za-z0-9@＠$#＃])
    (?P<url>
      (?P<scheme>https?://)?
      (?P<host>(?:{_LABEL}\.)+{_LABEL})
      (?::(?P<port>[0-9]{{1,5}}))?
      (?P<path>/(?:{_PATH_CHAR}*{_PATH_END})?)?
      (?P<query>\?{_QUERY_CHAR}*{_QUERY_END})?
    )
    """,
    regex.VERBOSE | regex.IGNORECASE | regex.V1,
)

# ccTLDs that X links even without a path or subdomain, because they are sold as generic ones.
_GENERIC_CCTLDS = frozenset({"co", "tv"})
_MAX_LABEL = 63
_MAX_HOST = 253


@dataclass(frozen=True, slots=True)
class UrlSpan:
    """A link found in a text: code point offsets in that text, and the link as written."""

    start: int
    end: int
    url: str
    has_scheme: bool


@functools.cache
def top_level_domains() -> frozenset[str]:
    """Every ICANN top-level domain, in Unicode and in punycode form."""
    data = Path(publicsuffixlist.__file__).with_name("public_suffix_list.dat")
    tlds: set[str] = set()
    in_icann = False
    for raw in data.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("// ===BEGIN ICANN DOMAINS==="):
            in_icann = True
        elif line.startswith("// ===END ICANN DOMAINS==="):
            break
        elif in_icann and line and not line.startswith(("//", "!", "*")) and "." not in line:
            tlds.add(line.lower())
            ascii_form = _ascii_label(line.lower())
            if ascii_form:
                tlds.add(ascii_form)
    return frozenset(tlds)


def _ascii_label(label: str) -> str | None:
    """The label as it travels in DNS (punycode with xn-- when not ASCII), or None if impossible."""
    if label.isascii():
        return label
    try:
        return "xn--" + label.encode("punycode").decode("ascii")
    except UnicodeError:
        return None


def _host_is_valid(host: str) -> bool:
    labels = host.lower().split(".")
    ascii_labels = [_ascii_label(label) for label in labels]
    if any(a is None or not 0 < len(a) <= _MAX_LABEL for a in ascii_labels):
        return False
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return False
    if sum(len(a or "") + 1 for a in ascii_labels) - 1 > _MAX_HOST:
        return False
    return labels[-1] in top_level_domains()


def _balance_parentheses(path: str) -> str:
    """Drops a closing parenthesis that closes the sentence rather than a part of the path."""
    while path.endswith(")") and path.count(")") > path.count("("):
        path = path[:-1]
    return path


def extract_urls(text: str, *, require_scheme: bool = False) -> list[UrlSpan]:
    """The links of `text`, in order (code point offsets)."""
    spans: list[UrlSpan] = []
    for match in _URL.finditer(text, overlapped=False):
        host = match.group("host")
        scheme = match.group("scheme")
        if not scheme:
            if require_scheme or not host.isascii():
                continue
            before = match.group("before")
            if before and before in "-_./":
                continue
        if not _host_is_valid(host):
            continue
        path = match.group("path") or ""
        query = match.group("query") or ""
        labels = host.lower().split(".")
        if (
            not scheme
            and not path
            and len(labels) == 2
            and len(labels[-1]) == 2
            and labels[-1] not in _GENERIC_CCTLDS
        ):
            # "mairie.fr" alone reads as a word to X, "www.mairie.fr" or "mairie.fr/agenda" links.
            continue
        start = match.start("url")
        trimmed_path = _balance_parentheses(path) if not query else path
        end = match.start("path") + len(trimmed_path) if path and not query else match.end("url")
        spans.append(UrlSpan(start=start, end=end, url=text[start:end], has_scheme=bool(scheme)))
    return spans
