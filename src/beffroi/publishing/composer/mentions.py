"""People and organisations named in a message, mentioned with the right handle on each network.

The message names them as « @[Métropole de Lyon] »; the composer writes « @MetropoleLyon » on X,
« @lyon.fr » on Bluesky, « @metropole@mastodon.social » on Mastodon, and the plain name where the
network has no handle for them or mentions through its API rather than through the text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import regex

from beffroi.core.domain import Network

MENTION_PLACEHOLDER = regex.compile(r"@\[(?P<name>[^\]\n]{1,120})\]")


@dataclass(frozen=True, slots=True)
class Entity:
    """A person or organisation, and their handle (without @) on each network."""

    name: str
    handles: Mapping[Network, str] = field(default_factory=dict)

    def handle_on(self, network: Network) -> str | None:
        handle = self.handles.get(network)
        return handle.lstrip("@") if handle else None


@dataclass(frozen=True, slots=True)
class MentionResolution:
    text: str
    # Names written without a mention because the entity has no handle on that network.
    unresolved: tuple[str, ...] = ()
    # Names that match no known entity at all.
    unknown: tuple[str, ...] = ()


class Directory:
    """The organisation's address book of entities, looked up by name (case-insensitive)."""

    def __init__(self, entities: Iterable[Entity] = ()) -> None:
        self._by_name = {entity.name.casefold(): entity for entity in entities}

    def get(self, name: str) -> Entity | None:
        return self._by_name.get(name.strip().casefold())

    def resolve(
        self, text: str, network: Network, *, text_mentions: bool = True
    ) -> MentionResolution:
        unresolved: list[str] = []
        unknown: list[str] = []

        def replace(match: regex.Match[str]) -> str:
            name = match.group("name").strip()
            entity = self.get(name)
            if entity is None:
                unknown.append(name)
                return name
            handle = entity.handle_on(network)
            if handle is None or not text_mentions:
                unresolved.append(entity.name)
                return entity.name
            return "@" + handle

        resolved = MENTION_PLACEHOLDER.sub(replace, text)
        return MentionResolution(resolved, tuple(unresolved), tuple(unknown))
