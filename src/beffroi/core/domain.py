"""Shared domain vocabulary, with no Django import, so that every layer (nlp, networks, analytics) can use it."""

from __future__ import annotations

from enum import StrEnum


class Network(StrEnum):
    FACEBOOK = "facebook"
    INSTAGRAM = "instagram"
    X = "x"
    YOUTUBE = "youtube"
    LINKEDIN = "linkedin"
    MASTODON = "mastodon"
    BLUESKY = "bluesky"
    SANDBOX = "sandbox"

    @property
    def label(self) -> str:
        return NETWORK_LABELS[self]


NETWORK_LABELS: dict[Network, str] = {
    Network.FACEBOOK: "Facebook",
    Network.INSTAGRAM: "Instagram",
    Network.X: "X",
    Network.YOUTUBE: "YouTube",
    Network.LINKEDIN: "LinkedIn",
    Network.MASTODON: "Mastodon",
    Network.BLUESKY: "Bluesky",
    Network.SANDBOX: "Réseau simulé",
}

# The seven real networks, in the order the interface lists them.
REAL_NETWORKS: tuple[Network, ...] = tuple(n for n in Network if n is not Network.SANDBOX)


class Topic(StrEnum):
    """Competence areas of a collectivité: the `topic` label of message understanding and the themes of an editorial line."""

    MOBILITE = "mobilite"
    VOIRIE_TRAVAUX = "voirie_travaux"
    PROPRETE_DECHETS = "proprete_dechets"
    URBANISME_LOGEMENT = "urbanisme_logement"
    EDUCATION_JEUNESSE = "education_jeunesse"
    SOLIDARITES_SANTE = "solidarites_sante"
    CULTURE_PATRIMOINE = "culture_patrimoine"
    SPORT_LOISIRS = "sport_loisirs"
    ENVIRONNEMENT_NATURE = "environnement_nature"
    ECONOMIE_EMPLOI_TOURISME = "economie_emploi_tourisme"
    SECURITE_TRANQUILLITE = "securite_tranquillite"
    VIE_DEMOCRATIQUE_SERVICES = "vie_democratique_services"
    AUTRE = "autre"


TOPIC_LABELS: dict[Topic, str] = {
    Topic.MOBILITE: "Mobilité",
    Topic.VOIRIE_TRAVAUX: "Voirie et travaux",
    Topic.PROPRETE_DECHETS: "Propreté et déchets",
    Topic.URBANISME_LOGEMENT: "Urbanisme et logement",
    Topic.EDUCATION_JEUNESSE: "Éducation et jeunesse",
    Topic.SOLIDARITES_SANTE: "Solidarités et santé",
    Topic.CULTURE_PATRIMOINE: "Culture et patrimoine",
    Topic.SPORT_LOISIRS: "Sport et loisirs",
    Topic.ENVIRONNEMENT_NATURE: "Environnement et nature",
    Topic.ECONOMIE_EMPLOI_TOURISME: "Économie, emploi et tourisme",
    Topic.SECURITE_TRANQUILLITE: "Sécurité et tranquillité",
    Topic.VIE_DEMOCRATIQUE_SERVICES: "Vie démocratique et services",
    Topic.AUTRE: "Autre",
}


class Sentiment(StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class OrganisationKind(StrEnum):
    COMMUNE = "commune"
    EPCI = "epci"
    DEPARTEMENT = "departement"
    REGION = "region"
    OTHER = "autre"
