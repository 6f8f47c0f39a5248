"""Canonical handles: every spelling of one account gives one (network, handle)."""

import csv
from collections import Counter

import pytest

from beffroi.core.domain import Network
from beffroi.observatory.handles import profile_parse

N = Network


@pytest.mark.parametrize(
    ("url", "network", "handle", "kind"),
    [
        # Facebook: hosts, mobile and language subdomains, ids, the `@` form, doubled hosts
        ("https://www.facebook.com/VilledeLyon", N.FACEBOOK, "villedelyon", "username"),
        ("https://fr-fr.facebook.com/Ville.De.Lyon/", N.FACEBOOK, "villedelyon", "username"),
        ("m.facebook.com/villedelyon?ref=bookmarks", N.FACEBOOK, "villedelyon", "username"),
        ("https://fb.com/villedelyon", N.FACEBOOK, "villedelyon", "username"),
        ("https://fr-fr.facebook.com/@ericalauzet", N.FACEBOOK, "ericalauzet", "username"),
        (
            "https://www.facebook.com/profile.php?id=100080813161828",
            N.FACEBOOK,
            "100080813161828",
            "id",
        ),
        ("https://www.facebook.com/100057916635915", N.FACEBOOK, "100057916635915", "id"),
        (
            "https://www.facebook.com/people/Jose-Gonzalez/100000806214849",
            N.FACEBOOK,
            "100000806214849",
            "id",
        ),
        (
            "http://www.facebook.com/pages/Aline-Archimbaud/297507253594760",
            N.FACEBOOK,
            "297507253594760",
            "id",
        ),
        ("https://www.facebook.com/ 100058103108525", N.FACEBOOK, "100058103108525", "id"),
        (
            "https://fr-fr.facebook.com/facebook.com/LoicKervran18",
            N.FACEBOOK,
            "loickervran18",
            "username",
        ),
        (
            "https://www.facebook.com/lefoll/videos/1214154122017674",
            N.FACEBOOK,
            "lefoll",
            "username",
        ),
        (
            "https://www.facebook.com/Mairie-de-Brume-123456789012345",
            N.FACEBOOK,
            "123456789012345",
            "id",
        ),
        # X and Twitter
        ("https://twitter.com/VilleDeLyon", N.X, "villedelyon", "username"),
        ("https://x.com/villedelyon/status/1790000000000000000", N.X, "villedelyon", "username"),
        ("https://twitter.com/@EmmanuelCapus", N.X, "emmanuelcapus", "username"),
        ("https://twitter.com/#!/JPPlancade", N.X, "jpplancade", "username"),
        ("https://twitter.com/https://twitter.com/XavierRoseren", N.X, "xavierroseren", "username"),
        ("https://mobile.twitter.com/Lyon?lang=fr", N.X, "lyon", "username"),
        ("https://twitter.com/intent/user?screen_name=Lyon", N.X, "lyon", "username"),
        # Instagram
        ("https://www.instagram.com/boyardlouis/?hl=fr", N.INSTAGRAM, "boyardlouis", "username"),
        (
            "https://instagram.com/charles.decourson?igshid=YmMyMTA2M2Y=",
            N.INSTAGRAM,
            "charles.decourson",
            "username",
        ),
        ("https://www.instagram.com/stories/villedelyon/", N.INSTAGRAM, "villedelyon", "username"),
        # YouTube
        ("https://youtube.com/@DinoCinieri42", N.YOUTUBE, "@dinocinieri42", "username"),
        (
            "https://www.youtube.com/channel/UCEoJ33bDl9iY4anMuDFrGCw",
            N.YOUTUBE,
            "UCEoJ33bDl9iY4anMuDFrGCw",
            "channel",
        ),
        ("https://www.youtube.com/c/VilleDeLyon/videos", N.YOUTUBE, "c/villedelyon", "custom"),
        ("https://www.youtube.com/user/loicherve", N.YOUTUBE, "user/loicherve", "user"),
        ("https://m.youtube.com/@villedelyon/featured", N.YOUTUBE, "@villedelyon", "username"),
        # LinkedIn
        (
            "https://www.linkedin.com/company/ville-de-lyon/",
            N.LINKEDIN,
            "company/ville-de-lyon",
            "company",
        ),
        (
            "https://fr.linkedin.com/company/ville-de-lyon/posts/?feedView=all",
            N.LINKEDIN,
            "company/ville-de-lyon",
            "company",
        ),
        (
            "https://www.linkedin.com/in/s%C3%A9bastien-meurant-0057783",
            N.LINKEDIN,
            "in/sébastien-meurant-0057783",
            "person",
        ),
        (
            "https://www.linkedin.com/in/lherve/?originalSubdomain=fr",
            N.LINKEDIN,
            "in/lherve",
            "person",
        ),
        (
            "http://hhttps://www.linkedin.com/in/andré-gattolin-5712925",
            N.LINKEDIN,
            "in/andré-gattolin-5712925",
            "person",
        ),
        (
            "https://www.linkedin.com/showcase/lyon-innovation/",
            N.LINKEDIN,
            "showcase/lyon-innovation",
            "showcase",
        ),
        # Mastodon
        (
            "https://piaille.fr/@VilleDeGrenoble",
            N.MASTODON,
            "@villedegrenoble@piaille.fr",
            "username",
        ),
        ("@villedegrenoble@piaille.fr", N.MASTODON, "@villedegrenoble@piaille.fr", "username"),
        (
            "https://mastodon.social/@Gouvernement/111111111111111111",
            N.MASTODON,
            "@gouvernement@mastodon.social",
            "username",
        ),
        (
            "https://mastodon.social/@lyon@social.numerique.gouv.fr",
            N.MASTODON,
            "@lyon@social.numerique.gouv.fr",
            "username",
        ),
        ("https://mamot.fr/users/laquadrature", N.MASTODON, "@laquadrature@mamot.fr", "username"),
        (
            "https://social.example.org/web/@mairie",
            N.MASTODON,
            "@mairie@social.example.org",
            "username",
        ),
        # Bluesky
        (
            "https://bsky.app/profile/villedelyon.bsky.social",
            N.BLUESKY,
            "villedelyon.bsky.social",
            "username",
        ),
        ("https://bsky.app/profile/Lyon.FR/post/3kabc", N.BLUESKY, "lyon.fr", "username"),
        (
            "https://bsky.app/profile/did:plc:z72i7hdynmk6r22z27h6tvur",
            N.BLUESKY,
            "did:plc:z72i7hdynmk6r22z27h6tvur",
            "did",
        ),
        ("villedelyon.bsky.social", N.BLUESKY, "villedelyon.bsky.social", "username"),
    ],
)
def test_profile_urls(url, network, handle, kind):
    ref = profile_parse(url)
    assert ref is not None
    assert (ref.network, ref.handle, ref.kind) == (network, handle, kind)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.lyon.fr/",
        "https://www.facebook.com/sharer/sharer.php?u=https%3A%2F%2Fwww.lyon.fr",
        "https://twitter.com/intent/tweet?text=Bonjour",
        "https://twitter.com/share?url=https://www.lyon.fr",
        "https://www.facebook.com/groups/123456789/",
        "https://fr-fr.facebook.com/Yael Menache",  # a name typed after the host, not an account
        "https://www.youtube.com/watch?v=4aRJaz0CM0w",  # a video
        "https://www.youtube.com/embed/4aRJaz0CM0w",
        "https://www.instagram.com/p/C0abcdEFgh/",  # a post
        "https://www.linkedin.com/feed",
        "https://www.linkedin.com/search/results/all/?keywords=christian%20cambon",
        "https://www.linkedin.com/shareArticle?mini=true&url=https://www.lyon.fr",
        "https://medium.com/@SenateurMer",  # `/@name` but not the fediverse
        "https://www.tiktok.com/@villedelyon",
        "https://linktr.ee/villedelyon",
        "",
    ],
)
def test_urls_that_name_no_account(url):
    assert profile_parse(url) is None


@pytest.mark.parametrize(
    ("text", "network", "handle"),
    [
        ("@VilleDeLyon", N.X, "villedelyon"),
        ("villedelyon", N.INSTAGRAM, "villedelyon"),
        ("lyon.fr", N.BLUESKY, "lyon.fr"),
        ("@villedelyon", N.YOUTUBE, "@villedelyon"),
        ("VilledeLyon", N.FACEBOOK, "villedelyon"),
        ("company/ville-de-lyon", N.LINKEDIN, "company/ville-de-lyon"),
    ],
)
def test_bare_handles_read_with_the_network_given(text, network, handle):
    ref = profile_parse(text, network=network)
    assert ref is not None and (ref.network, ref.handle) == (network, handle)
    assert profile_parse(ref.url) == ref  # the canonical URL reads back to the same account


def _sites_web(path):
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield row, [u.strip() for u in row["sites_web"].split("|") if u.strip()]


def test_sites_web_of_deputies(parlementaires_dir):
    """Counts checked by hand on deputes.csv (1,467 URLs): every twitter.com URL is an account; of
    the 376 facebook URLs, 42 are display names typed after the host (`facebook.com/Yael Menache`),
    one is accented (`AuroreBergé`) and one has an underscore, which Facebook usernames cannot hold:
    334 accounts; 1 LinkedIn profile (the other link is /feed); 3 YouTube channels (the 4th link is a
    video); 15 Instagram accounts (one on the instagram.fr typo domain)."""
    urls = [u for _, row_urls in _sites_web(parlementaires_dir / "deputes.csv") for u in row_urls]
    by_network = Counter(ref.network for u in urls if (ref := profile_parse(u)))
    assert len(urls) == 1_467
    assert by_network == {
        N.X: 584,
        N.FACEBOOK: 335,  # 334 + `facebook.com/id=100086482959837`, a mangled profile.php link
        N.INSTAGRAM: 15,
        N.YOUTUBE: 3,
        N.LINKEDIN: 1,
    }
    # A site is never taken for an account.
    assert all(
        profile_parse(u) is None
        for u in urls
        if "." in u
        and not any(
            net in u.lower() for net in ("facebook", "twitter", "instagram", "youtube", "linkedin")
        )
    )


def test_sites_web_x_handles_agree_with_the_twitter_column(parlementaires_dir):
    """The `twitter` column is a second, independent spelling of the account: they must agree."""
    agree, differ = 0, []
    for name in ("deputes.csv", "senateurs.csv", "deputes_2017-2022.csv"):
        for row, urls in _sites_web(parlementaires_dir / name):
            from_sites = {r.handle for u in urls if (r := profile_parse(u)) and r.network is N.X}
            if not from_sites:
                continue
            column = profile_parse(row["twitter"], network=N.X)
            if column is not None and column.handle in from_sites:
                agree += 1
            else:
                differ.append(row["twitter"])
    assert agree == 1_575
    # Two parliamentarians link an older account from their site (checked by hand).
    assert sorted(differ) == ["senateurleroy", "vabeauv"]


def test_sites_web_of_senators_linkedin(parlementaires_dir):
    urls = [u for _, row_urls in _sites_web(parlementaires_dir / "senateurs.csv") for u in row_urls]
    linkedin = [u for u in urls if "linkedin" in u.lower()]
    refs = [profile_parse(u) for u in linkedin]
    assert len(linkedin) == 124
    # Five are LinkedIn search pages, not profiles.
    assert sum(1 for r in refs if r is None) == 5
    assert all("search/results" in u for u, r in zip(linkedin, refs, strict=True) if r is None)
    assert Counter(r.kind for r in refs if r) == {"person": 119}
