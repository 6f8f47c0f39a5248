"""Operator views of the compliance records (read-only: every change goes through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from beffroi.compliance.models import DraftReview, ErasureRequest, PublicationLog, PurgeRun


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "kind", "requester", "received_at", "status", "completed_at")
    list_filter = ("kind", "status")


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "ran_at", "total")


@admin.register(DraftReview)
class DraftReviewAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "draft_ref", "checked_at", "refused", "accessibility_blocked")


@admin.register(PublicationLog)
class PublicationLogAdmin(ReadOnlyAdmin):
    list_display = ("organisation", "network", "account", "published_at", "sponsored")
    list_filter = ("network",)
