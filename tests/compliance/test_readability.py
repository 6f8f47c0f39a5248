"""French syllables, the Kandel-Moles score and plain-language suggestions."""

import pytest

from beffroi.compliance.readability import (
    SuggestionKind,
    kandel_moles,
    level,
    readability,
    syllables,
)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("chat", 1),
        ("table", 1),  # mute final e
        ("grande", 1),
        ("maison", 2),
        ("école", 2),
        ("l'école", 2),  # elided article
        ("armée", 2),
        ("mairie", 2),
        ("nation", 2),  # -tion is one syllable
        ("beaucoup", 2),
        ("cœur", 1),
        ("poésie", 3),  # hiatus o-é
        ("réunion", 3),
        ("Noël", 2),  # diaeresis
        ("aujourd'hui", 3),
        ("rendez-vous", 3),
        ("municipalité", 6),
        ("communication", 5),
        ("le", 1),
        ("des", 1),
    ],
)
def test_syllables_of_known_words(word, expected):
    assert syllables(word) == expected


def test_kandel_moles_formula_by_hand():
    # 207 - 1.015 * 3 - 73.6 * 1
    assert kandel_moles(3, 1, 3) == pytest.approx(130.355)
    # 207 - 1.015 * 20 - 73.6 * 2
    assert kandel_moles(20, 1, 40) == pytest.approx(39.5)
    assert kandel_moles(0, 0, 0) == 0.0


def test_known_sentences():
    easy = readability("Le chat dort. La piscine ouvre lundi.")
    # words: 3 + 4 = 7; syllables: 3 + (la 1 + pis-cine 2 + ouvre 1 + lun-di 2) = 9; sentences: 2
    assert (easy.words, easy.sentences, easy.syllables) == (7, 2, 9)
    assert easy.score == pytest.approx(round(207 - 1.015 * 3.5 - 73.6 * 9 / 7, 1))
    assert easy.level == "très facile"
    hard = readability(
        "Dans le cadre de la requalification de la voirie communautaire, les modalités de "
        "stationnement ont été modifiées par arrêté municipal afin de permettre l'intervention "
        "des services techniques intercommunaux."
    )
    assert hard.score < 40
    assert hard.level in {"difficile", "très difficile"}


def test_levels():
    assert level(95) == "très facile"
    assert level(65) == "standard"
    assert level(10) == "très difficile"


def test_plain_language_suggestions():
    result = readability(
        "Dans le cadre de la requalification de la voirie, les modalités de stationnement ont été "
        "modifiées par le SIVOM afin de permettre l'intervention des services et les usagers ne "
        "pourront pas accéder au parking pendant toute la durée du chantier."
    )
    kinds = {s.kind for s in result.suggestions}
    assert kinds == {
        SuggestionKind.LONG_SENTENCE,
        SuggestionKind.LONG_WORD,
        SuggestionKind.JARGON,
        SuggestionKind.ACRONYM,
        SuggestionKind.PASSIVE,
        SuggestionKind.NEGATION,
    }
    jargon = {s.excerpt for s in result.suggestions if s.kind is SuggestionKind.JARGON}
    assert {"voirie", "modalités", "afin de", "usagers", "dans le cadre de"} <= jargon


def test_plain_text_gets_no_suggestion():
    result = readability("La piscine ouvre lundi à 9 h. Venez nager !")
    assert result.suggestions == ()


def test_explained_acronym_and_known_acronym_are_fine():
    text = "Le centre communal d'action sociale (CCAS) vous aide. Prenez le TER."
    assert not [s for s in readability(text).suggestions if s.kind is SuggestionKind.ACRONYM]


def test_links_and_hashtags_are_not_counted_as_words():
    assert (
        readability("Inscriptions ouvertes https://ville.example/inscriptions #Cantine").words == 2
    )
