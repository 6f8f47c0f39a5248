"""Demonstration data: a fictional intercommunalité, one of its communes, a neighbour, and a team in every role.

Each installed Beffroi app may add its own data with a `demo.py` module that defines
`demo_load(context: DemoContext) -> None`; they run after the core data, in INSTALLED_APPS order.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import transaction

from beffroi.core import services
from beffroi.core.domain import REAL_NETWORKS
from beffroi.core.models import Membership, NetworkAccount, Organisation, Role, User
from beffroi.networks.sandbox.adapter import AUDIENCE_SHARE

logger = logging.getLogger(__name__)

DEMO_PASSWORD = "beffroi-demo"


@dataclass
class DemoContext:
    """What the core demo created, for the other apps' demo loaders."""

    epci: Organisation
    commune: Organisation
    neighbour: Organisation
    users: dict[str, User]  # by role name, plus "epci_admin" and "neighbour_admin"
    accounts: dict[str, NetworkAccount]  # the commune's accounts, by network
    epci_accounts: dict[str, NetworkAccount] = field(default_factory=dict)


DEMO_USERS: list[tuple[str, str, str, str]] = [
    # e-mail, first name, last name, role in the commune
    ("admin@saint-aubin.example", "Camille", "Durand", Role.ADMIN),
    ("cm@saint-aubin.example", "Léa", "Martin", Role.COMMUNITY_MANAGER),
    ("validateur@saint-aubin.example", "Jean", "Lefèvre", Role.VALIDATOR),
    ("analyste@saint-aubin.example", "Nora", "Benali", Role.ANALYST),
]

HANDLES = {
    "facebook": "VilleDeSaintAubinSurBrume",
    "instagram": "saintaubinsurbrume",
    "x": "SaintAubinBrume",
    "youtube": "@SaintAubinSurBrume",
    "linkedin": "ville-de-saint-aubin-sur-brume",
    "mastodon": "@saintaubin@social.example",
    "bluesky": "saint-aubin.bsky.social",
}


def _organisation(
    name: str, kind: str, code: str, population: int, parent: Organisation | None
) -> Organisation:
    existing = Organisation.objects.filter(name=name).first()
    if existing:
        return existing
    return services.organisation_create(
        name=name,
        kind=kind,
        code=code,
        population=population,
        parent_slug=parent.slug if parent else None,
        actor=None,
    )


def _user(email: str, first: str, last: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = services.user_create(
            email=email, password=DEMO_PASSWORD, first_name=first, last_name=last
        )
    return user


def _member(organisation: Organisation, user: User, role: str) -> None:
    if not Membership.objects.filter(organisation=organisation, user=user).exists():
        services.membership_add(organisation=organisation, user=user, role=role, actor=None)


def _accounts(organisation: Organisation, handles: dict[str, str]) -> dict[str, NetworkAccount]:
    accounts: dict[str, NetworkAccount] = {}
    for network in REAL_NETWORKS:
        handle = handles[network.value]
        account = NetworkAccount.objects.filter(
            organisation=organisation, network=network.value, handle=handle
        ).first()
        if account is None:
            account = services.network_account_create(
                organisation=organisation,
                network=network.value,
                handle=handle,
                display_name=organisation.name,
                simulated=True,
                # One Facebook subscriber for ten inhabitants; other networks by their usual share.
                credentials={
                    "sandbox_seed": f"{organisation.slug}-{network.value}",
                    "handle": handle.lstrip("@").split("@")[0],
                    "followers": str(
                        max(100, round(organisation.population / 10 * AUDIENCE_SHARE[network]))
                    ),
                    "place": organisation.name,
                },
                actor=None,
            )
        accounts[network.value] = account
    return accounts


def _app_loaders() -> list[tuple[str, Callable[[DemoContext], None]]]:
    loaders = []
    for config in apps.get_app_configs():
        if not config.name.startswith("beffroi.") or config.name == "beffroi.core":
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        loader = getattr(module, "demo_load", None)
        if loader is not None:
            loaders.append((config.name, loader))
    return loaders


def demo_load() -> list[tuple[str, str, str]]:
    """Create (or complete) the demonstration data; returns (login, password, role) to print."""
    with transaction.atomic():
        epci = _organisation(
            "Communauté de communes du Val de Brume", "epci", "200099999", 38_500, None
        )
        commune = _organisation("Saint-Aubin-sur-Brume", "commune", "99123", 12_400, epci)
        neighbour = _organisation("Montclair-le-Lac", "commune", "99124", 4_100, epci)
        users: dict[str, User] = {}
        for email, first, last, role in DEMO_USERS:
            users[role] = _user(email, first, last)
            _member(commune, users[role], role)
        users["epci_admin"] = _user("com@valdebrume.example", "Sophie", "Garnier")
        _member(epci, users["epci_admin"], Role.ADMIN)
        users["neighbour_admin"] = _user("admin@montclair.example", "Paul", "Roux")
        _member(neighbour, users["neighbour_admin"], Role.ADMIN)
        accounts = _accounts(commune, HANDLES)
        epci_accounts = _accounts(
            epci,
            {
                k: v.replace("SaintAubinSurBrume", "ValDeBrume")
                .replace("saint-aubin", "valdebrume")
                .replace("saintaubin", "valdebrume")
                .replace("SaintAubinBrume", "ValDeBrume")
                .replace("ville-de-saint-aubin-sur-brume", "cc-val-de-brume")
                for k, v in HANDLES.items()
            },
        )
    context = DemoContext(
        epci=epci,
        commune=commune,
        neighbour=neighbour,
        users=users,
        accounts=accounts,
        epci_accounts=epci_accounts,
    )
    for name, loader in _app_loaders():
        logger.info("demo data: %s", name)
        loader(context)
    logins = [
        (email, DEMO_PASSWORD, f"{Role(role).label} · {commune.name}")
        for email, _, _, role in DEMO_USERS
    ]
    logins.append(
        (
            "com@valdebrume.example",
            DEMO_PASSWORD,
            f"Administrateur · {epci.name} (voit ses communes)",
        )
    )
    logins.append(
        (
            "admin@montclair.example",
            DEMO_PASSWORD,
            f"Administrateur · {neighbour.name} (ne voit pas Saint-Aubin)",
        )
    )
    return logins
