"""Cue lists on clear examples: they feed the heads, so a cue that fires on the wrong words misleads them."""

from __future__ import annotations

import pytest

from beffroi.nlp import lexicons
from beffroi.nlp.features import CUE_NAMES, cues, normalize_all
from beffroi.nlp.normalize import normalize

BLUNT_DEMANDS = [
    "Le concert a été annulé sans prévenir, remboursez les billets",
    "Le car est toujours plein, ajoutez un car",
    "L'animateur crie sur les enfants, virez-le",
    "Je veux des explications",
    "j'exige des excuses de la mairie",
    "On a besoin de plus d'horaires d'ouverture à la médiathèque",
    "Je demande que le conseil municipal publie les comptes",
]
NOT_DEMANDS = [
    "Merci à tous, rendez-vous chez vous l'année prochaine",
    "Vous avez vu le feu d'artifice ?",
    "Je suis allé au parc avec les enfants",
    "Assez !",
]


@pytest.mark.parametrize("text", BLUNT_DEMANDS)
def test_demand_cue_finds_imperatives_and_verbs_of_wanting(text: str) -> None:
    assert lexicons.count(lexicons.DEMAND, normalize(text)) >= 1


@pytest.mark.parametrize("text", NOT_DEMANDS)
def test_demand_cue_ignores_look_alike_words(text: str) -> None:
    assert lexicons.count(lexicons.DEMAND, normalize(text)) == 0


def test_demand_is_a_column_of_the_cue_features() -> None:
    texts = ["Remboursez les billets", "Joli concert"]
    values = cues(texts, normalize_all(texts))
    column = CUE_NAMES.index("demand")
    assert values[0, column] == 1.0
    assert values[1, column] == 0.0
