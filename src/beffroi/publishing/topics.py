"""The competence area of a text, and the hashtags and emoji that go with it.

Rules first: a keyword map that works with no model. When the NLP library (`beffroi.nlp`) is
installed and loads, its enricher is used instead.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence

import regex

from beffroi.core.domain import Topic

TopicDetector = Callable[[Sequence[str]], list[Topic]]

# Word starts (accents folded) that mark each competence area in a collectivité's news.
KEYWORDS: dict[Topic, tuple[str, ...]] = {
    Topic.MOBILITE: (
        "bus",
        "tram",
        "velo",
        "cyclab",
        "mobilit",
        "transport",
        "ter ",
        "gare",
        "covoitur",
        "stationnement",
        "parking",
        "trottinette",
        "pieton",
        "navette",
        "metro",
    ),
    Topic.VOIRIE_TRAVAUX: (
        "travaux",
        "chantier",
        "voirie",
        "chaussee",
        "route",
        "deviation",
        "circulation",
        "reseau d'eau",
        "canalisation",
        "rd ",
        "enrobe",
        "trottoir",
        "refection",
        "fermee",
    ),
    Topic.PROPRETE_DECHETS: (
        "dechet",
        "collecte",
        "ordures",
        "tri ",
        "recycl",
        "dechetterie",
        "encombrant",
        "proprete",
        "compost",
        "poubelle",
        "bac ",
    ),
    Topic.URBANISME_LOGEMENT: (
        "urbanisme",
        "logement",
        "plu",
        "permis de construire",
        "renovation urbaine",
        "quartier",
        "habitat",
        "amenagement",
        "lotissement",
        "foncier",
    ),
    Topic.EDUCATION_JEUNESSE: (
        "ecole",
        "college",
        "lycee",
        "eleve",
        "scolaire",
        "cantine",
        "periscolaire",
        "creche",
        "jeunesse",
        "jeunes",
        "enfant",
        "centre de loisirs",
        "rentree",
        "inscriptions scolaires",
    ),
    Topic.SOLIDARITES_SANTE: (
        "ccas",
        "aine",
        "senior",
        "solidarit",
        "sante",
        "handicap",
        "vaccin",
        "social",
        "aide alimentaire",
        "canicule",
        "isolement",
        "personnes agees",
        "medecin",
    ),
    Topic.CULTURE_PATRIMOINE: (
        "culture",
        "concert",
        "musique",
        "festival",
        "mediatheque",
        "bibliotheque",
        "musee",
        "patrimoine",
        "exposition",
        "theatre",
        "spectacle",
        "cinema",
        "chorale",
        "fanfare",
    ),
    Topic.SPORT_LOISIRS: (
        "sport",
        "piscine",
        "stade",
        "gymnase",
        "match",
        "course",
        "marathon",
        "club",
        "randonnee",
        "loisir",
        "tournoi",
        "jeux olympiques",
    ),
    Topic.ENVIRONNEMENT_NATURE: (
        "environnement",
        "nature",
        "parc",
        "jardin",
        "arbre",
        "biodiversit",
        "climat",
        "energ",
        "isol",
        "ecolog",
        "riviere",
        "loire",
        "prairie",
        "plantation",
        "oiseau",
    ),
    Topic.ECONOMIE_EMPLOI_TOURISME: (
        "emploi",
        "entreprise",
        "commerce",
        "economi",
        "tourisme",
        "marche",
        "artisan",
        "recrut",
        "forum",
        "zone d'activite",
        "office de tourisme",
        "commercant",
    ),
    Topic.SECURITE_TRANQUILLITE: (
        "securite",
        "police",
        "tranquillite",
        "gendarmerie",
        "videoprotection",
        "pompier",
        "alerte",
        "vigilance",
        "inondation",
        "incendie",
        "prevention",
    ),
    Topic.VIE_DEMOCRATIQUE_SERVICES: (
        "conseil municipal",
        "conseil communautaire",
        "conseil metropolitain",
        "election",
        "budget",
        "mairie",
        "demarche",
        "etat civil",
        "consultation",
        "concertation",
        "vote",
        "assemblee",
        "deliberation",
        "carte d'identite",
        "passeport",
        "recensement",
    ),
}

HASHTAG_WORDS: dict[Topic, str] = {
    Topic.MOBILITE: "mobilité",
    Topic.VOIRIE_TRAVAUX: "travaux",
    Topic.PROPRETE_DECHETS: "tri des déchets",
    Topic.URBANISME_LOGEMENT: "urbanisme",
    Topic.EDUCATION_JEUNESSE: "jeunesse",
    Topic.SOLIDARITES_SANTE: "solidarité",
    Topic.CULTURE_PATRIMOINE: "culture",
    Topic.SPORT_LOISIRS: "sport",
    Topic.ENVIRONNEMENT_NATURE: "environnement",
    Topic.ECONOMIE_EMPLOI_TOURISME: "emploi",
    Topic.SECURITE_TRANQUILLITE: "sécurité",
    Topic.VIE_DEMOCRATIQUE_SERVICES: "vie municipale",
}

EMOJI: dict[Topic, str] = {
    Topic.MOBILITE: "🚌",
    Topic.VOIRIE_TRAVAUX: "🚧",
    Topic.PROPRETE_DECHETS: "♻️",
    Topic.URBANISME_LOGEMENT: "🏘️",
    Topic.EDUCATION_JEUNESSE: "🎒",
    Topic.SOLIDARITES_SANTE: "🤝",
    Topic.CULTURE_PATRIMOINE: "🎭",
    Topic.SPORT_LOISIRS: "🏅",
    Topic.ENVIRONNEMENT_NATURE: "🌳",
    Topic.ECONOMIE_EMPLOI_TOURISME: "💼",
    Topic.SECURITE_TRANQUILLITE: "⚠️",
    Topic.VIE_DEMOCRATIQUE_SERVICES: "🏛️",
    Topic.AUTRE: "📣",
}


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFD", text.casefold().replace("’", "'"))
    folded = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " " + regex.sub(r"\s+", " ", folded) + " "


def keyword_topic(text: str) -> Topic:
    """The competence area whose keywords appear most often (word starts), or AUTRE."""
    folded = _fold(text)
    scores: dict[Topic, int] = {}
    for topic, words in KEYWORDS.items():
        score = sum(
            len(regex.findall(r"(?<![\p{L}])" + regex.escape(word), folded)) for word in words
        )
        if score:
            scores[topic] = score
    if not scores:
        return Topic.AUTRE
    # Ties go to the order of the enumeration, which is stable.
    return max(scores, key=lambda topic: (scores[topic], -list(Topic).index(topic)))


def keyword_topics(texts: Sequence[str]) -> list[Topic]:
    return [keyword_topic(text) for text in texts]


def default_topic_detector() -> TopicDetector:
    """The NLP enricher when the library is there and loads, else the keyword map."""
    try:
        from beffroi.nlp import get_enricher  # type: ignore[attr-defined]

        enricher = get_enricher()
    except Exception:  # noqa: BLE001 - any failure to load a model falls back to the rules
        return keyword_topics

    def detect(texts: Sequence[str]) -> list[Topic]:
        try:
            results = enricher.enrich(list(texts))
            topics = [Topic(getattr(r, "topic", Topic.AUTRE)) for r in results]
        except Exception:  # noqa: BLE001
            return keyword_topics(texts)
        # The model says « autre » when unsure; the keywords may still know.
        return [
            t if t is not Topic.AUTRE else keyword_topic(text)
            for t, text in zip(topics, texts, strict=True)
        ]

    return detect
