"""Places named in a message: streets and districts by rule, towns by a gazetteer of French communes."""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterable
from pathlib import Path

from beffroi.nlp.normalize import strip_accents

# A street keyword then its name. The name is a run of capitalised words, or, in lowercase SMS
# writing, up to three words that are not grammar words.
_STREET_KEYWORDS = (
    r"rue|avenue|av\.|bd|boulevard|bld|place|impasse|all[ée]e|chemin|route|quai|cours|square|"
    r"quartier|cit[ée]|r[ée]sidence|lotissement|hameau|rond-point|esplanade|passage|faubourg|"
    r"parc|pont|zac|zone|lieu-dit|port|plage|gare|lac|for[êe]t|bois|colline|vall[ée]e|plateau|"
    r"groupe scolaire|[ée]cole|coll[èe]ge|lyc[ée]e|stade|gymnase|m[ée]diath[èe]que|piscine|[ée]glise"
)
_CONNECTOR = r"(?:(?:de la|de l'|du|des|de|d'|la|le|les|l'|aux|au|à la|saint|sainte|st|ste)\s*)?"
_CAP_WORD = r"(?:[A-ZÉÈÀÂÎÔÛÇ][\w'’-]*|\d+(?:er|e|ème)?)"
_STREET_CAPITALISED = re.compile(
    rf"(?<![\w])(?i:{_STREET_KEYWORDS})\s+{_CONNECTOR}{_CAP_WORD}(?:[\s-]+(?:{_CONNECTOR}){_CAP_WORD}){{0,3}}"
)
_STREET_LOWER = re.compile(
    r"(?<![\w])(?:rue|avenue|av|bd|boulevard|impasse|allee|allée|chemin|quartier|cite|cité|place)\s+"
    r"((?:(?:de la|de l'|du|des|de|d'|st|ste)\s*)?[a-zéèàçêôî'-]{3,}(?:\s+[a-zéèàçêôî'-]{3,}){0,2})"
)
_STOP = {
    "est",
    "sont",
    "pas",
    "plus",
    "qui",
    "que",
    "depuis",
    "tout",
    "tous",
    "toute",
    "sans",
    "avec",
    "pour",
    "dans",
    "mais",
    "car",
    "donc",
    "encore",
    "toujours",
    "jamais",
    "cette",
    "son",
    "sur",
    "une",
    "des",
    "les",
    "aux",
    "par",
    "elle",
    "il",
    "ils",
    "on",
    "nous",
    "vous",
    "ont",
    "fait",
    "est-ce",
    "ya",
    "c'est",
    "etait",
    "était",
    "sera",
    "a",
    "et",
    "ou",
    "où",
    "merci",
    "svp",
    "principale",
    "pietonne",
    "piétonne",
    "commerçante",
    "commercante",
    "entière",
    "entiere",
    "fermée",
    "fermee",
    "barrée",
    "barree",
    "devant",
    "derriere",
    "derrière",
    "entre",
    "apres",
    "après",
}
_CONNECTOR_WORDS = {"de", "la", "du", "des", "d'", "l'", "st", "ste"}
_CAPITALISED_RUN = re.compile(
    r"(?<![\w])[A-ZÉÈÀÂÎÔÛÇ][\w'’]*(?:(?:-|\s)(?:sur|sous|en|le|la|les|de|du|des|d'|l'|lès|lez|et|[A-ZÉÈÀÂÎÔÛÇ][\w'’]*))*"
)


def _gazetteer_key(name: str) -> str:
    return re.sub(r"[\s'’-]+", " ", strip_accents(name.lower())).strip()


class PlaceFinder:
    """Finds street, district and town names; towns come from a list built at training time."""

    def __init__(self, towns: Iterable[str]) -> None:
        self._towns = {_gazetteer_key(t): t for t in towns}
        self._max_words = max((k.count(" ") + 1 for k in self._towns), default=1)

    @classmethod
    def from_file(cls, path: Path) -> PlaceFinder:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            return cls(line.strip() for line in fh if line.strip())

    def find(self, text: str) -> list[str]:
        found: list[str] = []
        taken: list[tuple[int, int]] = []
        for match in _STREET_CAPITALISED.finditer(text):
            found.append(match.group(0).strip(" -"))
            taken.append(match.span())
        for match in _STREET_LOWER.finditer(text):
            if any(s <= match.start() < e for s, e in taken):
                continue
            words: list[str] = []
            for word in match.group(1).split():
                is_connector = word in _CONNECTOR_WORDS and not any(
                    w not in _CONNECTOR_WORDS for w in words
                )
                if word.lower() in _STOP and not is_connector:
                    break
                words.append(word)
            name_words = [w for w in words if w not in _CONNECTOR_WORDS]
            if name_words:
                keyword = match.group(0).split()[0]
                found.append(f"{keyword} {' '.join(words)}")
                taken.append(match.span())
        for match in _CAPITALISED_RUN.finditer(text):
            if any(s <= match.start() < e for s, e in taken):
                continue
            town = self._longest_town(match.group(0))
            if town and town not in found:
                found.append(town)
        return _unique(found)

    def _longest_town(self, run: str) -> str | None:
        words = re.split(r"[\s'’-]+", run)
        for size in range(min(len(words), self._max_words), 0, -1):
            for start in range(0, len(words) - size + 1):
                key = _gazetteer_key(" ".join(words[start : start + size]))
                if key in self._towns:
                    return self._towns[key]
        return None


def _unique(items: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for item in items:
        key = item.lower()
        if key not in seen:
            seen.add(key)
            out.append(item)
    return out
