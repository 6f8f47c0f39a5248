"""Language of a message: py3langid, with French as the answer when the text is too short to tell."""

from __future__ import annotations

import re
from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier

# Short messages ("Bravo", "ok", "👍") are misjudged by character models; they reach a French
# collectivité, so French is the sound default unless the writing system says otherwise.
MIN_WORDS_FOR_DETECTION = 4
MIN_CONFIDENCE = 0.9
_WORD = re.compile(r"[^\W\d_]{2,}")
_NON_LATIN = re.compile(
    r"[\u0600-\u06ff\u0400-\u04ff\u0590-\u05ff\u4e00-\u9fff\u3040-\u30ff\uac00-\ud7af]"
)


# Most messages are plainly French: two French grammar words and no other script settle it without
# running the character model (which costs a quarter of the fast tier's time).
_FRENCH_FUNCTION_WORDS = frozenset(
    [
        "le",
        "la",
        "les",
        "des",
        "du",
        "une",
        "est",
        "pas",
        "que",
        "qui",
        "pour",
        "dans",
        "sur",
        "au",
        "aux",
        "ce",
        "cette",
        "je",
        "vous",
        "nous",
        "il",
        "ils",
        "elle",
        "on",
        "mais",
        "avec",
        "sont",
        "ont",
        "fait",
        "tout",
        "plus",
        "très",
        "depuis",
        "encore",
        "merci",
        "bonjour",
        "ça",
    ]
)
_NON_FRENCH_FUNCTION_WORDS = frozenset(
    [
        "the",
        "and",
        "is",
        "are",
        "you",
        "for",
        "with",
        "this",
        "that",
        "what",
        "when",
        "where",
        "el",
        "los",
        "las",
        "por",
        "para",
        "con",
        "una",
        "del",
        "und",
        "der",
        "die",
        "das",
        "ist",
    ]
)


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect_language(text: str) -> str:
    words = _WORD.findall(text)
    if len(words) < MIN_WORDS_FOR_DETECTION and not _NON_LATIN.search(text):
        return "fr"
    lowered = {w.lower() for w in words}
    if (
        len(lowered & _FRENCH_FUNCTION_WORDS) >= 2
        and not lowered & _NON_FRENCH_FUNCTION_WORDS
        and not _NON_LATIN.search(text)
    ):
        return "fr"
    lang, confidence = _identifier().classify(text)
    if lang != "fr" and confidence < MIN_CONFIDENCE and not _NON_LATIN.search(text):
        return "fr"
    return str(lang)
