"""API token scopes, and the role permission each one needs as well."""

from beffroi.core.permissions import Perm

SCOPES: dict[str, Perm] = {
    "organisations:read": Perm.VIEW_ORG,
    "accounts:read": Perm.VIEW_ORG,
    "audit:read": Perm.VIEW_AUDIT,
    "drafts:read": Perm.VIEW_ORG,
    "drafts:write": Perm.WRITE_DRAFTS,
    "inbox:read": Perm.HANDLE_INBOX,
    "inbox:write": Perm.HANDLE_INBOX,
    "alerts:read": Perm.VIEW_ORG,
    "stats:read": Perm.VIEW_STATS,
    "consultations:read": Perm.VIEW_ORG,
}

WEBHOOK_EVENTS = ("post.published", "alert.raised", "item.assigned", "draft.approved")
