"""The observatory's demonstration data: the real register, simulated accounts and peers, idempotent."""

import pytest

from beffroi.core.demo import DemoContext
from beffroi.observatory.demo import PEERS_IN_LAKE, demo_load
from beffroi.observatory.models import ObservedAccount, RegisteredCollectivity
from beffroi.observatory.selectors import activity_national, organisation_position

pytestmark = pytest.mark.django_db


def test_demo_loads_twice_and_says_it_is_simulated(make_org, settings, tmp_path):
    pytest.importorskip("beffroi.analytics.kpis")
    settings.DATA_DIR = tmp_path
    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    epci = make_org(name="CC du Val de Brume", kind="epci", code="200099999", population=38_500)
    commune = make_org(
        name="Saint-Aubin", kind="commune", code="99123", population=12_400, parent=epci
    )
    neighbour = make_org(
        name="Montclair", kind="commune", code="99124", population=4_100, parent=epci
    )
    context = DemoContext(epci=epci, commune=commune, neighbour=neighbour, users={}, accounts={})

    demo_load(context)
    accounts = ObservedAccount.objects.count()
    demo_load(context)

    assert RegisteredCollectivity.objects.count() == 18 + 101 + 1_255 + 11 + 34_875
    assert ObservedAccount.objects.count() == accounts > 0
    assert set(ObservedAccount.objects.values_list("source", flat=True)) == {"simulated"}
    national = activity_national()
    assert national is not None and national.simulated
    commune_rows = [r for r in national.summary if r["kind"] == "commune"]
    assert {r["band"] for r in commune_rows} == {"10k-20k"}  # the demo commune's size
    assert max(r["organisations"] for r in commune_rows) == PEERS_IN_LAKE
    position = organisation_position(organisation=commune)
    assert position is not None and position.simulated
    assert {p.peer_scope for p in position.positions} == {"type et tranche"}  # no known région
