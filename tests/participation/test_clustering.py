"""Grouping answers into ideas without saying how many ideas there are."""

from __future__ import annotations

import numpy as np
from sklearn.metrics import adjusted_rand_score

from beffroi.participation.clustering import (
    centred,
    group_answers,
    keyword_baseline,
    medoid,
    near_duplicates,
)

ANSWERS = [
    ("jardins", "Des jardins partagés pour les habitants du quartier"),
    ("jardins", "un potager collectif avec des parcelles pour les habitants"),
    ("jardins", "Jardins partagés et potagers pour les familles du quartier"),
    ("jardins", "des jardins partages pr les habitants du quartier !!"),
    ("skate", "Un skatepark pour les ados, ils n'ont rien"),
    ("skate", "skate park + rampe de trottinette pour les ados"),
    ("skate", "Un skatepark en béton pour les jeunes et les ados"),
    ("parking", "Un parking gratuit pour les riverains, impossible de se garer"),
    ("parking", "Des places de parking !! on ne peut jamais se garer le soir"),
    ("parking", "parking pour les riverains svp, on tourne pour se garer"),
]


def test_near_duplicates_point_to_the_first_copy():
    texts = [
        "Des jardins partagés pour les habitants du quartier",
        "Un skatepark",
        "des jardins partages pour les habitants du quartier !!! 👍",
    ]
    assert near_duplicates(texts) == [None, None, 0]


def test_fast_grouping_finds_the_ideas_without_being_told_how_many():
    texts = [t for _, t in ANSWERS]
    truth = [label for label, _ in ANSWERS]
    grouping = group_answers(texts)
    assert grouping.duplicate_of[3] == 0  # the SMS copy of the first answer
    assert grouping.labels[3] == grouping.labels[0]
    assert 2 <= grouping.idea_count <= 6
    assert adjusted_rand_score(truth, grouping.labels) > 0.4
    # Each idea's representative is one of its own answers.
    for label, index in grouping.medoids.items():
        assert grouping.labels[index] == label


def test_accurate_grouping_uses_the_given_embeddings():
    # Three directions standing for three ideas, with a little noise: the embedding part decides.
    rng = np.random.default_rng(0)
    axes = np.eye(8, dtype=np.float32)[:3]
    truth = [0] * 5 + [1] * 5 + [2] * 5
    e5 = np.vstack([axes[t] + rng.normal(0, 0.05, 8) for t in truth]).astype(np.float32)
    e5 /= np.linalg.norm(e5, axis=1, keepdims=True)
    texts = [
        "bleu",
        "vert",
        "rouge",
        "jaune",
        "orange",
        "violet",
        "marron",
        "gris",
        "noir",
        "blanc",
        "rose",
        "beige",
        "ocre",
        "kaki",
        "or",
    ]
    grouping = group_answers(texts, e5=e5)
    assert adjusted_rand_score(truth, grouping.labels) == 1.0


def test_medoid_is_the_most_central_member():
    vectors = np.array([[1, 0], [0.9, 0.1], [0.8, 0.2], [0, 1]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert medoid(vectors, [0, 1, 2]) == 1
    assert medoid(vectors, [3]) == 3


def test_centring_removes_the_shared_direction():
    shared = np.array([[5.0, 1.0, 0.0], [5.0, 0.0, 1.0]], dtype=np.float32)
    out = centred(shared)
    assert abs(float(out[0] @ out[1]) + 1.0) < 1e-5  # opposite once the common part is gone


def test_keyword_baseline_files_answers_under_their_commonest_word():
    labels = keyword_baseline(["parking voitures", "parking riverains", "jardin potager", "jardin"])
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]


def test_empty_and_single_inputs():
    assert group_answers([]).idea_count == 0
    single = group_answers(["Un skatepark"])
    assert single.labels == (0,) and single.medoids == {0: 0}
