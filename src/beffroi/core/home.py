"""The organisation's home page: what needs the team today, one card per installed module.

Each module registers its card from its AppConfig.ready(), like the navigation; a card is shown
only to the roles that may open the pages it links to, and says so when there is nothing to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.functional import Promise

from beffroi.core.models import Organisation
from beffroi.core.permissions import Perm, role_allows

COUNT_CAP = 999  # "999+" is enough to say "a lot", and keeps the count cheap on a million items


@dataclass(frozen=True)
class HomeLine:
    """One thing to look at: a count, what it counts, and the page where it is handled."""

    count: int
    label: str | Promise
    url: str
    tone: str = ""  # "", "warn" or "bad": the badge colour

    @property
    def shown_count(self) -> str:
        return f"{COUNT_CAP}+" if self.count > COUNT_CAP else str(self.count)


@dataclass(frozen=True)
class HomeCard:
    title: str | Promise
    perm: Perm
    lines: Callable[[Organisation], list[HomeLine]]
    order: int = 50


HOME_CARDS: list[HomeCard] = []


def home_register(*cards: HomeCard) -> None:
    for card in cards:
        if card not in HOME_CARDS:
            HOME_CARDS.append(card)
    HOME_CARDS.sort(key=lambda card: card.order)


def capped_count(queryset: QuerySet[Any]) -> int:
    """COUNT over at most COUNT_CAP + 1 rows: a home page must not scan a million inbox items."""
    return queryset[: COUNT_CAP + 1].count()


def org_url(name: str, organisation: Organisation, query: str = "") -> str:
    url = reverse(name, kwargs={"org": organisation.slug})
    return f"{url}?{query}" if query else url


def home_cards(*, organisation: Organisation, role: str | None) -> list[dict[str, Any]]:
    """The cards this role may see, each with only the lines that count something."""
    cards = []
    for card in HOME_CARDS:
        if not role_allows(role, card.perm):
            continue
        lines = [line for line in card.lines(organisation) if line.count]
        cards.append({"title": card.title, "lines": lines})
    return cards
