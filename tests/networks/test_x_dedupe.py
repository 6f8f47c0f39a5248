"""Finding an earlier attempt without an idempotency key: fingerprints, window, parent, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from beffroi.core.domain import Network
from beffroi.networks.dedupe import (
    Candidate,
    find_earlier_attempt,
    publish_once,
    text_fingerprint,
)
from beffroi.networks.errors import ContentRejected, Transient
from beffroi.networks.types import PublishResult

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("sent", "as_listed"),
    [
        ("Infos : https://www.ville-exemple.fr/travaux", "Infos : https://t.co/AbC123xYz"),
        ("Le #vélo (enfin)", "Le {hashtag|\\#|vélo} \\(enfin\\)"),
        ("Deux  espaces\net un saut", "Deux espaces et un saut"),
        ("Élections & vote", "élections &amp; vote"),
        ("Café", "Cafe\u0301"),  # composed and decomposed accents
    ],
)
def test_texts_the_network_rewrote_still_match(sent: str, as_listed: str) -> None:
    assert text_fingerprint(sent) == text_fingerprint(as_listed)


def test_different_texts_do_not_match() -> None:
    assert text_fingerprint("Piscine fermée lundi") != text_fingerprint("Piscine fermée mardi")


@given(st.text())
def test_fingerprint_is_stable(text: str) -> None:
    once = text_fingerprint(text)
    assert text_fingerprint(once) == once


def candidate(text: str, minutes_ago: float, reply_to: str | None = None) -> Candidate:
    return Candidate(
        remote_id=f"id-{minutes_ago}",
        text=text,
        created_at=NOW - timedelta(minutes=minutes_ago),
        in_reply_to=reply_to,
    )


def test_only_posts_inside_the_window_count() -> None:
    weekly = [candidate("Conseil municipal ce soir", minutes_ago=7 * 24 * 60)]
    assert find_earlier_attempt("Conseil municipal ce soir", weekly, now=NOW) is None
    recent = [*weekly, candidate("Conseil municipal ce soir", minutes_ago=3)]
    found = find_earlier_attempt("Conseil municipal ce soir", recent, now=NOW)
    assert found is not None and found.remote_id == "id-3"


def test_the_newest_match_wins() -> None:
    listed = [candidate("Texte", 30), candidate("Texte", 2), candidate("Texte", 10)]
    found = find_earlier_attempt("Texte", listed, now=NOW)
    assert found is not None and found.remote_id == "id-2"


def test_a_reply_matches_only_under_the_same_parent() -> None:
    listed = [candidate("Merci !", 1, reply_to="A")]
    assert find_earlier_attempt("Merci !", listed, now=NOW, in_reply_to="B") is None
    assert find_earlier_attempt("Merci !", listed, now=NOW, in_reply_to="A") is not None


def test_an_empty_text_never_matches() -> None:
    assert find_earlier_attempt("https://x.fr", [candidate("", 1)], now=NOW) is None


def result(remote_id: str, already: bool = False) -> PublishResult:
    return PublishResult(remote_id=remote_id, url=None, published_at=NOW, already_published=already)


def test_publish_once_looks_before_and_after_an_unsure_failure() -> None:
    calls: list[str] = []
    answers = [None, result("found", already=True)]

    def lookup() -> PublishResult | None:
        calls.append("lookup")
        return answers.pop(0)

    def create() -> PublishResult:
        calls.append("create")
        raise Transient(Network.X, "délai dépassé")

    assert publish_once(lookup=lookup, create=create).remote_id == "found"
    assert calls == ["lookup", "create", "lookup"]


def test_publish_once_raises_a_refusal_that_is_not_a_duplicate_without_looking_again() -> None:
    calls: list[str] = []

    def lookup() -> PublishResult | None:
        calls.append("lookup")
        return None

    def create() -> PublishResult:
        raise ContentRejected(Network.X, "trop long")

    with pytest.raises(ContentRejected):
        publish_once(lookup=lookup, create=create, is_duplicate=lambda e: "double" in e.message)
    assert calls == ["lookup"]
