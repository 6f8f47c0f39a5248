"""Website news imported as native drafts: real feed formats, malformed feeds, pages, rewording."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from beffroi.core.domain import REAL_NETWORKS, Network, Topic
from beffroi.publishing.composer import measure, rules_for
from beffroi.publishing.importer import (
    FeedError,
    OpenAICompatibleRewriter,
    PageError,
    RewordingSettings,
    draft_from_article,
    fetch_feed,
    fetch_page,
    html_to_text,
    parse_feed,
    rewriter_from_settings,
)
from beffroi.publishing.topics import keyword_topics

FEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"


def _feed(name: str) -> bytes:
    return (FEEDS / name).read_bytes()


def test_wordpress_feed_gives_titles_summaries_categories_and_the_image_with_its_alt() -> None:
    report = parse_feed(_feed("wordpress-ville-rss2.xml"))
    assert report.title == "Ville de Saint-Exemple-sur-Loire"
    assert not report.problems and not report.refused
    travaux, fete = report.articles
    assert travaux.title == "Travaux rue Victor-Hugo : circulation alternée du 16 au 27 mars"
    assert travaux.source_id == "https://www.saint-exemple.fr/?p=18452"
    assert (
        travaux.published_at is not None
        and travaux.published_at.isoformat() == "2026-03-12T09:14:22+00:00"
    )
    assert travaux.categories == ("Actualités", "Travaux", "Voirie")
    assert travaux.image is not None
    assert (
        travaux.image.alt_text
        == "Une pelleteuse ouvre la chaussée devant la boulangerie de la rue Victor-Hugo."
    )
    assert (travaux.image.width, travaux.image.height) == (1024, 683)
    # Entities decoded (&#8217; &#160;), the « […] » marker of excerpts removed.
    assert "d’eau potable" in travaux.summary and "8\u00a0h à 17\u00a0h" in travaux.summary
    assert fete.title == "Fête de la musique\u00a0: appel aux groupes amateurs"
    assert "[…]" not in fete.summary
    # WordPress wrote alt="" on that image: the article says so.
    assert fete.image is not None and fete.image.alt_text == ""
    assert any("texte alternatif" in w for w in fete.warnings)


def test_drupal_feed_with_escaped_html_and_relative_image() -> None:
    colleges, route = parse_feed(_feed("drupal-departement-rss.xml")).articles
    assert colleges.title == "Collèges : 12 millions d'euros pour la rénovation énergétique"
    # Drupal repeats the title inside the description: it is not kept as the summary's start.
    assert colleges.summary.startswith("L’assemblée départementale a voté lundi")
    assert colleges.image is not None
    assert colleges.image.url.startswith("https://www.departement-exemple.fr/sites/default/files/")
    assert (
        colleges.image.alt_text
        == "Façade du collège Jules-Ferry, avec ses fenêtres des années 1970."
    )
    assert route.image is None
    assert colleges.source_id == "4821 at https://www.departement-exemple.fr"


def test_spip_feed_uses_dc_date_subject_and_enclosure() -> None:
    repas, conseil = parse_feed(_feed("spip-commune-rss.xml")).articles
    assert (
        repas.published_at is not None
        and repas.published_at.isoformat() == "2026-03-11T08:30:00+00:00"
    )
    assert repas.categories == ("Solidarité",)
    assert repas.image is not None and repas.image.url.endswith("repas-aines-2025.jpg")
    assert "\n\n" in repas.summary  # paragraphs kept
    assert conseil.categories == ("Vie municipale",)


def test_atom_feed_reads_media_content_and_its_description_as_alt_text() -> None:
    velo, dechets = parse_feed(_feed("atom-metropole.xml")).articles
    assert (
        velo.title == "Vélo : 35 km de pistes cyclables sécurisées d’ici 2027"
    )  # type="html" title
    assert velo.image is not None
    assert velo.image.alt_text.startswith("Une cycliste roule sur la nouvelle piste")
    assert velo.summary.startswith("Le conseil métropolitain a adopté")
    assert velo.categories == ("Mobilités", "Vélo")
    assert dechets.summary.startswith("À partir du 1er avril")


def test_a_truncated_feed_keeps_what_it_could_read_and_says_where_it_broke() -> None:
    report = parse_feed(_feed("malformed-truncated.xml"))
    assert [a.title for a in report.articles] == [
        "Inscriptions scolaires 2026-2027",
        "Marché de printemps",
    ]
    assert "ligne 17" in report.problems[0] and "CDATA" in report.problems[0]
    assert report.articles[-1].warnings and "coupé" in report.articles[-1].warnings[0]
    assert not report.articles[0].warnings


def test_a_feed_with_a_wrong_encoding_is_read_with_a_warning() -> None:
    report = parse_feed(_feed("malformed-wrong-encoding.xml"))
    assert report.articles[0].title == "Fête du village le 14 juillet"
    assert "encodage" in report.problems[0]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("malformed-empty.xml", "Le flux est vide"),
        ("malformed-not-a-feed.html", "Ce n'est pas un flux RSS ou Atom"),
    ],
)
def test_an_unreadable_feed_raises_a_clear_french_error(name: str, expected: str) -> None:
    with pytest.raises(FeedError) as error:
        parse_feed(_feed(name))
    assert error.value.message.startswith(expected)


def test_an_entry_without_link_is_refused_and_the_others_kept() -> None:
    content = _feed("wordpress-ville-rss2.xml").replace(
        b"<link>https://www.saint-exemple.fr/actualites/travaux-rue-victor-hugo-circulation-alternee/</link>",
        b"",
    )
    report = parse_feed(content)
    assert [a.title for a in report.articles] == [
        "Fête de la musique\u00a0: appel aux groupes amateurs"
    ]
    assert report.refused[0].position == 1 and "sans lien" in report.refused[0].reason


@respx.mock
def test_fetch_feed_over_http_and_explain_http_errors() -> None:
    respx.get("https://www.saint-exemple.fr/feed/").mock(
        return_value=httpx.Response(200, content=_feed("wordpress-ville-rss2.xml"))
    )
    respx.get("https://www.saint-exemple.fr/rss-disparu/").mock(return_value=httpx.Response(404))
    with httpx.Client() as client:
        assert len(fetch_feed("https://www.saint-exemple.fr/feed/", client=client).articles) == 2
        with pytest.raises(FeedError, match="404 Not Found"):
            fetch_feed("https://www.saint-exemple.fr/rss-disparu/", client=client)


@respx.mock
def test_a_page_url_becomes_an_article_with_its_open_graph_image_and_alt() -> None:
    url = "https://www.saint-exemple.fr/actualites/parc-des-berges-ouverture/"
    respx.get(url).mock(
        return_value=httpx.Response(
            200,
            text=(FEEDS / "page-actualite-saint-exemple.html").read_text(encoding="utf-8"),
            headers={"content-type": "text/html; charset=utf-8"},
        )
    )
    article = fetch_page(url, client=httpx.Client())
    assert article.title == "Le nouveau parc des Berges ouvre le 4 avril"
    assert article.image is not None
    assert article.image.alt_text.startswith("Le ponton de bois du parc des Berges")
    assert (article.image.width, article.image.height) == (1600, 1000)
    assert "420 arbres" in article.summary
    assert "Mentions légales" not in article.summary  # the footer is not the article
    assert (
        article.published_at is not None and article.published_at.date().isoformat() == "2026-03-13"
    )


@respx.mock
def test_a_page_without_article_raises() -> None:
    respx.get("https://www.saint-exemple.fr/vide").mock(
        return_value=httpx.Response(200, text="<html><body></body></html>")
    )
    with pytest.raises(PageError, match="Aucun article"):
        fetch_page("https://www.saint-exemple.fr/vide", client=httpx.Client())


def test_an_article_becomes_a_native_publishable_draft_on_every_network() -> None:
    article = parse_feed(_feed("wordpress-ville-rss2.xml")).articles[0]
    proposal = draft_from_article(article, REAL_NETWORKS, topic_detector=keyword_topics)
    assert proposal.topic is Topic.VOIRIE_TRAVAUX
    assert "YouTube écarté" in proposal.notes[0]
    networks = {c.variant.network for c in proposal.composition.variants}
    assert networks == set(REAL_NETWORKS) - {Network.YOUTUBE}
    for checked in proposal.composition.variants:
        variant = checked.variant
        rules = rules_for(variant.network)
        assert checked.publishable, (variant.network, checked.issues)
        assert not variant.thread  # an imported post is one native post, not a thread
        assert measure(variant.text, rules.unit) <= rules.max_length
        assert variant.text.startswith(("🚧 Travaux rue Victor-Hugo", "Travaux rue Victor-Hugo"))
        assert "#Travaux" in variant.text  # from the competence area, in CamelCase
        assert variant.media[0].alt_text.startswith("Une pelleteuse")
        if variant.network is Network.INSTAGRAM:
            assert article.url not in variant.text and "Lien en bio" in variant.text
            assert variant.text.count("Lien en bio") == 1
            assert variant.text.rstrip().endswith("#Voirie")  # hashtags stay last
        else:
            assert article.url in variant.text
    x = proposal.composition.for_network(Network.X).variant.text
    linkedin = proposal.composition.for_network(Network.LINKEDIN).variant.text
    assert len(linkedin) > len(x)  # LinkedIn tells more than X


def test_an_image_without_alt_makes_the_draft_wait_for_one() -> None:
    fete = parse_feed(_feed("wordpress-ville-rss2.xml")).articles[1]
    proposal = draft_from_article(fete, [Network.MASTODON], topic_detector=keyword_topics)
    assert proposal.topic is Topic.CULTURE_PATRIMOINE
    assert "alt_text_missing" in {i.code for i in proposal.composition.issues}
    assert "#Culture #FêteDeLaMusique" in proposal.composition.variants[0].variant.text


def test_html_to_text_separates_paragraphs_and_drops_blog_boilerplate() -> None:
    text = html_to_text(
        "<p>Un&nbsp;: deux.</p><p>Trois</p><p>The post <a>x</a> first appeared on <a>y</a>.</p>"
    )
    assert text == "Un\u00a0: deux.\n\nTrois"


def test_rewording_is_off_by_default() -> None:
    assert rewriter_from_settings(None) is None
    assert rewriter_from_settings(RewordingSettings(base_url="http://127.0.0.1:9/v1")) is None


@respx.mock
def test_an_openai_compatible_endpoint_rewords_and_the_composer_checks_the_result() -> None:
    article = parse_feed(_feed("spip-commune-rss.xml")).articles[0]
    reworded = f"🤝 Le CCAS offre le repas des aînés le 19 avril ! Inscrivez-vous en mairie avant le 3 avril. {article.url}"
    route = respx.post("http://127.0.0.1:8001/v1/chat/completions").mock(
        return_value=httpx.Response(
            200, json={"choices": [{"message": {"role": "assistant", "content": reworded}}]}
        )
    )
    rewriter = OpenAICompatibleRewriter(
        RewordingSettings(
            enabled=True, base_url="http://127.0.0.1:8001/v1", api_key="k", model="mistral-small"
        ),
        client=httpx.Client(),
    )
    proposal = draft_from_article(
        article, [Network.X], topic_detector=keyword_topics, rewriter=rewriter
    )
    assert proposal.composition.variants[0].variant.text == reworded
    sent = json.loads(route.calls[0].request.content)
    assert sent["model"] == "mistral-small" and "X" in sent["messages"][0]["content"]
    assert route.calls[0].request.headers["authorization"] == "Bearer k"


@respx.mock
def test_a_failing_rewording_endpoint_keeps_the_rules_text() -> None:
    article = parse_feed(_feed("spip-commune-rss.xml")).articles[0]
    respx.post("http://127.0.0.1:8001/v1/chat/completions").mock(return_value=httpx.Response(503))
    rewriter = OpenAICompatibleRewriter(
        RewordingSettings(enabled=True, base_url="http://127.0.0.1:8001/v1", model="m"),
        client=httpx.Client(),
    )
    proposal = draft_from_article(
        article, [Network.X], topic_detector=keyword_topics, rewriter=rewriter
    )
    assert proposal.composition.variants[0].variant.text.startswith("🤝 Repas des aînés")
    assert any("Reformulation indisponible" in note for note in proposal.notes)
