"""Who holds what an idea asks for, when the organisation cannot do it itself."""

from __future__ import annotations

from beffroi.participation.competences import Level, holder_for


def test_lycee_asked_of_a_commune_is_the_region():
    holder = holder_for(
        ["Rénover le lycée Condorcet", "le lycee tombe en ruine", "des pistes cyclables"],
        organisation_kind="commune",
    )
    assert holder is not None and holder.level is Level.REGION
    assert holder.sentence == "lycées : compétence de la région"


def test_known_parent_is_named():
    holder = holder_for(
        ["Le ramassage des ordures est trop rare", "collecte des déchets deux fois par semaine"],
        organisation_kind="commune",
        known={Level.EPCI: "l'intercommunalité (Communauté de communes des Brumes)"},
    )
    assert holder is not None
    assert holder.name == "l'intercommunalité (Communauté de communes des Brumes)"


def test_own_competence_is_not_outside():
    texts = ["zone d'activités des Sablons mal desservie", "Relier la zone industrielle"]
    assert holder_for(texts, organisation_kind="commune") is not None
    assert holder_for(texts, organisation_kind="epci") is None


def test_a_few_mentions_do_not_move_an_idea():
    texts = ["Un parc pour les enfants"] * 9 + ["un parc près du collège"]
    assert holder_for(texts, organisation_kind="commune") is None
    assert holder_for([], organisation_kind="commune") is None
