"""`python -m beffroi.networks.sandbox`: write a simulated history as JSON lines (see export.py)."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from rich.progress import Progress

from beffroi.core.domain import Network
from beffroi.networks.sandbox.export import export
from beffroi.networks.sandbox.world import SimulatedDay, simulate_history


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m beffroi.networks.sandbox", description=__doc__)
    parser.add_argument("--seed", default="beffroi")
    parser.add_argument("--followers", type=int, default=50_000)
    parser.add_argument("--start", type=date.fromisoformat, default=date(2025, 1, 1))
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--network", type=Network, default=Network.SANDBOX)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    with Progress() as progress:
        task = progress.add_task("Historique simulé", total=args.days)

        def days() -> Iterator[SimulatedDay]:
            for day in simulate_history(
                args.seed, args.followers, args.start, args.days, network=args.network
            ):
                progress.advance(task)
                yield day

        count = export(days(), args.out)
    print(f"{count} événements simulés écrits dans {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
