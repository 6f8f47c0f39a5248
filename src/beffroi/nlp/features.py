"""Fast features shared by every tier: hashed word and character n-grams with IDF, plus cue counts."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

from beffroi.nlp import lexicons
from beffroi.nlp.normalize import normalize

WORD_BITS = 18
CHAR_BITS = 18
N_HASHED = 2**WORD_BITS + 2**CHAR_BITS

CUE_NAMES: tuple[str, ...] = (
    "insult",
    "threat",
    "hate",
    "request",
    "demand",
    "problem",
    "question_mark",
    "positive",
    "negative",
    "irony",
    "exclamation",
    "caps_ratio",
    "log_length",
    "emo_pos",
    "emo_neg",
    "emo_clap",
    *(f"topic_{name}" for name in lexicons.TOPIC_CUES),
)

# Character n-grams stay within word boundaries: they absorb typos and SMS spellings.
_WORD_VECTORIZER = HashingVectorizer(
    n_features=2**WORD_BITS,
    analyzer="word",
    ngram_range=(1, 2),
    token_pattern=r"(?u)[\w']+|[?!]",
    alternate_sign=False,
    norm=None,
    lowercase=False,
    dtype=np.float32,
)
_CHAR_VECTORIZER = HashingVectorizer(
    n_features=2**CHAR_BITS,
    analyzer="char_wb",
    ngram_range=(2, 5),
    alternate_sign=False,
    norm=None,
    lowercase=False,
    dtype=np.float32,
)


def hashed_counts(normalized: Sequence[str]) -> sp.csr_matrix:
    words = _WORD_VECTORIZER.transform(normalized)
    chars = _CHAR_VECTORIZER.transform(normalized)
    return sp.hstack([words, chars], format="csr", dtype=np.float32)


def tfidf(counts: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF times IDF, each block (words, characters) L2-normalised on its own."""
    x = counts.copy()
    x.data = 1.0 + np.log(x.data)
    x = x.multiply(idf.reshape(1, -1)).tocsr()
    split = 2**WORD_BITS
    blocks = [x[:, :split], x[:, split:]]
    normed = []
    for block in blocks:
        norms = np.sqrt(np.asarray(block.multiply(block).sum(axis=1)).ravel())
        norms[norms == 0] = 1.0
        normed.append(sp.diags(1.0 / norms) @ block)
    return sp.hstack(normed, format="csr", dtype=np.float32)


def cue_vector(raw: str, normalized: str) -> list[float]:
    letters = [c for c in raw if c.isalpha()]
    caps = sum(1 for c in letters if c.isupper()) / len(letters) if len(letters) > 3 else 0.0
    return [
        float(lexicons.count(lexicons.INSULT, normalized)),
        float(lexicons.count(lexicons.THREAT, normalized)),
        float(lexicons.count(lexicons.HATE, normalized)),
        float(lexicons.count(lexicons.REQUEST, normalized)),
        float(lexicons.count(lexicons.DEMAND, normalized)),
        float(lexicons.count(lexicons.PROBLEM, normalized)),
        float(normalized.count("?")),
        float(lexicons.count(lexicons.POSITIVE, normalized)),
        float(lexicons.count(lexicons.NEGATIVE, normalized)),
        float(lexicons.count(lexicons.IRONY, normalized)),
        float(normalized.count("!")),
        caps,
        math.log1p(len(normalized)),
        float(normalized.count("emopos")),
        float(normalized.count("emoneg")),
        float(normalized.count("emoclap")),
        *(float(lexicons.count(p, normalized)) for p in lexicons.TOPIC_CUES.values()),
    ]


def cues(raws: Sequence[str], normalized: Sequence[str]) -> np.ndarray:
    # Counts saturate: a rant with ten "!" is not ten times angrier for a linear model.
    values = np.array(
        [cue_vector(r, n) for r, n in zip(raws, normalized, strict=True)], dtype=np.float32
    )
    return np.minimum(values, 3.0).reshape(len(raws), len(CUE_NAMES))


def normalize_all(texts: Sequence[str]) -> list[str]:
    return [normalize(t) for t in texts]


def design_matrix(
    raws: Sequence[str], normalized: Sequence[str], idf: np.ndarray, cue_scale: float
) -> sp.csr_matrix:
    """The fast tier's input to every head: TF-IDF n-grams then scaled cue counts."""
    text_part = tfidf(hashed_counts(normalized), idf)
    cue_part = sp.csr_matrix(cues(raws, normalized) * cue_scale)
    return sp.hstack([text_part, cue_part], format="csr", dtype=np.float32)
