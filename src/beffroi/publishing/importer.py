"""Website news (an RSS or Atom feed, or a page URL) turned into a native draft per network.

Rules first: the hook is the article's title, the summary its first sentences that fit the
network, the link goes where the network allows it, hashtags come from the competence area and
the article's categories, and the image keeps the alt text the website gave it (or is flagged
for one). An OpenAI-compatible endpoint can reword the texts when it is configured; it is off by
default and the rules' text stays when it fails or overflows.
"""

from __future__ import annotations

import html
import mimetypes
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urljoin
from xml.sax import SAXParseException

import feedparser
import httpx
import lxml.html
import regex
import trafilatura

from beffroi.core.domain import Network, Topic
from beffroi.core.sanitize import safe_url, text_from_html
from beffroi.networks.types import Media
from beffroi.publishing.composer import Composition, Message, compose, measure, rules_for
from beffroi.publishing.composer.hashtags import camel_case_hashtag
from beffroi.publishing.composer.rules import LinkPolicy
from beffroi.publishing.composer.threads import split_sentences
from beffroi.publishing.topics import EMOJI, HASHTAG_WORDS, TopicDetector, default_topic_detector

USER_AGENT = "Beffroi/0.1 (import des actualites du site de la collectivite)"
MAX_FEED_BYTES = 5 * 1024 * 1024

# How long an imported post should be on each network: a native post is short (well under the
# limit), Instagram and LinkedIn tell a little more.
TARGET_LENGTH: dict[Network, int] = {
    Network.X: 280,
    Network.BLUESKY: 300,
    Network.MASTODON: 500,
    Network.FACEBOOK: 500,
    Network.LINKEDIN: 1300,
    Network.INSTAGRAM: 1000,
    Network.YOUTUBE: 1000,
    Network.SANDBOX: 500,
}
HASHTAG_COUNT: dict[Network, int] = {
    Network.X: 1,
    Network.BLUESKY: 2,
    Network.MASTODON: 3,
    Network.FACEBOOK: 2,
    Network.LINKEDIN: 3,
    Network.INSTAGRAM: 5,
    Network.YOUTUBE: 3,
    Network.SANDBOX: 2,
}
# Networks on which a line-opening emoji is usual for an institution's post.
EMOJI_NETWORKS = frozenset(
    {Network.X, Network.BLUESKY, Network.INSTAGRAM, Network.FACEBOOK, Network.MASTODON}
)
# Boilerplate that blogs append to the feed content.
_BOILERPLATE = regex.compile(
    r"(The post .* first appeared on .*|L.article .* est apparu en premier sur .*|\[(?:…|&#8230;|\.\.\.)\])\s*$",
    regex.MULTILINE,
)


class ImportError_(Exception):
    """Base of import errors; `message` is French and says what to do."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class FeedError(ImportError_):
    """The feed cannot be read at all: nothing was imported, nothing stored was touched."""


class PageError(ImportError_):
    """The page cannot be fetched or holds no article."""


@dataclass(frozen=True, slots=True)
class ImportedImage:
    url: str
    alt_text: str = ""
    width: int | None = None
    height: int | None = None
    mime_type: str = "image/jpeg"

    def as_media(self) -> Media:
        return Media(
            path=self.url,
            mime_type=self.mime_type,
            alt_text=self.alt_text,
            width=self.width,
            height=self.height,
        )


@dataclass(frozen=True, slots=True)
class Article:
    title: str
    url: str
    summary: str  # plain text, paragraphs separated by blank lines
    source_id: str  # the feed's guid/id, else the URL: the same article is never imported twice
    published_at: datetime | None = None
    image: ImportedImage | None = None
    categories: tuple[str, ...] = ()
    # Said about this article while reading it (French).
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RefusedEntry:
    position: int  # 1-based position in the feed
    reason: str


@dataclass(frozen=True, slots=True)
class FeedReport:
    title: str
    articles: tuple[Article, ...]
    refused: tuple[RefusedEntry, ...] = ()
    # Problems the reader recovered from (French).
    problems: tuple[str, ...] = ()


# ----------------------------------------------------------------------------- text helpers


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment, paragraphs separated by a blank line, entities decoded."""
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment:
        return _BOILERPLATE.sub("", regex.sub(r"[ \t]+", " ", html.unescape(fragment))).strip()
    # The platform's sanitiser (nh3): a script's or a style's text never becomes the draft's.
    text = _BOILERPLATE.sub("", text_from_html(fragment))
    paragraphs = [regex.sub(r"[ \t\r\f\v]+", " ", p).strip() for p in regex.split(r"\n\s*\n", text)]
    return "\n\n".join(p for p in paragraphs if p)


def _first_image(fragment: str, base_url: str) -> ImportedImage | None:
    if "<img" not in fragment:
        return None
    try:
        root = lxml.html.fromstring(f"<div>{fragment}</div>")
    except (ValueError, lxml.etree.ParserError):
        return None
    for img in root.iter("img"):
        src = img.get("src")
        if not src:
            continue
        return ImportedImage(
            url=urljoin(base_url, src),
            alt_text=(img.get("alt") or "").strip(),
            width=_int(img.get("width")),
            height=_int(img.get("height")),
            mime_type=_mime_of(src, "image/jpeg"),
        )
    return None


def _int(value: Any) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def _mime_of(url: str, default: str) -> str:
    guessed, _ = mimetypes.guess_type(url.split("?", 1)[0])
    return guessed or default


def _clean_title(entry_title: str, title_type: str) -> str:
    text = html_to_text(entry_title) if "html" in title_type else html.unescape(entry_title)
    # Keep no-break spaces: French typography puts them before « : » and « ? ».
    return regex.sub(r"[ \t\r\n]+", " ", text).strip()


# ----------------------------------------------------------------------------- feeds


def _entry_datetime(entry: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed"):
        # dict.get: feedparser's own get maps a missing updated_parsed onto published_parsed
        # with a DeprecationWarning (seen when a feed's date does not parse).
        parsed = dict.get(entry, key)
        if parsed:
            year, month, day, hour, minute, second = parsed[:6]
            return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return None


def _entry_image(entry: Any, content_html: str, base_url: str) -> ImportedImage | None:
    for media in entry.get("media_content", []) or []:
        if media.get("medium") == "image" or str(media.get("type", "")).startswith("image/"):
            alt = ""
            # feedparser keeps <media:description> of the content as the entry's description
            # only when it is alone; read it from the content detail when present.
            if entry.get("content") is None and entry.get("media_description"):
                alt = entry["media_description"]
            return ImportedImage(
                url=urljoin(base_url, media["url"]),
                alt_text=alt or "",
                width=_int(media.get("width")),
                height=_int(media.get("height")),
                mime_type=media.get("type") or _mime_of(media["url"], "image/jpeg"),
            )
    for link in entry.get("links", []) or []:
        if link.get("rel") == "enclosure" and str(link.get("type", "")).startswith("image/"):
            return ImportedImage(
                url=urljoin(base_url, link["href"]),
                mime_type=link.get("type") or "image/jpeg",
            )
    return _first_image(content_html, base_url)


def _media_description(raw: bytes) -> dict[str, str]:
    """URL -> <media:description> of each <media:content>, which feedparser does not keep apart."""
    descriptions: dict[str, str] = {}
    pattern = regex.compile(
        rb"<media:content[^>]*\burl=\"([^\"]+)\"[^>]*>\s*<media:description[^>]*>(.*?)</media:description>",
        regex.DOTALL,
    )
    for match in pattern.finditer(raw):
        descriptions[html.unescape(match.group(1).decode("utf-8", "replace"))] = html.unescape(
            match.group(2).decode("utf-8", "replace").strip()
        )
    return descriptions


def _explain_bozo(exc: BaseException | None) -> str:
    if isinstance(exc, SAXParseException):
        reason = {
            "mismatched tag": "une balise est mal fermée",
            "unclosed CDATA section": "une section CDATA n'est pas fermée (fichier tronqué ?)",
            "no element found": "le fichier s'arrête avant la fin (fichier tronqué ?)",
            "not well-formed (invalid token)": "un caractère ou une balise n'est pas valide",
            "junk after document element": "du texte suit la fin du flux",
            "undefined entity": "une entité HTML inconnue en XML (&nbsp; par exemple)",
        }.get(exc.getMessage(), exc.getMessage())
        return f"le XML est mal formé à la ligne {exc.getLineNumber()} : {reason}"
    if exc is not None and type(exc).__name__ == "CharacterEncodingOverride":
        return (
            "l'encodage annoncé par le flux est faux (le texte a été relu en Windows-1252) : "
            "vérifiez les accents"
        )
    return str(exc) if exc else "erreur inconnue"


def parse_feed(content: bytes, *, url: str = "") -> FeedReport:
    """Articles of an RSS or Atom feed. Raises FeedError when nothing can be read."""
    if not content.strip():
        raise FeedError("Le flux est vide : l'adresse ne renvoie aucun contenu.")
    if len(content) > MAX_FEED_BYTES:
        raise FeedError("Le flux dépasse 5 Mo : indiquez plutôt le flux d'une rubrique.")
    try:
        parsed = feedparser.parse(content, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # noqa: BLE001 - feedparser's loose parser raises anything on broken markup
        # Found by the platform's property tests (an <image> with no <width> value: TypeError).
        raise FeedError(
            f"Le flux est illisible ({type(exc).__name__}) : rien n'a été importé."
        ) from None
    bozo_exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    entries = parsed.get("entries", [])
    if not entries:
        head = content[:2048].decode("utf-8", "replace").lower()
        if "<html" in head or "<!doctype html" in head:
            title_match = regex.search(r"<title>(.*?)</title>", head, regex.DOTALL)
            page = f" (« {html.unescape(title_match.group(1).strip())} »)" if title_match else ""
            raise FeedError(
                f"Ce n'est pas un flux RSS ou Atom : l'adresse renvoie une page web{page}. "
                "Cherchez le lien « RSS » du site, souvent /feed/ ou /rss.xml."
            )
        if bozo_exc is not None:
            raise FeedError(
                f"Le flux est illisible : {_explain_bozo(bozo_exc)}. Rien n'a été importé."
            )
        raise FeedError("Le flux ne contient aucun article.")

    feed = parsed.get("feed", {})
    base_url = feed.get("link") or url
    descriptions = _media_description(content)
    articles: list[Article] = []
    refused: list[RefusedEntry] = []
    problems: list[str] = []
    xml_broken = isinstance(bozo_exc, SAXParseException)
    if bozo_exc is not None:
        problems.append(
            f"Flux lu malgré une erreur : {_explain_bozo(bozo_exc)}. "
            f"{len(entries)} article(s) récupéré(s)."
        )
    for position, entry in enumerate(entries, start=1):
        title = _clean_title(
            entry.get("title", ""), entry.get("title_detail", {}).get("type", "text/plain")
        )
        raw_link = entry.get("link", "")
        link = safe_url(raw_link) or ""  # a javascript: link must not become an href of ours
        if not title or not link:
            missing = "titre" if not title else ("lien" if not raw_link else "lien http(s)")
            refused.append(
                RefusedEntry(position, f"Article n° {position} sans {missing} : ignoré.")
            )
            continue
        contents = entry.get("content") or []
        content_html = contents[0].get("value", "") if contents else ""
        summary_html = entry.get("summary", "") or content_html
        # feedparser files <media:description> (the image's alt text) as the entry's summary.
        if content_html and html_to_text(summary_html) in descriptions.values():
            summary_html = content_html
        summary = html_to_text(summary_html)
        # Drupal repeats the title at the top of the description.
        if summary.startswith(title):
            summary = summary[len(title) :].lstrip(" \n:")
        image = _entry_image(entry, content_html or summary_html, base_url)
        if image is not None and safe_url(image.url) is None:
            image = None
        if image is not None and not image.alt_text and image.url in descriptions:
            image = replace(image, alt_text=descriptions[image.url])
        warnings: list[str] = []
        if xml_broken and position == len(entries):
            warnings.append(
                "Dernier article lu avant l'erreur du flux : son texte est peut-être coupé, relisez-le."
            )
        if image is not None and not image.alt_text:
            warnings.append(
                "L'image de l'article n'a pas de texte alternatif sur le site : écrivez-en un."
            )
        articles.append(
            Article(
                title=title,
                url=link,
                summary=summary,
                source_id=entry.get("id") or link,
                published_at=_entry_datetime(entry),
                image=image,
                categories=tuple(
                    t.get("label") or t.get("term")
                    for t in entry.get("tags", [])
                    if t.get("label") or t.get("term")
                ),
                warnings=tuple(warnings),
            )
        )
    return FeedReport(
        title=html.unescape(feed.get("title", "")),
        articles=tuple(articles),
        refused=tuple(refused),
        problems=tuple(problems),
    )


def _get(url: str, client: httpx.Client | None, error: type[ImportError_]) -> httpx.Response:
    owned = client is None
    http = client or httpx.Client(timeout=20.0, follow_redirects=True)
    try:
        response = http.get(url, headers={"User-Agent": USER_AGENT})
    except httpx.TimeoutException:
        raise error(f"Le site n'a pas répondu à temps ({url}) : réessayez plus tard.") from None
    except httpx.HTTPError as exc:
        raise error(f"Impossible de joindre {url} : {exc}.") from None
    finally:
        if owned:
            http.close()
    if response.status_code >= 400:
        raise error(
            f"Le site a répondu « {response.status_code} {response.reason_phrase} » pour {url}."
        )
    return response


def fetch_feed(url: str, *, client: httpx.Client | None = None) -> FeedReport:
    return parse_feed(_get(url, client, FeedError).content, url=url)


# ----------------------------------------------------------------------------- pages


def parse_page(page_html: str, *, url: str) -> Article:
    """The article of a web page (trafilatura), with its Open Graph image and alt text."""
    extracted = trafilatura.bare_extraction(
        page_html, url=url, with_metadata=True, include_images=False
    )
    # bare_extraction returns a Document unless asked for a dict (as_dict=True).
    document: Any = extracted
    if document is None or not (document.title and (document.text or document.description)):
        raise PageError(f"Aucun article trouvé sur la page {url} : vérifiez l'adresse.")
    image: ImportedImage | None = None
    if document.image and safe_url(urljoin(url, document.image)):
        meta = _open_graph(page_html)
        image = ImportedImage(
            url=urljoin(url, document.image),
            alt_text=meta.get("og:image:alt", meta.get("twitter:image:alt", "")),
            width=_int(meta.get("og:image:width")),
            height=_int(meta.get("og:image:height")),
            mime_type=meta.get("og:image:type") or _mime_of(document.image, "image/jpeg"),
        )
    published = None
    if document.date:
        published = datetime.fromisoformat(document.date).replace(tzinfo=UTC)
    text = "\n\n".join(p.strip() for p in (document.text or "").split("\n") if p.strip())
    summary = document.description or ""
    if text and summary and not text.startswith(summary[:40]):
        summary = f"{summary}\n\n{text}"
    else:
        summary = text or summary
    return Article(
        title=document.title.strip(),
        url=safe_url(document.url) or url,
        summary=summary,
        source_id=safe_url(document.url) or url,
        published_at=published,
        image=image,
        categories=tuple(document.categories or ()) + tuple(document.tags or ()),
        warnings=()
        if image is None or image.alt_text
        else ("L'image de la page n'a pas de texte alternatif (og:image:alt) : écrivez-en un.",),
    )


def _open_graph(page_html: str) -> dict[str, str]:
    try:
        root = lxml.html.fromstring(page_html)
    except (ValueError, lxml.etree.ParserError):
        return {}
    meta: dict[str, str] = {}
    for element in root.iter("meta"):
        key = element.get("property") or element.get("name")
        if key and element.get("content") is not None:
            meta.setdefault(key, element.get("content", "").strip())
    return meta


def fetch_page(url: str, *, client: httpx.Client | None = None) -> Article:
    response = _get(url, client, PageError)
    return parse_page(response.text, url=str(response.url))


def parse_date(value: str) -> datetime | None:
    """RFC 822 or ISO 8601, as feeds write them."""
    try:
        return parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None


# ----------------------------------------------------------------------------- rewording


class Rewriter(Protocol):
    def reword(self, text: str, *, network: Network, limit: int) -> str: ...


@dataclass(frozen=True, slots=True)
class RewordingSettings:
    """An OpenAI-compatible chat completions endpoint. Off unless `enabled` and a URL are set."""

    enabled: bool = False
    base_url: str = ""
    api_key: str = ""
    model: str = ""
    timeout: float = 30.0


class OpenAICompatibleRewriter:
    """Asks an OpenAI-compatible endpoint (vLLM, Ollama, Albert, ...) to reword a post."""

    def __init__(self, settings: RewordingSettings, *, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=settings.timeout)

    def reword(self, text: str, *, network: Network, limit: int) -> str:
        prompt = (
            "Tu es chargé de communication d'une collectivité territoriale française. Réécris ce "
            f"message pour {network.label}, en français clair, sans rien inventer, en gardant le "
            f"lien et les hashtags tels quels, en {limit} caractères au plus. Réponds par le seul "
            "texte du message."
        )
        response = self.client.post(
            self.settings.base_url.rstrip("/") + "/chat/completions",
            headers={"Authorization": f"Bearer {self.settings.api_key}"}
            if self.settings.api_key
            else {},
            json={
                "model": self.settings.model,
                "temperature": 0.3,
                "messages": [
                    {"role": "system", "content": prompt},
                    {"role": "user", "content": text},
                ],
            },
        )
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
        return str(content).strip()


def rewriter_from_settings(settings: RewordingSettings | None) -> Rewriter | None:
    if settings is None or not settings.enabled or not settings.base_url:
        return None
    return OpenAICompatibleRewriter(settings)


# ----------------------------------------------------------------------------- drafting


@dataclass(frozen=True, slots=True)
class DraftProposal:
    """A native draft of one article for each network, checked by the composer."""

    article: Article
    topic: Topic
    message: Message
    composition: Composition
    notes: tuple[str, ...] = field(default_factory=tuple)


def _hashtags_for(article: Article, topic: Topic, count: int) -> list[str]:
    words: list[str] = []
    if topic in HASHTAG_WORDS:
        words.append(HASHTAG_WORDS[topic])
    generic = {
        "actualites",
        "actualités",
        "actualite",
        "actualité",
        "news",
        "non classé",
        "uncategorized",
    }
    words.extend(c for c in article.categories if c.casefold() not in generic)
    tags: list[str] = []
    seen: set[str] = set()
    for word in words:
        try:
            tag = camel_case_hashtag(word)
        except ValueError:
            continue
        if tag.casefold() not in seen:
            seen.add(tag.casefold())
            tags.append(tag)
    return tags[:count]


def _native_text(article: Article, topic: Topic, network: Network) -> str:
    """Hook (title), then the summary's sentences while the whole post fits the network."""
    rules = rules_for(network)
    hook = article.title.rstrip()
    if network in EMOJI_NETWORKS:
        hook = f"{EMOJI[topic]} {hook}"
    tags = " ".join(_hashtags_for(article, topic, HASHTAG_COUNT.get(network, 2)))
    # Instagram: the composer writes « Lien en bio » in place of the link.
    link_part = "" if rules.link_policy is LinkPolicy.LINK_IN_BIO else article.url
    budget = min(TARGET_LENGTH.get(network, rules.max_length), rules.max_length)

    def assemble(sentences: Sequence[str]) -> str:
        body = " ".join(sentences)
        blocks = [hook, body, link_part, tags]
        separator = "\n\n"
        return separator.join(b for b in blocks if b)

    sentences = [
        s
        for s in split_sentences(article.summary)
        if s.casefold() != article.title.casefold() and not s.startswith(("[", "Lire la suite"))
    ]
    chosen: list[str] = []
    for sentence in sentences:
        if measure(assemble([*chosen, sentence]), rules.unit) > budget:
            break
        chosen.append(sentence)
    text = assemble(chosen)
    if measure(text, rules.unit) > budget:
        # Even the title is too long for the network: keep the link and the title's first words.
        words = hook.split()
        while (
            words
            and measure(assemble([]).replace(hook, " ".join(words) + "…"), rules.unit) > budget
        ):
            words.pop()
        text = assemble([]).replace(hook, " ".join(words) + "…")
    return text


def draft_from_article(
    article: Article,
    networks: Sequence[Network],
    *,
    topic_detector: TopicDetector | None = None,
    rewriter: Rewriter | None = None,
) -> DraftProposal:
    """A native draft per network for `article`; works with no external service."""
    detector = topic_detector or default_topic_detector()
    topic = detector([f"{article.title}\n{article.summary}"])[0]
    notes = list(article.warnings)
    wanted = list(networks)
    if Network.YOUTUBE in wanted:
        wanted.remove(Network.YOUTUBE)
        notes.append("YouTube écarté : l'article n'a pas de vidéo.")
    overrides: dict[Network, str] = {}
    for network in wanted:
        text = _native_text(article, topic, network)
        if rewriter is not None:
            rules = rules_for(network)
            try:
                reworded = rewriter.reword(
                    text, network=network, limit=TARGET_LENGTH.get(network, rules.max_length)
                )
            except (httpx.HTTPError, KeyError, IndexError, ValueError) as exc:
                notes.append(
                    f"Reformulation indisponible pour {network.label} ({exc}) : texte des règles gardé."
                )
            else:
                if (
                    reworded
                    and measure(reworded, rules.unit) <= rules.max_length
                    and article.url in reworded
                ):
                    text = reworded
                else:
                    notes.append(
                        f"La reformulation pour {network.label} dépassait la limite ou perdait le lien : "
                        "texte des règles gardé."
                    )
        overrides[network] = text
    message = Message(
        text=article.title,
        link=article.url,
        media=(article.image.as_media(),) if article.image else (),
        overrides=overrides,
    )
    composition = compose(message, wanted)
    return DraftProposal(
        article=article, topic=topic, message=message, composition=composition, notes=tuple(notes)
    )
