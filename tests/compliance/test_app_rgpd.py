"""Retention purge and RGPD erasure against real tables and the real event lake: nothing left."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, models
from django.test.utils import isolate_apps
from django.urls import reverse
from django.utils import timezone

from beffroi.compliance import selectors, services
from beffroi.compliance.models import ErasureRequest, PurgeRun
from beffroi.compliance.personal_data import PersonalDataSpec
from beffroi.compliance.rgpd import DataKind
from beffroi.core.models import AuditEntry, Organisation
from beffroi.core.services import DomainError

# Tables are created and dropped inside the tests: no wrapping transaction.
pytestmark = pytest.mark.django_db(transaction=True)

NOW = timezone.now()


@pytest.fixture
def inbox_model():
    """A table shaped like an inbox of received messages, as the listening app declares it."""
    with isolate_apps("beffroi.compliance"):

        class ReceivedMessage(models.Model):
            organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE)
            network = models.CharField(max_length=20)
            author_handle = models.CharField(max_length=200)
            author_remote_id = models.CharField(max_length=200, blank=True)
            instance = models.CharField(max_length=200, blank=True)
            text = models.TextField()
            received_at = models.DateTimeField()

            class Meta:
                app_label = "compliance"

        with connection.schema_editor() as editor:
            editor.create_model(ReceivedMessage)
        yield ReceivedMessage
        with connection.schema_editor() as editor:
            editor.delete_model(ReceivedMessage)


@pytest.fixture
def spec(inbox_model):
    return PersonalDataSpec(
        model=inbox_model,
        kind=DataKind.INBOX_MESSAGES,
        created_field="received_at",
        handle_field="author_handle",
        remote_id_field="author_remote_id",
        instance_field="instance",
    )


@pytest.fixture
def commune(make_org):
    return make_org(name="Saint-Aubin", kind="commune")


@pytest.fixture
def admin(commune, make_member):
    return make_member(commune, "admin")


def message(model, org, network, handle, days_ago, remote_id="", instance="", text="Bonjour"):
    return model.objects.create(
        organisation=org,
        network=network,
        author_handle=handle,
        author_remote_id=remote_id,
        instance=instance,
        text=text,
        received_at=NOW - timedelta(days=days_ago),
    )


def test_purge_deletes_only_expired_rows_of_the_organisation(
    inbox_model, spec, commune, admin, make_org
):
    other = make_org(name="Montclair", kind="commune")
    message(inbox_model, commune, "x", "old", 400)
    message(inbox_model, commune, "x", "recent", 10)
    message(inbox_model, other, "x", "old-elsewhere", 400)
    run = services.retention_purge(organisation=commune, actor=admin, specs=[spec])
    assert run.total == 1
    assert sorted(inbox_model.objects.values_list("author_handle", flat=True)) == [
        "old-elsewhere",
        "recent",
    ]
    assert AuditEntry.objects.filter(action="compliance.purge", organisation=commune).exists()


def test_purge_follows_the_organisation_retention(inbox_model, spec, commune, admin):
    message(inbox_model, commune, "x", "a", 40)
    services.retention_settings_update(
        organisation=commune, actor=admin, days={"inbox_messages": 30}
    )
    assert services.retention_purge(organisation=commune, actor=admin, specs=[spec]).total == 1
    assert PurgeRun.objects.filter(organisation=commune).count() == 1


def test_erasure_finds_the_person_across_networks_and_leaves_nothing(
    inbox_model, spec, commune, admin, tmp_path, settings, monkeypatch
):
    lake_module = pytest.importorskip("beffroi.analytics.lake")
    monkeypatch.setenv("BEFFROI_PSEUDONYM_KEY", "cle-de-test-pseudonymisation-32o")
    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    lake = lake_module.EventLake(settings.BEFFROI_LAKE_URL)
    events = [
        lake_module.LakeEvent(
            kind=lake_module.EventKind.COMMENT,
            occurred_at=NOW - timedelta(days=d),
            organisation=commune.slug,
            network=net,
            author=author,
            text="texte",
        )
        for d, net, author in [
            (1, "x", "98765"),
            (2, "x", "98765"),
            (3, "mastodon", "marie@piaille.fr"),
            (4, "x", "11111"),
        ]
    ]
    lake.append(events)
    message(inbox_model, commune, "x", "@MarieD", 5, remote_id="98765")
    message(inbox_model, commune, "mastodon", "marie", 5, instance="piaille.fr")
    message(inbox_model, commune, "bluesky", "marie.bsky.social", 5)
    message(inbox_model, commune, "x", "someone_else", 5, remote_id="11111")
    request = services.erasure_request_create(
        organisation=commune,
        actor=admin,
        kind=ErasureRequest.Kind.ERASURE,
        requester="Marie D.",
        handles=[
            (None, "@maried"),
            ("mastodon", "https://piaille.fr/@Marie"),
            (None, "marie.bsky.social"),
        ],
    )
    found = selectors.person_records(
        organisation=commune, query=selectors.person_query(request), specs=[spec]
    )
    assert len(found) == 3
    done = services.erasure_request_execute(request=request, actor=admin, specs=[spec])
    assert done.status == ErasureRequest.Status.DONE
    assert done.result["total"] == 3 and done.result["restants"] == 0
    assert list(inbox_model.objects.values_list("author_handle", flat=True)) == ["someone_else"]
    # The lake dropped the person's events (by remote id and by Mastodon handle), not the others.
    assert done.result["lac_evenements_supprimes"] == 3
    remaining = lake.read_all()
    assert remaining.num_rows == 1
    with pytest.raises(DomainError):
        services.erasure_request_execute(request=done, actor=admin, specs=[spec])


def test_access_request_exports_the_data(inbox_model, spec, commune, admin):
    from beffroi.compliance.personal_data import personal_data_register, personal_data_unregister

    message(inbox_model, commune, "x", "MarieD", 5, text="Quand rouvre la piscine ?")
    request = services.erasure_request_create(
        organisation=commune,
        actor=admin,
        kind=ErasureRequest.Kind.ACCESS,
        requester="Marie",
        handles=[("x", "@mariED")],
    )
    personal_data_register(spec)
    try:
        export = selectors.access_export(organisation=commune, request=request)
    finally:
        personal_data_unregister(spec)
    assert [item["donnees"]["text"] for item in export["donnees"]] == ["Quand rouvre la piscine ?"]
    services.erasure_request_execute(request=request, actor=admin, specs=[spec])
    assert inbox_model.objects.count() == 1  # an access request deletes nothing


def test_requests_need_an_identifier_and_a_reason_to_reject(commune, admin):
    with pytest.raises(DomainError):
        services.erasure_request_create(
            organisation=commune, actor=admin, kind="effacement", requester="X", handles=[]
        )
    request = services.erasure_request_create(
        organisation=commune, actor=admin, kind="effacement", requester="X", handles=[(None, "@x")]
    )
    with pytest.raises(DomainError):
        services.erasure_request_reject(request=request, actor=admin, reason=" ")
    services.erasure_request_reject(request=request, actor=admin, reason="Identité non établie.")
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.REJECTED


def test_rgpd_page_for_admin_only(client, commune, admin, make_member):
    services.retention_settings_update(
        organisation=commune, actor=admin, days={}, contact_email="rgpd@saint-aubin.example"
    )
    client.force_login(admin)
    page = client.get(reverse("compliance:rgpd", kwargs={"org": commune.slug}))
    assert page.status_code == 200
    assert "Registre des traitements" in page.content.decode()
    register = client.get(reverse("compliance:register", kwargs={"org": commune.slug}))
    assert "rgpd@saint-aubin.example" in register.content.decode()
    client.force_login(make_member(commune, "community_manager"))
    assert client.get(reverse("compliance:rgpd", kwargs={"org": commune.slug})).status_code == 403


def test_purge_and_request_through_the_pages(client, commune, admin):
    client.force_login(admin)
    base = {"org": commune.slug}
    response = client.post(
        reverse("compliance:request_create", kwargs=base),
        {
            "kind": "effacement",
            "requester": "Jean",
            "network_1": "x",
            "handle_1": "@jean",
        },
    )
    assert response.status_code == 302
    request = ErasureRequest.objects.get(organisation=commune)
    assert request.handles == [["x", "@jean"]]
    client.post(reverse("compliance:request_execute", kwargs={**base, "request_id": request.pk}))
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.DONE
    client.post(reverse("compliance:purge", kwargs=base))
    assert PurgeRun.objects.filter(organisation=commune).exists()
    assert datetime.now(UTC) - PurgeRun.objects.get(organisation=commune).ran_at < timedelta(
        minutes=1
    )


def test_the_nightly_task_purges_every_organisation(
    inbox_model, spec, commune, make_org, settings, tmp_path
):
    from beffroi.compliance.personal_data import personal_data_register, personal_data_unregister
    from beffroi.compliance.tasks import compliance_purge_all

    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    other = make_org(name="Montclair", kind="commune")
    message(inbox_model, commune, "x", "old", 400)
    message(inbox_model, other, "x", "old", 400)
    personal_data_register(spec)
    try:
        compliance_purge_all.call_local()
    finally:
        personal_data_unregister(spec)
    assert inbox_model.objects.count() == 0
    assert set(PurgeRun.objects.values_list("organisation__name", flat=True)) == {
        "Saint-Aubin",
        "Montclair",
    }


def test_retention_defaults_come_from_the_settings(commune, admin, settings):
    settings.BEFFROI_RETENTION_DAYS = {"listening_mentions": 60}
    assert (
        selectors.retention_policy_for(organisation=commune).days_for(DataKind.LISTENING_MENTIONS)
        == 60
    )
    services.retention_settings_update(
        organisation=commune, actor=admin, days={"listening_mentions": 20}
    )
    policy = selectors.retention_policy_for(organisation=commune)
    assert policy.days_for(DataKind.LISTENING_MENTIONS) == 20
    assert policy.days_for(DataKind.INBOX_MESSAGES) == 365


def test_erasure_is_refused_whole_when_the_lake_cannot_erase(
    inbox_model, spec, commune, admin, tmp_path, settings, monkeypatch
):
    pytest.importorskip("beffroi.analytics.lake")
    monkeypatch.delenv("BEFFROI_PSEUDONYM_KEY", raising=False)
    settings.BEFFROI_PSEUDONYM_KEY = ""
    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    message(inbox_model, commune, "x", "MarieD", 5, remote_id="98765")
    request = services.erasure_request_create(
        organisation=commune,
        actor=admin,
        kind="effacement",
        requester="Marie",
        handles=[("x", "@maried")],
    )
    with pytest.raises(DomainError, match="lac statistique"):
        services.erasure_request_execute(request=request, actor=admin, specs=[spec])
    assert inbox_model.objects.count() == 1  # nothing deleted: the transaction rolled back
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.RECEIVED
