"""Organisations, their members and roles, their network accounts, and the append-only audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from beffroi.core.domain import NETWORK_LABELS, Network, OrganisationKind


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A person who logs in with an e-mail address (or through ProConnect)."""

    username = None  # type: ignore[assignment, misc]
    email = models.EmailField(_("adresse e-mail"), unique=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []  # type: ignore[misc]
    objects = UserManager()  # type: ignore[misc, assignment]

    def __str__(self) -> str:
        return self.get_full_name() or self.email


class Organisation(models.Model):
    class Kind(models.TextChoices):
        COMMUNE = OrganisationKind.COMMUNE, _("Commune")
        EPCI = OrganisationKind.EPCI, _("Intercommunalité (EPCI)")
        DEPARTEMENT = OrganisationKind.DEPARTEMENT, _("Département")
        REGION = OrganisationKind.REGION, _("Région")
        OTHER = OrganisationKind.OTHER, _("Autre organisme public")

    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    name = models.CharField(_("nom"), max_length=200)
    slug = models.SlugField(unique=True, max_length=80)
    code = models.CharField(_("code INSEE ou SIREN"), max_length=14, blank=True)
    population = models.PositiveIntegerField(_("population"), default=0)
    # A shared service (an intercommunalité running its communes' communication) sees its children.
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    require_mfa = models.BooleanField(_("double authentification obligatoire"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    ADMIN = "admin", _("Administrateur")
    COMMUNITY_MANAGER = "community_manager", _("Community manager")
    VALIDATOR = "validator", _("Validateur")
    ANALYST = "analyst", _("Analyste")
    GUEST_REVIEWER = "guest_reviewer", _("Relecteur invité")


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("rôle"), max_length=30, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership_per_org")
        ]
        ordering = ["organisation__name", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.role})"


class NetworkAccount(models.Model):
    class Health(models.TextChoices):
        UNKNOWN = "unknown", _("Non vérifié")
        OK = "ok", _("Valide")
        EXPIRING = "expiring", _("Expire bientôt")
        EXPIRED = "expired", _("Expiré")
        PERMISSION = "permission", _("Permission manquante")
        DEPRECATED = "deprecated", _("Version d'API obsolète")
        ERROR = "error", _("Erreur")

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="network_accounts"
    )
    network = models.CharField(
        _("réseau"), max_length=20, choices=[(n.value, NETWORK_LABELS[n]) for n in Network]
    )
    handle = models.CharField(_("identifiant"), max_length=200)
    display_name = models.CharField(_("nom affiché"), max_length=200, blank=True)
    remote_id = models.CharField(max_length=200, blank=True)
    # Fernet ciphertext of a JSON object (access and refresh tokens...): never stored in clear.
    credentials_encrypted = models.BinaryField(default=b"", editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True)
    health = models.CharField(max_length=20, choices=Health.choices, default=Health.UNKNOWN)
    health_message = models.TextField(blank=True)
    health_checked_at = models.DateTimeField(null=True, blank=True)
    # Served by the sandbox network simulator: always shown as simulated.
    simulated = models.BooleanField(_("simulé"), default=False)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["organisation__name", "network", "handle"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "network", "handle"], name="one_account_per_handle"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} {self.handle}"


class AuditLogQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("The audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only")


class AuditEntry(models.Model):
    """Who did what, when, on which object, with the values before and after. Append-only."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="audit_entries"
    )
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL)
    actor_label = models.CharField(max_length=200, blank=True)  # kept when the user is erased
    action = models.CharField(max_length=80, db_index=True)
    object_type = models.CharField(max_length=80, blank=True)
    object_id = models.CharField(max_length=80, blank=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organisation", "-created_at"])]

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise PermissionError("The audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("The audit log is append-only")
