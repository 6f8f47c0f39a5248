"""Canonical account handles from the profile URLs of the seven networks.

The same account is written in many ways in the wild: `https://fr-fr.facebook.com/@ville.de.x`,
`m.facebook.com/VilledeX?ref=bookmarks`, `twitter.com/#!/VilleDeX`, `x.com/villedex/status/1`,
`@villedex@piaille.fr`... `profile_parse` turns any of them into one `ProfileRef`, whose
`(network, handle)` is the same for every spelling of one account, and returns None for a URL that
names no account (a website, a share button, a single post or video, a search page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

from beffroi.core.domain import Network


@dataclass(frozen=True, slots=True)
class ProfileRef:
    """An account named by a URL: `handle` is canonical (`kind` says what sort of identifier it is)."""

    network: Network
    handle: str
    kind: str  # "username", "id", "channel", "custom", "user", "company", "school", "showcase", "person", "did"
    url: str  # canonical profile URL

    @property
    def key(self) -> tuple[Network, str]:
        return (self.network, self.handle)


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def _split(url: str) -> tuple[str, list[str], dict[str, list[str]], str]:
    """Host (lowercase, without `www.`), path segments (percent-decoded), query and fragment."""
    text = url.strip().strip("<>\"'")
    # `http://hhttps://site/...`, `twitter.com/https://twitter.com/X`: keep the last full URL.
    last = text.rfind("://")
    if last > 0 and text.count("://") > 1:
        start = last
        while start > 0 and text[start - 1].isalpha():
            start -= 1
        text = text[start:]
    if not _SCHEME.match(text):
        text = "https://" + text.lstrip("/")
    parts = urlsplit(text)
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    # Stray spaces (`facebook.com/ 100058103108525`) are typing slips around a segment.
    segments = [unquote(s).strip() for s in parts.path.split("/") if s.strip()]
    return host, segments, parse_qs(parts.query), parts.fragment


@lru_cache(maxsize=8192)  # hosts repeat across a list of accounts: classify each once
def _is_host(host: str, *domains: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _drop_repeated_host(segments: list[str], *domains: str) -> list[str]:
    """`twitter.com/https://twitter.com/X` and `facebook.com/facebook.com/X` are copy-paste slips seen in real lists."""
    out = list(segments)
    while out and (
        out[0].rstrip(":").lower() in ("http", "https")
        or ("." in out[0] and _is_host(out[0].lower(), *domains))
    ):
        out = out[1:]
    return out


# ---------------------------------------------------------------------------------------------
# Facebook

_FACEBOOK_DOMAINS = ("facebook.com", "fb.com", "fb.me", "facebook.fr")
# First path segments that are features of Facebook, not accounts.
_FACEBOOK_RESERVED = frozenset(
    [
        "sharer",
        "sharer.php",
        "share",
        "share.php",
        "dialog",
        "plugins",
        "login",
        "login.php",
        "logout.php",
        "signup",
        "r.php",
        "home.php",
        "watch",
        "hashtag",
        "search",
        "events",
        "groups",
        "gaming",
        "marketplace",
        "help",
        "policies",
        "privacy",
        "legal",
        "business",
        "ads",
        "tr",
        "l.php",
        "permalink.php",
        "story.php",
        "photo.php",
        "photo",
        "video.php",
        "notes",
        "media",
        "reel",
        "reels",
        "stories",
        "messages",
        "settings",
        "bookmarks",
        "friends",
        "pages_reaction_units",
        "places",
        "ajax",
    ]
)
_FACEBOOK_USERNAME = re.compile(r"^[A-Za-z0-9.]{5,50}$")


def _facebook(host: str, segments: list[str], query: dict[str, list[str]]) -> ProfileRef | None:
    segments = _drop_repeated_host(segments, *_FACEBOOK_DOMAINS)
    if not segments:
        return None
    first = segments[0]
    if first.lower() == "plugins" and query.get("href"):
        # The Page Plugin that sites embed: /plugins/page.php?href=https://www.facebook.com/VilleDeX
        inner = _parse_url(query["href"][0])
        return inner if inner is not None and inner.network is Network.FACEBOOK else None
    if first.lower() == "profile.php":
        ids = query.get("id", [])
        return _facebook_id(ids[0]) if ids and ids[0].isdigit() else None
    if first.lower() in ("people", "pages", "p") and len(segments) >= 2:
        # /people/Name/100000806214849 and /pages/Name/297507253594760: the number is the account.
        numeric = next((s for s in segments[1:] if s.isdigit()), None)
        if numeric:
            return _facebook_id(numeric)
        return None
    if first.lower().startswith("id=") and first[3:].isdigit():
        return _facebook_id(first[3:])  # `facebook.com/id=1000...`: a mangled profile.php link
    if first.lower() == "pg" and len(segments) >= 2:
        first = segments[1]
    return _facebook_name(first)


def _facebook_name(first: str) -> ProfileRef | None:
    """The account named by the first path segment of a Facebook URL (`@name`, name, id)."""
    if first.lower() in _FACEBOOK_RESERVED:
        return None
    first = first.removeprefix("@")
    if first.isdigit():
        return _facebook_id(first)
    # Page vanity names may end with the page id: /Mairie-de-X-123456789012345.
    tail = re.search(r"-(\d{10,})$", first)
    if tail and not _FACEBOOK_USERNAME.match(first):
        return _facebook_id(tail.group(1))
    if not _FACEBOOK_USERNAME.match(first):
        return None
    # Facebook ignores case and periods in usernames: /Ville.De.X and /villedex are one account.
    handle = first.replace(".", "").lower()
    return ProfileRef(Network.FACEBOOK, handle, "username", f"https://www.facebook.com/{handle}")


def _facebook_id(number: str) -> ProfileRef:
    return ProfileRef(
        Network.FACEBOOK, number, "id", f"https://www.facebook.com/profile.php?id={number}"
    )


# ---------------------------------------------------------------------------------------------
# X (Twitter)

_X_DOMAINS = ("twitter.com", "x.com")
_X_RESERVED = frozenset(
    [
        "home",
        "share",
        "intent",
        "i",
        "search",
        "hashtag",
        "explore",
        "notifications",
        "messages",
        "settings",
        "login",
        "logout",
        "signup",
        "tos",
        "privacy",
        "compose",
        "about",
        "download",
        "account",
        "who_to_follow",
        "lists",
    ]
)
_X_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")


def _x_handle(name: str) -> ProfileRef | None:
    name = name.removeprefix("@")
    if not _X_HANDLE.match(name) or name.lower() in _X_RESERVED:
        return None
    handle = name.lower()  # X handles are case-insensitive
    return ProfileRef(Network.X, handle, "username", f"https://x.com/{handle}")


def _x(segments: list[str], query: dict[str, list[str]], fragment: str) -> ProfileRef | None:
    segments = _drop_repeated_host(segments, *_X_DOMAINS)
    if not segments and fragment.startswith("!/"):
        segments = [s for s in fragment[2:].split("/") if s]  # old hashbang URLs: /#!/handle
    if not segments:
        return None
    if segments[0] == "#!":
        segments = segments[1:]
    if (
        segments[0].lower() == "intent"
        and len(segments) >= 2
        and segments[1].lower() in ("user", "follow")
    ):
        names = query.get("screen_name", [])
        return _x_handle(names[0]) if names else None
    if segments[0].lower() == "i" and len(segments) >= 3 and segments[1] == "user":
        return None  # numeric ids without a handle cannot be made canonical offline
    return _x_handle(segments[0])


# ---------------------------------------------------------------------------------------------
# Instagram

_INSTAGRAM_RESERVED = frozenset(
    [
        "p",
        "reel",
        "reels",
        "tv",
        "explore",
        "accounts",
        "stories",
        "direct",
        "about",
        "legal",
        "developer",
        "web",
    ]
)
_INSTAGRAM_HANDLE = re.compile(r"^[A-Za-z0-9._]{1,30}$")


def _instagram(segments: list[str]) -> ProfileRef | None:
    if not segments:
        return None
    first = segments[0]
    if first.lower() == "stories" and len(segments) >= 2 and segments[1].lower() != "highlights":
        first = segments[1]
    elif first.lower() in _INSTAGRAM_RESERVED:
        return None
    first = first.removeprefix("@")
    if not _INSTAGRAM_HANDLE.match(first):
        return None
    handle = first.lower()
    return ProfileRef(Network.INSTAGRAM, handle, "username", f"https://www.instagram.com/{handle}/")


# ---------------------------------------------------------------------------------------------
# YouTube

_YOUTUBE_CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
_YOUTUBE_NAME = re.compile(r"^[\w.-]{1,100}$")
_YOUTUBE_RESERVED = frozenset(
    [
        "watch",
        "embed",
        "shorts",
        "playlist",
        "results",
        "feed",
        "live",
        "redirect",
        "attribution_link",
        "t",
        "v",
        "e",
    ]
)


def _youtube(segments: list[str]) -> ProfileRef | None:
    if not segments:
        return None
    first = segments[0]
    if first.startswith("@") and _YOUTUBE_NAME.match(first[1:]):
        handle = first.lower()  # YouTube handles are case-insensitive
        return ProfileRef(Network.YOUTUBE, handle, "username", f"https://www.youtube.com/{handle}")
    if len(segments) >= 2 and first == "channel" and _YOUTUBE_CHANNEL_ID.match(segments[1]):
        channel = segments[1]  # channel ids are case-sensitive
        return ProfileRef(
            Network.YOUTUBE, channel, "channel", f"https://www.youtube.com/channel/{channel}"
        )
    if len(segments) >= 2 and first in ("c", "user") and _YOUTUBE_NAME.match(segments[1]):
        name = segments[1].lower()
        kind = "custom" if first == "c" else "user"
        return ProfileRef(
            Network.YOUTUBE, f"{first}/{name}", kind, f"https://www.youtube.com/{first}/{name}"
        )
    if first.lower() in _YOUTUBE_RESERVED or first in ("c", "user", "channel"):
        return None
    # Legacy custom URLs without /c/: youtube.com/VilleDeX
    if _YOUTUBE_NAME.match(first) and len(segments) <= 2:
        name = first.lower()
        return ProfileRef(
            Network.YOUTUBE, f"c/{name}", "custom", f"https://www.youtube.com/c/{name}"
        )
    return None


# ---------------------------------------------------------------------------------------------
# LinkedIn

_LINKEDIN_KINDS = {"company": "company", "school": "school", "showcase": "showcase", "in": "person"}


def _linkedin(segments: list[str]) -> ProfileRef | None:
    if len(segments) < 2:
        return None
    section = segments[0].lower()
    if section in _LINKEDIN_KINDS:
        slug = segments[1].lower()
        if not re.match(r"^[\w%.&'-]{1,100}$", slug):
            return None
        return ProfileRef(
            Network.LINKEDIN,
            f"{section}/{slug}",
            _LINKEDIN_KINDS[section],
            f"https://www.linkedin.com/{section}/{slug}/",
        )
    if section == "pub":
        # Old public profiles: /pub/name/0/4a4/631. Kept as written: LinkedIn redirects them itself.
        path = "/".join(s.lower() for s in segments[1:5])
        return ProfileRef(
            Network.LINKEDIN, f"pub/{path}", "person", f"https://www.linkedin.com/pub/{path}"
        )
    return None


# ---------------------------------------------------------------------------------------------
# Bluesky

_BLUESKY_HANDLE = re.compile(
    r"^(?=.{3,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$"
)
_DID = re.compile(r"^did:(plc|web):[a-z0-9._:%-]+$")


def bluesky_handle(text: str) -> ProfileRef | None:
    """A Bluesky handle (a domain name, `@` optional) or DID."""
    handle = text.strip().removeprefix("@").lower()
    if _DID.match(handle):
        return ProfileRef(Network.BLUESKY, handle, "did", f"https://bsky.app/profile/{handle}")
    if _BLUESKY_HANDLE.match(handle):
        return ProfileRef(Network.BLUESKY, handle, "username", f"https://bsky.app/profile/{handle}")
    return None


def _bluesky(segments: list[str]) -> ProfileRef | None:
    if len(segments) >= 2 and segments[0] == "profile":
        return bluesky_handle(segments[1])
    return None


# ---------------------------------------------------------------------------------------------
# Mastodon (and the fediverse servers that share its URL shapes)

# Hosts whose `/@name` URLs are not fediverse accounts.
_NOT_FEDIVERSE = (
    "medium.com",
    "tiktok.com",
    "threads.net",
    "threads.com",
    "youtube.com",
    "youtu.be",
    "facebook.com",
    "instagram.com",
    "twitter.com",
    "x.com",
    "linkedin.com",
    "bsky.app",
    "linktr.ee",
    "github.com",
    "substack.com",
    "snapchat.com",
    "pinterest.com",
    "pinterest.fr",
    "dailymotion.com",
    "vimeo.com",
    "google.com",
    "telegram.me",
    "t.me",
    "soundcloud.com",
)
# Well-known instances, so that their `/users/name` form (without `@`) is recognised too.
MASTODON_KNOWN_HOSTS = (
    "mastodon.social",
    "mastodon.online",
    "mastodon.xyz",
    "piaille.fr",
    "mamot.fr",
    "framapiaf.org",
    "mastodon.tedomum.net",
    "social.numerique.gouv.fr",
    "mastodon.zaclys.com",
    "pouet.chapril.org",
    "eldritch.cafe",
    "toot.aquilenet.fr",
    "mstdn.social",
    "social.sciences.re",
    "mas.to",
    "mastodon.top",
    "h4.io",
    "framapiaf.org",
    "mastouille.fr",
    "colter.social",
)
_MASTODON_USER = re.compile(r"^[A-Za-z0-9_]{1,30}$")
_MASTODON_ADDRESS = re.compile(r"^@?([A-Za-z0-9_]{1,30})@([a-z0-9.-]+\.[a-z]{2,})$", re.IGNORECASE)


def _mastodon_ref(user: str, instance: str) -> ProfileRef:
    handle = f"@{user.lower()}@{instance.lower()}"
    return ProfileRef(Network.MASTODON, handle, "username", f"https://{instance.lower()}/@{user}")


def mastodon_address(text: str) -> ProfileRef | None:
    """`@user@instance` (the address Mastodon users share)."""
    match = _MASTODON_ADDRESS.match(text.strip())
    return _mastodon_ref(match.group(1), match.group(2)) if match else None


def _mastodon(host: str, segments: list[str]) -> ProfileRef | None:
    if not host or "." not in host or _is_host(host, *_NOT_FEDIVERSE) or not segments:
        return None
    if segments[0] == "web" and len(segments) >= 2:
        segments = segments[1:]
    first = segments[0]
    if first.startswith("@"):
        user = first[1:]
        if "@" in user:  # /@user@other.instance: an account of another server seen from this one
            return mastodon_address(user)
        # /@name/123 is a post of the account: the account is still named.
        return _mastodon_ref(user, host) if _MASTODON_USER.match(user) else None
    if first == "users" and len(segments) >= 2 and _is_host(host, *MASTODON_KNOWN_HOSTS):
        return _mastodon_ref(segments[1], host) if _MASTODON_USER.match(segments[1]) else None
    return None


# ---------------------------------------------------------------------------------------------


def profile_parse(text: str, *, network: Network | None = None) -> ProfileRef | None:
    """The account a URL (or handle) names, or None. `network` lets a bare handle (`@villedex`) be read."""
    text = (text or "").strip()
    if not text:
        return None
    address = mastodon_address(text)
    if address and (network in (None, Network.MASTODON)):
        return address
    looks_like_url = (
        "/" in text
        or _SCHEME.match(text) is not None
        or ("." in text and not text.startswith("@") and network is not Network.BLUESKY)
    )
    if looks_like_url:
        ref = _parse_url(text)
        if ref is not None or network is None:
            return ref
        linkedin_path = network is Network.LINKEDIN and text.split("/")[0] in _LINKEDIN_KINDS
        if (_SCHEME.match(text) or "/" in text) and not linkedin_path:
            return None  # a URL that names no account is not a bare handle either
    if network is not None:
        return _bare_handle(text, network)
    return None


# The common shape (`https://www.facebook.com/VilleDeX/`), read without the general URL parser:
# national lists hold a hundred thousand of them.
_SIMPLE_PROFILE = re.compile(
    r"^(?:https?://)?(?:(?:www|m|mobile|web|fr-fr|fr)\.)?"
    r"(facebook\.com|twitter\.com|x\.com|instagram\.com)/(@?[A-Za-z0-9_.]+)/?$",
    re.IGNORECASE,
)


def _parse_url(text: str) -> ProfileRef | None:
    simple = _SIMPLE_PROFILE.match(text)
    if simple:
        host, name = simple.group(1).lower(), simple.group(2)
        if host == "facebook.com":
            return _facebook_name(name)
        if host == "instagram.com":
            return _instagram([name])
        return _x_handle(name)
    host, segments, query, fragment = _split(text)
    if _is_host(host, *_FACEBOOK_DOMAINS):
        return _facebook(host, segments, query)
    if _is_host(host, *_X_DOMAINS):
        return _x(segments, query, fragment)
    if _is_host(host, "instagram.com", "instagram.fr", "instagr.am"):
        return _instagram(segments)
    if _is_host(host, "youtube.com"):
        return _youtube(segments)
    if _is_host(host, "linkedin.com"):
        return _linkedin(segments)
    if _is_host(host, "bsky.app", "staging.bsky.app"):
        return _bluesky(segments)
    if host.endswith(".bsky.social") and not segments:
        return bluesky_handle(host)
    return _mastodon(host, segments)


def _bare_handle(text: str, network: Network) -> ProfileRef | None:
    name = text.strip()
    if network is Network.X:
        return _x_handle(name)
    if network is Network.INSTAGRAM:
        return _instagram([name])
    if network is Network.FACEBOOK:
        return _facebook("facebook.com", [name], {})
    if network is Network.YOUTUBE:
        return _youtube([name if name.startswith("@") else "@" + name])
    if network is Network.BLUESKY:
        return bluesky_handle(name)
    if network is Network.LINKEDIN:
        return _linkedin(name.split("/")) if "/" in name else None
    return None
