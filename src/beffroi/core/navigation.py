"""The modules shown in the navigation: only those installed, only to roles that may use them."""

from __future__ import annotations

from dataclasses import dataclass

from beffroi.core.permissions import Perm


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str  # reversed with the organisation slug as `org`
    perm: Perm
    order: int = 50


# Each app appends its entries from its AppConfig.ready().
NAV_ITEMS: list[NavItem] = []


def nav_register(*items: NavItem) -> None:
    for item in items:
        if item not in NAV_ITEMS:
            NAV_ITEMS.append(item)
    NAV_ITEMS.sort(key=lambda item: item.order)
