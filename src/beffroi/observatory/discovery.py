"""Discovery of a collectivité's accounts from the pages of its website.

A town hall's site links to its own accounts from its header or footer ("Suivez-nous"), but its
pages also hold links that are not its accounts: share buttons (`facebook.com/sharer`), embedded
videos and posts, and the accounts of the web agency that built it. Candidates are therefore
scored: a profile linked from several places, or marked as "me" (`rel="me"`, the way Mastodon
verifies a site), or named by `twitter:site`, beats one met once in the body text; links under a
credit ("réalisé par", "conception") are left out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin

import httpx

from beffroi.core.domain import Network
from beffroi.observatory.handles import ProfileRef, profile_parse


@dataclass(frozen=True, slots=True)
class DiscoveredAccount:
    """A profile found in the pages, with the evidence behind it."""

    profile: ProfileRef
    score: int
    occurrences: int
    verified: bool  # linked with rel="me" (Mastodon's proof that the site owns the account)
    first_seen: str  # page URL or file name


_CREDIT = re.compile(
    r"r[ée]alis[ée] par|conception|conçu par|propuls[ée] par|cr[ée]dits?|agence web", re.I
)
_FOLLOW = re.compile(r"suivez|suivre|rejoignez|retrouvez|réseaux sociaux|follow", re.I)
_CONTAINERS = frozenset({"header", "footer", "nav"})


class _LinkCollector(HTMLParser):
    """Collects hrefs with their context: inside header/footer/nav, after a credit line, rel=me."""

    def __init__(self, base_url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.links: list[tuple[str, set[str]]] = []
        self._stack: list[str] = []
        self._text_window = ""
        self._in_credit_block: list[int] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag not in ("br", "img", "meta", "link", "input", "hr", "source", "wbr"):
            self._stack.append(tag)
        context: set[str] = {t for t in self._stack if t in _CONTAINERS}
        if tag in ("a", "link") and values.get("href"):
            rel = values.get("rel", "").lower().split()
            if "me" in rel:
                context.add("me")
            if tag == "link" and "me" not in rel:
                return  # stylesheets, canonical, alternate: not links to accounts
            label = " ".join(values.get(k, "") for k in ("title", "aria-label", "class"))
            if _FOLLOW.search(self._text_window) or _FOLLOW.search(label):
                context.add("follow")
            if _CREDIT.search(self._text_window[-80:]):
                context.add("credit")
            self.links.append((urljoin(self.base_url, values["href"]), context))
        elif tag == "iframe" and values.get("src"):
            # Embedded page plugins and timelines name the site's own account.
            self.links.append((urljoin(self.base_url, values["src"]), {"embed"}))
        elif tag == "meta":
            name = (values.get("name") or values.get("property") or "").lower()
            if name in ("twitter:site", "twitter:creator") and values.get("content"):
                handle = values["content"].strip()
                self.links.append((f"https://x.com/{handle.removeprefix('@')}", {"meta"}))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass
        if tag in ("p", "div", "li", "section", "footer", "header", "nav"):
            self._text_window = self._text_window[-200:]

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            self._text_window = (self._text_window + " " + text)[-300:]


def profile_links(html: str, base_url: str = "") -> list[tuple[ProfileRef, set[str]]]:
    """Every link of the page that names an account, with its context markers."""
    collector = _LinkCollector(base_url)
    collector.feed(html)
    collector.close()
    found: list[tuple[ProfileRef, set[str]]] = []
    for href, context in collector.links:
        ref = profile_parse(href)
        if ref is not None:
            found.append((ref, context))
    return found


def accounts_discover(pages: Iterable[tuple[str, str]]) -> list[DiscoveredAccount]:
    """The accounts of a site from its pages `(url or name, html)`, the best first within each network."""
    scores: dict[tuple[Network, str], int] = {}
    occurrences: dict[tuple[Network, str], int] = {}
    verified: set[tuple[Network, str]] = set()
    refs: dict[tuple[Network, str], ProfileRef] = {}
    first_seen: dict[tuple[Network, str], str] = {}
    for page_url, html in pages:
        for ref, context in profile_links(html, page_url if "://" in page_url else ""):
            key = ref.key
            refs.setdefault(key, ref)
            first_seen.setdefault(key, page_url)
            occurrences[key] = occurrences.get(key, 0) + 1
            if "credit" in context:
                continue  # the agency's accounts: seen, never scored
            score = 1
            score += 2 if context & _CONTAINERS else 0
            score += 2 if "follow" in context else 0
            score += 3 if context & {"meta", "embed"} else 0
            if "me" in context:
                score += 5
                verified.add(key)
            scores[key] = scores.get(key, 0) + score
    order = {key: index for index, key in enumerate(refs)}  # first occurrence breaks ties
    ranked = sorted(scores, key=lambda key: (-scores[key], order[key]))
    return [
        DiscoveredAccount(
            refs[key], scores[key], occurrences[key], key in verified, first_seen[key]
        )
        for key in ranked
    ]


# A profile named once in the body of a page (a partner, a member commune, an embedded post) is
# not taken for the site's own account: that needs a header or footer link, a "follow us" block,
# an embed, metadata, rel="me", or several mentions.
MIN_SCORE = 2


def accounts_best(
    discovered: Iterable[DiscoveredAccount], *, min_score: int = MIN_SCORE
) -> dict[Network, DiscoveredAccount]:
    """The most likely account of the collectivité on each network."""
    best: dict[Network, DiscoveredAccount] = {}
    for account in discovered:  # already ranked
        if account.score >= min_score:
            best.setdefault(account.profile.network, account)
    return best


# ---------------------------------------------------------------------------------------------
# Fetching a site's home page (the register knows the town-hall websites)

MAX_PAGE_BYTES = 2_000_000
USER_AGENT = (
    "Beffroi-Observatoire/1.0 (recensement des comptes publics des collectivites)"  # ASCII only
)


@dataclass(frozen=True, slots=True)
class SiteVisit:
    """The result of visiting one website: its accounts, or why none could be read."""

    url: str
    accounts: tuple[DiscoveredAccount, ...] = ()
    error: str | None = None


def site_visit(url: str, client: httpx.Client) -> SiteVisit:
    """Fetch a home page (redirects followed, size capped) and discover the accounts it links to."""
    target = url if "://" in url else f"https://{url}"
    try:
        with client.stream("GET", target, follow_redirects=True) as response:
            if response.status_code >= 400:
                return SiteVisit(url, error=f"HTTP {response.status_code}")
            content_type = response.headers.get("content-type", "")
            if "html" not in content_type.lower():
                return SiteVisit(url, error=f"pas une page HTML ({content_type or 'type inconnu'})")
            body = b""
            for chunk in response.iter_bytes():
                body += chunk
                if len(body) > MAX_PAGE_BYTES:
                    break
            html = body.decode(response.encoding or "utf-8", errors="replace")
            final_url = str(response.url)
    except httpx.HTTPError as exc:
        return SiteVisit(url, error=f"{type(exc).__name__} : {exc}")
    return SiteVisit(url, tuple(accounts_discover([(final_url, html)])))


def discovery_client(timeout: float = 10.0) -> httpx.Client:
    return httpx.Client(
        timeout=httpx.Timeout(timeout, connect=5.0),
        headers={"User-Agent": USER_AGENT, "Accept": "text/html,application/xhtml+xml"},
        limits=httpx.Limits(max_connections=4),
    )
