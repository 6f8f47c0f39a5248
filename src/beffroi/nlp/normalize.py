"""Text normalisation for French social-media writing: accents, SMS spelling, emojis, elongations."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# SMS and chat spellings mapped to the word a reader understands; applied on accent-free lowercase tokens.
SMS_WORDS: dict[str, str] = {
    "pk": "pourquoi",
    "pq": "pourquoi",
    "pkoi": "pourquoi",
    "pourkoi": "pourquoi",
    "koi": "quoi",
    "kwa": "quoi",
    "qd": "quand",
    "kan": "quand",
    "qand": "quand",
    "cmt": "comment",
    "komment": "comment",
    "svp": "s'il vous plait",
    "stp": "s'il te plait",
    "slt": "salut",
    "bjr": "bonjour",
    "bsr": "bonsoir",
    "mr": "merci",
    "mrc": "merci",
    "mci": "merci",
    "bcp": "beaucoup",
    "bocou": "beaucoup",
    "tjs": "toujours",
    "tjrs": "toujours",
    "tt": "tout",
    "ts": "tous",
    "tte": "toute",
    "ttes": "toutes",
    "pr": "pour",
    "ds": "dans",
    "dc": "donc",
    "ms": "mais",
    "mm": "meme",
    "jms": "jamais",
    "rien2": "rien de",
    "c": "c'est",
    "cé": "c'est",
    "ya": "il y a",
    "y'a": "il y a",
    "yen": "il y en",
    "g": "j'ai",
    "jai": "j'ai",
    "chui": "je suis",
    "chuis": "je suis",
    "jsuis": "je suis",
    "jsp": "je ne sais pas",
    "chai": "je sais",
    "jpp": "j'en peux plus",
    "jpeux": "je peux",
    "ct": "c'etait",
    "cetait": "c'etait",
    "pa": "pas",
    "pas2": "pas de",
    "oqp": "occupe",
    "dsl": "desole",
    "auj": "aujourd'hui",
    "ajd": "aujourd'hui",
    "aujd": "aujourd'hui",
    "aprem": "apres-midi",
    "rdv": "rendez-vous",
    "info": "information",
    "infos": "informations",
    "kelk": "quelque",
    "kelle": "quelle",
    "kel": "quel",
    "ki": "qui",
    "ke": "que",
    "k": "que",
    "mairi": "mairie",
    "mdr": "mort de rire",
    "ptdr": "mort de rire",
    "lol": "mort de rire",
    "wsh": "wesh",
    "nrv": "enerve",
    "vrmt": "vraiment",
    "vrm": "vraiment",
    "grv": "grave",
    "bg": "beau gosse",
    "tkt": "t'inquiete",
    "rep": "reponse",
    "reps": "reponse",
    "qqn": "quelqu'un",
    "qqun": "quelqu'un",
    "qq": "quelque",
    "qqch": "quelque chose",
    "pb": "probleme",
    "pbs": "problemes",
    "pbm": "probleme",
    "prblm": "probleme",
    "dispo": "disponible",
    "tram": "tramway",
    "ptn": "putain",
    "ptin": "putain",
    "tg": "ta gueule",
    "fdp": "fils de pute",
    "ntm": "nique ta mere",
    "connar": "connard",
    "conar": "connard",
    "encul": "encule",
    "enculer": "encules",
    "batar": "batard",
    "batards": "batard",
}

# Emoji classes: a token per class lets small models learn from emojis they rarely saw.
EMOJI_CLASSES: dict[str, str] = {
    **dict.fromkeys("😀😃😄😁😆😊🙂😍🥰😘😻👍💪🙏❤💙💚💛🧡💜🤩🥳🎉👌✨🌞☀💐🌸🌷", " emopos "),
    **dict.fromkeys("😡🤬😠😤👎💩🤮🤢😒🙄😑😞😔😢😭😩😫😖😣💔😱😨⚠🚨", " emoneg "),
    **dict.fromkeys("👏", " emoclap "),
    **dict.fromkeys("😂🤣😅😆😜🤪🤡", " emolaugh "),
    **dict.fromkeys("🤔❓❔", " emoquestion "),
}

_URL = re.compile(r"https?://\S+|www\.\S+|\bhttp\b")
_MENTION = re.compile(r"@\w+")
_ELONGATION = re.compile(r"(\w)\1{2,}")
_PUNCT_REPEAT = re.compile(r"([!?.])\1+")
_TOKEN = re.compile(r"[a-z0-9']+|[^\sa-z0-9']")
_SPACES = re.compile(r"\s+")


def strip_accents(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _map_emojis(text: str) -> str:
    return "".join(EMOJI_CLASSES.get(ch, ch) for ch in text)


@lru_cache(maxsize=65536)
def _expand_word(word: str) -> str:
    return SMS_WORDS.get(word, word)


def normalize(text: str) -> str:
    """Lowercase, accent-free, SMS-expanded text with emoji classes, used by every model head."""
    text = _URL.sub(" url ", text)
    text = _MENTION.sub(" @user ", text)
    text = _map_emojis(text)
    text = strip_accents(text.lower()).replace("’", "'")
    text = _ELONGATION.sub(r"\1\1", text)
    text = _PUNCT_REPEAT.sub(r" \1\1 ", text)
    words = [_expand_word(w) for w in text.split()]
    return _SPACES.sub(" ", " ".join(words)).strip()


def dedupe_key(text: str) -> str:
    """Letters and digits only, accents, case, emojis and elongations removed: two copies compare equal here."""
    text = _URL.sub(" ", text)
    text = strip_accents(text.lower())
    text = _ELONGATION.sub(r"\1", text)
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return _SPACES.sub(" ", text).strip()


def tokens(normalized: str) -> list[str]:
    return _TOKEN.findall(normalized)
