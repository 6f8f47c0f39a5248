"""The demonstration data: two months on the simulated network, a bad buzz closed, one under way."""

from __future__ import annotations

import time

import pytest

from beffroi.core.models import Role

pytestmark = pytest.mark.django_db


def test_demo_has_a_closed_buzz_and_one_under_way_and_is_idempotent(
    team, make_org, settings, tmp_path, monkeypatch
):
    from beffroi.core import services as core
    from beffroi.core.demo import DemoContext
    from beffroi.listening.demo import demo_load
    from beffroi.listening.models import Alert, InboxItem, ModerationEvent

    settings.DATA_DIR = tmp_path
    # As core's demo creates it: one follower for ten inhabitants.
    account = core.network_account_create(
        organisation=team.org,
        network="facebook",
        handle="VilleDeSaintAubinSurBrume",
        simulated=True,
        credentials={
            "sandbox_seed": "saint-aubin-sur-brume-facebook",
            "handle": "VilleDeSaintAubinSurBrume",
            "followers": "1240",
            "place": "Saint-Aubin-sur-Brume",
        },
        actor=None,
    )
    context = DemoContext(
        epci=make_org(name="CC du Val de Brume", kind="epci"),
        commune=team.org,
        neighbour=make_org(name="Montclair-le-Lac"),
        users={Role.ADMIN: team.admin, Role.COMMUNITY_MANAGER: team.cm},
        accounts={"facebook": account},
    )
    started = time.monotonic()
    demo_load(context)
    elapsed = time.monotonic() - started
    items = InboxItem.objects.filter(organisation=team.org)
    assert items.count() > 500
    alerts = list(Alert.objects.filter(organisation=team.org).order_by("detected_at"))
    print(f"démo : {items.count()} messages, {len(alerts)} alertes, {elapsed:.1f} s")
    assert [a.status for a in alerts].count("open") == 1
    closed = [a for a in alerts if a.status == "closed" and a.close_note.startswith("Communiqué")]
    assert len(closed) == 1
    assert ModerationEvent.objects.filter(organisation=team.org, action="answered").exists()
    assert ModerationEvent.objects.filter(organisation=team.org, action="hidden").exists()
    count = items.count()
    demo_load(context)
    assert InboxItem.objects.filter(organisation=team.org).count() == count
    assert Alert.objects.filter(organisation=team.org).count() == len(alerts)
