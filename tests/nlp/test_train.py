"""Pieces of the training command that decide what is reported and written."""

from __future__ import annotations

import gzip

import numpy as np

from beffroi.nlp.enricher import MODELS_DIR, SENTIMENT_CLASSES
from beffroi.nlp.train import TaskData, best_threshold, middle_of_plateau, sentiment_cv_by_source


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


def test_threshold_is_the_middle_of_the_plateau_not_its_edge() -> None:
    # Flags score 0.9 and above, the rest 0.1 and below: every threshold from 0.20 to 0.80 is perfect.
    gold = np.array([1, 1, 1, 0, 0, 0])
    probs = np.array([[0.95], [0.9], [0.92], [0.1], [0.05], [0.08]])
    assert best_threshold(gold, probs) == 0.5


def test_threshold_follows_the_best_scores() -> None:
    # Only a threshold above 0.6 keeps the 0.6 negative out and the 0.7 positive in.
    gold = np.array([1, 1, 0, 0])
    probs = np.array([[0.7], [0.9], [0.6], [0.1]])
    assert 0.6 < best_threshold(gold, probs) <= 0.7


def test_blend_weight_is_the_middle_of_the_tied_weights_not_the_first() -> None:
    # A few held-out insults: every weight from 0.1 up finds them all; 0.1 would leave the tuned
    # encoder almost no say on new insults.
    scores = {0.0: 0.9, **{round(w / 10, 1): 1.0 for w in range(1, 11)}}
    assert middle_of_plateau(scores) == 0.6
