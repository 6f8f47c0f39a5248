"""Build datasets/civic/{train,val}.jsonl from the hand-written sources in datasets/civic/source/.

Each source line is `<sentiment><request><toxic> text` with sentiment in + 0 -, request Q or .,
toxic X or . ; the file name is the topic. The split is fixed by a hash of the text, so adding
messages never moves an old one from validation into training.

    .venv/bin/python scripts/nlp_civic_dataset.py
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "datasets" / "civic" / "source"
SENTIMENT = {"+": "positive", "0": "neutral", "-": "negative"}
VAL_SHARE_PERCENT = 25


def parse_line(line: str, topic: str, where: str) -> dict[str, object]:
    flags, _, text = line.partition(" ")
    if len(flags) != 3 or flags[0] not in SENTIMENT or flags[1] not in "Q." or flags[2] not in "X.":
        raise ValueError(f"{where}: bad flags {flags!r}")
    text = text.strip()
    if not text:
        raise ValueError(f"{where}: empty text")
    return {
        "text": text,
        "topic": topic,
        "sentiment": SENTIMENT[flags[0]],
        "is_request": flags[1] == "Q",
        "toxic": flags[2] == "X",
    }


def split_of(text: str) -> str:
    bucket = int(hashlib.sha256(text.encode("utf-8")).hexdigest(), 16) % 100
    return "val" if bucket < VAL_SHARE_PERCENT else "train"


def main() -> int:
    rows: dict[str, list[dict[str, object]]] = {"train": [], "val": []}
    seen: set[str] = set()
    for path in sorted(SOURCE.glob("*.txt")):
        topic = path.stem.split(".")[0]
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip() or line.startswith("#"):
                continue
            row = parse_line(line, topic, f"{path.name}:{number}")
            if row["text"] in seen:
                raise ValueError(f"{path.name}:{number}: duplicate message")
            seen.add(str(row["text"]))
            split = split_of(str(row["text"]))
            row["id"] = f"civic-{hashlib.sha256(str(row['text']).encode()).hexdigest()[:10]}"
            rows[split].append(row)
    for split, items in rows.items():
        out = ROOT / "datasets" / "civic" / f"{split}.jsonl"
        with out.open("w", encoding="utf-8") as fh:
            for item in items:
                fh.write(json.dumps(item, ensure_ascii=False) + "\n")
        print(f"{out.relative_to(ROOT)}: {len(items)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
