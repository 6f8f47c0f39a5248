"""Facets on UTF-8 byte offsets, grapheme counting and record keys, as Bluesky documents them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from beffroi.networks.bluesky.richtext import facets, grapheme_length, is_tid, tid_from_key


def spans(text: str) -> list[tuple[str, str]]:
    data = text.encode("utf-8")
    return [
        (
            f["features"][0]["$type"].rsplit("#", 1)[1],
            data[f["index"]["byteStart"] : f["index"]["byteEnd"]].decode(),
        )
        for f in facets(
            text, lambda handle: "did:plc:camille" if handle == "camille.bsky.social" else None
        )
    ]


def test_offsets_count_bytes_after_emoji_and_accents() -> None:
    text = "🚋 Été : travaux #tramway, détails sur https://www.valmont.fr/travaux. Merci @camille.bsky.social !"
    assert spans(text) == [
        ("tag", "#tramway"),
        ("link", "https://www.valmont.fr/travaux"),
        ("mention", "@camille.bsky.social"),
    ]
    first = facets(text, lambda h: None)[0]["index"]
    assert first["byteStart"] == len("🚋 Été : travaux ".encode()) != len("🚋 Été : travaux ")


def test_unresolved_mentions_stay_plain_text_and_tags_drop_punctuation() -> None:
    assert spans("Bravo @inconnu.example et #propreté! #2026 #") == [("tag", "#propreté")]


def test_a_hash_inside_a_link_is_not_a_tag() -> None:
    assert spans("Voir https://www.valmont.fr/agenda#concert") == [
        ("link", "https://www.valmont.fr/agenda#concert")
    ]


def test_graphemes_not_code_points() -> None:
    assert grapheme_length("🇫🇷") == 1 and len("🇫🇷") == 2
    assert grapheme_length("é") == grapheme_length("e\u0301") == 1


def test_record_keys_are_stable_valid_tids() -> None:
    assert tid_from_key("draft-42") == tid_from_key("draft-42")
    assert tid_from_key("draft-42") != tid_from_key("draft-43")


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=200))
def test_any_key_gives_a_valid_tid(key: str) -> None:
    assert is_tid(tid_from_key(key))


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=120))
def test_facets_always_cut_on_character_boundaries(text: str) -> None:
    data = text.encode("utf-8")
    for facet in facets(text, lambda h: "did:plc:x"):
        start, end = facet["index"]["byteStart"], facet["index"]["byteEnd"]
        assert 0 <= start < end <= len(data)
        data[start:end].decode("utf-8")  # raises if a facet splits a character
