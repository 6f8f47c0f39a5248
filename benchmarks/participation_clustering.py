"""How well Beffroi groups consultation answers into ideas, against the labels and a keyword baseline.

    .venv/bin/python benchmarks/participation_clustering.py [--embed-all]

Labelled set: datasets/consultations/answers.csv (three questions, one idea label per answer).
Each question is grouped on its own, as a consultation is. Prints adjusted Rand index and V-measure
for: the keyword baseline (each answer filed under its most frequent word), the fast method
(centred character n-grams) and the accurate one (centred multilingual-e5 embeddings beside the
n-grams), with a sweep of the cut distance (the defaults were chosen on this set: the neighbouring
values show how sharp the choice is); then the time to group 10,000 answers. Without --embed-all the embedding time of those
10,000 is measured on 256 of them and extrapolated (the machine is shared; e5 runs at a few dozen
answers a second on two cores), and the clustering itself runs on 10,000 real vectors.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import importlib.util
import random
import sys
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.progress import track
from rich.table import Table
from sklearn.metrics import adjusted_rand_score, v_measure_score

from beffroi.participation.clustering import (
    ACCURATE_THRESHOLD,
    FAST_THRESHOLD,
    cluster_vectors,
    e5_vectors,
    group_answers,
    idea_space,
    keyword_baseline,
)

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "datasets" / "consultations"
CACHE = Path.home() / ".cache" / "beffroi" / "participation"
console = Console()


def load() -> list[dict[str, str]]:
    with (DATA / "answers.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def cached_e5(texts: list[str]) -> np.ndarray:
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:16]
    path = CACHE / f"e5-{digest}.npy"
    if path.exists():
        return np.load(path)
    vectors = np.vstack(
        [e5_vectors(texts[i : i + 64]) for i in track(range(0, len(texts), 64), "e5")]
    )
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def scores(truth: list[str], predicted: list[int]) -> tuple[float, float]:
    return adjusted_rand_score(truth, predicted), v_measure_score(truth, predicted)


def evaluate(rows: list[dict[str, str]], e5: np.ndarray) -> None:
    questions = sorted({r["question"] for r in rows})
    table = Table(title="Regroupement des réponses en idées (par question)")
    for column in ("question", "méthode", "idées (vrai)", "ARI", "V-mesure", "ARI / base"):
        table.add_column(column)
    overall: dict[str, list[tuple[float, float]]] = {"mots-clés": [], "rapide": [], "e5": []}
    for question in questions:
        idx = [i for i, r in enumerate(rows) if r["question"] == question]
        texts = [rows[i]["text"] for i in idx]
        truth = [rows[i]["idea"] for i in idx]
        base = keyword_baseline(texts)
        fast = group_answers(texts)
        accurate = group_answers(texts, e5=e5[idx])
        base_ari, base_v = scores(truth, base)
        for name, labels in (
            ("mots-clés", base),
            ("rapide", list(fast.labels)),
            ("e5", list(accurate.labels)),
        ):
            ari, v = scores(truth, labels)
            overall[name].append((ari, v))
            table.add_row(
                question,
                name,
                f"{len(set(labels))} ({len(set(truth))})",
                f"{ari:.3f}",
                f"{v:.3f}",
                f"{ari / base_ari:.2f}×" if base_ari > 0 else "-",
            )
    console.print(table)
    base_ari = float(np.mean([a for a, _ in overall["mots-clés"]]))
    base_v = float(np.mean([v for _, v in overall["mots-clés"]]))
    for name, values in overall.items():
        ari = float(np.mean([a for a, _ in values]))
        v = float(np.mean([v for _, v in values]))
        console.print(
            f"moyenne {name:10s} ARI {ari:.3f} ({ari / base_ari:.2f}× la base)  "
            f"V-mesure {v:.3f} ({v / base_v:.2f}× la base)"
        )


def sweep(rows: list[dict[str, str]], e5: np.ndarray) -> None:
    table = Table(title="Distance de coupe (moyenne des trois questions)")
    for column in ("méthode", "seuil", "ARI", "V-mesure"):
        table.add_column(column)
    questions = sorted({r["question"] for r in rows})
    for name, thresholds in (
        ("e5", (0.85, 0.90, ACCURATE_THRESHOLD, 0.95, 0.98)),
        ("rapide", (0.90, 0.95, FAST_THRESHOLD, 1.0, 1.02)),
    ):
        for threshold in thresholds:
            values = []
            for question in questions:
                idx = [i for i, r in enumerate(rows) if r["question"] == question]
                texts = [rows[i]["text"] for i in idx]
                truth = [rows[i]["idea"] for i in idx]
                if name == "e5":
                    grouping = group_answers(texts, e5=e5[idx], threshold=threshold)
                else:
                    grouping = group_answers(texts, threshold=threshold)
                values.append(scores(truth, list(grouping.labels)))
            table.add_row(
                name,
                f"{threshold:.2f}",
                f"{np.mean([a for a, _ in values]):.3f}",
                f"{np.mean([v for _, v in values]):.3f}",
            )
    console.print(table)


def ten_thousand(rows: list[dict[str, str]], e5: np.ndarray, embed_all: bool) -> None:
    spec = importlib.util.spec_from_file_location("consultations_build", DATA / "build.py")
    assert spec and spec.loader
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    rng = random.Random(7)
    picks = [rng.randrange(len(rows)) for _ in range(10_000)]
    texts = [build.variant(rows[i]["text"], rng) for i in picks]

    start = time.perf_counter()
    base = keyword_baseline(texts)
    base_s = time.perf_counter() - start
    console.print(f"10 000 réponses, base mots-clés : {base_s:.2f} s ({len(set(base))} groupes)")

    start = time.perf_counter()
    fast = group_answers(texts)
    fast_s = time.perf_counter() - start
    console.print(
        f"10 000 réponses, méthode rapide (vecteurs compris) : {fast_s:.1f} s "
        f"({fast_s / base_s:.0f}× la base, {fast.idea_count} idées)"
    )

    if embed_all:
        start = time.perf_counter()
        vectors = np.vstack(
            [e5_vectors(texts[i : i + 64]) for i in track(range(0, len(texts), 64), "e5 10k")]
        )
        embed_s = time.perf_counter() - start
        embedded = "mesuré"
    else:
        sample = texts[:256]
        start = time.perf_counter()
        e5_vectors(sample)
        embed_s = (time.perf_counter() - start) * len(texts) / len(sample)
        # Real e5 vectors of the labelled answers the 10,000 were drawn from, with the small
        # jitter their typos would add: the linkage sees the same geometry as with real ones.
        jitter = np.random.default_rng(7).normal(0, 0.01, (len(texts), e5.shape[1]))
        vectors = e5[picks] + jitter.astype(np.float32)
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        embedded = "extrapolé de 256"
    start = time.perf_counter()
    accurate = group_answers(texts, e5=vectors)
    cluster_s = time.perf_counter() - start
    # Worst case: no near-duplicate to fold away, all 10,000 rows go through the linkage.
    start = time.perf_counter()
    worst = cluster_vectors(idea_space(texts, vectors), ACCURATE_THRESHOLD)
    worst_s = time.perf_counter() - start
    console.print(
        f"10 000 réponses sans doublon retiré : espace des idées et regroupement {worst_s:.1f} s "
        f"({len(set(worst.tolist()))} groupes)"
    )
    console.print(
        f"10 000 réponses, méthode e5 : plongements {embed_s:.0f} s ({embedded}) + "
        f"doublons, regroupement et médoïdes {cluster_s:.1f} s = {embed_s + cluster_s:.0f} s "
        f"({(embed_s + cluster_s) / base_s:.0f}× la base, {accurate.idea_count} idées, "
        f"{sum(d is not None for d in accurate.duplicate_of)} quasi-doublons)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--embed-all", action="store_true", help="embed the 10,000 answers with e5")
    args = parser.parse_args(argv)
    rows = load()
    console.print(
        f"{len(rows)} réponses étiquetées, {len({(r['question'], r['idea']) for r in rows})} idées"
    )
    e5 = cached_e5([r["text"] for r in rows])
    evaluate(rows, e5)
    sweep(rows, e5)
    ten_thousand(rows, e5, args.embed_all)
    return 0


if __name__ == "__main__":
    sys.exit(main())
