"""The moderation charter as pure rules: masking personal data, deciding about insults."""

from __future__ import annotations

import pytest

from beffroi.listening.moderation import (
    CharterRules,
    Decision,
    InsultPolicy,
    decide,
    mask_personal_data,
)


@pytest.mark.parametrize(
    "phone",
    ["06 12 34 56 78", "06.12.34.56.78", "0612345678", "+33 6 12 34 56 78", "+33612345678", "0033 1 23 45 67 89"],
)  # fmt: skip
def test_french_phone_numbers_are_masked(phone):
    masked, count = mask_personal_data(f"Rappelez-moi au {phone} svp", CharterRules())
    assert (masked, count) == ("Rappelez-moi au [téléphone masqué] svp", 1)


def test_emails_are_masked_and_other_numbers_kept():
    text = "Écrivez à jean.dupont+mairie@exemple.fr, dossier 2024-118, 3 rue des Lilas, 75012"
    masked, count = mask_personal_data(text, CharterRules())
    assert count == 1
    assert masked == "Écrivez à [e-mail masqué], dossier 2024-118, 3 rue des Lilas, 75012"


def test_masking_follows_the_charter():
    rules = CharterRules(mask_phones=False, mask_emails=False)
    text = "a@b.fr 0612345678"
    assert mask_personal_data(text, rules) == (text, 0)


def test_insult_decisions():
    hide = CharterRules(insults=InsultPolicy.HIDE)
    assert decide(toxic=True, can_hide=True, rules=hide) is Decision.HIDE
    # A network that cannot hide: a human decides what to do.
    assert decide(toxic=True, can_hide=False, rules=hide) is Decision.PROPOSE
    assert decide(toxic=True, can_hide=True, rules=CharterRules()) is Decision.PROPOSE
    assert decide(toxic=False, can_hide=True, rules=hide) is Decision.KEEP
    none = CharterRules(insults=InsultPolicy.NONE)
    assert decide(toxic=True, can_hide=True, rules=none) is Decision.KEEP
