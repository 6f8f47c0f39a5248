"""Hostile text from every way in (a Mastodon instance, a website's feed, a Meta webhook, a CSV,
a citizen's idea in a chart) reaches our pages as text, never as markup or a javascript: link."""

import hashlib
import hmac
import io
import json
from pathlib import Path

import altair as alt
import pytest
from django.urls import reverse

from beffroi.core.domain import Network
from beffroi.core.models import NetworkAccount, Role
from beffroi.listening.ingestion import from_comment, from_mention, ingest
from beffroi.listening.models import InboxItem
from beffroi.networks.mastodon import mapper as mastodon
from beffroi.publishing import importer
from beffroi.publishing.models import Draft

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parents[1] / "fixtures"
PAYLOAD = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def assert_inert(page: str) -> None:
    """No script of theirs, no handler attribute, no javascript: link in what we serve."""
    lowered = page.lower()
    assert '<script>alert("xss")' not in lowered
    assert "<img src=x" not in lowered
    assert 'href="javascript:' not in lowered


def hostile_status(**extra):
    status = json.loads((FIXTURES / "mastodon" / "status_comment.json").read_text())
    status.update(
        content=f"<p>Quand rouvre la piscine ?{PAYLOAD}</p>",
        url="javascript:alert(document.cookie)",
        uri="https://instance-hostile.example/users/p/statuses/1",
        spoiler_text="",
    )
    status["account"] = {
        **status["account"],
        "display_name": "<b onmouseover=alert(1)>Pirate</b>",
        "url": "javascript:alert(2)",
    }
    status.update(extra)
    return status


def test_a_mastodon_status_becomes_plain_text_with_safe_links():
    comment = mastodon.comment(hostile_status(), post_remote_id="1")
    assert comment.text == "Quand rouvre la piscine ?"
    assert comment.url == "https://instance-hostile.example/users/p/statuses/1"
    assert comment.author.url is None
    no_link = mastodon.mention(hostile_status(uri="javascript:alert(3)"), kind="mention")
    assert no_link.url is None


def test_a_hostile_mastodon_reply_is_shown_inert_in_the_inbox(
    client, make_org, make_member, enricher, lake_dir
):
    org = make_org()
    account = NetworkAccount.objects.create(organisation=org, network="mastodon", handle="@mairie")
    comment = mastodon.comment(hostile_status(id="777"), post_remote_id="1")
    mention = mastodon.mention(hostile_status(id="778", uri="javascript:x"), kind="mention")
    ingest(
        organisation=org,
        account=account,
        messages=[from_comment(comment, Network.MASTODON), from_mention(mention, Network.MASTODON)],
    )
    client.force_login(make_member(org, Role.COMMUNITY_MANAGER))
    for item in InboxItem.objects.filter(organisation=org):
        assert not item.url or item.url.startswith("https://")
        page = client.get(reverse("listening:item", kwargs={"org": org.slug, "item_id": item.pk}))
        assert page.status_code == 200
        html = page.content.decode()
        assert_inert(html)
        assert "&lt;b onmouseover=alert(1)&gt;Pirate&lt;/b&gt;" in html  # the name, as text
    assert_inert(client.get(reverse("listening:inbox", kwargs={"org": org.slug})).content.decode())


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Actualités de Saint-Aubin</title>
<link>https://www.saint-aubin.example/</link>
<item><title>Fête de la musique</title>
<link>https://www.saint-aubin.example/actualites/fete</link>
<description><![CDATA[<p>Rendez-vous place du marché.</p><script>alert("xss")</script>
<style>p{}</style><img src="javascript:alert(4)" onerror=alert(1) alt="affiche">
<p>Entrée libre.</p>]]></description>
</item>
<item><title>Piège</title><link>javascript:alert(5)</link><description>x</description></item>
</channel></rss>""".encode()


def test_an_rss_item_keeps_its_text_and_loses_its_script_and_javascript_links():
    report = importer.parse_feed(FEED, url="https://www.saint-aubin.example/rss")

    (article,) = report.articles
    assert article.summary == "Rendez-vous place du marché.\n\nEntrée libre."
    assert article.image is None  # its only image pointed at javascript:
    assert [r.reason for r in report.refused] == ["Article n° 2 sans lien http(s) : ignoré."]


def test_an_imported_article_is_inert_on_the_draft_page(client, make_org, make_member):
    org = make_org()
    account = NetworkAccount.objects.create(organisation=org, network="mastodon", handle="@mairie")
    member = make_member(org, Role.COMMUNITY_MANAGER)
    from beffroi.publishing import services

    report = importer.parse_feed(FEED, url="https://www.saint-aubin.example/rss")
    created, _ = services.drafts_from_articles(
        organisation=org,
        actor=member,
        articles=report.articles,
        accounts=[account],
        networks=[Network.MASTODON],
    )
    client.force_login(member)
    for draft in created:
        assert "alert" not in draft.text
        page = client.get(
            reverse("publishing:draft", kwargs={"org": org.slug, "draft_id": draft.pk})
        )
        assert_inert(page.content.decode())


def test_a_meta_webhook_comment_is_shown_as_text(
    client, make_org, make_member, enricher, lake_dir, settings
):
    settings.META_APP_SECRET = "secret-de-test"
    org = make_org()
    NetworkAccount.objects.create(
        organisation=org, network="facebook", handle="Ville", remote_id="104512345678901"
    )
    payload = json.loads((FIXTURES / "facebook" / "webhook_feed_comment.json").read_text())
    payload["entry"][0]["changes"][0]["value"]["message"] = f"Et la ligne 4 ? {PAYLOAD}"
    payload["entry"][0]["changes"][0]["value"]["from"]["name"] = "<img src=x onerror=alert(6)>"
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(b"secret-de-test", body, hashlib.sha256).hexdigest()

    response = client.post(
        reverse("listening:meta_webhook"),
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=signature,
    )
    assert response.status_code == 200, response.content

    item = InboxItem.objects.get(organisation=org)
    client.force_login(make_member(org, Role.COMMUNITY_MANAGER))
    page = client.get(reverse("listening:item", kwargs={"org": org.slug, "item_id": item.pk}))
    html = page.content.decode()
    assert_inert(html)
    assert "&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;" in html


def test_a_csv_row_with_markup_is_shown_as_text_on_the_draft_page(client, make_org, make_member):
    org = make_org()
    NetworkAccount.objects.create(organisation=org, network="mastodon", handle="@mairie")
    client.force_login(make_member(org, Role.COMMUNITY_MANAGER))
    upload = io.BytesIO(
        f"date;heure;réseaux;texte\n21/06/2030;18:30;Mastodon;Fête {PAYLOAD}\n".encode()
    )
    upload.name = "planning.csv"
    client.post(reverse("publishing:bulk_import", kwargs={"org": org.slug}), {"file": upload})

    draft = Draft.objects.get(organisation=org)
    page = client.get(reverse("publishing:draft", kwargs={"org": org.slug, "draft_id": draft.pk}))
    assert_inert(page.content.decode())
    calendar = client.get(
        reverse("publishing:calendar", kwargs={"org": org.slug}) + "?mois=2030-06"
    )
    assert_inert(calendar.content.decode())


def test_a_citizen_idea_in_a_chart_stays_text_in_the_svg_shown_with_safe():
    from beffroi.analytics.charts import to_svg

    spec = (
        alt.Chart(alt.Data(values=[{"idée": PAYLOAD, "personnes": 3}]))
        .mark_bar()
        .encode(y="idée:N", x="personnes:Q")
        .to_dict()
    )
    svg = to_svg(spec)
    assert "<svg" in svg
    assert "<script" not in svg.lower() and "<img" not in svg.lower()
    assert "&lt;script&gt;" in svg


def test_an_observatory_accounts_csv_cannot_plant_a_javascript_link():
    from beffroi.observatory.accounts import accounts_parse
    from beffroi.observatory.register import register_load

    text = (
        "code,kind,network,url\n"
        "84,region,facebook,javascript:alert(document.cookie)\n"
        "84,region,x,x.com/ARAregion\n"
    )
    result = accounts_parse(text, register_load())
    assert [a.network.value for a in result.accounts] == ["x"]
    (refused,) = result.errors
    assert refused.line == 2 and "une adresse web (http ou https) est attendue" in refused.message
