"""Readability of French text and plain-language (FALC) suggestions.

Score: Kandel and Moles (1958) adaptation of Flesch's reading ease to French,
    207 - 1.015 * (words / sentences) - 73.6 * (syllables / words),
read on Flesch's scale (90+ very easy ... below 30 very difficult).
Syllables are counted by a rule-based counter of spoken French (vowel groups, hiatus, mute final e);
it is an estimate, good enough for a score, not a phonetic transcription.
Suggestions follow the European easy-to-read rules (« Information pour tous », Inclusion Europe and
Unapei, 2009): short sentences, everyday words, explained acronyms, active voice, positive sentences.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from beffroi.compliance.text import fold, sentences, strip_links_and_tags, words

_VOWELS = set("aeiouyàâäéèêëîïôöûùüœæ")
# Vowel sequences pronounced as one syllable in spoken French.
_ONE_SYLLABLE = (
    "oeu",
    "eau",
    "ou",
    "oi",
    "au",
    "eu",
    "ai",
    "ei",
    "ui",
    "ie",
    "ia",
    "io",
    "iu",
    "ue",
    "ua",
    "uo",
    "ée",
    "oe",
    "ay",
    "oy",
    "uy",
    "ey",
    "œu",
    "ya",
    "yo",
    "ye",
    "â",
)


def _split_group(group: str) -> int:
    """Syllables in one run of vowels: digraphs count once, hiatus (é+vowel, ï, ë) splits."""
    count, i = 0, 0
    while i < len(group):
        # A diaeresis or a vowel after é starts a new syllable.
        for size in (3, 2):
            chunk = group[i : i + size]
            if (
                len(chunk) == size
                and chunk in _ONE_SYLLABLE
                and not any(c in "ïëü" for c in chunk[1:])
            ):
                i += size
                break
        else:
            i += 1
        count += 1
    return count


def syllables(word: str) -> int:
    """Spoken syllables of a French word (estimate, at least 1)."""
    w = word.lower().replace("’", "'")
    head, _, tail = w.rpartition("'")
    # Elided articles and conjunctions ("l'école", "qu'il", "jusqu'au") are not syllables of
    # their own; a word like "aujourd'hui" keeps all of its parts.
    w = tail if head and (len(head) <= 2 or head.endswith("qu")) else w.replace("'", "")
    if not w:
        return 0
    groups = re.findall(r"[aeiouyàâäéèêëîïôöûùüœæ]+", w)
    if not groups:
        return 1  # an acronym without vowel, read as one unit
    count = sum(_split_group(g) for g in groups)
    # Mute final e: "table", "rues", "grande". Not when it is the only vowel ("le", "des").
    if (
        count > 1
        and re.search(r"[^aeiouyàâäéèêëîïôöûùüœæ]es?$", w)
        and not w.endswith(("ée", "ées"))
    ):
        count -= 1
    # Verbs in -ent ("parlent") are silent, but "moment", "souvent" are not: only after a
    # consonant cluster typical of verb stems would tell, so plural verbs stay overcounted.
    return max(count, 1)


def kandel_moles(n_words: int, n_sentences: int, n_syllables: int) -> float:
    if n_words == 0 or n_sentences == 0:
        return 0.0
    return 207 - 1.015 * (n_words / n_sentences) - 73.6 * (n_syllables / n_words)


LEVELS = (
    (90, "très facile"),
    (80, "facile"),
    (70, "assez facile"),
    (60, "standard"),
    (50, "assez difficile"),
    (30, "difficile"),
)


def level(score: float) -> str:
    for floor, label in LEVELS:
        if score >= floor:
            return label
    return "très difficile"


class SuggestionKind(StrEnum):
    LONG_SENTENCE = "phrase_longue"
    LONG_WORD = "mot_long"
    JARGON = "jargon"
    ACRONYM = "sigle"
    PASSIVE = "voix_passive"
    NEGATION = "negation"


@dataclass(frozen=True, slots=True)
class Suggestion:
    kind: SuggestionKind
    message: str
    excerpt: str


@dataclass(frozen=True, slots=True)
class Readability:
    score: float
    level: str
    words: int
    sentences: int
    syllables: int
    suggestions: tuple[Suggestion, ...]


# Administrative words with an everyday equivalent (matched without accents or case).
JARGON: dict[str, str] = {
    "délibération": "décision du conseil",
    "subvention": "aide financière",
    "administré": "habitant",
    "administrés": "habitants",
    "usager": "habitant",
    "usagers": "habitants",
    "voirie": "routes et rues",
    "en amont": "avant",
    "en aval": "après",
    "mutualisation": "partage",
    "dématérialisé": "en ligne",
    "dématérialisée": "en ligne",
    "dématérialisation": "démarche en ligne",
    "modalités": "règles",
    "afin de": "pour",
    "préalablement": "avant",
    "ultérieurement": "plus tard",
    "nonobstant": "malgré",
    "susmentionné": "(à supprimer)",
    "en vigueur": "actuel",
    "requalification": "rénovation",
    "réhabilitation": "rénovation",
    "mobilités douces": "vélo et marche",
    "mobilités actives": "vélo et marche",
    "interlocuteur": "personne à contacter",
    "effectuer": "faire",
    "solliciter": "demander",
    "procéder à": "faire",
    "dans le cadre de": "pour",
    "à compter du": "à partir du",
    "s'avérer": "être",
    "piétonnisation": "rue réservée aux piétons",
    "périmètre": "zone",
    "arrêté municipal": "décision du maire",
    "arrêté préfectoral": "décision du préfet",
    "concertation": "discussion avec les habitants",
    "dispositif": "aide",
    "bénéficiaire": "personne qui reçoit l'aide",
    "bénéficiaires": "personnes qui reçoivent l'aide",
    "éligible": "qui a droit",
    "éligibles": "qui ont droit",
    "équipement": "bâtiment",
    "prestation": "service",
    "titre de recette": "facture",
}

# Acronyms readers usually know; the others should be spelt out once.
KNOWN_ACRONYMS = frozenset(
    {"SNCF", "RATP", "TGV", "TER", "SAMU", "EDF", "CAF", "RSA", "PDF", "URL", "FAQ", "OK", "TV"}
)

LONG_SENTENCE_WORDS = 20
LONG_WORD_SYLLABLES = 5

_PASSIVE_RE = re.compile(
    r"\b(?:a ete|ont ete|avait ete|avaient ete|sera|seront|serait|seraient|"
    r"(?:est|sont|etait|etaient|soit|soient)(?=\s+\w+(?:e|es|ee|ees|is|ise|ises|it|ite|u|ue|us|ues)\s+par\b))"
    r"\s+(\w+(?:e|es|ee|ees|is|ise|ises|it|ite|u|ue|us|ues|t|ts|te|tes))\b"
)
_NEGATION_RE = re.compile(
    r"\b(?:ne|n')\s*(?:\w+\s+){0,2}?(?:pas|plus|jamais|rien|personne|guere|aucune?|nullement)\b"
)
_ACRONYM_RE = re.compile(r"\b[A-ZÉÈ]{2,6}s?\b")


def _jargon_suggestions(folded: str) -> list[Suggestion]:
    out = []
    for term, plain in JARGON.items():
        if re.search(rf"(?<![\w]){re.escape(fold(term))}(?![\w])", folded):
            out.append(
                Suggestion(
                    SuggestionKind.JARGON,
                    f"Mot administratif : « {term} ». Plus simple : « {plain} ».",
                    term,
                )
            )
    return out


def readability(text: str) -> Readability:
    """Score and suggestions for the prose of a post (links, hashtags and mentions left out)."""
    prose = strip_links_and_tags(text)
    sents = sentences(prose)
    all_words = words(prose)
    n_syl = sum(syllables(w) for w in all_words)
    score = round(kandel_moles(len(all_words), len(sents), n_syl), 1)
    suggestions: list[Suggestion] = []
    for sentence in sents:
        n = len(words(sentence))
        if n > LONG_SENTENCE_WORDS:
            suggestions.append(
                Suggestion(
                    SuggestionKind.LONG_SENTENCE,
                    f"Phrase de {n} mots : coupez-la en phrases courtes, une idée par phrase.",
                    sentence[:80],
                )
            )
    long_words = sorted(
        {w for w in all_words if syllables(w) >= LONG_WORD_SYLLABLES}, key=str.lower
    )
    for w in long_words:
        suggestions.append(
            Suggestion(
                SuggestionKind.LONG_WORD, f"Mot long : « {w} ». Existe-t-il un mot plus court ?", w
            )
        )
    folded = fold(prose)
    suggestions.extend(_jargon_suggestions(folded))
    acronyms = sorted(
        {a for a in _ACRONYM_RE.findall(prose) if a.rstrip("s") not in KNOWN_ACRONYMS}
    )
    for acronym in acronyms:
        if not re.search(rf"\({re.escape(acronym)}\)", prose):
            suggestions.append(
                Suggestion(
                    SuggestionKind.ACRONYM,
                    f"Sigle « {acronym} » : écrivez-le en toutes lettres la première fois.",
                    acronym,
                )
            )
    for match in _PASSIVE_RE.finditer(folded):
        suggestions.append(
            Suggestion(
                SuggestionKind.PASSIVE,
                "Voix passive : préférez une phrase active (qui fait quoi).",
                match.group(0),
            )
        )
    for match in _NEGATION_RE.finditer(folded):
        suggestions.append(
            Suggestion(
                SuggestionKind.NEGATION,
                "Négation : une phrase positive est plus facile à comprendre.",
                match.group(0),
            )
        )
    return Readability(
        score=score,
        level=level(score),
        words=len(all_words),
        sentences=len(sents),
        syllables=n_syl,
        suggestions=tuple(suggestions),
    )
