"""Flags on drafts during a restricted period: clear promotional and neutral examples."""

from datetime import date

import pytest

from beffroi.compliance.guard import (
    FLAG_LABELS,
    FlagCode,
    Officials,
    official_mentions,
    promotional_signals,
    review_draft,
    validation_problems,
)
from beffroi.core.domain import OrganisationKind

IN_PERIOD = date(2026, 1, 15)  # municipales 2026 period
OUT_OF_PERIOD = date(2026, 5, 15)
COMMUNE = OrganisationKind.COMMUNE

PROMOTIONAL = [
    ("Bilan de mi-mandat : 12 crèches ouvertes !", FlagCode.BILAN),
    ("Grâce à l'action de la municipalité, la dette a baissé.", FlagCode.CREDIT),
    ("Grâce à notre maire, le centre-ville revit.", FlagCode.CREDIT),
    ("Inauguration de la nouvelle médiathèque samedi à 11 h.", FlagCode.INAUGURATION),
    ("Promesse tenue : la piscine est rénovée.", FlagCode.BILAN),
    ("Nous avons réalisé 40 km de pistes cyclables depuis 2020.", FlagCode.BILAN),
    ("Fréquentation record au marché de Noël : +35 % !", FlagCode.SUCCESS_FIGURES),
    ("Baisse de 12 % des impôts locaux cette année.", FlagCode.SUCCESS_FIGURES),
    ("Nous sommes fiers de notre nouvelle école.", FlagCode.SELF_PRAISE),
]

NEUTRAL = [
    "Collecte des encombrants mardi 4 mars. Sortez vos objets la veille au soir.",
    "La piscine municipale est fermée du 3 au 5 mars pour vidange.",
    "Inscriptions scolaires : dossier à déposer en mairie avant le 30 avril.",
    "Alerte météo : vents violents cette nuit, ne stationnez pas sous les arbres.",
    "Le conseil municipal se réunit jeudi à 19 h, salle des fêtes. Séance publique.",
]


@pytest.mark.parametrize(("text", "code"), PROMOTIONAL)
def test_clear_promotional_drafts_are_flagged_with_their_reason(text, code):
    review = review_draft(text=text, org_kind=COMMUNE, when=IN_PERIOD)
    assert code in {f.code for f in review.flags}
    assert review.needs_second_validation and review.needs_justification
    assert any(FLAG_LABELS[code] in r for r in review.reasons())


@pytest.mark.parametrize("text", NEUTRAL)
def test_neutral_practical_information_is_not_flagged(text):
    review = review_draft(text=text, org_kind=COMMUNE, when=IN_PERIOD)
    assert review.restricted
    assert review.flags == ()
    assert not review.needs_second_validation


def test_nothing_is_flagged_outside_a_period():
    review = review_draft(text=PROMOTIONAL[0][0], org_kind=COMMUNE, when=OUT_OF_PERIOD)
    assert not review.restricted and review.flags == ()


def test_named_official_title_and_handle_are_flagged():
    officials = Officials(names=("Claire Martin",), handles=("@claire_martin",))
    by_name = official_mentions("Claire Martin visitera le chantier.", officials)
    assert by_name[0].code is FlagCode.OFFICIAL and "Claire Martin" in by_name[0].reason
    by_title = official_mentions("Mme la Présidente a rencontré les commerçants.", Officials())
    assert by_title and by_title[0].reason == "Élu désigné par sa fonction"
    by_surname = official_mentions("Mme Martin a signé la convention.", officials)
    assert by_surname
    tagged = official_mentions("Merci @claire_martin pour sa venue", officials)
    assert "@claire_martin" in tagged[0].reason
    assert official_mentions("Les jardins partagés ouvrent.", officials) == []


def test_the_name_in_an_alt_text_counts():
    review = review_draft(
        text="Les travaux de la rue Pasteur avancent.",
        org_kind=COMMUNE,
        when=IN_PERIOD,
        alt_texts=("Le maire visite le chantier avec les ouvriers",),
    )
    assert FlagCode.OFFICIAL in {f.code for f in review.flags}


def test_sponsored_draft_is_refused_during_the_period():
    review = review_draft(
        text="Collecte des encombrants mardi.", org_kind=COMMUNE, when=IN_PERIOD, sponsored=True
    )
    assert review.refused
    assert "sponsorisée refusée" in review.reasons()[0]
    outside = review_draft(
        text="Collecte des encombrants mardi.", org_kind=COMMUNE, when=OUT_OF_PERIOD, sponsored=True
    )
    assert not outside.refused


def test_a_flagged_draft_needs_two_validators_and_a_justification():
    review = review_draft(text="Inauguration du gymnase.", org_kind=COMMUNE, when=IN_PERIOD)
    problems = validation_problems(review, validators=["alice"], justification="")
    assert len(problems) == 2
    problems = validation_problems(
        review,
        validators=["alice", "Alice "],
        justification="Information pratique : horaires d'ouverture au public.",
    )
    assert len(problems) == 1 and "Deux validations" in problems[0]
    assert (
        validation_problems(
            review,
            validators=["alice", "bruno"],
            justification="L'inauguration est annoncée chaque année sous cette forme, sans bilan.",
        )
        == []
    )


def test_promotional_signals_give_an_excerpt_from_the_original_text():
    (flag,) = promotional_signals("Les chiffres sont là : une réussite éclatante.")
    assert flag.code is FlagCode.SUCCESS_FIGURES
    assert "réussite" in flag.excerpt
