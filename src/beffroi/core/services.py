"""Every write of the core domain: checked, in a transaction, with its audit entry."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.text import slugify

from beffroi.core import crypto
from beffroi.core.domain import Network
from beffroi.core.models import AuditEntry, Membership, NetworkAccount, Organisation, Role, User
from beffroi.core.permissions import Perm, role_allows
from beffroi.core.selectors import role_for


class DomainError(ValidationError):
    """A move that the business rules do not allow, with a message for the user."""


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Values of an instance for the audit log (never its encrypted secrets)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if isinstance(field, models.BinaryField) or "password" in field.name:
            continue
        data[field.attname] = field.value_from_object(instance)
    return _jsonable(data)


def audit_record(
    *,
    actor: User | None,
    organisation: Organisation | None,
    action: str,
    obj: models.Model | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log. Call it inside the transaction of the write it records."""
    return AuditEntry.objects.create(
        organisation=organisation,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=str(actor) if actor is not None else "système",
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:300] if obj is not None else "",
        before=_jsonable(dict(before)) if before is not None else None,
        after=_jsonable(dict(after)) if after is not None else None,
    )


def require(*, actor: User | None, organisation: Organisation, perm: Perm) -> None:
    """Raise PermissionDenied unless the actor holds `perm` in the organisation (None is the system)."""
    if actor is None:
        return
    if not role_allows(role_for(user=actor, organisation=organisation), perm):
        raise PermissionDenied("Votre rôle ne permet pas cette action")


def _unique_slug(name: str) -> str:
    base = slugify(name)[:70] or "organisation"
    slug, n = base, 2
    while Organisation.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    code: str = "",
    population: int = 0,
    parent_slug: str | None = None,
    actor: User | None,
) -> Organisation:
    if kind not in Organisation.Kind.values:
        raise DomainError(f"Type d'organisation inconnu : {kind}")
    parent = None
    if parent_slug:
        parent = Organisation.objects.filter(slug=parent_slug).first()
        if parent is None:
            raise DomainError(f"Organisation parente introuvable : {parent_slug}")
        require(actor=actor, organisation=parent, perm=Perm.MANAGE_MEMBERS)
    elif actor is not None and not actor.is_superuser:
        raise PermissionDenied("Seul un opérateur crée une organisation de premier niveau")
    organisation = Organisation.objects.create(
        name=name,
        kind=kind,
        code=code,
        population=population,
        parent=parent,
        slug=_unique_slug(name),
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="organisation.create",
        obj=organisation,
        after=snapshot(organisation),
    )
    return organisation


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, actor: User | None, **changes: Any
) -> Organisation:
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_MEMBERS)
    allowed = {"name", "code", "population", "require_mfa"}
    unknown = set(changes) - allowed
    if unknown:
        raise DomainError(f"Champs non modifiables : {', '.join(sorted(unknown))}")
    before = snapshot(organisation, sorted(changes))
    for field, value in changes.items():
        setattr(organisation, field, value)
    organisation.save(update_fields=list(changes))
    audit_record(
        actor=actor,
        organisation=organisation,
        action="organisation.update",
        obj=organisation,
        before=before,
        after=snapshot(organisation, sorted(changes)),
    )
    if changes.get("require_mfa"):
        mfa_clearance_forget(organisation=organisation)
    return organisation


def mfa_clearance_forget(*, organisation: Organisation) -> None:
    """The members' cached "no MFA needed" (core.middleware) is dropped: the new rule applies now."""
    from beffroi.core.middleware import mfa_clear_key

    user_ids = Membership.objects.filter(organisation=organisation).values_list(
        "user_id", flat=True
    )
    cache.delete_many([mfa_clear_key(user_id) for user_id in user_ids])


def user_create(
    *,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    is_superuser: bool = False,
    email_verified: bool = False,
) -> User:
    """A user who logs in by e-mail; `email_verified` when whoever creates it vouches for the address
    (the operator on the command line), otherwise the address is verified by the first e-mailed link."""
    email = email.strip().lower()
    if User.objects.filter(email=email).exists():
        raise DomainError(f"Un utilisateur existe déjà avec l'adresse {email}")
    with transaction.atomic():
        user = User.objects.create_user(
            email=email,
            password=password,
            first_name=first_name,
            last_name=last_name,
            is_staff=is_superuser,
            is_superuser=is_superuser,
        )
        if email_verified:
            email_mark_verified(user=user)
        audit_record(
            actor=None,
            organisation=None,
            action="user.create",
            obj=user,
            after={"email": email, "is_superuser": is_superuser, "email_verified": email_verified},
        )
    return user


def email_mark_verified(*, user: User) -> None:
    """The user's address is proven (allauth then lets them log in when verification is mandatory)."""
    from allauth.account.models import EmailAddress

    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )


def _invitation_send(*, organisation: Organisation, user: User, actor: User | None) -> None:
    """E-mail a new member the link that sets their password (allauth's password-reset key)."""
    from allauth.account.forms import default_token_generator
    from allauth.account.utils import user_pk_to_url_str
    from django.core.mail import send_mail
    from django.urls import reverse

    from beffroi.core.links import absolute_url

    key = default_token_generator.make_token(user)
    url = absolute_url(
        reverse(
            "account_reset_password_from_key",
            kwargs={"uidb36": user_pk_to_url_str(user), "key": key},
        )
    )
    inviter = f"{actor.email} vous invite" if actor is not None else "Vous êtes invité(e)"
    body = (
        f"Bonjour,\n\n{inviter} à rejoindre {organisation.name} sur Beffroi, l'outil de la "
        f"collectivité pour ses réseaux sociaux.\n\nChoisissez votre mot de passe ici (lien "
        f"personnel, valable quelques jours) :\n{url}\n\nVotre identifiant est votre adresse : "
        f"{user.email}\n"
    )
    recipient = user.email
    transaction.on_commit(
        lambda: send_mail(f"[Beffroi] Invitation · {organisation.name}", body, None, [recipient])
    )


def _check_role(role: str) -> None:
    if role not in Role.values:
        raise DomainError(f"Rôle inconnu : {role}")


def _admins_left(organisation: Organisation, excluding: Membership) -> int:
    return (
        Membership.objects.filter(organisation=organisation, role=Role.ADMIN)
        .exclude(id=excluding.id)
        .count()
    )


@transaction.atomic
def membership_add(
    *, organisation: Organisation, user: User, role: str, actor: User | None
) -> Membership:
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_MEMBERS)
    _check_role(role)
    if Membership.objects.filter(organisation=organisation, user=user).exists():
        raise DomainError(f"{user.email} est déjà membre de {organisation}")
    membership = Membership.objects.create(organisation=organisation, user=user, role=role)
    audit_record(
        actor=actor,
        organisation=organisation,
        action="membership.add",
        obj=membership,
        after={"user": user.email, "role": role},
    )
    return membership


def membership_add_by_slug(
    *, org_slug: str, user: User, role: str, actor: User | None
) -> Membership:
    organisation = Organisation.objects.filter(slug=org_slug).first()
    if organisation is None:
        raise DomainError(f"Organisation introuvable : {org_slug}")
    return membership_add(organisation=organisation, user=user, role=role, actor=actor)


@transaction.atomic
def member_invite(
    *, organisation: Organisation, email: str, role: str, actor: User | None
) -> Membership:
    """Add a person by e-mail, creating the account (no password: they set it by the reset link)."""
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_MEMBERS)
    user = User.objects.filter(email=email.strip().lower()).first()
    if user is None:
        user = user_create(email=email, password=None)
        _invitation_send(organisation=organisation, user=user, actor=actor)
    return membership_add(organisation=organisation, user=user, role=role, actor=actor)


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: User | None) -> Membership:
    require(actor=actor, organisation=membership.organisation, perm=Perm.MANAGE_MEMBERS)
    _check_role(role)
    if (
        membership.role == Role.ADMIN
        and role != Role.ADMIN
        and not _admins_left(membership.organisation, membership)
    ):
        raise DomainError("L'organisation doit garder au moins un administrateur")
    before = {"role": membership.role}
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        actor=actor,
        organisation=membership.organisation,
        action="membership.change_role",
        obj=membership,
        before=before,
        after={"role": role},
    )
    return membership


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User | None) -> None:
    require(actor=actor, organisation=membership.organisation, perm=Perm.MANAGE_MEMBERS)
    if membership.role == Role.ADMIN and not _admins_left(membership.organisation, membership):
        raise DomainError("L'organisation doit garder au moins un administrateur")
    audit_record(
        actor=actor,
        organisation=membership.organisation,
        action="membership.remove",
        obj=membership,
        before={"user": membership.user.email, "role": membership.role},
    )
    membership.delete()


@transaction.atomic
def network_account_create(
    *,
    organisation: Organisation,
    network: str,
    handle: str,
    credentials: Mapping[str, Any] | None = None,
    display_name: str = "",
    remote_id: str = "",
    token_expires_at: datetime | None = None,
    simulated: bool = False,
    actor: User | None,
) -> NetworkAccount:
    require(actor=actor, organisation=organisation, perm=Perm.MANAGE_ACCOUNTS)
    if network not in {n.value for n in Network}:
        raise DomainError(f"Réseau inconnu : {network}")
    handle = handle.strip()
    if not handle:
        raise DomainError("L'identifiant du compte est obligatoire")
    if NetworkAccount.objects.filter(
        organisation=organisation, network=network, handle=handle
    ).exists():
        raise DomainError(f"Le compte {handle} existe déjà sur ce réseau")
    account = NetworkAccount.objects.create(
        organisation=organisation,
        network=network,
        handle=handle,
        display_name=display_name,
        remote_id=remote_id,
        token_expires_at=token_expires_at,
        simulated=simulated,
        credentials_encrypted=crypto.encrypt_json(dict(credentials or {})),
    )
    audit_record(
        actor=actor,
        organisation=organisation,
        action="network_account.create",
        obj=account,
        after=snapshot(account),
    )
    return account


@transaction.atomic
def network_account_set_credentials(
    *,
    account: NetworkAccount,
    credentials: Mapping[str, Any],
    token_expires_at: datetime | None = None,
    actor: User | None,
) -> NetworkAccount:
    require(actor=actor, organisation=account.organisation, perm=Perm.MANAGE_ACCOUNTS)
    account.credentials_encrypted = crypto.encrypt_json(dict(credentials))
    account.token_expires_at = token_expires_at
    account.save(update_fields=["credentials_encrypted", "token_expires_at"])
    # The audit entry says that the secret changed, never what it is.
    audit_record(
        actor=actor,
        organisation=account.organisation,
        action="network_account.set_credentials",
        obj=account,
        after={"keys": sorted(credentials), "token_expires_at": token_expires_at},
    )
    return account


def network_account_credentials(*, account: NetworkAccount) -> dict[str, Any]:
    """Decrypted credentials, for the adapters only; never log or render them."""
    return crypto.decrypt_json(account.credentials_encrypted)


@transaction.atomic
def network_account_set_health(
    *, account: NetworkAccount, health: str, message: str, checked_at: datetime
) -> NetworkAccount:
    before = {"health": account.health, "health_message": account.health_message}
    account.health, account.health_message, account.health_checked_at = health, message, checked_at
    account.save(update_fields=["health", "health_message", "health_checked_at"])
    if before["health"] != health:
        audit_record(
            actor=None,
            organisation=account.organisation,
            action="network_account.health",
            obj=account,
            before=before,
            after={"health": health, "health_message": message},
        )
    return account


@transaction.atomic
def network_account_delete(*, account: NetworkAccount, actor: User | None) -> None:
    require(actor=actor, organisation=account.organisation, perm=Perm.MANAGE_ACCOUNTS)
    audit_record(
        actor=actor,
        organisation=account.organisation,
        action="network_account.delete",
        obj=account,
        before=snapshot(account),
    )
    account.delete()


def encryption_rotate() -> int:
    """Re-encrypt every stored credential with the newest key; returns how many were rewritten."""
    count = 0
    for account in NetworkAccount.objects.exclude(credentials_encrypted=b"").iterator():
        with transaction.atomic():
            account.credentials_encrypted = crypto.reencrypt(account.credentials_encrypted)
            account.save(update_fields=["credentials_encrypted"])
        count += 1
    with transaction.atomic():
        audit_record(
            actor=None, organisation=None, action="encryption.rotate", after={"accounts": count}
        )
    return count
