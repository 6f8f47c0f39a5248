"""Routing a request to the level that holds the competence, and the ready answer."""

from __future__ import annotations

import pytest

from beffroi.core.domain import Topic
from beffroi.listening.routing import Level, Territory, ready_answer, route, territory_for


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("Un énorme nid de poule sur la route départementale vers Brume, quand est-ce réparé ?", Level.DEPARTEMENT),
        ("La RD 12 est dangereuse à la sortie du village", Level.DEPARTEMENT),
        ("Le collège n'est toujours pas chauffé, c'est normal ?", Level.DEPARTEMENT),
        ("Pourquoi le lycée Jean-Moulin ferme sa cantine ?", Level.REGION),
        ("Le car régional de 7h10 n'est pas passé ce matin", Level.REGION),
        ("Le TER est encore supprimé, qui contacter ?", Level.REGION),
        ("Les poubelles jaunes ne sont pas ramassées depuis 2 semaines", Level.EPCI),
        ("Quand ouvre la déchetterie le dimanche ?", Level.EPCI),
        ("La ligne de bus 4 est déviée jusqu'à quand ?", Level.EPCI),
        ("Un lampadaire est éteint rue Pasteur", Level.COMMUNE),
        ("Inscription à l'école maternelle : quelles pièces ?", Level.COMMUNE),
        ("La gendarmerie ne répond pas au téléphone", Level.ETAT),
        ("Comment refaire ma carte grise ?", Level.ETAT),
        ("Trois professeurs absents non remplacés au collège", Level.ETAT),
    ],
)  # fmt: skip
def test_words_decide_the_level(text, level):
    assert route(text).level is level


def test_the_area_decides_when_no_word_does():
    assert route("Personne ne m'a répondu", Topic.SOLIDARITES_SANTE).level is Level.DEPARTEMENT
    assert route("Personne ne m'a répondu", Topic.CULTURE_PATRIMOINE).level is Level.COMMUNE
    assert route("Personne ne m'a répondu").matched is None


def test_ready_answer_names_who_to_contact():
    found = route("Le lycée n'a plus de chauffage")
    answer = ready_answer(found, Territory(commune="Bayeux", region="Normandie"))
    assert "la Région Normandie" in answer and "« lycée »" in answer.lower()
    departement = ready_answer(route("La RD 5 est inondée"), Territory())
    assert "Conseil départemental" in departement


def test_territory_from_the_register_of_collectivites():
    found = territory_for("commune", "14047", "Bayeux")
    assert found.departement == "Calvados"
    assert found.region == "Normandie"
    assert found.epci
    assert territory_for("commune", "99999", "Nulle-Part") == Territory(commune="Nulle-Part")
