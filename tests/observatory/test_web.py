"""The observatory in the database and on the web: register loading, accounts import, pages, open data."""

import csv
import io
from datetime import date, timedelta

import pyarrow.parquet as pq
import pytest
from django.urls import reverse

from beffroi.core.models import AuditEntry
from beffroi.observatory.models import ObservedAccount, RegisteredCollectivity
from beffroi.observatory.register import CollectivityKind, Register
from beffroi.observatory.services import (
    activity_refresh,
    observed_accounts_from_discovery,
    observed_accounts_import,
    register_load_into_database,
)

pytestmark = pytest.mark.django_db
K = CollectivityKind


@pytest.fixture
def small_register(register) -> Register:
    """Régions, départements and EPCI of France, and the communes of the Ain only (fast to load)."""
    kept = {
        key: c
        for key, c in register.collectivities.items()
        if key[0] is not K.COMMUNE or c.departement == "01"
    }
    return Register(kept, register.retired, register.commune_by_siren, register.source)


@pytest.fixture
def loaded(small_register):
    register_load_into_database(register=small_register, actor=None)
    return small_register


ACCOUNTS = (
    "code;kind;network;url\n"
    "84;region;facebook;https://www.facebook.com/auvergnerhonealpes\n"
    "84;region;x;https://x.com/auvergnerhalpes\n"
    "1;departement;facebook;https://www.facebook.com/departementdelain\n"
    "1004;commune;facebook;https://www.facebook.com/VilleAmberieu\n"
    "01004;commune;instagram;https://www.instagram.com/ville_amberieu/\n"
    "01053;commune;facebook;https://www.facebook.com/bourgenbresse\n"
    "01053;commune;facebook;https://fr-fr.facebook.com/BourgEnBresse\n"  # same account
    "99999;commune;x;https://x.com/nowhere\n"
)


def test_register_load_is_idempotent_and_retires_dropped_codes(small_register):
    first = register_load_into_database(register=small_register, actor=None)
    again = register_load_into_database(register=small_register, actor=None)
    assert first.written == again.written == RegisteredCollectivity.objects.count()
    assert RegisteredCollectivity.objects.filter(kind="region").count() == 18
    assert RegisteredCollectivity.objects.filter(kind="epci").count() == 1255
    ambérieu = RegisteredCollectivity.objects.get(kind="commune", code="01004")
    assert (ambérieu.band, ambérieu.region, ambérieu.departement) == ("10k-20k", "84", "01")

    smaller = Register(
        {k: v for k, v in small_register.collectivities.items() if v.code != "01004"}
    )
    result = register_load_into_database(register=smaller, actor=None)
    assert result.retired == 1
    assert not RegisteredCollectivity.objects.get(code="01004", kind="commune").current
    assert AuditEntry.objects.filter(action="observatory.register_load").count() == 3


def test_accounts_import_writes_valid_rows_and_reports_the_others(loaded):
    result = observed_accounts_import(text=ACCOUNTS, register=loaded, actor=None)
    assert (result.created, result.updated) == (6, 0)
    assert [str(e) for e in result.checked.errors] == ["ligne 9 : code commune inconnu « 99999 »"]
    bourg = ObservedAccount.objects.get(collectivity__code="01053", network="facebook")
    assert bourg.handle == "bourgenbresse"
    again = observed_accounts_import(text=ACCOUNTS, register=loaded, actor=None)
    assert (again.created, again.updated) == (0, 6)
    entry = AuditEntry.objects.filter(action="observatory.accounts_import").first()
    assert entry.after["rejected"] == 1 and entry.after["duplicates"] == 1


def test_discovered_accounts_are_recorded(loaded):
    from beffroi.observatory.discovery import accounts_discover

    from .conftest import FIXTURES

    html = (FIXTURES / "commune-accueil.html").read_text(encoding="utf-8")
    collectivity = RegisteredCollectivity.objects.get(kind="commune", code="01004")
    created = observed_accounts_from_discovery(
        collectivity=collectivity, discovered=accounts_discover([("accueil", html)]), actor=None
    )
    assert created == 7
    sources = set(collectivity.accounts.values_list("source", flat=True))
    assert sources == {ObservedAccount.Source.DISCOVERY}


def test_public_page_and_open_data(client, loaded):
    observed_accounts_import(text=ACCOUNTS, register=loaded, actor=None)
    page = client.get(reverse("observatory:national"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Observatoire des collectivités" in html
    assert "1 / 18" in html  # régions on X: the counts behind the share
    assert "5.6 %" in html or "5,6 %" in html

    data = client.get(reverse("observatory:export", kwargs={"name": "presence", "fmt": "csv"}))
    rows = list(csv.DictReader(io.StringIO(data.content.decode())))
    assert len(rows) == 28
    region_facebook = rows[0]
    assert region_facebook == {
        "kind": "region",
        "network": "facebook",
        "with_account": "1",
        "total": "18",
        "share": "5.6",
    }
    commune_facebook = next(r for r in rows if (r["kind"], r["network"]) == ("commune", "facebook"))
    ain_communes = RegisteredCollectivity.objects.filter(kind="commune").count()
    assert commune_facebook["with_account"] == "2"
    assert commune_facebook["total"] == str(ain_communes)

    parquet = client.get(
        reverse("observatory:export", kwargs={"name": "comptes", "fmt": "parquet"})
    )
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.num_rows == 6
    assert set(table.column("network").to_pylist()) == {"facebook", "x", "instagram"}

    bands = client.get(
        reverse(
            "observatory:export", kwargs={"name": "presence-communes-par-tranche", "fmt": "csv"}
        )
    )
    band_rows = list(csv.DictReader(io.StringIO(bands.content.decode())))
    assert len(band_rows) == 7 * 7
    assert (
        next(r for r in band_rows if (r["band"], r["network"]) == ("10k-20k", "instagram"))[
            "with_account"
        ]
        == "1"
    )


def test_position_page_of_an_organisation(
    client, loaded, make_org, make_member, settings, tmp_path
):
    pytest.importorskip("beffroi.analytics.kpis")
    from beffroi.analytics.lake import EventLake
    from beffroi.analytics.synthetic import HistorySpec, history_tables

    observed_accounts_import(text=ACCOUNTS, register=loaded, actor=None)
    amberieu = make_org(name="Ambérieu-en-Bugey", kind="commune", code="01004", population=14_000)
    analyst = make_member(amberieu, role="analyst")
    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    peers = ("commune:01033", "commune:01143", "commune:01160", "commune:01173", "commune:01249")
    lake = EventLake(settings.BEFFROI_LAKE_URL)
    spec = HistorySpec((amberieu.slug, *peers), date.today() - timedelta(days=30), days=30, seed=5)
    for table in history_tables(spec):
        # No authors: the benchmarks do not read them, and the test needs no pseudonymisation key.
        lake.append_table(table.drop_columns([c for c in ("author",) if c in table.column_names]))

    settings.DATA_DIR = tmp_path
    result = activity_refresh(actor=None)
    assert (result.organisations, result.observed) == (6, 5)  # the customer is not published

    client.force_login(analyst)
    page = client.get(reverse("observatory:position", kwargs={"org": amberieu.slug}))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Ambérieu-en-Bugey · Commune · code 01004" in html
    assert "ville_amberieu" in html  # the observed Instagram account
    assert "Rythme de publication" in html
    assert "/ 6</td>" in html  # ranked among 6 communes of 10k-20k in Auvergne-Rhône-Alpes
    assert "type, tranche et région" in html


def test_position_page_without_data(client, loaded, make_org, make_member, settings, tmp_path):
    settings.BEFFROI_LAKE_URL = str(tmp_path / "empty-lake")
    settings.DATA_DIR = tmp_path
    assert activity_refresh(actor=None) is None  # an empty lake: nothing to compute
    org = make_org(name="Syndicat des eaux", kind="autre")
    client.force_login(make_member(org, role="admin"))
    page = client.get(reverse("observatory:position", kwargs={"org": org.slug}))
    assert page.status_code == 200
    assert "n'est pas rattachée au registre" in page.content.decode()
    assert "Pas encore de données" in page.content.decode()


def test_websites_discovery_over_http(loaded):
    """The town-hall sites are fetched over HTTP (recorded pages, no network) and their accounts kept."""
    import httpx
    import respx

    from beffroi.observatory.discovery import discovery_client
    from beffroi.observatory.services import websites_discover

    from .conftest import FIXTURES

    sites = {
        "01004": "www.amberieu.example",
        "01053": "https://www.bourg.example/",
        "01033": "https://www.valserhone.example/",
        "01143": "https://www.divonne.example/",
    }
    for code, url in sites.items():
        RegisteredCollectivity.objects.filter(kind="commune", code=code).update(website=url)
    home = (FIXTURES / "commune-accueil.html").read_text(encoding="utf-8")
    html = {"content-type": "text/html; charset=utf-8"}
    with respx.mock(assert_all_called=True) as router:
        router.get("https://www.amberieu.example/").mock(
            return_value=httpx.Response(
                301, headers={"location": "https://www.amberieu.example/accueil"}
            )
        )
        router.get("https://www.amberieu.example/accueil").mock(
            return_value=httpx.Response(200, text=home, headers=html)
        )
        router.get("https://www.bourg.example/").mock(return_value=httpx.Response(404))
        router.get("https://www.valserhone.example/").mock(
            side_effect=httpx.ConnectTimeout("délai")
        )
        router.get("https://www.divonne.example/").mock(
            return_value=httpx.Response(
                200, content=b"%PDF-1.7", headers={"content-type": "application/pdf"}
            )
        )
        with discovery_client() as client:
            result = websites_discover(
                collectivities=RegisteredCollectivity.objects.filter(code__in=sites).order_by(
                    "code"
                ),
                client=client,
                actor=None,
            )
    assert (result.visited, result.with_accounts, result.created) == (4, 1, 7)
    assert result.errors["01053"] == "HTTP 404"
    assert result.errors["01033"].startswith("ConnectTimeout")
    assert "pas une page HTML" in result.errors["01143"]
    amberieu = ObservedAccount.objects.filter(collectivity__code="01004")
    assert dict(amberieu.values_list("network", "handle"))["x"] == "staubinbrume"
    assert AuditEntry.objects.get(action="observatory.websites_discover").after["errors"] == 3


def test_public_activity_leaves_beffroi_customers_out(client, loaded, make_org, settings, tmp_path):
    pytest.importorskip("beffroi.analytics.kpis")
    from beffroi.analytics.lake import EventLake
    from beffroi.analytics.synthetic import HistorySpec, history_tables

    customer = make_org(name="Ambérieu-en-Bugey", kind="commune", code="01004", population=14_000)
    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    observed = ("commune:01033", "commune:01143", "commune:01160", "region:84")
    spec = HistorySpec(
        (customer.slug, *observed), date.today() - timedelta(days=30), days=30, seed=9
    )
    lake = EventLake(settings.BEFFROI_LAKE_URL)
    for table in history_tables(spec):
        lake.append_table(table.drop_columns([c for c in ("author",) if c in table.column_names]))

    settings.DATA_DIR = tmp_path
    assert (
        "Pas encore de données d'activité"
        in client.get(reverse("observatory:national")).content.decode()
    )
    activity_refresh(actor=None)
    assert AuditEntry.objects.filter(action="observatory.activity_refresh").count() == 1

    page = client.get(reverse("observatory:national")).content.decode()
    assert "Activité des collectivités observées" in page
    assert "Commune · 10\u202f000 à 20\u202f000 hab." in page
    assert "Région · 5\u202f000\u202f000 hab. et plus" in page

    export = client.get(reverse("observatory:export", kwargs={"name": "activite", "fmt": "csv"}))
    rows = list(csv.DictReader(io.StringIO(export.content.decode())))
    assert {r["code"] for r in rows} == {"01033", "01143", "01160", "84"}  # not the customer
    assert {r["metric"] for r in rows} >= {"posts_per_week", "engagement_rate", "net_sentiment"}
    summary = client.get(
        reverse("observatory:export", kwargs={"name": "activite-synthese", "fmt": "parquet"})
    )
    table = pq.read_table(io.BytesIO(summary.content)).to_pylist()
    rhythm = next(r for r in table if (r["kind"], r["metric"]) == ("commune", "posts_per_week"))
    assert rhythm["organisations"] == 3 and rhythm["band"] == "10k-20k"


def test_accounts_connected_to_beffroi_are_observed(loaded, make_org):
    from beffroi.core import services as core
    from beffroi.observatory.services import observed_accounts_from_beffroi

    amberieu = make_org(name="Ambérieu-en-Bugey", kind="commune", code="01004")
    elsewhere = make_org(name="Syndicat mixte", kind="autre", code="250100000")
    for org, network, handle, simulated in [
        (amberieu, "x", "@VilleAmberieu", False),
        (amberieu, "mastodon", "@amberieu@piaille.fr", False),
        (amberieu, "facebook", "amberieu-simule", True),  # sandbox: not a real account
        (elsewhere, "x", "@syndicat", False),  # not a collectivité of the register
    ]:
        core.network_account_create(
            organisation=org, network=network, handle=handle, simulated=simulated, actor=None
        )
    assert observed_accounts_from_beffroi(actor=None) == 2
    assert observed_accounts_from_beffroi(actor=None) == 0  # idempotent
    observed = ObservedAccount.objects.filter(source=ObservedAccount.Source.BEFFROI)
    assert sorted(observed.values_list("network", "handle")) == [
        ("mastodon", "@amberieu@piaille.fr"),
        ("x", "villeamberieu"),
    ]
