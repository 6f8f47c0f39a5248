"""Each network's way of counting, on examples from their documentation and from French posts."""

from __future__ import annotations

import pytest

from beffroi.publishing.composer.counting import (
    LengthUnit,
    count_graphemes,
    mastodon_countable_text,
    measure,
)


@pytest.mark.parametrize(
    ("text", "graphemes"),
    [
        ("👨‍👩‍👧‍👦", 1),  # ZWJ family: 7 code points, one grapheme
        ("👩🏽‍🚒", 1),  # skin tone + ZWJ profession
        ("🇫🇷🇧🇪", 2),  # two flags (regional indicator pairs)
        ("🏴󠁧󠁢󠁳󠁣󠁴󠁿", 1),  # Scotland: tag sequence
        ("e\u0301te\u0301", 3),  # « été » typed with combining accents
        ("été", 3),
        ("1️⃣", 1),  # keycap
        ("Café ☕️ 👍🏿", 8),
        ("", 0),
    ],
)
def test_bluesky_counts_grapheme_clusters(text: str, graphemes: int) -> None:
    assert count_graphemes(text) == graphemes
    assert measure(text, LengthUnit.GRAPHEMES) == graphemes


def test_bluesky_limit_is_reached_at_300_family_emoji_not_at_300_code_points() -> None:
    text = "👨‍👩‍👧‍👦" * 300
    assert len(text) == 2100
    assert measure(text, LengthUnit.GRAPHEMES) == 300


def test_mastodon_counts_every_link_as_23_characters() -> None:
    url = "https://www.ville-exemple.fr/actualites/2026/travaux-de-la-rue-victor-hugo"
    text = f"Travaux rue Victor-Hugo : {url}"
    assert mastodon_countable_text(text) == "Travaux rue Victor-Hugo : " + "x" * 23
    assert measure(text, LengthUnit.MASTODON) == 26 + 23


def test_mastodon_does_not_shorten_links_written_without_a_scheme() -> None:
    assert measure("www.ville-exemple.fr/agenda", LengthUnit.MASTODON) == 27


def test_mastodon_counts_a_remote_mention_as_its_user_part() -> None:
    text = "Merci @mediatheque@mastodon.ville-exemple.fr et @ami !"
    assert mastodon_countable_text(text) == "Merci @mediatheque et @ami !"
    assert measure(text, LengthUnit.MASTODON) == len("Merci @mediatheque et @ami !")


def test_an_email_address_is_not_a_mention() -> None:
    assert mastodon_countable_text("Écrivez à contact@mairie.fr") == "Écrivez à contact@mairie.fr"


def test_characters_are_counted_after_nfc_normalisation() -> None:
    assert measure("e\u0301te\u0301", LengthUnit.CHARACTERS) == 3


def test_x_counts_french_accents_as_one_and_emoji_sequences_as_two() -> None:
    assert measure("Fête 👨‍👩‍👧‍👦", LengthUnit.WEIGHTED) == 5 + 2
