"""Pieces of the training command that decide what is reported and written."""

from __future__ import annotations

import gzip

import numpy as np

from beffroi.nlp.enricher import MODELS_DIR, SENTIMENT_CLASSES
from beffroi.nlp.train import TaskData, sentiment_cv_by_source


def one_hot(labels: list[str]) -> np.ndarray:
    return np.array([[float(c == label) for c in SENTIMENT_CLASSES] for label in labels])


def test_sentiment_cross_validation_scores_tweets_and_civic_apart() -> None:
    groups = np.array(["umsab-train-0", "umsab-train-1", "umsab-train-2", "c1", "c2", "c3"])
    gold = ["negative", "neutral", "positive", "negative", "neutral", "positive"]
    task = TaskData("sentiment", np.arange(6), np.array(gold), SENTIMENT_CLASSES, False)
    # Right on every tweet, wrong on every civic message (each shifted to the next class).
    shifted = ["neutral", "positive", "negative"]
    probs = one_hot(gold[:3] + shifted)

    scores = sentiment_cv_by_source(task, groups, {"accurate": probs})

    assert scores == {"accurate": {"tweets": 1.0, "civic": 0.0}}


def test_towns_file_has_no_build_time_in_it() -> None:
    # A gzip header carries a modification time unless told not to: a rebuild would change the bytes.
    raw = (MODELS_DIR / "towns.txt.gz").read_bytes()
    assert raw[4:8] == b"\x00\x00\x00\x00"
    assert "Villeurbanne" in gzip.decompress(raw).decode("utf-8").splitlines()
