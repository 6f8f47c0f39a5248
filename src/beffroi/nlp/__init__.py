"""Message understanding for French social-media writing: language, sentiment, competence area,
requests, toxicity, places and near-duplicates, offline, in a fast or an accurate tier."""

from beffroi.nlp.dedupe import DuplicateIndex
from beffroi.nlp.enricher import (
    TIERS,
    Enricher,
    ModelFilesMissing,
    enrich_records,
    get_enricher,
)
from beffroi.nlp.types import Enrichment

__all__ = [
    "TIERS",
    "DuplicateIndex",
    "Enricher",
    "Enrichment",
    "ModelFilesMissing",
    "enrich_records",
    "get_enricher",
]
