"""The enricher: every field of the `beffroi enrich` contract for a batch of texts, in one of two tiers.

- fast: hashed n-grams of the normalised text and cue counts, linear heads (thousands of messages
  per second on 2 cores).
- accurate: the same, blended with heads on multilingual-e5-small embeddings (tens of messages per
  second, better on irony, typos and unseen wording).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from beffroi.core.domain import Sentiment, Topic
from beffroi.nlp import features
from beffroi.nlp.dedupe import DuplicateIndex
from beffroi.nlp.heads import LinearHead
from beffroi.nlp.language import detect_language
from beffroi.nlp.places import PlaceFinder
from beffroi.nlp.types import Enrichment

MODELS_DIR = Path(__file__).resolve().parent / "models"
TIERS: tuple[str, ...] = ("fast", "accurate")
TASKS: tuple[str, ...] = ("sentiment", "topic", "request", "toxic")
SENTIMENT_CLASSES: tuple[str, ...] = ("negative", "neutral", "positive")
TOPIC_CLASSES: tuple[str, ...] = tuple(t.value for t in Topic)


class ModelFilesMissing(RuntimeError):
    """The model files are not built: run `python -m beffroi.nlp.train`."""


@dataclass(frozen=True)
class FastModel:
    idf: np.ndarray
    cue_scale: float
    heads: dict[str, LinearHead]

    def design(self, texts: Sequence[str], normalized: Sequence[str]) -> Any:
        return features.design_matrix(texts, normalized, self.idf, self.cue_scale)

    def save(self, path: Path) -> None:
        nonzero = np.flatnonzero(self.idf)
        arrays: dict[str, np.ndarray] = {
            "idf_index": nonzero.astype(np.int32),
            "idf_value": self.idf[nonzero].astype(np.float32),
            "cue_scale": np.array(self.cue_scale),
        }
        for task, head in self.heads.items():
            arrays |= head.to_arrays(task)
        np.savez_compressed(path, allow_pickle=False, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> FastModel:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
        idf = np.zeros(features.N_HASHED, dtype=np.float32)
        idf[arrays["idf_index"]] = arrays["idf_value"]
        heads = {task: LinearHead.from_arrays(arrays, task) for task in TASKS}
        return cls(idf=idf, cue_scale=float(arrays["cue_scale"]), heads=heads)


@dataclass(frozen=True)
class AccurateModel:
    """Heads on embeddings; `blend[task]` is the weight of the embedding head against the fast one."""

    heads: dict[str, LinearHead]
    blend: dict[str, float]

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {}
        for task, head in self.heads.items():
            arrays |= head.to_arrays(task)
            arrays[f"{task}.blend"] = np.array(self.blend[task])
        np.savez_compressed(path, allow_pickle=False, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> AccurateModel:
        with np.load(path) as data:
            arrays = {k: data[k] for k in data.files}
        heads = {task: LinearHead.from_arrays(arrays, task) for task in TASKS}
        blend = {task: float(arrays[f"{task}.blend"]) for task in TASKS}
        return cls(heads=heads, blend=blend)


@dataclass(frozen=True)
class Thresholds:
    request: float
    toxic: float


class Enricher:
    """Loaded models of one tier; `enrich` is safe to call from several threads (no mutable state)."""

    def __init__(
        self,
        tier: str,
        fast: FastModel,
        accurate: AccurateModel | None,
        thresholds: dict[str, Thresholds],
        places: PlaceFinder,
    ) -> None:
        if tier not in TIERS:
            raise ValueError(f"tier inconnu : {tier!r} (choix : {', '.join(TIERS)})")
        if tier == "accurate" and accurate is None:
            raise ValueError("the accurate tier needs its model")
        self.tier = tier
        self._fast = fast
        self._accurate = accurate
        self._thresholds = thresholds[tier]
        self._places = places

    @property
    def thresholds(self) -> Thresholds:
        """The decision thresholds of this tier (request, toxic) applied to `probabilities`."""
        return self._thresholds

    def probabilities(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """Per task: class probabilities (sentiment, topic) or the probability of the flag."""
        normalized = features.normalize_all(texts)
        x = self._fast.design(texts, normalized)
        probs = {task: head.probabilities(x) for task, head in self._fast.heads.items()}
        if self._accurate is not None and self.tier == "accurate" and len(texts):
            from beffroi.nlp.embeddings import embed

            e = embed(texts)
            for task, head in self._accurate.heads.items():
                w = self._accurate.blend[task]
                probs[task] = w * head.probabilities(e) + (1.0 - w) * probs[task]
        return probs

    def enrich(
        self,
        texts: Sequence[str],
        ids: Sequence[str] | None = None,
        *,
        seen: DuplicateIndex | None = None,
    ) -> list[Enrichment]:
        """Understand a batch; `dup_of` points to an earlier id of this batch (or of `seen`, for streams)."""
        if ids is None:
            ids = [str(i) for i in range(len(texts))]
        if len(ids) != len(texts):
            raise ValueError("texts and ids must have the same length")
        if not texts:
            return []
        index = seen if seen is not None else DuplicateIndex()
        probs = self.probabilities(texts)
        results = []
        for i, text in enumerate(texts):
            sentiment = probs["sentiment"][i]
            topic = probs["topic"][i]
            results.append(
                Enrichment(
                    lang=detect_language(text),
                    sentiment=Sentiment(SENTIMENT_CLASSES[int(np.argmax(sentiment))]),
                    sentiment_score=round(float(sentiment[2] - sentiment[0]), 4),
                    topic=Topic(TOPIC_CLASSES[int(np.argmax(topic))]),
                    topic_scores={
                        t: round(float(p), 4) for t, p in zip(TOPIC_CLASSES, topic, strict=True)
                    },
                    is_request=bool(probs["request"][i, 0] >= self._thresholds.request),
                    toxic=bool(probs["toxic"][i, 0] >= self._thresholds.toxic),
                    places=tuple(self._places.find(text)),
                    dup_of=index.check_and_add(str(ids[i]), text),
                )
            )
        return results


def _read_manifest() -> dict[str, Any]:
    path = MODELS_DIR / "manifest.json"
    if not path.exists():
        raise ModelFilesMissing(f"{path} absent : lancez `python -m beffroi.nlp.train`")
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@lru_cache(maxsize=len(TIERS))
def get_enricher(tier: str = "fast") -> Enricher:
    """The enricher of a tier, loaded once per process."""
    if tier not in TIERS:
        raise ValueError(f"tier inconnu : {tier!r} (choix : {', '.join(TIERS)})")
    manifest = _read_manifest()
    thresholds = {t: Thresholds(**manifest["thresholds"][t]) for t in TIERS}
    fast = FastModel.load(MODELS_DIR / "fast.npz")
    accurate = AccurateModel.load(MODELS_DIR / "accurate.npz") if tier == "accurate" else None
    places = PlaceFinder.from_file(MODELS_DIR / "towns.txt.gz")
    return Enricher(tier, fast, accurate, thresholds, places)


def enrich_records(
    records: Iterable[dict[str, Any]], tier: str = "fast", *, batch_size: int = 256
) -> Iterator[dict[str, Any]]:
    """Each record (with `id` and `text`) again, with the enrichment fields added; one stream, one dedupe index."""
    enricher = get_enricher(tier)
    seen = DuplicateIndex()
    # dup_of gives back the caller's id as it was (an int stays an int), even from an earlier batch.
    original_ids: dict[str, Any] = {}
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= batch_size:
            yield from _enrich_batch(enricher, batch, seen, original_ids)
            batch = []
    if batch:
        yield from _enrich_batch(enricher, batch, seen, original_ids)


def _enrich_batch(
    enricher: Enricher,
    batch: list[dict[str, Any]],
    seen: DuplicateIndex,
    original_ids: dict[str, Any],
) -> Iterator[dict[str, Any]]:
    keys = [str(r["id"]) for r in batch]
    results = enricher.enrich([str(r["text"]) for r in batch], keys, seen=seen)
    for key, record, result in zip(keys, batch, results, strict=True):
        fields = result.as_record()
        if fields["dup_of"] is None:
            original_ids.setdefault(key, record["id"])
        else:
            fields["dup_of"] = original_ids.get(fields["dup_of"], fields["dup_of"])
        yield {**record, **fields}
