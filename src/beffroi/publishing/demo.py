"""Demonstration data of publishing: editorial lines, a circuit, contacts, and a month of calendar
across the networks with drafts in every state, the published ones on the simulated network."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from beffroi.core.domain import Network, Topic
from beffroi.core.models import NetworkAccount, Organisation, Role, User
from beffroi.networks.errors import ContentRejected
from beffroi.networks.types import Media
from beffroi.publishing import services
from beffroi.publishing.agenda import PARIS
from beffroi.publishing.models import CircuitStep, Draft, EditorialLine
from beffroi.publishing.services import StepSpec

LINES: dict[str, dict[str, Any]] = {
    "facebook": {
        "audience": "Familles et seniors de la commune",
        "objectives": "Informer sur les services et la vie locale ; lien social",
        "tone": "chaleureux",
        "themes": [
            "culture_patrimoine",
            "education_jeunesse",
            "voirie_travaux",
            "vie_democratique_services",
        ],
        "formats": ["photo", "lien", "événement"],
        "posts_per_week": 4,
        "max_per_day": 2,
    },
    "instagram": {
        "audience": "25-45 ans, familles, visiteurs",
        "objectives": "Attractivité et image de la commune",
        "tone": "decontracte",
        "themes": ["culture_patrimoine", "environnement_nature", "sport_loisirs"],
        "formats": ["photo", "carrousel", "reel"],
        "posts_per_week": 3,
        "max_per_day": 1,
    },
    "x": {
        "audience": "Journalistes, élus, partenaires",
        "objectives": "Information rapide, alertes",
        "tone": "officiel",
        "themes": ["vie_democratique_services", "securite_tranquillite", "mobilite"],
        "formats": ["texte", "fil", "lien"],
        "posts_per_week": 5,
        "max_per_day": 3,
    },
    "linkedin": {
        "audience": "Entreprises, candidats, partenaires institutionnels",
        "objectives": "Attractivité économique, recrutement",
        "tone": "institutionnel",
        "themes": ["economie_emploi_tourisme", "urbanisme_logement"],
        "formats": ["texte", "photo", "document"],
        "posts_per_week": 2,
        "max_per_day": 1,
    },
    "youtube": {
        "audience": "Habitants qui suivent les conseils municipaux",
        "objectives": "Transparence de la vie démocratique",
        "tone": "pedagogique",
        "themes": ["vie_democratique_services"],
        "formats": ["vidéo"],
        "posts_per_week": 0.5,
        "max_per_day": 1,
    },
    "mastodon": {
        "audience": "Habitants attachés aux réseaux ouverts",
        "objectives": "Information de service public",
        "tone": "institutionnel",
        "themes": ["environnement_nature", "mobilite", "vie_democratique_services"],
        "formats": ["texte", "lien"],
        "posts_per_week": 3,
        "max_per_day": 2,
    },
    "bluesky": {
        "audience": "Journalistes et public connecté",
        "objectives": "Information et image",
        "tone": "institutionnel",
        "themes": ["culture_patrimoine", "mobilite"],
        "formats": ["texte", "photo"],
        "posts_per_week": 3,
        "max_per_day": 2,
    },
}

PHOTO = Media(
    "https://www.saint-aubin.example/media/marche-couvert.jpg",
    "image/jpeg",
    "Les étals du marché couvert un samedi matin, sous la charpente en bois.",
    1080,
    1350,
    640_000,
)

# (key, day offset from today, hour, title, text, topic, networks, final state)
POSTS: list[tuple[str, int, int, str, str, Topic, tuple[str, ...], str]] = [
    (
        "marche",
        -14,
        9,
        "Marché du samedi",
        "Le marché couvert vous attend ce samedi de 8 h à 13 h : 35 producteurs locaux, et la nouvelle halle aux fromages. Bon marché à toutes et à tous !",
        Topic.ECONOMIE_EMPLOI_TOURISME,
        ("facebook", "instagram", "mastodon"),
        "published",
    ),
    (
        "travaux-gare",
        -12,
        8,
        "Travaux avenue de la Gare",
        "Travaux avenue de la Gare du 3 au 14 : circulation alternée par feux de 8 h à 17 h. La ligne de bus 2 est déviée par la rue Pasteur. Merci de votre patience.",
        Topic.VOIRIE_TRAVAUX,
        ("facebook", "x", "mastodon", "bluesky"),
        "published",
    ),
    (
        "conseil",
        -10,
        18,
        "Conseil municipal de mars",
        "Le conseil municipal se réunit jeudi à 19 h en mairie : budget 2026, tarifs de la cantine et rénovation de l'école Jules-Ferry. La séance est publique et retransmise en direct.",
        Topic.VIE_DEMOCRATIQUE_SERVICES,
        ("facebook", "x", "mastodon"),
        "published",
    ),
    (
        "recrutement",
        -8,
        10,
        "Recrutement animateurs",
        "La ville recrute 6 animateurs périscolaires (H/F) pour la rentrée : BAFA apprécié, temps partiel possible. Candidatures jusqu'au 30 avril.",
        Topic.ECONOMIE_EMPLOI_TOURISME,
        ("linkedin", "facebook"),
        "published",
    ),
    (
        "collecte",
        -6,
        7,
        "Collecte des encombrants",
        "Collecte des encombrants lundi dans les quartiers nord : sortez vos objets la veille au soir, pas avant 19 h. Liste des rues sur le site.",
        Topic.PROPRETE_DECHETS,
        ("facebook", "x"),
        "failed",
    ),
    (
        "biblio",
        -4,
        14,
        "Heure du conte",
        "Mercredi à 15 h, heure du conte à la médiathèque pour les 4-8 ans : histoires de printemps et atelier dessin. Gratuit, sur inscription.",
        Topic.CULTURE_PATRIMOINE,
        ("facebook", "instagram", "bluesky"),
        "published",
    ),
    (
        "piscine",
        -1,
        11,
        "Piscine : horaires des vacances",
        "Pendant les vacances, la piscine municipale ouvre tous les jours de 10 h à 19 h, et jusqu'à 21 h le jeudi. Bonne baignade !",
        Topic.SPORT_LOISIRS,
        ("facebook", "instagram", "x"),
        "cancelled",
    ),
    (
        "alerte",
        0,
        9,
        "Vigilance crues",
        "Vigilance jaune crues sur la Brume jusqu'à demain midi : évitez les berges et le chemin de halage. Suivez les consignes de la préfecture.",
        Topic.SECURITE_TRANQUILLITE,
        ("x", "facebook", "mastodon"),
        "publishing",
    ),
    (
        "nettoyage",
        2,
        10,
        "Nettoyage citoyen des berges",
        "Samedi, grand nettoyage citoyen des berges de la Brume : rendez-vous à 9 h au pont Neuf, gants et sacs fournis. Venez en famille !",
        Topic.ENVIRONNEMENT_NATURE,
        ("facebook", "instagram", "mastodon", "bluesky"),
        "scheduled",
    ),
    (
        "velo",
        4,
        8,
        "Nouvelle piste cyclable",
        "La piste cyclable entre la gare et le collège ouvre lundi : 2,4 km séparés de la circulation, éclairés, avec 40 arceaux au collège.",
        Topic.MOBILITE,
        ("x", "mastodon", "bluesky", "facebook"),
        "scheduled",
    ),
    (
        "fete",
        6,
        18,
        "Fête de quartier",
        "Fête du quartier des Tilleuls samedi dès 16 h : jeux, concert de l'école de musique et repas partagé. Apportez un plat à partager !",
        Topic.CULTURE_PATRIMOINE,
        ("facebook", "instagram"),
        "approved",
    ),
    (
        "budget",
        8,
        12,
        "Budget participatif",
        "Budget participatif 2026 : 80 000 € pour vos projets. Déposez vos idées jusqu'au 15 mai, le vote aura lieu en juin.",
        Topic.VIE_DEMOCRATIQUE_SERVICES,
        ("facebook", "x", "linkedin", "mastodon"),
        "in_review",
    ),
    (
        "ecole",
        10,
        17,
        "Inscriptions scolaires",
        "Inscriptions scolaires pour la rentrée : rendez-vous au guichet unique ou en ligne avant le 30 avril. Pièces à fournir sur le site de la ville.",
        Topic.EDUCATION_JEUNESSE,
        ("facebook", "x"),
        "changes_requested",
    ),
    (
        "plu",
        12,
        10,
        "Réunion publique PLU",
        "Réunion publique sur la révision du plan local d'urbanisme le 22 à 18 h 30, salle des fêtes. Venez poser vos questions aux élus.",
        Topic.URBANISME_LOGEMENT,
        ("facebook", "linkedin", "mastodon"),
        "draft",
    ),
    (
        "seniors",
        14,
        15,
        "Thé dansant des aînés",
        "Thé dansant des aînés dimanche à 14 h 30 à la salle des fêtes, offert par le CCAS. Transport possible sur demande en mairie.",
        Topic.SOLIDARITES_SANTE,
        ("facebook",),
        "draft",
    ),
]


def _at(offset_days: int, hour: int) -> datetime:
    day = timezone.now().astimezone(PARIS).date() + timedelta(days=offset_days)
    return datetime.combine(day, time(hour, 0), tzinfo=PARIS).astimezone(UTC)


def _fixed(moment: datetime) -> Callable[[], datetime]:
    return lambda: moment


def _adapter_at(when: datetime, faults: list[Any] | None = None) -> services.AdapterProvider:
    from beffroi.core.services import network_account_credentials
    from beffroi.networks.sandbox import sandbox_adapter_for

    def provide(account: NetworkAccount) -> Any:
        credentials = {k: str(v) for k, v in network_account_credentials(account=account).items()}
        adapter = sandbox_adapter_for(account.network, credentials, clock=_fixed(when))
        for fault in faults or []:
            adapter.faults.fail_next("publish", fault)
        return adapter

    return provide


def publishing_demo_load(
    org: Organisation, accounts: Mapping[str, NetworkAccount], users: Mapping[str, User]
) -> int:
    """Editorial lines, circuit, contacts and a month of drafts for `org`; idempotent. Returns drafts created."""
    cm, validator, admin = users[Role.COMMUNITY_MANAGER], users[Role.VALIDATOR], users[Role.ADMIN]
    with transaction.atomic():
        for network, fields in LINES.items():
            if (
                network in accounts
                and not EditorialLine.objects.filter(account=accounts[network]).exists()
            ):
                services.editorial_line_save(account=accounts[network], actor=admin, **fields)
        if not CircuitStep.objects.filter(organisation=org).exists():
            services.circuit_set(
                organisation=org,
                steps=[
                    StepSpec("Community manager", reviewer=cm),
                    StepSpec("Direction de la communication", reviewer=validator),
                    StepSpec(
                        "Cabinet du maire",
                        guest_email="cabinet@saint-aubin.example",
                        guest_name="Cabinet du maire",
                    ),
                ],
                actor=admin,
            )
        services.contact_save(
            organisation=org,
            name="Val de Brume",
            handles={
                "x": "ValDeBrume",
                "mastodon": "valdebrume@social.example",
                "bluesky": "valdebrume.bsky.social",
                "instagram": "valdebrume",
            },
            actor=cm,
        )
    created = 0
    for key, offset, hour, title, text, topic, networks, final in POSTS:
        source_id = f"demo:{key}"
        if Draft.objects.filter(organisation=org, source_id=source_id).exists():
            continue
        when = _at(offset, hour)
        chosen = [accounts[n] for n in networks if n in accounts]
        media = (PHOTO,) if "instagram" in networks else ()
        draft = services.draft_create(
            organisation=org,
            actor=cm,
            title=title,
            text=text,
            accounts=chosen,
            topic=topic,
            media=media,
            hashtags=("Saint-Aubin",),
            scheduled_at=when,
            source_id=source_id,
        )
        created += 1
        if final == "draft":
            continue
        services.draft_submit(draft=draft, actor=cm)
        if final == "in_review":
            continue
        services.draft_approve(draft=draft, actor=cm, comment="Relu.")
        if final == "changes_requested":
            services.draft_request_changes(
                draft=draft, actor=validator, comment="Précisez les horaires du guichet unique."
            )
            continue
        services.draft_approve(draft=draft, actor=validator)
        step = draft.steps.get(position=3)
        services.guest_decide(
            token=services.guest_token(step), approve=True, name="Cabinet du maire"
        )
        if final == "approved":
            continue
        if final == "cancelled":
            services.draft_cancel(draft=draft, actor=cm, reason="Horaires finalement inchangés.")
            continue
        services.draft_schedule(
            draft=draft,
            actor=cm,
            scheduled_at=when,
            now=min(when, timezone.now()) - timedelta(minutes=1),
        )
        if final == "scheduled":
            continue
        if final == "publishing":
            services.intent_claim(now=max(when, timezone.now()), worker="démonstration")
            continue
        faults = (
            [
                ContentRejected(
                    Network.SANDBOX,
                    "Le réseau a refusé la publication : lien signalé comme indésirable (simulé).",
                    reason="spam",
                )
            ]
            if final == "failed"
            else []
        )
        services.publish_due(
            now_fn=_fixed(when), adapter_for=_adapter_at(when, faults), limit=len(chosen)
        )
    return created


def demo_load(context: Any) -> None:
    """Hook called by `beffroi demo` after the core data."""
    publishing_demo_load(context.commune, context.accounts, context.users)
