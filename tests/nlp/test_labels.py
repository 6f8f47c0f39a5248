"""Each label on clear examples, in both tiers."""

from __future__ import annotations

import pytest

from beffroi.core.domain import Sentiment, Topic
from beffroi.nlp import Enricher, Enrichment

SENTIMENT_CASES = [
    ("Merci beaucoup aux agents, le nouveau parc est magnifique, bravo ! 😍", Sentiment.POSITIVE),
    (
        "C'est une honte, ça fait trois semaines que personne ne répond, j'en ai marre 😡",
        Sentiment.NEGATIVE,
    ),
    ("Bravo la mairie, 3 semaines que les poubelles débordent 👏", Sentiment.NEGATIVE),
    ("La médiathèque ouvre à quelle heure le samedi ?", Sentiment.NEUTRAL),
]
TOPIC_CASES = [
    ("Le bus 12 n'est pas passé ce matin, encore un retard sur la ligne de tram", Topic.MOBILITE),
    (
        "Nid de poule énorme sur la chaussée rue Victor Hugo, le trottoir est défoncé",
        Topic.VOIRIE_TRAVAUX,
    ),
    ("Les poubelles débordent et personne ne ramasse les ordures", Topic.PROPRETE_DECHETS),
    (
        "J'attends un logement social depuis deux ans, le permis de construire de l'immeuble",
        Topic.URBANISME_LOGEMENT,
    ),
    ("La cantine de l'école sert des repas froids aux enfants", Topic.EDUCATION_JEUNESSE),
    (
        "Plus de médecin généraliste, le CCAS ne répond pas pour l'aide aux personnes âgées",
        Topic.SOLIDARITES_SANTE,
    ),
    (
        "Magnifique concert au festival, merci à la médiathèque et au musée",
        Topic.CULTURE_PATRIMOINE,
    ),
    ("La piscine municipale est encore fermée, et le gymnase aussi", Topic.SPORT_LOISIRS),
    (
        "Ils ont abattu les arbres du parc, la pollution de la rivière continue",
        Topic.ENVIRONNEMENT_NATURE,
    ),
    (
        "Les commerces du centre-ville ferment, l'office de tourisme est vide, pas d'emploi",
        Topic.ECONOMIE_EMPLOI_TOURISME,
    ),
    (
        "Rodéos de motos et trafic de drogue toutes les nuits, que fait la police municipale",
        Topic.SECURITE_TRANQUILLITE,
    ),
    (
        "Comment renouveler ma carte d'identité ? Le conseil municipal est-il public ?",
        Topic.VIE_DEMOCRATIQUE_SERVICES,
    ),
    ("Bonne année à tous 🎉", Topic.AUTRE),
]
REQUEST_CASES = [
    ("Bonjour, quels sont les horaires de la piscine pendant les vacances ?", True),
    ("Lampadaire en panne rue des Acacias depuis une semaine, merci d'intervenir", True),
    ("Pouvez-vous enlever le dépôt sauvage au bout du chemin svp", True),
    ("Magnifique feu d'artifice hier soir, bravo à toute l'équipe", False),
    ("Joyeux Noël à tous", False),
]
TOXIC_CASES = [
    ("Bande de connards, allez vous faire foutre", True),
    ("Je sais où tu habites, on va venir te faire la peau", True),
    ("Sales migrants, rentrez chez vous", True),
    ("Je suis furieux, c'est inadmissible, trois semaines sans ramassage des poubelles !", False),
    ("Les élus sont incompétents et cette décision est scandaleuse", False),
    ("Merci pour la rénovation de l'école", False),
]
ALL_TEXTS = [
    text
    for cases in (SENTIMENT_CASES, TOPIC_CASES, REQUEST_CASES, TOXIC_CASES)
    for text, _ in cases
]

_understood: dict[tuple[str, str], Enrichment] = {}


def one(enricher: Enricher, text: str) -> Enrichment:
    """The enrichment of a case text; each tier enriches all the cases in one batch, once."""
    if (enricher.tier, text) not in _understood:
        for case, result in zip(ALL_TEXTS, enricher.enrich(ALL_TEXTS), strict=True):
            _understood[(enricher.tier, case)] = result
    return _understood.get((enricher.tier, text)) or enricher.enrich([text])[0]


@pytest.mark.parametrize(("text", "expected"), SENTIMENT_CASES)
def test_sentiment(enricher: Enricher, text: str, expected: Sentiment) -> None:
    result = one(enricher, text)
    assert result.sentiment is expected
    assert -1.0 <= result.sentiment_score <= 1.0


def test_sentiment_score_follows_the_label(enricher: Enricher) -> None:
    happy, angry = enricher.enrich(
        ["Super, merci pour tout, génial 👍", "Lamentable, scandaleux, nul 😡"]
    )
    assert happy.sentiment_score > 0.3 > -0.3 > angry.sentiment_score


@pytest.mark.parametrize(("text", "expected"), TOPIC_CASES)
def test_topic(enricher: Enricher, text: str, expected: Topic) -> None:
    result = one(enricher, text)
    assert result.topic is expected
    assert set(result.topic_scores) == {t.value for t in Topic}
    assert result.topic_scores[expected.value] == max(result.topic_scores.values())
    assert abs(sum(result.topic_scores.values()) - 1.0) < 0.01


# Misses of the current models, kept visible: strict, so a rebuild that gets one right says so.
# The tuned encoder (accurate) reads a complaint that ends in "merci d'intervenir" as a complaint
# (request probability 0.43 against a threshold of 0.48); the fast tier's cue catches it.
KNOWN_REQUEST_MISSES = {
    ("accurate", "Lampadaire en panne rue des Acacias depuis une semaine, merci d'intervenir"),
}


@pytest.mark.parametrize(("text", "expected"), REQUEST_CASES)
def test_is_request(
    enricher: Enricher, text: str, expected: bool, request: pytest.FixtureRequest
) -> None:
    if (enricher.tier, text) in KNOWN_REQUEST_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason="known miss of this build"))
    assert one(enricher, text).is_request is expected


@pytest.mark.parametrize(("text", "expected"), TOXIC_CASES)
def test_toxic_is_insult_threat_or_hate_not_anger(
    enricher: Enricher, text: str, expected: bool
) -> None:
    assert one(enricher, text).toxic is expected


def test_language(enricher: Enricher) -> None:
    fr, en, short = enricher.enrich(
        [
            "Bonjour, la déchetterie est-elle ouverte le dimanche matin ?",
            "Hello, could you tell me when the swimming pool opens on Sunday?",
            "Top",
        ]
    )
    assert (fr.lang, en.lang, short.lang) == ("fr", "en", "fr")


def test_places(fast: Enricher) -> None:
    result = one(
        fast,
        "Nid de poule rue Victor Hugo à Villeurbanne, et l'éclairage place Bellecour est éteint",
    )
    assert "rue Victor Hugo" in result.places
    assert "place Bellecour" in result.places
    assert "Villeurbanne" in result.places


def test_places_in_lowercase_sms_writing(fast: Enricher) -> None:
    assert one(fast, "slt ya un pb rue des peupliers depuis lundi").places == ("rue des peupliers",)


def test_no_places_in_a_plain_message(fast: Enricher) -> None:
    assert one(fast, "Merci pour votre réponse rapide").places == ()


def test_empty_batch(enricher: Enricher) -> None:
    assert enricher.enrich([]) == []


def test_enrichment_is_frozen(fast: Enricher) -> None:
    result = one(fast, "Bonjour")
    with pytest.raises(AttributeError):
        result.toxic = True  # type: ignore[misc]
