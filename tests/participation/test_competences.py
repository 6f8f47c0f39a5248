"""Who holds what an idea asks for, when the organisation cannot do it itself (the inbox's routing rules)."""

from __future__ import annotations

from beffroi.listening.routing import Level, Territory
from beffroi.participation.competences import holder_for


def test_lycee_asked_of_a_commune_is_the_region():
    holder = holder_for(
        ["Rénover le lycée Condorcet", "le lycée tombe en ruine", "des pistes cyclables"],
        organisation_kind="commune",
    )
    assert holder is not None and holder.level is Level.REGION
    assert holder.sentence == "« lycée » : compétence du Conseil régional"


def test_known_parent_is_named():
    holder = holder_for(
        ["Le ramassage des ordures est trop rare", "collecte des déchets deux fois par semaine"],
        organisation_kind="commune",
        territory=Territory(commune="Saint-Aubin", epci="Communauté de communes des Brumes"),
    )
    assert holder is not None and holder.level is Level.EPCI
    assert holder.name == "Communauté de communes des Brumes"
    assert holder.sentence == "« ordures » : compétence de Communauté de communes des Brumes"


def test_own_competence_is_not_outside():
    texts = ["zone d'activités des Sablons mal desservie", "La zone d'activités est loin"]
    assert holder_for(texts, organisation_kind="commune") is not None
    assert holder_for(texts, organisation_kind="epci") is None


def test_a_few_mentions_do_not_move_an_idea():
    texts = ["Un parc pour les enfants"] * 9 + ["un parc près du collège"]
    assert holder_for(texts, organisation_kind="commune") is None
    assert holder_for([], organisation_kind="commune") is None
