"""Moderation charter rules, as pure functions: what to do with an insult, and masking personal data.

A page's holder answers for the comments left on it, so the charter says whether an insulting
comment is hidden at once or proposed for hiding to a human, and whether the phone numbers and
e-mail addresses people post (their own or someone else's) are masked in Beffroi.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class InsultPolicy(StrEnum):
    HIDE = "hide"  # hidden on the network as soon as it arrives
    PROPOSE = "propose"  # flagged; a moderator decides
    NONE = "none"  # only shown as insulting


INSULT_POLICY_LABELS: dict[InsultPolicy, str] = {
    InsultPolicy.HIDE: "Masquer automatiquement les insultes",
    InsultPolicy.PROPOSE: "Proposer de masquer les insultes",
    InsultPolicy.NONE: "Signaler seulement",
}


class Decision(StrEnum):
    HIDE = "hide"
    PROPOSE = "propose"
    KEEP = "keep"


@dataclass(frozen=True, slots=True)
class CharterRules:
    insults: InsultPolicy = InsultPolicy.PROPOSE
    mask_phones: bool = True
    mask_emails: bool = True


# French numbers: 0X XX XX XX XX with spaces, dots or dashes, or +33 / 0033 and 9 digits.
_PHONE = re.compile(
    r"(?<![\w+])(?:(?:\+|00)33[\s.\-]?(?:\(0\)[\s.\-]?)?[1-9]|0[1-9])(?:[\s.\-]?\d{2}){4}(?!\d)"
)
_EMAIL = re.compile(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)*\.[a-zA-Z]{2,}")
PHONE_MASK = "[téléphone masqué]"
EMAIL_MASK = "[e-mail masqué]"


def mask_personal_data(text: str, rules: CharterRules) -> tuple[str, int]:
    """The text with phone numbers and e-mail addresses masked as the charter says, and how many."""
    count = 0
    if rules.mask_emails:
        text, found = _EMAIL.subn(EMAIL_MASK, text)
        count += found
    if rules.mask_phones:
        text, found = _PHONE.subn(PHONE_MASK, text)
        count += found
    return text, count


def decide(*, toxic: bool, can_hide: bool, rules: CharterRules) -> Decision:
    """What the charter asks for one incoming message; a network that cannot hide gets a proposal."""
    if not toxic or rules.insults is InsultPolicy.NONE:
        return Decision.KEEP
    if rules.insults is InsultPolicy.HIDE and can_hide:
        return Decision.HIDE
    return Decision.PROPOSE
