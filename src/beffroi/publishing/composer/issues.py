"""What the composer says about a variant: blocking problems and warnings, in French."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from beffroi.core.domain import Network


class Severity(StrEnum):
    BLOCKING = (
        "blocking"  # the network would refuse the post, or it breaks a rule we hold to (RGAA)
    )
    WARNING = "warning"  # the post goes out, but it would do better otherwise


@dataclass(frozen=True, slots=True)
class Issue:
    network: Network
    severity: Severity
    code: str  # stable identifier for tests and the interface (e.g. "too_long", "alt_text_missing")
    message: str  # French, says what is wrong and what to do

    @property
    def blocking(self) -> bool:
        return self.severity is Severity.BLOCKING


def blocking(network: Network, code: str, message: str) -> Issue:
    return Issue(network, Severity.BLOCKING, code, message)


def warning(network: Network, code: str, message: str) -> Issue:
    return Issue(network, Severity.WARNING, code, message)


def format_number(value: int) -> str:
    """French thousands separator: 63 206, not 63,206."""
    return f"{value:,}".replace(",", "\u202f")
