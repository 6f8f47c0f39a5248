"""Discovery of a collectivité's accounts from saved pages of its website."""

from typer.testing import CliRunner

from beffroi.cli import app
from beffroi.core.domain import Network
from beffroi.observatory.discovery import accounts_best, accounts_discover, profile_links

from .conftest import FIXTURES

N = Network


def _pages(*names):
    return [(name, (FIXTURES / name).read_text(encoding="utf-8")) for name in names]


def test_accounts_of_a_commune_site():
    found = accounts_discover(_pages("commune-accueil.html", "commune-actualite.html"))
    best = {network: d.profile.handle for network, d in accounts_best(found).items()}
    assert best == {
        N.FACEBOOK: "saintaubinsurbrume",
        N.X: "staubinbrume",
        N.INSTAGRAM: "saintaubinsurbrume",
        N.YOUTUBE: "@saintaubinsurbrume",
        N.LINKEDIN: "company/mairie-de-saint-aubin-sur-brume",
        N.MASTODON: "@saintaubinsurbrume@social.numerique.gouv.fr",
        N.BLUESKY: "saint-aubin-sur-brume.fr",
    }
    mastodon = accounts_best(found)[N.MASTODON]
    assert mastodon.verified and mastodon.occurrences == 3


def test_links_that_are_not_the_sites_accounts():
    found = accounts_discover(_pages("commune-accueil.html", "commune-actualite.html"))
    handles = {d.profile.handle for d in found}
    # The web agency's accounts, under "Site réalisé par", are left out.
    assert "agencepixelbrume" not in handles and "pixelbrume" not in handles
    # Share buttons, the embedded video and the "watch" link name no account.
    links = profile_links((FIXTURES / "commune-actualite.html").read_text(encoding="utf-8"))
    assert all("sharer" not in ref.url and "shareArticle" not in ref.url for ref, _ in links)
    # The embedded post of the préfecture and the département named in an article are found,
    # but rank far below the commune's own accounts.
    by_handle = {d.profile.handle: d for d in found}
    assert by_handle["prefet59"].score < by_handle["staubinbrume"].score
    assert by_handle["departementvaldebrume"].score < accounts_best(found)[N.FACEBOOK].score


def test_accounts_of_a_departement_site():
    best = accounts_best(accounts_discover(_pages("departement-accueil.html")))
    assert {network: d.profile.handle for network, d in best.items()} == {
        N.X: "cd_valdebrume",  # footer link and twitter:site agree
        N.FACEBOOK: "123456789012345",  # /pages/Name/id
        N.INSTAGRAM: "departement_valdebrume",  # not the tourism partner named in the body
        N.LINKEDIN: "company/departement-du-val-de-brume",  # not the designer's, after "Conception"
        N.YOUTUBE: "UCa1b2c3d4e5f6g7h8i9j0kL",
        N.BLUESKY: "valdebrume.bsky.social",
    }
    assert best[N.X].score > best[N.FACEBOOK].score


def test_discover_command():
    result = CliRunner().invoke(
        app, ["observatory", "discover", str(FIXTURES / "departement-accueil.html")]
    )
    assert result.exit_code == 0
    assert "x\thttps://x.com/cd_valdebrume\t" in result.stdout
    assert "studio-nord" not in result.stdout


def test_handle_command():
    result = CliRunner().invoke(
        app, ["observatory", "handle", "https://twitter.com/#!/JPPlancade", "https://www.lyon.fr"]
    )
    assert result.stdout.splitlines() == [
        "https://twitter.com/#!/JPPlancade\tx\tjpplancade\thttps://x.com/jpplancade",
        "https://www.lyon.fr\t-",
    ]


def test_embedded_page_plugin_and_timeline_name_the_sites_accounts():
    found = accounts_discover(_pages("epci-accueil.html"))
    best = {network: d.profile.handle for network, d in accounts_best(found).items()}
    assert best == {
        N.FACEBOOK: "ccvaldebrume",  # page plugin iframe + footer, not the member communes' pages
        N.X: "ccvaldebrume",  # the twitter-timeline link + footer
        N.LINKEDIN: "company/cc-val-de-brume",
        # No Instagram: the only one is a member commune's, named once in the body.
    }
    scores = {(d.profile.network, d.profile.handle): d.score for d in found}
    assert scores[(N.INSTAGRAM, "montclairlelac")] == 1
    assert scores[(N.FACEBOOK, "ccvaldebrume")] > 3 * scores[(N.FACEBOOK, "saintaubinsurbrume")]
    assert N.YOUTUBE not in best  # an embedded video names no channel
