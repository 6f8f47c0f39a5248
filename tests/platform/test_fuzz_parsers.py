"""Every parser of outside input, fuzzed: a result or the module's documented error, never another
exception, and nothing half-stored.

Feeds and pages (publishing importer), the bulk planning file (CSV/XLSX, through the upload check),
the observatory's accounts CSV, Meta webhooks (parser and endpoint). Network payloads are in
test_fuzz_network_payloads.py.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import hmac
import io
import json

import pytest
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from beffroi.core.models import NetworkAccount, Role
from beffroi.core.sanitize import safe_url
from beffroi.core.uploads import IMAGES, SPREADSHEETS, CheckedUpload, UploadRefused, check_upload
from beffroi.listening.models import InboxItem
from beffroi.networks.meta_webhooks import WebhookBatch, WebhookRejected, parse_webhook
from beffroi.observatory.accounts import AccountsFileError, AccountsImport, accounts_parse
from beffroi.publishing import bulk, importer
from beffroi.publishing.models import Draft
from tests.platform.fuzz import FAST, FIXTURES, fixture, mutated

# ----------------------------------------------------------------------------- byte mutations


def mutated_bytes(originals: list[bytes]) -> st.SearchStrategy[bytes]:
    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        content = draw(st.sampled_from(originals))
        how = draw(st.sampled_from(["cut", "insert", "overwrite", "random", "as is"]))
        at = draw(st.integers(0, max(0, len(content) - 1)))
        noise = draw(st.binary(max_size=64) | st.text(max_size=32).map(str.encode))
        if how == "cut":
            return content[:at]
        if how == "insert":
            return content[:at] + noise + content[at:]
        if how == "overwrite":
            return content[:at] + noise + content[at + len(noise) :]
        return noise if how == "random" else content

    return build()


FEEDS = [
    path.read_bytes()
    for path in sorted((FIXTURES / "feeds").glob("*.xml"))
    if not path.name.startswith("malformed-")
]

# ----------------------------------------------------------------------------- feeds and pages


@FAST
@given(mutated_bytes(FEEDS))
def test_a_mutated_feed_gives_a_report_or_a_feed_error(content):
    try:
        report = importer.parse_feed(content, url="https://www.saint-aubin.example/rss")
    except importer.FeedError as exc:
        assert str(exc)
        return
    for article in report.articles:
        assert article.title and safe_url(article.url)
        assert "<script" not in article.summary.lower()


PAGE = (FIXTURES / "feeds" / "page-actualite-saint-exemple.html").read_text(encoding="utf-8")


@FAST
@given(
    st.one_of(
        st.text(max_size=200),
        st.tuples(st.integers(0, len(PAGE)), st.text(max_size=40)).map(
            lambda cut: PAGE[: cut[0]] + cut[1] + PAGE[cut[0] :]
        ),
    )
)
def test_a_mutated_page_gives_an_article_or_a_page_error(page_html):
    try:
        article = importer.parse_page(page_html, url="https://www.saint-exemple.fr/actu")
    except importer.PageError:
        return
    assert article.title and safe_url(article.url)


# ----------------------------------------------------------------------------- bulk planning file

CELLS = st.one_of(
    st.text(max_size=20),
    st.sampled_from(["21/06/2030", "2030-06-21", "31/02/2030", "18:30", "25:99", "", "oui"]),
    st.sampled_from(["Mastodon", "X, Facebook", "TikTok", "bluesky|linkedin", "instagram;youtube"]),
)
HEADERS = st.lists(
    st.sampled_from(
        ["date", "heure", "réseaux", "texte", "médias", "lien", "hashtags", "Sponsorisé", "?"]
    ),
    min_size=0,
    max_size=7,
)


@st.composite
def planning_files(draw: st.DrawFn) -> bytes:
    separator = draw(st.sampled_from([";", ",", "\t"]))
    rows = [draw(HEADERS)] + draw(st.lists(st.lists(CELLS, max_size=7), max_size=5))
    text = "\n".join(separator.join(cell.replace("\n", " ") for cell in row) for row in rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp1252"]))
    return text.encode(encoding, errors="replace")


@FAST
@given(
    planning_files()
    | mutated_bytes([b"date;heure;r\xc3\xa9seaux;texte\n21/06/2030;18:30;X;F\xc3\xaate\n"])
)
def test_a_planning_file_gives_a_report_or_a_bulk_file_error(content):
    try:
        report = bulk.parse_bulk_file(content, "planning.csv")
    except bulk.BulkFileError as exc:
        assert exc.message
        return
    assert all(request.networks for request in report.requests)


@pytest.mark.django_db
@FAST
@given(content=planning_files())
def test_the_bulk_import_stores_every_accepted_row_or_nothing(
    client, make_org, make_member, content
):
    org = make_org()
    NetworkAccount.objects.get_or_create(organisation=org, network="mastodon", handle="@mairie")
    client.force_login(make_member(org, Role.COMMUNITY_MANAGER))
    before = Draft.objects.filter(organisation=org).count()
    try:
        report = bulk.parse_bulk_file(content, "planning.csv")
        expected = sum(any(n.value == "mastodon" for n in r.networks) for r in report.requests)
    except bulk.BulkFileError:
        expected = 0
    upload = io.BytesIO(content)
    upload.name = "planning.csv"

    response = client.post(
        reverse("publishing:bulk_import", kwargs={"org": org.slug}), {"file": upload}
    )

    assert response.status_code == 200
    assert Draft.objects.filter(organisation=org).count() == before + expected


def _png() -> bytes:
    from PIL import Image

    output = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(output, "PNG")
    return output.getvalue()


def _xlsx() -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["date", "heure", "réseaux", "texte"])
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


@FAST
@given(
    mutated_bytes([_png(), _xlsx(), b"date;heure\n1;2\n"]), st.sampled_from([IMAGES, SPREADSHEETS])
)
def test_any_upload_is_checked_or_refused_with_a_message(content, accept):
    try:
        checked = check_upload(io.BytesIO(content), accept=accept)
    except UploadRefused as refused:
        assert refused.message
        return
    assert isinstance(checked, CheckedUpload) and checked.kind in accept
    if checked.kind in SPREADSHEETS:
        # and what passed the check, the importer reads or refuses clearly
        with contextlib.suppress(bulk.BulkFileError):
            bulk.parse_bulk_file(checked.content, checked.name)


# ----------------------------------------------------------------------------- observatory accounts CSV


@functools.cache
def _register():
    from beffroi.observatory.register import register_load

    return register_load()


@FAST
@given(
    st.lists(
        st.lists(
            st.sampled_from(
                ["01001", "84", "2A004", "code", "kind", "network", "url", "commune", "region", "x"]
            )
            | st.text(max_size=15),
            max_size=5,
        ),
        max_size=5,
    ),
    st.sampled_from([",", ";", "\t"]),
)
def test_an_accounts_csv_gives_an_import_or_an_accounts_file_error(rows, separator):
    text = "\n".join(separator.join(row) for row in [["code", "kind", "network", "url"], *rows])
    try:
        result = accounts_parse(text, _register())
    except AccountsFileError:
        return
    assert isinstance(result, AccountsImport)


# ----------------------------------------------------------------------------- Meta webhooks

SECRET = "secret-de-test"
WEBHOOKS = [
    fixture("facebook/webhook_feed_comment.json"),
    fixture("facebook/webhook_mention.json"),
    fixture("instagram/webhook_comments.json"),
]


def _signed(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


# What the webhook endpoint turns into a 400 besides WebhookRejected (a field missing or of the
# wrong type, found while reading): see beffroi.listening.webhooks.meta_webhook.
ENDPOINT_REFUSES = (WebhookRejected, KeyError, TypeError, ValueError)


@FAST
@given(st.sampled_from(range(len(WEBHOOKS))).flatmap(lambda i: mutated(WEBHOOKS[i])))
def test_a_mutated_meta_webhook_is_a_batch_or_refused(payload):
    body = json.dumps(payload).encode()
    try:
        batch = parse_webhook(body, _signed(body), SECRET)
    except ENDPOINT_REFUSES:
        return
    assert isinstance(batch, WebhookBatch)


@pytest.mark.django_db
@FAST
@given(payload=mutated(WEBHOOKS[0]))
def test_the_webhook_endpoint_stores_a_whole_batch_or_nothing(
    client, make_org, settings, enricher, lake_dir, payload
):
    settings.META_APP_SECRET = SECRET
    org = make_org()
    NetworkAccount.objects.get_or_create(
        organisation=org, network="facebook", handle="Ville", remote_id="104512345678901"
    )
    before = InboxItem.objects.count()
    body = json.dumps(payload).encode()

    response = client.post(
        reverse("listening:meta_webhook"),
        body,
        content_type="application/json",
        HTTP_X_HUB_SIGNATURE_256=_signed(body),
    )

    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert InboxItem.objects.count() == before
