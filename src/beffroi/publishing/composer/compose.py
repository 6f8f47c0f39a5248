"""One message in, one native variant per network out, each checked by that network's rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import regex

from beffroi.core.domain import Network
from beffroi.networks.types import Media, PostVariant
from beffroi.publishing.composer.counting import LengthUnit, measure
from beffroi.publishing.composer.hashtags import (
    _folded,
    camel_case_hashtag,
    find_hashtags,
    is_unreadable_hashtag,
    recase_hashtags,
)
from beffroi.publishing.composer.issues import Issue, blocking, format_number, warning
from beffroi.publishing.composer.media import check_media
from beffroi.publishing.composer.mentions import Directory
from beffroi.publishing.composer.rules import LinkPolicy, NetworkRules, rules_for
from beffroi.publishing.composer.threads import ThreadTooLong, split_sentences, split_thread
from beffroi.publishing.composer.urls import extract_urls

LINK_IN_BIO = "👉 Lien en bio."
_YOUTUBE_FORBIDDEN = regex.compile(r"[<>]")


@dataclass(frozen=True, slots=True)
class Message:
    """What the author writes once, for every network."""

    text: str
    link: str | None = None
    # Words or tags (« fête de la musique » or « #FeteDeLaMusique »), written in CamelCase.
    hashtags: tuple[str, ...] = ()
    media: tuple[Media, ...] = ()
    title: str | None = None  # YouTube video title
    sponsored: bool = False
    # Text the author rewrote for one network; mentions and hashtags are still resolved.
    overrides: Mapping[Network, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CheckedVariant:
    variant: PostVariant
    issues: tuple[Issue, ...]
    length: int  # of the longest part, in the network's unit
    limit: int
    unit: LengthUnit

    @property
    def publishable(self) -> bool:
        return not any(issue.blocking for issue in self.issues)


@dataclass(frozen=True, slots=True)
class Composition:
    variants: tuple[CheckedVariant, ...]

    @property
    def issues(self) -> tuple[Issue, ...]:
        return tuple(issue for checked in self.variants for issue in checked.issues)

    @property
    def publishable(self) -> bool:
        return all(checked.publishable for checked in self.variants)

    def for_network(self, network: Network) -> CheckedVariant:
        for checked in self.variants:
            if checked.variant.network is network:
                return checked
        raise KeyError(network)


def _hashtag_block(message_tags: Iterable[str], text: str) -> list[str]:
    """The message's hashtags in CamelCase, minus those already written in the text."""
    present = {_folded(tag.lstrip("#")) for tag in find_hashtags(text)}
    tags: list[str] = []
    for words in message_tags:
        tag = camel_case_hashtag(words)
        if _folded(tag.lstrip("#")) not in present:
            present.add(_folded(tag.lstrip("#")))
            tags.append(tag)
    return tags


def _strip_links(text: str) -> tuple[str, bool]:
    """Instagram captions: links are not clickable, so they leave the text."""
    spans = extract_urls(text)
    if not spans:
        return text, False
    pieces, cursor = [], 0
    for span in spans:
        pieces.append(text[cursor : span.start])
        pieces.append("(lien en bio)")
        cursor = span.end
    pieces.append(text[cursor:])
    return "".join(pieces), True


def _before_hashtag_line(text: str, addition: str) -> str:
    """Adds a paragraph at the end of the text, but above a closing line of hashtags."""
    paragraphs = text.split("\n\n")
    last = paragraphs[-1].split()
    if len(paragraphs) > 1 and last and all(word.startswith("#") for word in last):
        return "\n\n".join([*paragraphs[:-1], addition, paragraphs[-1]])
    return f"{text}\n\n{addition}"


def _youtube_title(message: Message, body: str) -> str:
    if message.title:
        return message.title.strip()
    sentences = split_sentences(body)
    return sentences[0] if sentences else ""


def build_variant(
    message: Message, network: Network, directory: Directory | None = None
) -> tuple[PostVariant, list[Issue]]:
    """The native variant of `message` for `network`, and what building it had to say."""
    rules = rules_for(network)
    issues: list[Issue] = []
    text = message.overrides.get(network, message.text).strip()

    resolution = (directory or Directory()).resolve(
        text, network, text_mentions=rules.text_mentions
    )
    text = resolution.text
    for name in resolution.unresolved:
        issues.append(
            warning(
                network,
                "mention_unresolved",
                f"« {name} » est écrit sans mention : pas de compte {network.label} connu pour "
                "cette entité, ou le réseau identifie les pages par son interface.",
            )
        )
    for name in resolution.unknown:
        issues.append(
            warning(
                network,
                "mention_unknown",
                f"« {name} » n'est pas dans le carnet d'adresses : ajoutez ses comptes pour le "
                "mentionner sur chaque réseau.",
            )
        )

    tags = [camel_case_hashtag(t) for t in message.hashtags]
    text = recase_hashtags(text, tags)
    block = " ".join(_hashtag_block(message.hashtags, text))
    link = message.link
    if link and any(span.url == link for span in extract_urls(text)):
        link_suffix = ""  # the author already placed it
    else:
        link_suffix = link or ""

    title: str | None = None
    thread: tuple[str, ...] = ()
    if rules.link_policy is LinkPolicy.LINK_IN_BIO:
        text, had_links = _strip_links(text)
        if had_links or link:
            text = _before_hashtag_line(text, LINK_IN_BIO)
            issues.append(
                warning(
                    network,
                    "link_in_bio",
                    "Instagram ne rend pas les liens cliquables : le texte renvoie au lien en bio, "
                    "pensez à le mettre à jour.",
                )
            )
        link = None
        body = "\n\n".join(p for p in (text, block) if p)
    elif rules.link_policy is LinkPolicy.IN_DESCRIPTION:
        title = _youtube_title(message, text)
        body = "\n\n".join(p for p in (text, link_suffix, block) if p)
    elif rules.threads:
        try:
            parts = split_thread(
                text,
                limit=rules.max_length,
                measure=lambda s: measure(s, rules.unit),
                first_suffix=link_suffix,
                last_suffix=block,
            )
        except ThreadTooLong as exc:
            issues.append(
                blocking(network, "thread_impossible", f"{exc} : raccourcissez ce passage.")
            )
            parts = [" ".join(p for p in (text, link_suffix, block) if p)]
        body, thread = parts[0], tuple(parts[1:])
    else:
        body = "\n\n".join(p for p in (text, link_suffix, block) if p)

    variant = PostVariant(
        network=network,
        text=body,
        media=message.media,
        link=link,
        thread=thread,
        title=title,
        sponsored=message.sponsored,
    )
    return variant, issues


def _length_issues(variant: PostVariant, rules: NetworkRules) -> tuple[int, list[Issue]]:
    network = rules.network
    parts = (variant.text, *variant.thread)
    lengths = [measure(part, rules.unit) for part in parts]
    issues: list[Issue] = []
    for index, length in enumerate(lengths, start=1):
        if length > rules.max_length:
            where = f"La partie {index} du fil" if len(parts) > 1 else "Le texte"
            issues.append(
                blocking(
                    network,
                    "too_long",
                    f"{where} compte {format_number(length)} {rules.unit.label} pour "
                    f"{format_number(rules.max_length)} sur {network.label} : raccourcissez-le de "
                    f"{format_number(length - rules.max_length)}.",
                )
            )
    if len(parts) > rules.max_thread_parts:
        issues.append(
            blocking(
                network,
                "thread_too_long",
                f"Le fil compte {len(parts)} parties ; au-delà de {rules.max_thread_parts}, "
                "personne ne le lit jusqu'au bout : resserrez le texte.",
            )
        )
    if not variant.text.strip() and not variant.media:
        issues.append(blocking(network, "empty", "La publication est vide."))
    return max(lengths), issues


def _hashtag_issues(variant: PostVariant, rules: NetworkRules) -> list[Issue]:
    network = rules.network
    tags = [tag for part in (variant.text, *variant.thread) for tag in find_hashtags(part)]
    issues: list[Issue] = []
    if rules.max_hashtags is not None and len(tags) > rules.max_hashtags:
        issues.append(
            blocking(
                network,
                "too_many_hashtags",
                f"{network.label} accepte {rules.max_hashtags} hashtags au plus, il y en a {len(tags)}.",
            )
        )
    elif rules.advised_hashtags is not None and len(tags) > rules.advised_hashtags:
        issues.append(
            warning(
                network,
                "many_hashtags",
                f"{len(tags)} hashtags : sur {network.label}, au-delà de {rules.advised_hashtags} "
                "la publication paraît publicitaire et se lit mal.",
            )
        )
    for tag in tags:
        if is_unreadable_hashtag(tag):
            issues.append(
                warning(
                    network,
                    "hashtag_case",
                    f"Écrivez {tag} en CamelCase (chaque mot avec une majuscule) : les lecteurs "
                    "d'écran le liront mot à mot.",
                )
            )
    return issues


def check_variant(variant: PostVariant) -> CheckedVariant:
    """Every rule of the variant's network, on the variant as it stands (also after an edit)."""
    rules = rules_for(variant.network)
    network = rules.network
    length, issues = _length_issues(variant, rules)
    issues.extend(_hashtag_issues(variant, rules))
    issues.extend(check_media(variant.media, rules))
    if rules.fold is not None:
        hook = variant.text.split("\n", 1)[0]
        if measure(hook, rules.unit) > rules.fold:
            issues.append(
                warning(
                    network,
                    "hook_folded",
                    f"{network.label} coupe le texte après {rules.fold} caractères (« voir plus ») : "
                    "mettez l'essentiel dans la première phrase.",
                )
            )
    if rules.title_max is not None:
        title = variant.title or ""
        if not title:
            issues.append(
                blocking(network, "title_missing", f"Donnez un titre à la vidéo {network.label}.")
            )
        elif len(title) > rules.title_max:
            issues.append(
                blocking(
                    network,
                    "title_too_long",
                    f"Le titre compte {len(title)} caractères ; {network.label} en accepte "
                    f"{rules.title_max}.",
                )
            )
        if _YOUTUBE_FORBIDDEN.search(title + variant.text):
            issues.append(
                blocking(
                    network, "forbidden_characters", "YouTube refuse les caractères « < » et « > »."
                )
            )
    if rules.link_policy is LinkPolicy.LINK_IN_BIO and extract_urls(variant.text):
        issues.append(
            warning(network, "link_not_clickable", "Ce lien ne sera pas cliquable sur Instagram.")
        )
    return CheckedVariant(
        variant=variant,
        issues=tuple(issues),
        length=length,
        limit=rules.max_length,
        unit=rules.unit,
    )


def compose(
    message: Message, networks: Iterable[Network], directory: Directory | None = None
) -> Composition:
    """A checked native variant of `message` for each network."""
    checked: list[CheckedVariant] = []
    for network in networks:
        variant, build_issues = build_variant(message, Network(network), directory)
        result = check_variant(variant)
        checked.append(
            CheckedVariant(
                variant=result.variant,
                issues=tuple(build_issues) + result.issues,
                length=result.length,
                limit=result.limit,
                unit=result.unit,
            )
        )
    return Composition(tuple(checked))
