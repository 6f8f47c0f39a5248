"""RGPD: retention per data kind, finding a person by handle across networks, privacy notices and
the processing register entry (article 30), generated from the organisation's configuration.

The collectivité is joint controller with the platform for the data of its page (CJEU, C-210/16
Wirtschaftsakademie, 5 June 2018; C-40/17 Fashion ID, 29 July 2019). What it copies into Beffroi
(inbox messages, listening mentions, authors) it controls alone and must keep only as long as needed
(RGPD art. 5.1.e) and erase on request (art. 17).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from urllib.parse import urlparse

from beffroi.core.domain import NETWORK_LABELS, Network


class DataKind(StrEnum):
    INBOX_MESSAGES = "inbox_messages"
    LISTENING_MENTIONS = "listening_mentions"
    AUTHORS = "authors"
    MODERATION_ACTIONS = "moderation_actions"
    CONSULTATION_CONTRIBUTIONS = "consultation_contributions"
    ANALYTICS_EVENTS = "analytics_events"
    AUDIT_LOG = "audit_log"


DATA_KIND_LABELS: dict[DataKind, str] = {
    DataKind.INBOX_MESSAGES: "Messages reçus (commentaires, réponses, messages privés)",
    DataKind.LISTENING_MENTIONS: "Mentions et résultats de veille",
    DataKind.AUTHORS: "Auteurs (pseudonyme, nom affiché, lien du profil)",
    DataKind.MODERATION_ACTIONS: "Actions de modération",
    DataKind.CONSULTATION_CONTRIBUTIONS: "Contributions aux consultations",
    DataKind.ANALYTICS_EVENTS: "Événements statistiques pseudonymisés",
    DataKind.AUDIT_LOG: "Journal d'audit (traces des actions des agents)",
}

# Default retention in days, with the reason the interface shows. The organisation can shorten or
# lengthen each; the register entry says what it chose.
DEFAULT_RETENTION_DAYS: dict[DataKind, int] = {
    DataKind.INBOX_MESSAGES: 365,
    DataKind.LISTENING_MENTIONS: 90,
    DataKind.AUTHORS: 365,
    DataKind.MODERATION_ACTIONS: 365,
    DataKind.CONSULTATION_CONTRIBUTIONS: 365,
    DataKind.ANALYTICS_EVENTS: 760,
    DataKind.AUDIT_LOG: 365,
}

RETENTION_REASONS: dict[DataKind, str] = {
    DataKind.INBOX_MESSAGES: "le temps de répondre et de traiter une éventuelle réclamation",
    DataKind.LISTENING_MENTIONS: "la veille d'actualité n'a besoin que de données récentes",
    DataKind.AUTHORS: "supprimés avec le dernier message conservé de la personne",
    DataKind.MODERATION_ACTIONS: "pouvoir justifier une décision de modération contestée",
    DataKind.CONSULTATION_CONTRIBUTIONS: "la durée de la consultation et de sa synthèse",
    DataKind.ANALYTICS_EVENTS: "25 mois, comme les mesures d'audience (recommandation CNIL)",
    DataKind.AUDIT_LOG: "6 mois à 1 an pour la journalisation (recommandation CNIL de 2021)",
}


@dataclass(frozen=True, slots=True)
class RetentionPolicy:
    days: Mapping[DataKind, int] = field(default_factory=lambda: dict(DEFAULT_RETENTION_DAYS))

    def days_for(self, kind: DataKind) -> int:
        return int(self.days.get(kind, DEFAULT_RETENTION_DAYS[kind]))

    def cutoff(self, kind: DataKind, now: datetime) -> datetime:
        """Records of that kind created before this moment are due for purge."""
        return now - timedelta(days=self.days_for(kind))

    def is_expired(self, kind: DataKind, created_at: datetime, now: datetime) -> bool:
        return created_at < self.cutoff(kind, now)

    def to_dict(self) -> dict[str, int]:
        return {k.value: self.days_for(k) for k in DataKind}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> RetentionPolicy:
        days = dict(DEFAULT_RETENTION_DAYS)
        for key, value in raw.items():
            days[DataKind(key)] = int(value)
            if days[DataKind(key)] < 1:
                raise ValueError(f"durée de conservation invalide pour {key} : {value}")
        return cls(days=days)


# --- handles -----------------------------------------------------------------------------------

_PROFILE_HOSTS: dict[str, Network] = {
    "x.com": Network.X,
    "twitter.com": Network.X,
    "mobile.twitter.com": Network.X,
    "bsky.app": Network.BLUESKY,
    "instagram.com": Network.INSTAGRAM,
    "facebook.com": Network.FACEBOOK,
    "m.facebook.com": Network.FACEBOOK,
    "fb.com": Network.FACEBOOK,
    "youtube.com": Network.YOUTUBE,
    "m.youtube.com": Network.YOUTUBE,
    "linkedin.com": Network.LINKEDIN,
}

_YOUTUBE_CHANNEL_ID = re.compile(r"^UC[\w-]{22}$")


def normalise_handle(network: Network, handle: str, *, default_instance: str | None = None) -> str:
    """The canonical form of a handle on a network, for comparison.

    Mastodon: user@instance, both case-insensitive (a local handle needs `default_instance`).
    Bluesky: a domain name, case-insensitive; a DID (did:plc:...) is kept as written.
    X, Instagram, Facebook, YouTube, LinkedIn: case-insensitive names without "@"; numeric ids and
    YouTube channel ids (UC...) are kept as written.
    """
    raw = handle.strip()
    if raw.startswith(("http://", "https://")):
        return _handle_from_url(network, raw)
    if network is Network.MASTODON:
        bare = raw.lstrip("@")
        user, _, instance = bare.partition("@")
        instance = instance or (default_instance or "")
        return f"{user.lower()}@{instance.lower()}" if instance else user.lower()
    if network is Network.BLUESKY:
        bare = raw.lstrip("@")
        return bare if bare.startswith("did:") else bare.lower().rstrip(".")
    bare = raw.lstrip("@")
    if network is Network.YOUTUBE and _YOUTUBE_CHANNEL_ID.match(bare):
        return bare
    if network is Network.LINKEDIN:
        bare = bare.removeprefix("in/").removeprefix("company/")
    return bare if bare.isdigit() else bare.lower()


def _handle_from_url(network: Network, url: str) -> str:
    parsed = urlparse(url)
    host = (parsed.hostname or "").lower().removeprefix("www.")
    parts = [p for p in parsed.path.split("/") if p]
    if network is Network.MASTODON and parts and parts[0].startswith("@"):
        user = parts[0][1:]
        return normalise_handle(network, user if "@" in user else f"{user}@{host}")
    if network is Network.BLUESKY and len(parts) >= 2 and parts[0] == "profile":
        return normalise_handle(network, parts[1])
    if network is Network.YOUTUBE and parts:
        if parts[0] == "channel" and len(parts) > 1:
            return parts[1]
        return normalise_handle(network, parts[0])
    if network is Network.LINKEDIN and len(parts) >= 2:
        return normalise_handle(network, parts[1])
    if parts:
        return normalise_handle(network, parts[0])
    raise ValueError(f"adresse de profil sans identifiant : {url}")


def guess_networks(handle: str) -> tuple[Network, ...]:
    """Networks where a handle, as a person wrote it, may live."""
    raw = handle.strip()
    if raw.startswith(("http://", "https://")):
        host = (urlparse(raw).hostname or "").lower().removeprefix("www.")
        if host in _PROFILE_HOSTS:
            return (_PROFILE_HOSTS[host],)
        return (Network.MASTODON,) if "/@" in raw else ()
    bare = raw.lstrip("@")
    if bare.startswith("did:"):
        return (Network.BLUESKY,)
    if "@" in bare:
        return (Network.MASTODON,)
    if "." in bare:
        # A domain is a Bluesky handle; Instagram names may contain dots too.
        return (Network.BLUESKY, Network.INSTAGRAM)
    return (
        Network.X,
        Network.INSTAGRAM,
        Network.FACEBOOK,
        Network.YOUTUBE,
        Network.LINKEDIN,
        Network.MASTODON,
    )


@dataclass(frozen=True, slots=True)
class PersonRecord:
    """A stored record that carries a person's identity on a network."""

    network: Network
    handle: str
    record_kind: DataKind
    record_id: str
    remote_id: str = ""
    instance: str | None = None  # Mastodon instance of the account that received the record


@dataclass(frozen=True, slots=True)
class PersonQuery:
    """What the person gave: handles, on known networks or not, and profile ids if any."""

    handles: tuple[tuple[Network | None, str], ...]
    remote_ids: tuple[tuple[Network, str], ...] = ()

    def keys(self) -> set[tuple[Network, str]]:
        out: set[tuple[Network, str]] = set()
        for network, handle in self.handles:
            for candidate in (network,) if network else guess_networks(handle):
                try:
                    out.add((candidate, normalise_handle(candidate, handle)))
                except ValueError:
                    continue
        return out


def find_person(query: PersonQuery, records: Iterable[PersonRecord]) -> list[PersonRecord]:
    """Every record that belongs to the person, across networks."""
    keys = query.keys()
    ids = {(n, r) for n, r in query.remote_ids}
    found = []
    for record in records:
        key = (
            record.network,
            normalise_handle(record.network, record.handle, default_instance=record.instance),
        )
        local = (
            (record.network, key[1].split("@")[0]) if record.network is Network.MASTODON else None
        )
        if key in keys or (record.remote_id and (record.network, record.remote_id) in ids):
            found.append(record)
        elif local and local in keys:
            # "@marie" without instance given: match Mastodon accounts named marie on any instance.
            found.append(record)
    return found


# --- privacy notice and register ----------------------------------------------------------------

PLATFORM_CONTROLLERS: dict[Network, str] = {
    Network.FACEBOOK: "Meta Platforms Ireland Limited (accord de responsabilité conjointe « Page Insights Controller Addendum »)",
    Network.INSTAGRAM: "Meta Platforms Ireland Limited (accord « Page Insights Controller Addendum »)",
    Network.X: "Twitter International Unlimited Company (X), Dublin",
    Network.YOUTUBE: "Google Ireland Limited (YouTube)",
    Network.LINKEDIN: "LinkedIn Ireland Unlimited Company (accord « Page Insights Joint Controller Addendum »)",
    Network.MASTODON: "l'administrateur de l'instance Mastodon qui héberge le compte, et celui de l'instance de chaque lecteur",
    Network.BLUESKY: "Bluesky Social PBC et l'hébergeur (PDS) de chaque compte ; les publications du protocole AT sont publiques",
    Network.SANDBOX: "aucun (réseau simulé de démonstration)",
}


def _config_value(config: Mapping[str, Any], *path: str, default: str = "") -> str:
    node: Any = config
    for key in path:
        if not isinstance(node, Mapping) or key not in node:
            return default
        node = node[key]
    return str(node)


def _required(config: Mapping[str, Any], *path: str) -> str:
    value = _config_value(config, *path)
    if not value:
        raise ValueError(f"configuration incomplète : {'.'.join(path)} est requis")
    return value


def privacy_notice(network: Network, config: Mapping[str, Any]) -> str:
    """The privacy notice to pin or link from the collectivité's account on one network (French)."""
    name = _required(config, "organisation", "name")
    contact = _required(config, "contact_email")
    dpo = _config_value(config, "dpo", "email", default=contact)
    policy = RetentionPolicy.from_dict(config.get("retention", {}))
    label = NETWORK_LABELS[network]
    return "\n".join(
        [
            f"Protection de vos données personnelles — compte {label} de {name}",
            "",
            f"{name} publie sur {label} pour informer les habitants et dialoguer avec eux. "
            f"Pour les données de cette page, {name} est responsable conjoint de traitement avec "
            f"{PLATFORM_CONTROLLERS[network]}. La plateforme reste seule responsable de ses propres "
            "traitements (compte, publicité, cookies) : consultez sa politique de confidentialité.",
            "",
            "Ce que nous conservons : vos commentaires, réponses et messages adressés à la collectivité, "
            "et votre pseudonyme, afin de vous répondre, de modérer les échanges et de suivre les "
            "demandes. Les statistiques de fréquentation ne gardent que des identifiants pseudonymisés.",
            f"Durées : messages {policy.days_for(DataKind.INBOX_MESSAGES)} jours, mentions "
            f"{policy.days_for(DataKind.LISTENING_MENTIONS)} jours, statistiques "
            f"{policy.days_for(DataKind.ANALYTICS_EVENTS)} jours ; ensuite elles sont supprimées "
            "automatiquement. Ce que la collectivité publie est une archive publique.",
            "",
            "Base légale : l'exécution d'une mission d'intérêt public (RGPD, article 6.1.e).",
            "Vos droits : accès, rectification, effacement, opposition et limitation (articles 15 à 21). "
            f"Écrivez à {contact} en indiquant votre pseudonyme sur chaque réseau ; délégué à la "
            f"protection des données : {dpo}. Vous pouvez saisir la CNIL (www.cnil.fr).",
        ]
    )


def register_entry(config: Mapping[str, Any]) -> dict[str, Any]:
    """The processing register entry (RGPD art. 30.1) for the social-media activity."""
    name = _required(config, "organisation", "name")
    policy = RetentionPolicy.from_dict(config.get("retention", {}))
    networks = [Network(n) for n in config.get("networks", [])]
    processors: Sequence[str] = config.get("processors", [])
    hosting = _config_value(
        config, "hosting", default="serveurs de la collectivité (hébergement sous son contrôle)"
    )
    return {
        "traitement": "Communication et relation avec les habitants sur les réseaux sociaux",
        "responsable": {
            "nom": name,
            "adresse": _config_value(config, "organisation", "address"),
            "representant": _config_value(config, "organisation", "representative"),
            "contact": _required(config, "contact_email"),
        },
        "responsables_conjoints": [
            f"{NETWORK_LABELS[n]} : {PLATFORM_CONTROLLERS[n]}" for n in networks
        ],
        "delegue_protection_donnees": _config_value(config, "dpo", "email"),
        "finalites": [
            "informer les habitants des actions et services de la collectivité",
            "répondre aux messages et commentaires, modérer les échanges",
            "veille des mentions publiques de la collectivité",
            "consultations citoyennes",
            "statistiques d'audience pseudonymisées",
        ],
        "base_legale": "mission d'intérêt public (article 6.1.e du RGPD)",
        "personnes_concernees": [
            "habitants et internautes qui interagissent avec les comptes de la collectivité",
            "auteurs de publications publiques mentionnant la collectivité",
            "agents et élus utilisateurs de Beffroi",
        ],
        "categories_de_donnees": [
            "pseudonyme, nom affiché et lien du profil",
            "texte des messages et commentaires, date",
            "identifiants pseudonymisés pour les statistiques",
            "traces des actions des agents (journal d'audit)",
        ],
        "donnees_sensibles": "non collectées volontairement ; un message peut en révéler (article 9) : "
        "il est alors traité avec la même durée et peut être effacé sur demande",
        "destinataires": ["service communication", "agents habilités", *processors],
        "transferts_hors_ue": "ceux des plateformes, sous leur responsabilité ; aucun par Beffroi",
        "hebergement": hosting,
        "durees_de_conservation": {
            DATA_KIND_LABELS[k]: f"{policy.days_for(k)} jours ({RETENTION_REASONS[k]})"
            for k in DataKind
        },
        "mesures_de_securite": [
            "jetons d'accès chiffrés au repos",
            "authentification forte des agents, rôles et droits",
            "journal d'audit des actions",
            "purge automatique à l'échéance",
            "sauvegardes chiffrées",
        ],
    }


REGISTER_LABELS: dict[str, str] = {
    "responsable": "Responsable de traitement",
    "responsables_conjoints": "Responsables conjoints",
    "delegue_protection_donnees": "Délégué à la protection des données",
    "finalites": "Finalités",
    "base_legale": "Base légale",
    "personnes_concernees": "Personnes concernées",
    "categories_de_donnees": "Catégories de données",
    "donnees_sensibles": "Données sensibles",
    "destinataires": "Destinataires",
    "transferts_hors_ue": "Transferts hors de l'Union européenne",
    "hebergement": "Hébergement",
    "durees_de_conservation": "Durées de conservation",
    "mesures_de_securite": "Mesures de sécurité",
}


def register_entry_text(entry: Mapping[str, Any]) -> str:
    """The register entry as text to paste into the collectivité's register."""
    lines = [f"Fiche de registre des traitements (RGPD, article 30) — {entry['traitement']}", ""]
    for key, value in entry.items():
        if key == "traitement":
            continue
        title = REGISTER_LABELS.get(key, key.replace("_", " ").capitalize())
        if isinstance(value, Mapping):
            lines.append(f"{title} :")
            lines += [f"  - {k} : {v}" for k, v in value.items() if v]
        elif isinstance(value, list | tuple):
            lines.append(f"{title} :")
            lines += [f"  - {v}" for v in value] or ["  - (aucun)"]
        else:
            lines.append(f"{title} : {value}")
    return "\n".join(lines) + "\n"
