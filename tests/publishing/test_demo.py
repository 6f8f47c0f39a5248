"""The demonstration data: every state of the circuit, published posts on the simulated network, idempotent."""

from __future__ import annotations

import pytest

from beffroi.core.domain import REAL_NETWORKS
from beffroi.core.models import Role
from beffroi.publishing.demo import POSTS, publishing_demo_load
from beffroi.publishing.models import CircuitStep, Draft, EditorialLine, Variant

pytestmark = pytest.mark.django_db


def test_demo_data_covers_every_state_and_is_idempotent(make_org, make_member):
    from beffroi.core import services as core

    org = make_org()
    accounts = {
        n.value: core.network_account_create(
            organisation=org,
            network=n.value,
            handle=f"demo-{n.value}",
            simulated=True,
            credentials={"sandbox_seed": f"demo-{n.value}"},
            actor=None,
        )
        for n in REAL_NETWORKS
    }
    users = {
        role: make_member(org, role)
        for role in (Role.ADMIN, Role.COMMUNITY_MANAGER, Role.VALIDATOR)
    }
    assert publishing_demo_load(org, accounts, users) == len(POSTS)
    assert publishing_demo_load(org, accounts, users) == 0
    assert Draft.objects.filter(organisation=org).count() == len(POSTS)
    assert set(Draft.objects.values_list("state", flat=True)) == set(Draft.State.values)
    assert EditorialLine.objects.filter(organisation=org).count() == 7
    assert CircuitStep.objects.filter(organisation=org).count() == 3
    published = Variant.objects.filter(draft__organisation=org, state=Variant.State.PUBLISHED)
    assert published.count() >= 10 and all(v.remote_url.startswith("sandbox://") for v in published)
    failed = Variant.objects.filter(state=Variant.State.FAILED).first()
    assert failed is not None and "simulé" in failed.error_message
