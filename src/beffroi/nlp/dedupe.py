"""Near-duplicates in a stream: which earlier message does this one repeat, typos and emojis aside."""

from __future__ import annotations

from collections import defaultdict, deque

from rapidfuzz import fuzz, process

from beffroi.nlp.normalize import dedupe_key

SIMILARITY_THRESHOLD = 85.0
# Under this length a single changed letter is a different message ("super" / "supe r" aside),
# so short texts must match exactly after normalisation.
MIN_FUZZY_LENGTH = 12
# Candidates share one of the longest words; a bounded list per word keeps the cost linear.
MAX_CANDIDATES_PER_WORD = 64
KEY_WORDS = 3


class DuplicateIndex:
    """Messages seen so far in a batch or stream; `check_and_add` answers with the id repeated."""

    def __init__(self) -> None:
        self._exact: dict[str, str] = {}
        self._by_word: dict[str, deque[tuple[str, str]]] = defaultdict(
            lambda: deque(maxlen=MAX_CANDIDATES_PER_WORD)
        )

    def check_and_add(self, message_id: str, text: str) -> str | None:
        key = dedupe_key(text)
        if not key:
            return None
        found = self._exact.get(key)
        if found is None and len(key) >= MIN_FUZZY_LENGTH:
            found = self._fuzzy(key)
        if found is None:
            self._exact[key] = message_id
            for word in self._key_words(key):
                self._by_word[word].append((key, message_id))
        return found

    def _fuzzy(self, key: str) -> str | None:
        candidates: dict[str, str] = {}
        for word in self._key_words(key):
            for other_key, other_id in self._by_word.get(word, ()):
                candidates.setdefault(other_key, other_id)
        if not candidates:
            return None
        best = process.extractOne(
            key, list(candidates), scorer=fuzz.ratio, score_cutoff=SIMILARITY_THRESHOLD
        )
        return candidates[best[0]] if best else None

    @staticmethod
    def _key_words(key: str) -> list[str]:
        words = sorted(set(key.split()), key=lambda w: (-len(w), w))
        return words[:KEY_WORDS]
