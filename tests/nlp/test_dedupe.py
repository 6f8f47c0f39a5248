"""dup_of: a repeat is found with typos, case, accents or emojis changed; other messages are not."""

from __future__ import annotations

from beffroi.nlp import DuplicateIndex, Enricher, enrich_records

ORIGINAL = "Bravo la mairie, 3 semaines que les poubelles débordent rue Pasteur 👏"


def test_altered_copies_point_to_the_first(fast: Enricher) -> None:
    texts = [
        ORIGINAL,
        "La piscine est fermée ce week-end ?",
        "bravo la mairie 3 semaines que les poubelles debordent rue pasteur",
        "BRAVO LA MAIRIE, 3 semaines que les poubeles débordent rue Pasteur 👏👏👏",
        "Bravo la mairie, 3 semaines que les bus sont en retard rue Pasteur",
    ]
    results = fast.enrich(texts, ["a", "b", "c", "d", "e"])
    assert [r.dup_of for r in results] == [None, None, "a", "a", None]


def test_short_messages_must_match_exactly() -> None:
    index = DuplicateIndex()
    assert index.check_and_add("1", "Merci !") is None
    assert index.check_and_add("2", "merci") == "1"
    assert index.check_and_add("3", "Mercredi") is None


def test_index_spans_batches_of_a_stream() -> None:
    texts = [
        "La piscine est fermée ce week-end ?",
        "Merci pour le feu d'artifice",
        "Le bus 12 est encore en retard ce matin",
        "Les stands du marché du dimanche bloquent la rue des Lilas",
        "Où trouver les horaires de la déchetterie ?",
    ]
    records = [{"id": i, "text": t, "network": "x"} for i, t in enumerate(texts)]
    records.append(
        {"id": 99, "text": "les stands du marche du dimanche bloquent la rue des lilas !!"}
    )
    out = list(enrich_records(records, tier="fast", batch_size=2))
    assert out[-1]["dup_of"] == 3  # the caller's int id comes back as an int
    assert all(r["dup_of"] is None for r in out[:-1])
