"""Benchmark of the analytics stack: lake appends, then two queries on five engines, from one run.

    .venv/bin/python benchmarks/analytics_kpis.py            # 10 million events, 5,000 organisations
    .venv/bin/python benchmarks/analytics_kpis.py --small    # 250 organisations, for a quick look
    .venv/bin/python benchmarks/analytics_kpis.py --organisations 1000 --skip sqlite

Queries:
- dashboard: one organisation, one month and the month before (totals, per network, daily series);
- national: the KPI table of every organisation over the year.
Engines: Ibis + DuckDB over the daily rollups (what the dashboards read), Ibis + DuckDB over the raw
events, Ibis + PySpark local over the raw events, pandas over the raw events (same rules, written
with pandas), Ibis + SQLite over the raw events (the same Ibis expression compiled to SQLite's SQL,
table loaded from the lake, indexed by organisation). Each measurement runs in a fresh process;
its peak memory is the sampled RSS of that process and its children (the JVM for Spark).
Then the raw readers of one organisation (share of voice's keywords of a month, the sponsoring
planner's year of history): every event of their months against the organisation's row groups.
Appends: the columnar rate, a retry of the last batch (copies skipped), a new process's first check.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import psutil
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from beffroi.analytics import lake as lake_module
from beffroi.analytics.kpis import (
    KEYWORD_COLUMNS,
    AnalyticsBackend,
    Period,
    build_rollups,
    dashboard,
    events_window,
    keyword_share,
    kpi_table,
    raw_daily,
    rollup_dashboard,
    spark_session,
    stop_spark,
)
from beffroi.analytics.lake import EVENT_SCHEMA, EventKind, EventLake, LakeEvent, Pseudonymiser
from beffroi.analytics.planner import HISTORY_COLUMNS, load_history
from beffroi.analytics.synthetic import HistorySpec, history_tables

KEY = b"cle-du-banc-d-essai-0123456789abcdef"
YEAR = Period(date(2026, 1, 1), date(2026, 12, 31))
MONTH = Period.month(2026, 6)
TARGET_ORG = "org-00042"
TABLES_PER_CHUNK = 8  # history_tables yields eight tables (one per event kind) per chunk
console = Console(width=160)


# -- building the lake -------------------------------------------------------------------------


@dataclass
class BuildFigures:
    events: int
    append_seconds: float
    generate_seconds: float
    compact_seconds: float
    rollup_seconds: float
    rollup_rows: int
    lake_bytes: int
    dataclass_rate: float
    bare_write_rate: float
    retry_rate: float  # the last batch appended again (every event with an id already there)
    retry_skipped: int
    cold_check_seconds: float  # first append of a new process: one month's ids read from its files


def build_lake(root: Path, organisations: int, posts_per_day: float) -> BuildFigures:
    lake = EventLake(str(root), pseudonymiser=Pseudonymiser(KEY))
    spec = HistorySpec(
        organisations=tuple(f"org-{i:05d}" for i in range(organisations)),
        start=YEAR.start,
        days=YEAR.days,
        posts_per_day=posts_per_day,
        seed=2026,
    )
    chunk = 250
    events = 0
    append_s = 0.0
    generate_s = 0.0
    bare_s = 0.0
    bare_rows = 0
    with Progress(
        TextColumn("[bold]Lac d'évènements"),
        BarColumn(),
        TextColumn(
            "{task.completed}/{task.total} organisations · {task.fields[events]:,} évènements"
        ),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    ) as progress:
        task = progress.add_task("build", total=organisations, events=0)
        tables = history_tables(spec, chunk_organisations=chunk)
        done = 0
        pending: list[pa.Table] = []
        last_batch = None
        while True:
            started = time.perf_counter()
            table = next(tables, None)
            generate_s += time.perf_counter() - started
            if table is not None:
                pending.append(table)
            if len(pending) == TABLES_PER_CHUNK or (table is None and pending):
                # One append per chunk of organisations, as an ingestion batch would be.
                batch = pa.concat_tables(pending, promote_options="default")
                started = time.perf_counter()
                lake.append_table(batch)
                append_s += time.perf_counter() - started
                last_batch = batch
                if bare_rows < 2_000_000:
                    # Baseline: pyarrow writing the same rows to memory, nothing else.
                    started = time.perf_counter()
                    pq.write_table(batch, pa.BufferOutputStream(), compression="zstd")
                    bare_s += time.perf_counter() - started
                    bare_rows += batch.num_rows
                events += batch.num_rows
                pending = []
                done = min(organisations, done + chunk)
                progress.update(task, completed=done, events=events)
            if table is None:
                break

    # A retry, as ingestion does after a commit that failed: the events of the last batch that carry
    # an id (posts and messages; ingestion appends only such events), appended again: none written.
    assert last_batch is not None
    again = last_batch.filter(pc.is_valid(last_batch.column("event_id")))
    started = time.perf_counter()
    retried = lake.append_table(again)
    retry_rate = again.num_rows / (time.perf_counter() - started)

    console.print("Compaction des petits fichiers…")
    started = time.perf_counter()
    lake.compact()
    compact_s = time.perf_counter() - started

    console.print("Agrégats quotidiens (rollups)…")
    started = time.perf_counter()
    backend = AnalyticsBackend.duckdb()
    rollup_rows = build_rollups(backend, lake)
    backend.close()
    rollup_s = time.perf_counter() - started

    # The object path too: 100,000 dataclasses, as the ingestion code appends them.
    sample = [
        LakeEvent(
            kind=EventKind.COMMENT,
            occurred_at=datetime(2026, 6, 1 + i % 28, 12, tzinfo=UTC),
            organisation=f"org-{i % organisations:05d}",
            network="mastodon",
            event_id=f"bench-{i}",
            author=f"citoyen-{i % 5000}",
            sentiment="neutral",
        )
        for i in range(100_000)
    ]
    scratch = EventLake(str(root.parent / "scratch"), pseudonymiser=Pseudonymiser(KEY))
    started = time.perf_counter()
    scratch.append(sample)
    dataclass_rate = len(sample) / (time.perf_counter() - started)
    shutil.rmtree(root.parent / "scratch")

    # A new process's first append into June (100 events already there, so the lake is unchanged):
    # the ids of the row groups that can hold their organisations are read from June's file.
    june = lake.read_month("2026-06")
    copies = june.filter(pc.is_valid(june.column("event_id"))).slice(0, 100).drop_columns(["day"])
    lake_module.forget_cached_files()
    started = time.perf_counter()
    cold = lake.append_table(copies.drop_columns(["schema_version"]), pseudonymise=False)
    cold_check_s = time.perf_counter() - started
    assert cold.rows == 0, "copies only"

    size = sum(p.stat().st_size for p in (root / "events").rglob("*.parquet"))
    return BuildFigures(
        events,
        append_s,
        generate_s,
        compact_s,
        rollup_s,
        rollup_rows,
        size,
        dataclass_rate,
        bare_rows / bare_s,
        retry_rate,
        retried.duplicates,
        cold_check_s,
    )


# -- SQLite: the same Ibis expressions, compiled to SQLite's SQL --------------------------------


def load_sqlite(lake: EventLake, path: Path) -> float:
    started = time.perf_counter()
    db = sqlite3.connect(path)
    sql_types = {
        pa.string(): "TEXT",
        pa.int64(): "BIGINT",
        pa.int16(): "INTEGER",
        pa.float64(): "DOUBLE",
        pa.bool_(): "BOOLEAN",
        pa.date32(): "DATE",
    }
    columns = [
        (f.name, "TIMESTAMP" if pa.types.is_timestamp(f.type) else sql_types[f.type])
        for f in EVENT_SCHEMA
    ]
    db.execute("CREATE TABLE events (" + ", ".join(f'"{n}" {t}' for n, t in columns) + ")")
    insert = f"INSERT INTO events VALUES ({','.join('?' * len(columns))})"

    def as_sqlite(column: pa.Array) -> pa.Array:
        if pa.types.is_timestamp(column.type):
            return pc.strftime(column, format="%Y-%m-%d %H:%M:%S.%f")
        if pa.types.is_date(column.type):
            return pc.strftime(column, format="%Y-%m-%d")
        if pa.types.is_boolean(column.type):
            return column.cast(pa.int64())
        return column

    for month in lake.months():
        for batch in lake.read_month(month).to_batches(200_000):
            arrays = [as_sqlite(c).to_pylist() for c in batch.columns]
            db.executemany(insert, zip(*arrays, strict=True))
    db.execute("CREATE INDEX events_organisation ON events (organisation)")
    db.commit()
    db.close()
    return time.perf_counter() - started


# -- pandas: the same rules, written with pandas -----------------------------------------------

PANDAS_COLUMNS = [
    "kind", "occurred_at", "day", "organisation", "network", "account", "event_id", "post_id",
    "in_reply_to", "followers", "followers_outside_share", "impressions", "reach", "likes",
    "comments", "shares", "video_views", "is_video", "relays_website", "sponsored", "sentiment",
    "expects_response", "response_seconds", "spend_eur", "results",
]  # fmt: skip
KEYS = ["organisation", "network", "day"]


def pandas_daily(ev: pd.DataFrame, start: date | None, end: date | None) -> pd.DataFrame:
    after = ev if start is None else ev[ev["day"] >= start]
    win = after if end is None else after[after["day"] <= end]
    pk = ["organisation", "network", "post_id"]
    parts = []
    posts = (
        win[win["kind"] == "post"]
        .assign(
            relays_website=lambda d: d["relays_website"].fillna(False).astype(bool),
            is_video=lambda d: d["is_video"].fillna(False).astype(bool),
            sponsored=lambda d: d["sponsored"].fillna(False).astype(bool),
        )
        .groupby(pk, as_index=False)
        .agg(day=("day", "min"), relays=("relays_website", "any"), video=("is_video", "any"),
             sponsored=("sponsored", "any"))
    )  # fmt: skip
    parts.append(
        posts.groupby(KEYS).agg(
            posts=("post_id", "size"), relay_posts=("relays", "sum"),
            video_posts=("video", "sum"), sponsored_posts=("sponsored", "sum"),
        )
    )  # fmt: skip
    metrics = after[after["kind"] == "metrics"].copy()
    metrics["engagements"] = (
        metrics["likes"].fillna(0) + metrics["comments"].fillna(0) + metrics["shares"].fillna(0)
    )
    latest = metrics.loc[metrics.groupby(pk)["occurred_at"].idxmax()]
    perf = posts.merge(latest[[*pk, "impressions", "reach", "engagements", "video_views"]], on=pk)
    perf["organic"] = np.where(perf["sponsored"], 0, perf["reach"].fillna(0))
    parts.append(
        perf.groupby(KEYS).agg(
            impressions=("impressions", "sum"), reach=("reach", "sum"),
            organic_reach=("organic", "sum"), engagements=("engagements", "sum"),
            video_views=("video_views", "sum"),
        )
    )  # fmt: skip
    paid = win[win["kind"] == "sponsored"]
    parts.append(
        paid.groupby(KEYS).agg(
            paid_reach=("reach", "sum"), paid_impressions=("impressions", "sum"),
            paid_results=("results", "sum"), spend_eur=("spend_eur", "sum"),
        )
    )  # fmt: skip
    stats = win[win["kind"] == "account_stats"].copy()
    stats["outside"] = stats["followers"] * stats["followers_outside_share"]
    last = stats.loc[stats.groupby([*KEYS, "account"])["occurred_at"].idxmax()]
    parts.append(
        last.groupby(KEYS).agg(followers=("followers", "sum"), followers_outside=("outside", "sum"))
    )
    received = win[win["kind"].isin(["comment", "mention"])].copy()
    received["expects"] = received["expects_response"].fillna(False).astype(bool)
    parts.append(
        received.assign(
            pos=received["sentiment"] == "positive",
            neg=received["sentiment"] == "negative",
            men=received["kind"] == "mention",
        )
        .groupby(KEYS)
        .agg(messages=("kind", "size"), positive=("pos", "sum"), negative=("neg", "sum"),
             mentions=("men", "sum"), expecting_response=("expects", "sum"))
    )  # fmt: skip
    replies = after[(after["kind"] == "reply") & after["in_reply_to"].notna()]
    first = replies.groupby(["organisation", "network", "in_reply_to"], as_index=False)[
        "response_seconds"
    ].min()
    answered = received[received["expects"]].merge(
        first,
        left_on=["organisation", "network", "event_id"],
        right_on=["organisation", "network", "in_reply_to"],
    )
    parts.append(
        answered.groupby(KEYS).agg(
            answered=("event_id", "size"), first_response_seconds=("response_seconds_y", "sum")
        )
        if "response_seconds_y" in answered.columns
        else answered.groupby(KEYS).agg(
            answered=("event_id", "size"), first_response_seconds=("response_seconds", "sum")
        )
    )
    parts.append(win[win["kind"] == "reply"].groupby(KEYS).agg(replies=("kind", "size")))
    parts.append(
        win[win["kind"] == "moderation"].groupby(KEYS).agg(moderation_actions=("kind", "size"))
    )
    daily = pd.concat(parts, axis=1)
    summed = [c for c in daily.columns if c not in ("followers", "followers_outside")]
    daily[summed] = daily[summed].fillna(0)
    return daily.reset_index()


def pandas_kpis(daily: pd.DataFrame, by: list[str], days: int) -> pd.DataFrame:
    summed = [c for c in daily.columns if c not in (*KEYS, "followers", "followers_outside")]
    sums = daily.groupby(by)[summed].sum()
    known = daily[daily["followers"].notna()]
    net = list(dict.fromkeys([*by, "organisation", "network"]))
    ordered = known.sort_values("day")
    levels = ordered.groupby(net).agg(
        followers_end=("followers", "last"),
        followers_start=("followers", "first"),
        outside_end=("followers_outside", "last"),
    )
    levels = levels.groupby(by).sum()
    j = sums.join(levels)
    out = pd.DataFrame(index=j.index)
    out["followers"] = j["followers_end"]
    out["follower_growth"] = j["followers_end"] - j["followers_start"]
    out["posts"] = j["posts"]
    out["posts_per_week"] = j["posts"] * 7 / days
    out["reach"] = j["reach"]
    out["impressions"] = j["impressions"]
    out["engagements"] = j["engagements"]
    out["engagement_rate"] = j["engagements"] / j["impressions"].where(j["impressions"] > 0)
    out["relay_share"] = j["relay_posts"] / j["posts"].where(j["posts"] > 0)
    out["net_sentiment"] = (j["positive"] - j["negative"]) / j["messages"].where(j["messages"] > 0)
    out["response_rate"] = j["answered"] / j["expecting_response"].where(
        j["expecting_response"] > 0
    )
    out["cost_per_result"] = j["spend_eur"] / j["paid_results"].where(j["paid_results"] > 0)
    return out.reset_index()


def read_events_pandas(lake: EventLake, organisation: str | None) -> pd.DataFrame:
    filters = [("organisation", "==", organisation)] if organisation else None
    frames = [
        pd.read_parquet(path, columns=PANDAS_COLUMNS, filters=filters)
        for month in lake.months()
        for path in lake.files(month)
    ]
    return pd.concat(frames, ignore_index=True)


# -- measurements, each in a fresh process ----------------------------------------------------


def _digest_dashboard(board: Any) -> tuple[Any, ...]:
    t = board.total
    return (t.posts, t.reach, t.engagements, t.followers, round(t.response_rate or 0, 6))


def _digest_national(table: pa.Table | pd.DataFrame) -> tuple[Any, ...]:
    frame = table if isinstance(table, pd.DataFrame) else table.to_pandas()
    return (len(frame), int(frame["posts"].sum()), int(frame["reach"].sum()))


def run_measure(
    root: str, sqlite_path: str, engine: str, query: str, repeats: int, target: str
) -> dict:
    """Child process body: time `query` on `engine` `repeats` times; return times and a digest."""
    global TARGET_ORG
    TARGET_ORG = target
    lake = EventLake(root, pseudonymiser=Pseudonymiser(KEY))
    result: dict[str, Any] = {"times": [], "startup": 0.0}
    session = None
    if engine in ("rollups", "duckdb"):
        # The dashboard from rollups does not use it (pyarrow and Python); the national table does.
        backend = AnalyticsBackend.duckdb()
    elif engine == "pyspark":
        started = time.perf_counter()
        session = spark_session()
        backend = AnalyticsBackend.pyspark(session)
        result["startup"] = time.perf_counter() - started
    elif engine == "sqlite":
        import ibis

        from beffroi.analytics.kpis import Engine

        backend = AnalyticsBackend(engine=Engine.SQLITE, con=ibis.sqlite.connect(sqlite_path))
    for _ in range(repeats):
        started = time.perf_counter()
        if engine == "pandas":
            if query == "dashboard":
                both = Period(MONTH.previous().start, MONTH.end)
                ev = read_events_pandas(lake, TARGET_ORG)
                daily = pandas_daily(ev, both.start, both.end)
                current = daily[daily["day"] >= MONTH.start]
                total = pandas_kpis(current, ["organisation"], MONTH.days)
                pandas_kpis(daily[daily["day"] < MONTH.start], ["organisation"], MONTH.days)
                pandas_kpis(current, ["organisation", "network"], MONTH.days)
                row = total.iloc[0]
                digest: tuple[Any, ...] = (
                    int(row["posts"]),
                    int(row["reach"]),
                    int(row["engagements"]),
                    int(row["followers"]),
                    round(float(row["response_rate"]), 6),
                )
            else:
                ev = read_events_pandas(lake, None)
                digest = _digest_national(
                    pandas_kpis(pandas_daily(ev, None, None), ["organisation"], YEAR.days)
                )
                del ev
        else:
            if engine == "sqlite":
                events = backend.con.table("events")
            elif engine != "rollups":
                events = backend.events(lake)
            if query == "dashboard" and engine == "rollups":
                # What the dashboard page runs: only this organisation's row groups are read.
                board = rollup_dashboard(lake, organisation=TARGET_ORG, period=MONTH)
                digest = _digest_dashboard(board)
            elif query == "dashboard":
                source = raw_daily(events, organisation=TARGET_ORG, period=MONTH)
                board = dashboard(backend, source, organisation=TARGET_ORG, period=MONTH)
                digest = _digest_dashboard(board)
            else:
                from beffroi.analytics.kpis import daily_rollup

                source = backend.rollups(lake) if engine == "rollups" else daily_rollup(events)
                digest = _digest_national(
                    backend.to_arrow(kpi_table(source, by=["organisation"], days=YEAR.days))
                )
        result["times"].append(time.perf_counter() - started)
    result["digest"] = digest
    if session is not None:
        stop_spark(session)
    return result


def run_reader(
    root: str, _sqlite_path: str, way: str, query: str, repeats: int, target: str
) -> dict:
    """Child process body: the raw events one organisation's page reads (share of voice: keywords
    of a month; sponsoring planner: a year of one network), by `way`: "months" (every event of the
    period's months, DuckDB filtering them, as before) or "rowgroups" (`events_window`)."""
    lake = EventLake(root, pseudonymiser=Pseudonymiser(KEY))
    if query == "keywords":
        start, end, columns = MONTH.start, MONTH.end, KEYWORD_COLUMNS
    else:
        start, end, columns = YEAR.end - timedelta(days=365), YEAR.end, HISTORY_COLUMNS
    # The account the planner is asked about: the organisation's busiest network in June.
    june = events_window(
        lake, organisations=[target], start=MONTH.start, end=MONTH.end, columns=["network"]
    )
    counts = june.column("network").value_counts().to_pylist()
    network = str(max(counts, key=lambda c: (c["counts"], c["values"]))["values"])
    result: dict[str, Any] = {"times": [], "startup": 0.0}
    digest: tuple[Any, ...] = ()
    for _ in range(repeats):
        started = time.perf_counter()
        backend = AnalyticsBackend.duckdb()  # the page opens one per uncached call
        if way == "months":
            events = backend.events_between(lake, start, end)
        else:
            window = events_window(
                lake, organisations=[target], start=start, end=end, columns=columns
            )
            events = backend.register(window)
        if query == "keywords":
            rows = backend.to_arrow(
                keyword_share(events, organisation=target, start=start, end=end)
            ).to_pylist()
            digest = tuple(sorted((r["keyword"], r["mentions"]) for r in rows))
        else:
            history = load_history(
                backend, events, organisation=target, network=network, since=start
            )
            digest = (
                history.followers,
                round(sum(history.organic_reach_ratios), 9),
                tuple((c.post_id, c.paid_reach) for c in history.campaigns),
            )
        backend.close()
        result["times"].append(time.perf_counter() - started)
    result["digest"] = digest
    return result


def _child(queue: Any, body: Any, *args: Any) -> None:
    try:
        queue.put(body(*args))
    except Exception as error:  # reported in the table, not lost in a child's traceback
        queue.put({"error": f"{type(error).__name__}: {error}"[:200]})


def measure(
    root: Path,
    sqlite_path: Path,
    engine: str,
    query: str,
    repeats: int,
    timeout: float,
    target: str,
    body: Any = run_measure,
) -> dict:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(
        target=_child,
        args=(queue, body, str(root), str(sqlite_path), engine, query, repeats, target),
    )
    process.start()
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        parent = psutil.Process(process.pid)
        while not stop.is_set():
            try:
                tree = [parent, *parent.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree if p.is_running())
                peak = max(peak, rss)
            except psutil.Error:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = queue.get(timeout=timeout)
    except Exception:
        result = {"error": f"plus de {timeout:.0f} s"}
        for child in psutil.Process(process.pid).children(recursive=True):
            child.kill()
        process.kill()
    process.join(timeout=60)
    stop.set()
    sampler.join()
    result["peak_mb"] = peak / 2**20
    return result


def figures_table(title: str, first: str, queries: tuple[str, str], versus: str) -> Table:
    """A table of medians, peak memory and ratio to the reference, for two queries."""
    table = Table(title=title)
    table.add_column(first)
    for query in queries:
        table.add_column(query + " : médiane", justify="right")
        table.add_column("mémoire crête", justify="right")
        table.add_column(versus, justify="right")
    return table


def result_cells(r: dict, reference: float | None) -> list[str]:
    """Median (first call, start-up), peak memory and ratio to the reference of one measurement."""
    if "error" in r:
        return [r["error"], f"{r['peak_mb']:,.0f} Mo", ""]
    median = statistics.median(r["times"])
    startup = f" (+{r['startup']:.0f} s démarrage)" if r.get("startup") else ""
    first = f" (1er appel {r['times'][0]:.3f} s)" if len(r["times"]) > 2 else ""
    return [
        f"{median:.3f} s{first}{startup}",
        f"{r['peak_mb']:,.0f} Mo",
        f"{median / reference:.1f}" if reference else "",
    ]


def print_readers(root: Path, sqlite_path: Path, timeout: float, target: str) -> None:
    """Share of voice's keywords and the planner's history: every event of the months, filtered
    by DuckDB (before), against the organisation's row groups only (after), same lake."""
    table = figures_table(
        f"Évènements bruts d'une organisation ({target}), processus neufs",
        "lecture",
        ("mots-clés d'un mois", "planificateur, un an"),
        "× groupes",
    )
    results = {
        (way, query): measure(root, sqlite_path, way, query, 5, timeout, target, body=run_reader)
        for way in ("rowgroups", "months")
        for query in ("keywords", "planner")
    }
    labels = {
        "months": "tous les évènements des mois (DuckDB filtre)",
        "rowgroups": "groupes de lignes de l'organisation (events_window)",
    }
    for way in ("months", "rowgroups"):
        cells = [labels[way]]
        for query in ("keywords", "planner"):
            reference = results[("rowgroups", query)].get("times")
            cells += result_cells(
                results[(way, query)], statistics.median(reference) if reference else None
            )
        table.add_row(*cells)
    console.print(table)
    for query in ("keywords", "planner"):
        digests = [results[(way, query)].get("digest") for way in ("months", "rowgroups")]
        same = digests[0] is not None and digests[0] == digests[1]
        console.print(f"Résultats {query} : {'identiques' if same else 'DIFFÉRENTS'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--organisations", type=int, default=5000)
    parser.add_argument("--posts-per-day", type=float, default=0.36, help="per account")
    parser.add_argument("--small", action="store_true", help="250 organisations")
    parser.add_argument(
        "--skip",
        nargs="*",
        default=[],
        help="what to skip: rollups duckdb pyspark pandas sqlite readers",
    )
    parser.add_argument("--timeout", type=float, default=1500.0, help="per measurement, seconds")
    parser.add_argument("--sqlite-timeout", type=float, default=600.0)
    parser.add_argument("--keep", help="directory to keep the lake in (default: a temporary one)")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="with --keep: query the lake already there; appends are then measured on 1M new events",
    )
    args = parser.parse_args()
    organisations = 250 if args.small else args.organisations
    target = f"org-{min(42, organisations - 1):05d}"

    workdir = Path(args.keep or tempfile.mkdtemp(prefix="beffroi-bench-"))
    root = workdir / "lake"
    console.print(
        f"[bold]Banc d'essai analytics[/] : {organisations:,} organisations, un an, "
        f"{os.cpu_count()} cœurs, dossier {workdir}"
    )
    if args.reuse and (root / "rollups").exists():
        scratch = workdir / "append-check"
        shutil.rmtree(scratch, ignore_errors=True)
        fresh = build_lake(scratch / "lake", 500, args.posts_per_day)
        existing = EventLake(str(root), pseudonymiser=Pseudonymiser(KEY)).read_all().num_rows
        figures = BuildFigures(
            existing,
            fresh.append_seconds * existing / fresh.events,
            0.0,
            0.0,
            0.0,
            0,
            0,
            fresh.dataclass_rate,
            fresh.bare_write_rate,
            fresh.retry_rate,
            fresh.retry_skipped,
            fresh.cold_check_seconds,
        )
        console.print(
            f"Lac réutilisé : {existing:,} évènements ; débit d'ajout mesuré sur "
            f"{fresh.events:,} nouveaux évènements (500 organisations)."
        )
        shutil.rmtree(scratch, ignore_errors=True)
    else:
        figures = build_lake(root, organisations, args.posts_per_day)
    rate = figures.events / figures.append_seconds
    console.print(
        f"{figures.events:,} évènements, {figures.lake_bytes / 2**20:,.0f} Mo de Parquet ; "
        f"génération {figures.generate_seconds:.1f} s, compaction {figures.compact_seconds:.1f} s, "
        f"rollups {figures.rollup_seconds:.1f} s ({figures.rollup_rows:,} lignes)"
    )

    sqlite_path = workdir / "events.sqlite"
    sqlite_load = None
    if "sqlite" not in args.skip:
        sqlite_path.unlink(missing_ok=True)
        console.print("Chargement SQLite…")
        sqlite_load = load_sqlite(
            EventLake(str(root), pseudonymiser=Pseudonymiser(KEY)), sqlite_path
        )

    engines = [
        ("rollups", "rollups quotidiens (bord : pyarrow ; national : DuckDB)", 21),
        ("duckdb", "Ibis + DuckDB, évènements bruts", 3),
        ("pyspark", "Ibis + PySpark local[2], bruts (Arrow)", 1),
        ("pandas", "pandas, bruts", 1),
        ("sqlite", "Ibis + SQLite, bruts (même expression)", 1),
    ]
    console.print(
        f"Délai maximal par mesure : {args.timeout:.0f} s (SQLite : {args.sqlite_timeout:.0f} s) ; "
        "une mesure qui le dépasse est arrêtée et sa case du tableau le dit."
    )
    results: dict[tuple[str, str], dict] = {}
    with Progress(
        TextColumn("[bold]{task.description}"), BarColumn(), TimeElapsedColumn(), console=console
    ) as progress:
        todo = [
            (e, q) for e, _, _ in engines if e not in args.skip for q in ("dashboard", "national")
        ]
        task = progress.add_task("Mesures", total=len(todo))
        for engine, label, repeats in engines:
            if engine in args.skip:
                continue
            for query in ("dashboard", "national"):
                progress.update(task, description=f"{label} · {query}")
                timeout = args.sqlite_timeout if engine == "sqlite" else args.timeout
                results[(engine, query)] = measure(
                    root, sqlite_path, engine, query, repeats, timeout, target
                )
                progress.advance(task)

    table = figures_table(
        f"{figures.events:,} évènements, {organisations:,} organisations, un an",
        "moteur",
        ("bord, 1 organisation", "national"),
        "× rollups",
    )
    reference = {
        q: statistics.median(results[("rollups", q)]["times"])
        for q in ("dashboard", "national")
        if "times" in results.get(("rollups", q), {})
    }
    digests: dict[str, set[Any]] = {"dashboard": set(), "national": set()}
    for engine, label, _ in engines:
        if engine in args.skip:
            continue
        cells = [label]
        for query in ("dashboard", "national"):
            r = results[(engine, query)]
            if "digest" in r:
                digests[query].add(r["digest"])
            cells += result_cells(r, reference.get(query))
        table.add_row(*cells)
    console.print(table)
    if "readers" not in args.skip:
        print_readers(root, sqlite_path, args.timeout, target)
    if sqlite_load is not None:
        console.print(f"Chargement SQLite (insertion + index) : {sqlite_load:.1f} s")
    for query, seen in digests.items():
        verdict = (
            "identiques"
            if len(seen) == 1
            else "DIFFÉRENTS : "
            + ", ".join(
                f"{engine}={results[(engine, query)].get('digest')}"
                for engine, _, _ in engines
                if (engine, query) in results
            )
        )
        console.print(f"Résultats {query} sur tous les moteurs : {verdict}")

    console.print(
        f"Ajout au lac : {rate:,.0f} évènements/s en colonnes (cible 100 000), "
        f"{figures.dataclass_rate:,.0f}/s depuis des objets LakeEvent ; "
        f"base : pyarrow seul (write_table en mémoire, sans préparation ni fsync) "
        f"{figures.bare_write_rate:,.0f}/s"
    )
    console.print(
        f"Reprise (le dernier lot ajouté une seconde fois) : {figures.retry_rate:,.0f} évènements/s, "
        f"{figures.retry_skipped:,} copies écartées ({figures.retry_rate / rate:.2f} × l'ajout) ; "
        f"premier ajout d'un processus neuf (identifiants lus dans les fichiers du mois) : "
        f"{figures.cold_check_seconds:.3f} s"
    )
    raw = results.get(("duckdb", "dashboard"), {})
    if "times" in raw and "dashboard" in reference:
        raw_median = statistics.median(raw["times"])
        cold = results[("rollups", "dashboard")]["times"][0]
        console.print(
            f"Tableau de bord : rollups {raw_median / reference['dashboard']:.0f} fois plus rapides "
            f"que DuckDB sur les bruts en médiane, {raw_median / cold:.0f} fois au premier appel "
            f"d'un processus neuf (cible 20, visée 50)"
        )
    console.print(
        f"Charge moyenne de la machine pendant le banc : {os.getloadavg()[0]:.1f} "
        f"(2 cœurs partagés)"
    )
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
