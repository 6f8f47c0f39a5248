"""The modules shown in the navigation: only those installed, only to roles that may use them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from beffroi.core.permissions import Perm


class NavSection(StrEnum):
    """The groups of the navigation, in the order of the communication officer's work."""

    HOME = "home"
    PUBLISH = "publish"
    LISTEN = "listen"
    PARTICIPATE = "participate"
    MEASURE = "measure"
    ADMINISTER = "administer"


SECTION_LABELS: dict[NavSection, str | Promise] = {
    NavSection.HOME: "",
    NavSection.PUBLISH: _("Publier"),
    NavSection.LISTEN: _("Écouter"),
    NavSection.PARTICIPATE: _("Participer"),
    NavSection.MEASURE: _("Mesurer"),
    NavSection.ADMINISTER: _("Administrer"),
}


@dataclass(frozen=True)
class NavItem:
    label: str | Promise  # gettext_lazy: translated when the page is rendered, not at start-up
    url_name: str  # reversed with the organisation slug as `org`
    perm: Perm
    order: int = 50
    section: NavSection = NavSection.HOME


# Each app appends its entries from its AppConfig.ready().
NAV_ITEMS: list[NavItem] = []


def nav_register(*items: NavItem) -> None:
    for item in items:
        if item not in NAV_ITEMS:
            NAV_ITEMS.append(item)
    NAV_ITEMS.sort(key=lambda item: (list(NavSection).index(item.section), item.order))
