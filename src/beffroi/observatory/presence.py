"""Presence tables: for each kind of collectivité and each network, how many have an account."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal

from beffroi.core.domain import Network
from beffroi.observatory.accounts import PRESENCE_NETWORKS, AccountRow
from beffroi.observatory.register import (
    POPULATION_BANDS,
    PRESENCE_KINDS,
    CollectivityKind,
    Register,
)


@dataclass(frozen=True, slots=True)
class PresenceRow:
    """`with_account` of the `total` collectivités of one kind (and band) have an account on `network`."""

    kind: str
    network: str
    with_account: int
    total: int
    share: float  # percent, one decimal
    band: str | None = None

    def as_dict(self) -> dict[str, object]:
        data = asdict(self)
        if self.band is None:
            del data["band"]
        return data


def share_percent(part: int, whole: int) -> float:
    """Percent with one decimal, rounding halves up (55.55 -> 55.6) rather than to even."""
    if whole == 0:
        return 0.0
    value = (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return float(value)


def presence_table(
    accounts: Iterable[AccountRow],
    register: Register,
    *,
    kinds: Sequence[CollectivityKind] = PRESENCE_KINDS,
    networks: Sequence[Network] = PRESENCE_NETWORKS,
) -> list[PresenceRow]:
    """One row per kind and network, every pair present even with no account, in a fixed order."""
    counted = Counter((a.kind, a.network) for a in _unique(accounts))
    totals = register.counts()
    return [
        PresenceRow(
            kind=kind.value,
            network=network.value,
            with_account=counted[(kind, network)],
            total=totals[kind],
            share=share_percent(counted[(kind, network)], totals[kind]),
        )
        for kind in kinds
        for network in networks
    ]


def presence_by_band(
    accounts: Iterable[AccountRow],
    register: Register,
    *,
    kind: CollectivityKind = CollectivityKind.COMMUNE,
    networks: Sequence[Network] = PRESENCE_NETWORKS,
) -> list[PresenceRow]:
    """The same table for the collectivités of one kind, split by population band."""
    band_of = {c.code: c.band.key for c in register.of_kind(kind)}
    totals = Counter(band_of.values())
    counted = Counter((band_of[a.code], a.network) for a in _unique(accounts) if a.kind is kind)
    return [
        PresenceRow(
            kind=kind.value,
            network=network.value,
            with_account=counted[(band.key, network)],
            total=totals[band.key],
            share=share_percent(counted[(band.key, network)], totals[band.key]),
            band=band.key,
        )
        for band in POPULATION_BANDS[kind]
        for network in networks
    ]


def _unique(accounts: Iterable[AccountRow]) -> list[AccountRow]:
    seen: dict[tuple[CollectivityKind, str, Network], AccountRow] = {}
    for account in accounts:
        seen.setdefault(account.key, account)
    return list(seen.values())


def presence_csv(rows: Sequence[PresenceRow]) -> str:
    with_band = any(row.band is not None for row in rows)
    columns = [
        "kind",
        *(["band"] if with_band else []),
        "network",
        "with_account",
        "total",
        "share",
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        data = row.as_dict()
        writer.writerow([f"{data[c]:.1f}" if c == "share" else data[c] for c in columns])
    return out.getvalue()


def presence_json(rows: Sequence[PresenceRow]) -> str:
    return json.dumps([row.as_dict() for row in rows], ensure_ascii=False, indent=2) + "\n"
