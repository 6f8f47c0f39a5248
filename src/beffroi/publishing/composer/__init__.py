"""The composer: one message, a native variant per network, counted and checked the network's way."""

from beffroi.publishing.composer.compose import (
    CheckedVariant,
    Composition,
    Message,
    build_variant,
    check_variant,
    compose,
)
from beffroi.publishing.composer.counting import LengthUnit, count_graphemes, measure
from beffroi.publishing.composer.hashtags import camel_case_hashtag
from beffroi.publishing.composer.issues import Issue, Severity
from beffroi.publishing.composer.mentions import Directory, Entity
from beffroi.publishing.composer.rules import RULES, LinkPolicy, NetworkRules, rules_for

__all__ = [
    "RULES",
    "CheckedVariant",
    "Composition",
    "Directory",
    "Entity",
    "Issue",
    "LengthUnit",
    "LinkPolicy",
    "Message",
    "NetworkRules",
    "Severity",
    "build_variant",
    "camel_case_hashtag",
    "check_variant",
    "compose",
    "count_graphemes",
    "measure",
    "rules_for",
]
