import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from beffroi.core import services
from beffroi.core.models import AuditEntry, Membership, NetworkAccount, Role

pytestmark = pytest.mark.django_db


def test_creating_an_organisation_is_audited(make_org):
    org = make_org(name="Commune de Brume", code="99001", population=2300)

    entry = AuditEntry.objects.get(action="organisation.create")
    assert entry.organisation == org
    assert entry.after["name"] == "Commune de Brume"
    assert org.slug == "commune-de-brume"


def test_a_second_organisation_with_the_same_name_gets_its_own_slug(make_org):
    assert make_org(name="Brume").slug == "brume"
    assert make_org(name="Brume").slug == "brume-2"


def test_only_an_administrator_adds_members(make_org, make_member):
    org = make_org()
    cm = make_member(org, Role.COMMUNITY_MANAGER)
    newcomer = services.user_create(email="new@brume.example", password="un-mot-de-passe-solide")

    with pytest.raises(PermissionDenied):
        services.membership_add(organisation=org, user=newcomer, role=Role.ANALYST, actor=cm)

    admin = make_member(org, Role.ADMIN)
    services.membership_add(organisation=org, user=newcomer, role=Role.ANALYST, actor=admin)
    entry = AuditEntry.objects.filter(action="membership.add").first()
    assert entry.actor == admin and entry.after == {"user": "new@brume.example", "role": "analyst"}


def test_the_last_administrator_cannot_leave(make_org, make_member):
    org = make_org()
    admin = make_member(org, Role.ADMIN)
    membership = Membership.objects.get(user=admin)

    with pytest.raises(ValidationError, match="au moins un administrateur"):
        services.membership_remove(membership=membership, actor=admin)
    with pytest.raises(ValidationError, match="au moins un administrateur"):
        services.membership_change_role(membership=membership, role=Role.ANALYST, actor=admin)


def test_an_unknown_role_is_refused(make_org, make_member):
    org = make_org()
    admin = make_member(org, Role.ADMIN)
    user = services.user_create(email="x@brume.example", password="un-mot-de-passe-solide")
    with pytest.raises(ValidationError, match="Rôle inconnu"):
        services.membership_add(organisation=org, user=user, role="maire", actor=admin)


def test_tokens_are_unreadable_in_the_database_and_the_audit_log(make_org, make_member):
    org = make_org()
    admin = make_member(org, Role.ADMIN)
    secret = "EAAG-tres-secret-1234567890"
    account = services.network_account_create(
        organisation=org,
        network="facebook",
        handle="VilleDeBrume",
        credentials={"access_token": secret},
        actor=admin,
    )

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT credentials_encrypted FROM core_networkaccount WHERE id = %s", [account.id]
        )
        stored = bytes(cursor.fetchone()[0])
    assert secret.encode() not in stored
    assert all(secret not in str(e.after) for e in AuditEntry.objects.all())
    assert services.network_account_credentials(account=account) == {"access_token": secret}


def test_key_rotation_keeps_credentials_readable(make_org, settings):
    from cryptography.fernet import Fernet

    org = make_org()
    account = services.network_account_create(
        organisation=org,
        network="x",
        handle="brume",
        credentials={"access_token": "abc"},
        actor=None,
    )
    old_ciphertext = bytes(account.credentials_encrypted)
    settings.BEFFROI_ENCRYPTION_KEYS = [
        Fernet.generate_key().decode(),
        *settings.BEFFROI_ENCRYPTION_KEYS,
    ]

    assert services.encryption_rotate() == 1
    account = NetworkAccount.objects.get(id=account.id)
    assert bytes(account.credentials_encrypted) != old_ciphertext
    settings.BEFFROI_ENCRYPTION_KEYS = settings.BEFFROI_ENCRYPTION_KEYS[:1]  # old key retired
    assert services.network_account_credentials(account=account) == {"access_token": "abc"}


def test_the_audit_log_is_append_only(make_org):
    make_org()
    entry = AuditEntry.objects.first()
    entry.action = "rewritten"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.update(action="x")


def test_an_analyst_cannot_connect_an_account(make_org, make_member):
    org = make_org()
    analyst = make_member(org, Role.ANALYST)
    with pytest.raises(PermissionDenied):
        services.network_account_create(organisation=org, network="x", handle="h", actor=analyst)
    assert not NetworkAccount.objects.exists()


def test_secrets_never_reach_the_logs(caplog):
    import logging

    from beffroi.core.logging import RedactSecretsFilter

    logger = logging.getLogger("beffroi.test")
    logger.addFilter(RedactSecretsFilter())
    with caplog.at_level(logging.INFO, logger="beffroi.test"):
        logger.info(
            "token refresh failed: access_token=EAAGsecret123 Authorization: Bearer abc.def"
        )
    assert "EAAGsecret123" not in caplog.text and "abc.def" not in caplog.text
    assert "[masqué]" in caplog.text


def test_the_task_worker_logs_each_line_once_and_redacted():
    import logging

    from beffroi.core.logging import RedactSecretsFilter

    # run_huey adds a handler of its own only when the "huey" logger has none: ours is there, and
    # the line does not propagate to the root handler a second time.
    huey = logging.getLogger("huey")
    ours = [h for h in huey.handlers if any(isinstance(f, RedactSecretsFilter) for f in h.filters)]
    assert len(ours) == 1 and not huey.propagate
