"""Answers grouped into ideas: near-duplicates first, then agglomerative clustering of sentence
embeddings cut at a distance, so the number of ideas comes from the answers, not from the user.

No Django here: the same functions serve the consultation services and the benchmark.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from beffroi.nlp.dedupe import DuplicateIndex
from beffroi.nlp.normalize import dedupe_key

# Every answer to one question shares a large common direction in embedding space ("this is
# about the wasteland"), which squeezes all cosine distances into a narrow band. Subtracting the
# consultation's mean vector removes it; after that, a centred cosine distance of 1 means "no
# closer than two random answers", and an idea is a group whose members are, on average, clearly
# closer than that. Average linkage keeps that meaning whatever the number of answers.
ACCURATE_THRESHOLD = 0.93
FAST_THRESHOLD = 0.97
# Weight of the character n-gram part next to the embedding part in the accurate space: spelling
# variants of the same words (typos, SMS) pull together even where the small model hesitates.
NGRAM_WEIGHT = 0.7


@dataclass(frozen=True)
class Grouping:
    """One idea number per answer, the representative answer of each idea, and the duplicates found."""

    labels: tuple[int, ...]
    medoids: dict[int, int]
    duplicate_of: tuple[int | None, ...]

    @property
    def idea_count(self) -> int:
        return len(self.medoids)

    def members(self, label: int) -> list[int]:
        return [i for i, lab in enumerate(self.labels) if lab == label]


def e5_vectors(texts: Sequence[str]) -> np.ndarray:
    """Multilingual sentence embeddings (beffroi.nlp), L2-normalised."""
    from beffroi.nlp.embeddings import embed

    return embed(list(texts))


def tfidf_vectors(texts: Sequence[str], dims: int = 192) -> np.ndarray:
    """Character n-gram TF-IDF reduced by SVD: a fast, model-free stand-in for embeddings."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.feature_extraction.text import TfidfVectorizer

    keys = [dedupe_key(t) or "vide" for t in texts]
    matrix = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True
    ).fit_transform(keys)
    n_components = min(dims, matrix.shape[0] - 1, matrix.shape[1] - 1)
    if n_components < 2:
        dense = matrix.toarray()
    else:
        dense = TruncatedSVD(n_components=n_components, random_state=0).fit_transform(matrix)
    return _unit(np.asarray(dense))


def near_duplicates(texts: Sequence[str]) -> list[int | None]:
    """For each answer, the index of the earlier answer it repeats (typos and emojis aside), or None."""
    index = DuplicateIndex()
    found = [index.check_and_add(str(i), text) for i, text in enumerate(texts)]
    return [int(f) if f is not None else None for f in found]


def cluster_vectors(vectors: np.ndarray, threshold: float) -> np.ndarray:
    """Average-linkage agglomerative clustering on cosine distance, cut at `threshold` (labels from 0)."""
    n = vectors.shape[0]
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    tree = linkage(vectors.astype(np.float64), method="average", metric="cosine")
    raw = fcluster(tree, t=threshold, criterion="distance")
    # Renumber by first appearance so labels are stable for the same input.
    order: dict[int, int] = {}
    return np.array([order.setdefault(int(r), len(order)) for r in raw], dtype=int)


def medoid(vectors: np.ndarray, members: Sequence[int]) -> int:
    """The member closest on average to the others: the idea's most representative phrasing."""
    if len(members) == 1:
        return members[0]
    block = vectors[list(members)]
    similarity = block @ block.T
    return members[int(np.argmax(similarity.sum(axis=1)))]


def _unit(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix / np.where(norms == 0, 1.0, norms), dtype=np.float32)


def centred(vectors: np.ndarray) -> np.ndarray:
    """Vectors minus their mean, renormalised: what sets answers apart, not what they share."""
    if len(vectors) < 2:
        return vectors
    return _unit(vectors - vectors.mean(axis=0, keepdims=True))


def idea_space(texts: Sequence[str], e5: np.ndarray | None) -> np.ndarray:
    """Accurate: centred embeddings beside character n-grams; fast (no embeddings): centred n-grams."""
    ngrams = tfidf_vectors(texts)
    if e5 is None:
        return centred(ngrams)
    return _unit(np.hstack([centred(e5), NGRAM_WEIGHT * ngrams]))


def group_answers(
    texts: Sequence[str],
    *,
    e5: np.ndarray | None = None,
    threshold: float | None = None,
) -> Grouping:
    """Near-duplicates merged, the distinct answers clustered, each idea given its medoid.

    `e5` (one row per text) selects the accurate method; without it the fast one runs.
    """
    if threshold is None:
        threshold = ACCURATE_THRESHOLD if e5 is not None else FAST_THRESHOLD
    duplicate_of = near_duplicates(texts)
    distinct = [i for i, d in enumerate(duplicate_of) if d is None]
    if distinct:
        space = idea_space([texts[i] for i in distinct], None if e5 is None else e5[distinct])
    else:
        space = np.zeros((0, 1), np.float32)
    distinct_labels = cluster_vectors(space, threshold)
    labels = [0] * len(texts)
    for position, i in enumerate(distinct):
        labels[i] = int(distinct_labels[position])
    for i, original in enumerate(duplicate_of):
        if original is not None:
            labels[i] = labels[original]
    medoids: dict[int, int] = {}
    for label in sorted(set(distinct_labels.tolist())):
        positions = [p for p, lab in enumerate(distinct_labels) if lab == label]
        medoids[label] = distinct[medoid(space, positions)]
    return Grouping(labels=tuple(labels), medoids=medoids, duplicate_of=tuple(duplicate_of))


# --------------------------------------------------------------------------- keyword baseline
_WORD = re.compile(r"[a-z]{4,}")
STOPWORDS = frozenset(
    [
        "avec",
        "pour",
        "dans",
        "plus",
        "sans",
        "mais",
        "donc",
        "elle",
        "elles",
        "nous",
        "vous",
        "ils",
        "leur",
        "leurs",
        "cette",
        "comme",
        "tout",
        "tous",
        "toute",
        "toutes",
        "faire",
        "faut",
        "faudrait",
        "fait",
        "sont",
        "etre",
        "avoir",
        "aussi",
        "bien",
        "tres",
        "trop",
        "deja",
        "encore",
        "avant",
        "apres",
        "quand",
        "alors",
        "ceux",
        "celle",
        "cela",
        "ville",
        "commune",
        "quartier",
        "merci",
        "bonjour",
        "perso",
        "franchement",
        "dirais",
        "pourquoi",
        "chose",
        "quelque",
        "peut",
        "autre",
        "autres",
        "entre",
        "depuis",
        "jamais",
        "rien",
        "moins",
        "enfin",
    ]
)


def keyword_baseline(texts: Sequence[str]) -> list[int]:
    """Each answer filed under its word most frequent in the whole set (the usual tag-cloud grouping)."""
    tokenised = [[w for w in _WORD.findall(dedupe_key(t)) if w not in STOPWORDS] for t in texts]
    frequency = Counter(w for words in tokenised for w in set(words))
    groups: dict[str, int] = {}
    labels = []
    for words in tokenised:
        key = max(words, key=lambda w: (frequency[w], w)) if words else ""
        labels.append(groups.setdefault(key, len(groups)))
    return labels
