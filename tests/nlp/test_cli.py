"""The contract of `beffroi enrich`: pass-through fields, added fields, malformed lines reported and skipped."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from beffroi.cli import app
from beffroi.core.domain import Topic

ADDED = {
    "lang",
    "sentiment",
    "sentiment_score",
    "topic",
    "topic_scores",
    "is_request",
    "toxic",
    "places",
    "dup_of",
}


def run(tmp_path: Path, lines: list[str], *extra: str) -> tuple[int, list[dict[str, object]], str]:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "out.jsonl"
    result = CliRunner().invoke(
        app, ["enrich", "--input", str(source), "--output", str(target), *extra]
    )
    records = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    return result.exit_code, records, result.stderr


def test_fields_are_added_and_others_pass_through(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {
                "id": "m1",
                "text": "Le bus 12 n'est pas passé, c'est quand le prochain ?",
                "network": "x",
                "meta": {"likes": 3},
            }
        ),
        json.dumps(
            {
                "id": "m2",
                "text": "le bus 12 n est pas passe c est quand le prochain",
                "author": None,
            }
        ),
    ]
    code, records, _ = run(tmp_path, lines, "--tier", "fast")
    assert code == 0
    first, second = records
    assert first["network"] == "x" and first["meta"] == {"likes": 3} and second["author"] is None
    assert set(first) == ADDED | {"id", "text", "network", "meta"}
    assert first["lang"] == "fr"
    assert first["sentiment"] in {"positive", "neutral", "negative"}
    assert -1 <= first["sentiment_score"] <= 1
    assert first["topic"] in {t.value for t in Topic}
    assert set(first["topic_scores"]) == {t.value for t in Topic}
    assert isinstance(first["is_request"], bool) and isinstance(first["toxic"], bool)
    assert isinstance(first["places"], list)
    assert (first["dup_of"], second["dup_of"]) == (None, "m1")


def test_malformed_lines_are_reported_with_their_number_and_skipped(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": 1, "text": "Merci pour la fête du village"}),
        "{ceci n'est pas du JSON",
        json.dumps({"id": 3}),
        json.dumps(["une", "liste"]),
        json.dumps({"id": 5, "text": 42}),
        json.dumps({"id": 6, "text": "La piscine ouvre quand ?"}),
    ]
    code, records, stderr = run(tmp_path, lines, "--tier", "fast")
    assert code == 0
    assert [r["id"] for r in records] == [1, 6]
    for number in (2, 3, 4, 5):
        assert f"ligne {number} " in stderr
    assert "ligne 1 " not in stderr and "ligne 6 " not in stderr
    assert "2 messages enrichis" in stderr and "4 lignes ignorées" in stderr


def test_default_tier_is_accurate(tmp_path: Path) -> None:
    code, records, stderr = run(
        tmp_path,
        [
            json.dumps(
                {"id": "a", "text": "Bravo la mairie, 3 semaines que les poubelles débordent 👏"}
            )
        ],
    )
    assert code == 0
    assert "enrichissement (accurate)" in stderr
    assert records[0]["sentiment"] == "negative"
    assert records[0]["topic"] == "proprete_dechets"


def test_unknown_tier_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text("", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["enrich", "--input", str(source), "--output", str(tmp_path / "o"), "--tier", "turbo"]
    )
    assert result.exit_code == 2
