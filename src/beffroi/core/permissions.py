"""What each role may do. Checked in services and selectors, never only in templates."""

from __future__ import annotations

from enum import StrEnum

from beffroi.core.models import Role


class Perm(StrEnum):
    VIEW_ORG = "view_org"
    MANAGE_MEMBERS = "manage_members"
    MANAGE_ACCOUNTS = "manage_accounts"
    VIEW_AUDIT = "view_audit"
    MANAGE_STRATEGY = "manage_strategy"
    WRITE_DRAFTS = "write_drafts"
    APPROVE_DRAFTS = "approve_drafts"
    PUBLISH = "publish"
    HANDLE_INBOX = "handle_inbox"
    MODERATE = "moderate"
    MANAGE_ALERTS = "manage_alerts"
    MANAGE_CONSULTATIONS = "manage_consultations"
    VIEW_STATS = "view_stats"
    MANAGE_OBJECTIVES = "manage_objectives"
    MANAGE_COMPLIANCE = "manage_compliance"
    EXPORT_DATA = "export_data"


ROLE_PERMISSIONS: dict[str, frozenset[Perm]] = {
    Role.ADMIN: frozenset(Perm),
    Role.COMMUNITY_MANAGER: frozenset(
        {
            Perm.VIEW_ORG,
            Perm.MANAGE_STRATEGY,
            Perm.WRITE_DRAFTS,
            Perm.PUBLISH,
            Perm.HANDLE_INBOX,
            Perm.MODERATE,
            Perm.MANAGE_ALERTS,
            Perm.MANAGE_CONSULTATIONS,
            Perm.VIEW_STATS,
        }
    ),
    Role.VALIDATOR: frozenset(
        {Perm.VIEW_ORG, Perm.APPROVE_DRAFTS, Perm.VIEW_STATS, Perm.MANAGE_OBJECTIVES}
    ),
    Role.ANALYST: frozenset({Perm.VIEW_ORG, Perm.VIEW_STATS, Perm.EXPORT_DATA}),
    # A guest reviewer approves one draft through a signed link, with no page of the organisation.
    Role.GUEST_REVIEWER: frozenset(),
}


def role_allows(role: str | None, perm: Perm) -> bool:
    return role is not None and perm in ROLE_PERMISSIONS.get(role, frozenset())
