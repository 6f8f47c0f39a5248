"""Observatory benchmark: the national presence table, handle parsing, and peer ranking from the lake.

Run: .venv/bin/python benchmarks/observatory_presence.py [--organisations 2000] [--days 90] [--spark]

Each figure is printed beside a baseline measured in the same run:
- presence from a national accounts CSV (every collectivité on 3 networks: ~110,000 rows)
  against reading the same file with the csv module alone, and the whole command (process start,
  imports, register) against starting the `beffroi` command to print its version;
- canonical handles against `urllib.parse.urlsplit` alone, on the real `sites_web` URLs;
- peer ranking (rank, percentile, median per peer group) against the KPI query it starts from.
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from beffroi.observatory.accounts import PRESENCE_NETWORKS, accounts_read
from beffroi.observatory.handles import profile_parse
from beffroi.observatory.presence import presence_table
from beffroi.observatory.register import PRESENCE_KINDS, CollectivityKind, register_load

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data"
console = Console()


def timed(function: Callable[[], object], repeat: int = 3) -> float:
    """Median wall time of `repeat` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def child_cpu(command: list[str]) -> float:
    """User + system CPU seconds of one run of a command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, check=True, capture_output=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def national_accounts_file(path: Path) -> int:
    """Every collectivité of the four kinds on 3 networks drawn at random, a tenth written twice
    with the leading zero lost (as a spreadsheet does), and 1 % of invalid rows."""
    register = register_load()
    rng = random.Random(1)
    rows = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(["code", "kind", "network", "url"])
        for kind in PRESENCE_KINDS:
            for collectivity in register.of_kind(kind):
                for network in rng.sample(PRESENCE_NETWORKS, 3):
                    url = f"https://www.facebook.com/{kind.value}{collectivity.code}"
                    writer.writerow([collectivity.code, kind.value, network.value, url])
                    rows += 1
                    if rng.random() < 0.1:
                        writer.writerow(
                            [collectivity.code.lstrip("0"), kind.value, network.value, url]
                        )
                        rows += 1
                    if rng.random() < 0.01:
                        writer.writerow(["99999", kind.value, network.value, url])
                        rows += 1
    return rows


def bench_presence(results: Table, workdir: Path) -> None:
    path = workdir / "comptes.csv"
    rows = national_accounts_file(path)
    register = register_load()

    def read_only() -> None:
        with path.open(encoding="utf-8", newline="") as handle:
            for _ in csv.reader(handle, delimiter=";"):
                pass

    def presence() -> None:
        imported = accounts_read(path, register)
        presence_table(imported.accounts, register)

    baseline = timed(read_only)
    measured = timed(presence)
    results.add_row(
        f"présence nationale ({rows:,} lignes)",
        f"{measured:.2f} s",
        f"lecture csv seule {baseline:.2f} s",
        f"× {measured / baseline:.1f}",
    )
    bench_presence_engine(results, accounts_read(path, register).accounts, register)
    command = [sys.executable, "-m", "beffroi.cli"]
    whole = timed(
        lambda: subprocess.run(
            [*command, "observatory", "presence", "--accounts", str(path)],
            check=True,
            capture_output=True,
        ),
        repeat=2,
    )
    start = timed(
        lambda: subprocess.run([*command, "--version"], check=True, capture_output=True), 2
    )
    results.add_row(
        "commande `beffroi observatory presence`",
        f"{whole:.2f} s",
        f"`beffroi --version` {start:.2f} s",
        f"+ {whole - start:.2f} s",
    )
    # Wall time on a shared machine measures the neighbours too: the CPU time of the process does not.
    cpu = child_cpu([*command, "observatory", "presence", "--accounts", str(path)])
    cpu_start = child_cpu([*command, "--version"])
    results.add_row(
        "même commande, temps CPU",
        f"{cpu:.2f} s",
        f"`beffroi --version` {cpu_start:.2f} s",
        f"+ {cpu - cpu_start:.2f} s",
    )


def bench_presence_engine(results: Table, accounts: Any, register: Any) -> None:
    """The same national table on DuckDB (the expression PySpark also runs) against Python."""
    import pyarrow as pa

    from beffroi.analytics.kpis import AnalyticsBackend
    from beffroi.observatory.benchmarks import directory_table, presence_expr

    rows = pa.table(
        {
            "kind": [a.kind.value for a in accounts],
            "code": [a.code for a in accounts],
            "network": [a.network.value for a in accounts],
        }
    )
    backend = AnalyticsBackend.duckdb()
    try:
        table = backend.register(rows)
        directory = backend.register(directory_table(register))
        engine = timed(lambda: backend.to_arrow(presence_expr(table, directory)))
        same = backend.to_arrow(presence_expr(table, directory)).to_pylist() == [
            r.as_dict() for r in presence_table(accounts, register)
        ]
    finally:
        backend.close()
    python = timed(lambda: presence_table(accounts, register))
    results.add_row(
        f"tableau national sur DuckDB ({len(accounts):,} comptes){'' if same else ' DIFFÈRE'}",
        f"{engine:.3f} s",
        f"Python {python:.3f} s",
        f"× {engine / python:.1f}",
    )


def bench_handles(results: Table) -> None:
    folder = SHARED / "twitter-parlementaires"
    if not folder.exists():
        results.add_row("identifiants canoniques", "données absentes", str(folder), "")
        return
    urls: list[str] = []
    for name in ("deputes.csv", "senateurs.csv", "deputes_2017-2022.csv"):
        with (folder / name).open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                urls += [u.strip() for u in row["sites_web"].split("|") if u.strip()]
    urls = urls * 20
    measured = timed(lambda: [profile_parse(u) for u in urls])
    baseline = timed(lambda: [urlsplit(u) for u in urls])
    results.add_row(
        f"identifiants canoniques ({len(urls):,} URL réelles)",
        f"{len(urls) / measured:,.0f} URL/s",
        f"urlsplit seul {len(urls) / baseline:,.0f} URL/s",
        f"× {measured / baseline:.1f} le temps",
    )


def bench_peers(results: Table, workdir: Path, organisations: int, days: int, spark: bool) -> None:
    from beffroi.analytics.kpis import AnalyticsBackend
    from beffroi.analytics.lake import EventLake
    from beffroi.analytics.synthetic import HistorySpec, history_tables
    from beffroi.observatory.benchmarks import directory_table, register_organisation_id

    register = register_load()
    communes = sorted(c.code for c in register.of_kind(CollectivityKind.COMMUNE))
    chosen = random.Random(3).sample(communes, organisations)
    ids = tuple(register_organisation_id(CollectivityKind.COMMUNE, c) for c in chosen)
    lake = EventLake(str(workdir / "lake"))
    spec = HistorySpec(ids, date(2026, 1, 1), days=days, seed=2)
    events = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("écriture du lac simulé", total=None)
        for table in history_tables(spec, chunk_organisations=100):
            lake.append_table(
                table.drop_columns([c for c in ("author",) if c in table.column_names])
            )
            events += table.num_rows
            progress.update(task, advance=1, description=f"lac simulé : {events:,} évènements")
    directory = directory_table(register, kinds=(CollectivityKind.COMMUNE,))

    engines: list[
        tuple[str, Callable[[], AnalyticsBackend], Callable[[AnalyticsBackend], None]]
    ] = [("DuckDB", AnalyticsBackend.duckdb, lambda b: b.close())]
    if spark:
        from beffroi.analytics.kpis import spark_session, stop_spark

        engines.append(
            (
                "PySpark",
                lambda: AnalyticsBackend.pyspark(spark_session()),
                lambda b: stop_spark(b.con._session),
            )
        )
    for name, open_engine, close_engine in engines:
        backend = open_engine()
        try:
            kpis, ranked = _time_ranking(backend, lake, directory, days)
        finally:
            close_engine(backend)
        results.add_row(
            f"rangs et centiles entre pairs, {name} ({organisations:,} communes, {events:,} évènements)",
            f"{ranked:.2f} s",
            f"requête KPI seule {kpis:.2f} s",
            f"× {ranked / kpis:.1f}",
        )


def _time_ranking(backend: Any, lake: Any, directory: Any, days: int) -> tuple[float, float]:
    """(KPI query alone, KPI query + peer ranking) over the same daily rollup, on one engine."""
    from beffroi.analytics.kpis import daily_rollup, kpi_table
    from beffroi.observatory.benchmarks import activity_by_organisation, peer_benchmark

    daily = backend.register(backend.to_arrow(daily_rollup(backend.events(lake))))
    peers_directory = backend.register(directory)
    kpis = timed(lambda: backend.to_arrow(kpi_table(daily, by=["organisation"], days=days)))
    ranked = timed(
        lambda: backend.to_arrow(
            peer_benchmark(activity_by_organisation(daily, days=days), peers_directory)
        )
    )
    return kpis, ranked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organisations", type=int, default=2000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--spark", action="store_true", help="also run the peer ranking on PySpark")
    args = parser.parse_args()
    results = Table(title="Observatoire")
    for column in ("mesure", "valeur", "référence (même exécution)", "rapport"):
        results.add_column(column)
    with tempfile.TemporaryDirectory(prefix="observatory-bench-") as tmp:
        workdir = Path(tmp)
        console.print("présence nationale…")
        bench_presence(results, workdir)
        console.print("identifiants canoniques…")
        bench_handles(results)
        console.print("rangs entre pairs…")
        bench_peers(results, workdir, args.organisations, args.days, args.spark)
    console.print(results)


if __name__ == "__main__":
    main()
