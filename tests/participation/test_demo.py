"""Demonstration data: a closed consultation with its ideas, an open one; loading twice changes nothing."""

from __future__ import annotations

import pytest

from beffroi.core.domain import REAL_NETWORKS
from beffroi.core.models import Role
from beffroi.participation import selectors
from beffroi.participation.demo import CLOSED_TITLE, OPEN_TITLE, demo_load
from beffroi.participation.models import Answer, Consultation

pytestmark = pytest.mark.django_db


def test_demo_has_a_closed_and_an_open_consultation_and_is_idempotent(make_org, make_member):
    from beffroi.core import services as core
    from beffroi.core.demo import DemoContext

    epci = make_org(name="Communauté de communes des Brumes", kind="epci")
    commune = make_org(parent=epci)
    accounts = {
        n.value: core.network_account_create(
            organisation=commune,
            network=n.value,
            handle=f"demo-{n.value}",
            simulated=True,
            credentials={"sandbox_seed": f"demo-{n.value}"},
            actor=None,
        )
        for n in REAL_NETWORKS
    }
    users = {role: make_member(commune, role) for role in (Role.ADMIN, Role.COMMUNITY_MANAGER)}
    context = DemoContext(
        epci=epci,
        commune=commune,
        neighbour=make_org(name="Montclair"),
        users=users,
        accounts=accounts,
    )
    demo_load(context)
    demo_load(context)
    closed = Consultation.objects.get(organisation=commune, title=CLOSED_TITLE)
    opened = Consultation.objects.get(organisation=commune, title=OPEN_TITLE)
    assert not closed.is_open and opened.is_open
    assert Consultation.objects.filter(organisation=commune).count() == 2
    synthesis = selectors.synthesis_for(consultation=closed)
    assert synthesis.answers > 200 and len(synthesis.ideas) >= 5 and synthesis.ungrouped == 0
    # Repeat authors: support counts people, fewer than the answers.
    assert synthesis.people < synthesis.answers
    assert len(synthesis.networks) >= 3 and synthesis.places
    assert Answer.objects.filter(consultation=opened, idea__isnull=False).exists()
