"""Splitting a long text into a numbered thread on sentence boundaries."""

from __future__ import annotations

from collections.abc import Callable

import regex

# A sentence ends with . ! ? … (optionally closed by a quote or bracket) followed by a space;
# « M. », « Mme. », « St. » and initials are not ends of sentences.
_SENTENCE_END = regex.compile(
    r"(?<=[.!?…](?:[\s\u00a0\u202f]?»|[\"')\]])?)(?<!\b(?:Mme|Mlle|MM|Dr|St|Ste|av|bd|cf|p|\p{Lu})\.)\s+(?=[^\s»])",
)
_CLAUSE_END = regex.compile(r"(?<=[,;:])\s+")


class ThreadTooLong(ValueError):
    """A text that cannot be split within the limit (a single word longer than a part)."""


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, paragraphs kept as boundaries."""
    sentences: list[str] = []
    for paragraph in regex.split(r"\n\s*\n", text.strip()):
        sentences.extend(s.strip() for s in _SENTENCE_END.split(paragraph) if s.strip())
    return sentences


def _pieces_within(sentence: str, fits: Callable[[str], bool]) -> list[str]:
    """A sentence too long for one part, cut at clauses, then at words."""
    if fits(sentence):
        return [sentence]
    pieces: list[str] = []
    for unit_splitter in (_CLAUSE_END, regex.compile(r"\s+")):
        units = unit_splitter.split(sentence)
        if len(units) == 1:
            continue
        pieces = _pack(units, fits)
        if all(fits(piece) for piece in pieces):
            return pieces
    raise ThreadTooLong(f"impossible de couper « {sentence[:40]}… » dans la limite du réseau")


def _pack(units: list[str], fits: Callable[[str], bool]) -> list[str]:
    parts: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current} {unit}" if current else unit
        if current and not fits(candidate):
            parts.append(current)
            current = unit
        else:
            current = candidate
    if current:
        parts.append(current)
    return parts


def split_thread(
    text: str,
    *,
    limit: int,
    measure: Callable[[str], int],
    first_suffix: str = "",
    last_suffix: str = "",
) -> list[str]:
    """Parts of a thread, each within `limit` once numbered « 1/3 ».

    `first_suffix` (the link) is added to the first part and `last_suffix` (the hashtags) to the
    last one; both are counted. A text that fits in one part is returned as it is, unnumbered.
    """
    whole = " ".join(p for p in (text.strip(), first_suffix, last_suffix) if p)
    if measure(whole) <= limit:
        return [whole]
    total = 2
    while True:
        numbering = f" {total}/{total}"

        def fits(part: str, numbering: str = numbering) -> bool:
            # Reserve room for whichever suffix the part could carry.
            reserve = max((first_suffix, last_suffix), key=len)
            extra = f" {reserve}" if reserve else ""
            return measure(part + extra + numbering) <= limit

        units: list[str] = []
        for sentence in split_sentences(text):
            units.extend(_pieces_within(sentence, fits))
        parts = _pack(units, fits)
        if len(parts) <= total:
            break
        total = len(parts)
    if first_suffix:
        parts[0] = f"{parts[0]} {first_suffix}"
    if last_suffix:
        parts[-1] = f"{parts[-1]} {last_suffix}"
    count = len(parts)
    return [f"{part} {index}/{count}" for index, part in enumerate(parts, start=1)]
