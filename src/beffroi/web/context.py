from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from beffroi.core.models import Role
from beffroi.core.navigation import NAV_ITEMS, SECTION_LABELS
from beffroi.core.permissions import role_allows


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The current organisation (from the URL), the user's role and the modules they may open, by section."""
    organisation = getattr(request, "organisation", None)
    role = getattr(request, "organisation_role", None)
    sections: list[dict[str, Any]] = []
    if organisation is not None:
        for item in NAV_ITEMS:
            if not role_allows(role, item.perm):
                continue
            try:
                url = reverse(item.url_name, kwargs={"org": organisation.slug})
            except NoReverseMatch:
                continue
            if not sections or sections[-1]["key"] != item.section:
                sections.append(
                    {"key": item.section, "label": SECTION_LABELS[item.section], "items": []}
                )
            sections[-1]["items"].append(
                {
                    "label": item.label,
                    "url": url,
                    "active": request.path.startswith(url)
                    and url.count("/") > 3
                    or request.path == url,
                }
            )
    return {
        "current_organisation": organisation,
        "current_role": role,
        "current_role_label": Role(role).label if role in Role.values else "",
        "nav_sections": sections,
    }
