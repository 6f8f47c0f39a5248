"""KPIs as Ibis expressions, run by DuckDB embedded (default) or by PySpark (BEFFROI_ANALYTICS_ENGINE=pyspark).

Two layers, one vocabulary:

- `daily_rollup(events)`: raw events -> one row per (organisation, network, day) with additive
  measures. Written as Parquet by `build_rollups`, it is what dashboards read.
- `kpi_table(daily, by=...)`: any daily rollup (the stored one, or one computed on the fly from raw
  events) -> one row of indicators per group. Dashboards and the benchmark run the same expression
  over both, so "rollups" and "raw" can only differ in speed.

Conventions: a post's metrics are those of its latest snapshot and count on the day the post was
published; sponsored events carry the paid results of one day (additive); followers are the last
snapshot of each account on a day; a message is answered when a reply points to it.
"""

from __future__ import annotations

import os
import subprocess
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import ibis
import ibis.expr.types as ir
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from beffroi.analytics.lake import (
    EVENT_SCHEMA,
    EVENTS_DIR,
    ROLLUPS_DIR,
    SCHEMA_VERSION,
    SCHEMA_VERSION_KEY,
    EventKind,
    EventLake,
    LakeError,
    file_footer,
    row_groups_holding,
)

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

ENGINE_ENV = "BEFFROI_ANALYTICS_ENGINE"
SPARK_MASTER_ENV = "SPARK_MASTER"
ROLLUP_KEYS = ("organisation", "network", "day")
# Rollup measures and their types; every one is summed over days except `followers*` (last value).
ROLLUP_MEASURES: dict[str, str] = {
    "posts": "int64",
    "relay_posts": "int64",
    "video_posts": "int64",
    "sponsored_posts": "int64",
    "impressions": "int64",
    "reach": "int64",
    "organic_reach": "int64",
    "engagements": "int64",
    "video_views": "int64",
    "paid_reach": "int64",
    "paid_impressions": "int64",
    "paid_results": "int64",
    "spend_eur": "float64",
    "followers": "int64",
    "followers_outside": "float64",
    "messages": "int64",
    "positive": "int64",
    "negative": "int64",
    "mentions": "int64",
    "expecting_response": "int64",
    "answered": "int64",
    "first_response_seconds": "int64",
    "replies": "int64",
    "moderation_actions": "int64",
}
_LAST_VALUE = ("followers", "followers_outside")
SUMMED = tuple(m for m in ROLLUP_MEASURES if m not in _LAST_VALUE)
# Row groups small enough that one organisation's dashboard reads one or two of them per month
# (rollups are sorted by organisation, so Parquet min/max statistics skip the others): a month of
# 5,000 organisations is about 450,000 rows, a few hundred row groups.
ROLLUP_ROW_GROUP_ROWS = 4 * 1024


class Engine(StrEnum):
    DUCKDB = "duckdb"
    PYSPARK = "pyspark"
    SQLITE = "sqlite"  # for comparisons in the benchmark only


def configured_engine() -> Engine:
    value = os.environ.get(ENGINE_ENV, Engine.DUCKDB.value).strip().lower()
    try:
        return Engine(value)
    except ValueError as error:
        raise ValueError(f"{ENGINE_ENV}={value!r} : attendu duckdb ou pyspark.") from error


# -- engines ---------------------------------------------------------------------------------


def spark_session(master: str | None = None) -> SparkSession:
    """A Spark session tuned for KPI queries: Arrow transfers, 4 shuffle partitions, UTC."""
    from pyspark.sql import SparkSession

    # Loopback only: the machine's name resolves to 127.0.0.1 but Spark would pick eth0's address.
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    session = (
        SparkSession.builder.master(master or os.environ.get(SPARK_MASTER_ENV, "local[2]"))
        .appName("beffroi-analytics")
        # ibis does not turn Arrow on; without it results cross the gateway row by row (2x slower).
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
        .config("spark.driver.memory", os.environ.get("SPARK_DRIVER_MEMORY", "2g"))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    return session


def stop_spark(session: SparkSession) -> None:
    """Stop the session and its JVM: `spark.stop()` alone can leave the gateway process running."""
    from pyspark import SparkContext

    gateway = SparkContext._gateway
    session.stop()
    if gateway is None:
        return
    process: subprocess.Popen[bytes] | None = getattr(gateway, "proc", None)
    gateway.shutdown()
    if process is not None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    SparkContext._gateway = None
    SparkContext._jvm = None


# Compiled SQL of the small queries, by (engine, query, schema), for the whole process: compiling an
# Ibis expression costs about 0.1 s here, ten times what DuckDB takes to run it over a dashboard's
# few hundred rows, and a web request opens a new backend each time.
_COMPILED: dict[tuple[Engine, str, pa.Schema], tuple[str, pa.Schema]] = {}


@dataclass
class AnalyticsBackend:
    """An Ibis connection and how to read the lake's datasets with it."""

    engine: Engine
    con: Any  # ibis BaseBackend (DuckDB or PySpark)

    @classmethod
    def duckdb(cls, *, threads: int | None = None) -> AnalyticsBackend:
        con = ibis.duckdb.connect()
        if threads:
            con.raw_sql(f"SET threads = {int(threads)}").fetchall()
        return cls(Engine.DUCKDB, con)

    @classmethod
    def pyspark(cls, session: SparkSession) -> AnalyticsBackend:
        return cls(Engine.PYSPARK, ibis.pyspark.connect(session))

    def read(self, lake: EventLake, dataset: str = EVENTS_DIR) -> ir.Table:
        if not lake.has_data(dataset):
            schema = EVENT_SCHEMA if dataset == EVENTS_DIR else rollup_schema()
            return ibis.memtable(schema.empty_table())
        if self.engine is Engine.DUCKDB:
            return self.con.read_parquet(lake.glob(dataset), hive_partitioning=True)
        return self.con.read_parquet(lake.dataset_dir(dataset) if lake.local else lake.root)

    def events(self, lake: EventLake) -> ir.Table:
        return self.read(lake, EVENTS_DIR)

    def events_between(self, lake: EventLake, start: date, end: date) -> ir.Table:
        """The raw events of the months from `start` to `end` only (an organisation's page over
        a period need not scan the whole year)."""
        months = _months_between(start, end)
        paths = [path for month in lake.months() if month in months for path in lake.files(month)]
        if not paths:
            return ibis.memtable(EVENT_SCHEMA.empty_table())
        if self.engine is Engine.DUCKDB:
            prefix = "" if lake.local else lake.root.split("://", 1)[0] + "://"
            return self.con.read_parquet([prefix + path for path in paths], hive_partitioning=True)
        return self.con.read_parquet(lake.dataset_dir() if lake.local else lake.root).filter(
            lambda t: (t.day >= start) & (t.day <= end)
        )

    def rollups(self, lake: EventLake) -> ir.Table:
        return self.read(lake, ROLLUPS_DIR)

    def register(self, table: pa.Table) -> ir.Table:
        """A small Arrow table as an Ibis table of this engine."""
        if self.engine is not Engine.PYSPARK:
            return ibis.memtable(table)
        # Spark 4 takes Arrow directly; ibis's memtable goes through pandas and loses Arrow.
        name = f"beffroi_{uuid.uuid4().hex}"
        session = self.con._session
        session.createDataFrame(table).createOrReplaceTempView(name)
        return self.con.table(name)

    def to_arrow(self, expr: ir.Table) -> pa.Table:
        return self.con.to_pyarrow(expr)

    def run_small(
        self, table: pa.Table, query: str, build: Callable[[ir.Table], ir.Table]
    ) -> pa.Table:
        """Run `build(table)` on this engine, compiling the Ibis expression once per query name.

        `query` must name everything `build` puts in the SQL besides the table (e.g. the days).
        """
        if self.engine not in (Engine.DUCKDB, Engine.PYSPARK):
            return self.to_arrow(build(self.register(table)))
        name = "beffroi_small_" + "".join(c if c.isalnum() else "_" for c in query)
        key = (self.engine, query, table.schema)
        compiled = _COMPILED.get(key)
        if compiled is None:
            unbound = ibis.table(ibis.Schema.from_pyarrow(table.schema), name=name)
            expr = build(unbound)
            compiled = (
                str(ibis.to_sql(expr, dialect=self.engine.value)),
                expr.schema().to_pyarrow(),
            )
            _COMPILED[key] = compiled
        sql, schema = compiled
        if self.engine is Engine.DUCKDB:
            # A cursor of its own: duckdb 2 refuses new work while a result is unfinished.
            cursor = self.con.con.cursor()
            try:
                cursor.register(name, table)
                result: pa.Table = cursor.sql(sql).to_arrow_table()
            finally:
                cursor.close()
            # Raw SQL keeps the engine's types (DuckDB sums integers as HUGEINT): Ibis's types back.
            return result.cast(schema)
        session = self.con._session
        session.createDataFrame(table).createOrReplaceTempView(name)
        return session.sql(sql).toArrow().cast(schema)

    def close(self) -> None:
        if self.engine is Engine.DUCKDB:
            self.con.disconnect()


_SHARED: AnalyticsBackend | None = None
_SHARED_LOCK = threading.Lock()


def shared_duckdb() -> AnalyticsBackend:
    """One embedded DuckDB for the whole process, for the web pages' small queries.

    Opening one costs 10 to 80 ms here, more than a dashboard's queries over its rows; each small
    query takes its own cursor (`run_small`), which is how DuckDB lets threads share a database.
    One thread per query: they run over a few hundred rows, while the web server runs many at once.
    Never close it.
    """
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = AnalyticsBackend.duckdb(threads=1)
        return _SHARED


@contextmanager
def open_backend(engine: Engine | None = None) -> Iterator[AnalyticsBackend]:
    """The configured engine for the duration of a block (Spark: started then fully stopped)."""
    engine = engine or configured_engine()
    if engine is Engine.DUCKDB:
        backend = AnalyticsBackend.duckdb()
        try:
            yield backend
        finally:
            backend.close()
        return
    session = spark_session()
    try:
        yield AnalyticsBackend.pyspark(session)
    finally:
        stop_spark(session)


def rollup_schema() -> pa.Schema:
    types = {"int64": pa.int64(), "float64": pa.float64()}
    return pa.schema(
        [
            pa.field("organisation", pa.string()),
            pa.field("network", pa.string()),
            pa.field("day", pa.date32()),
            *(pa.field(name, types[kind]) for name, kind in ROLLUP_MEASURES.items()),
        ]
    )


# -- daily rollup ----------------------------------------------------------------------------


def _int(expr: ir.BooleanValue) -> ir.IntegerValue:
    return expr.fill_null(False).cast("int64")


def _shape(table: ir.Table) -> ir.Table:
    """Give one partial aggregate every rollup column (nulls elsewhere) so that parts union."""
    columns: dict[str, ir.Value] = {key: table[key] for key in ROLLUP_KEYS}
    for name, kind in ROLLUP_MEASURES.items():
        value = table[name] if name in table.columns else ibis.null()
        columns[name] = value.cast(kind)
    return table.select(**columns)


def daily_rollup(
    events: ir.Table, *, start: date | None = None, end: date | None = None
) -> ir.Table:
    """One row per (organisation, network, day) between start and end (inclusive)."""
    t = events
    in_window = t
    after_start = t
    if start is not None:
        after_start = after_start.filter(after_start.day >= start)
        in_window = after_start
    if end is not None:
        in_window = in_window.filter(in_window.day <= end)
    keys = list(ROLLUP_KEYS)
    post_keys = ["organisation", "network", "post_id"]

    posts = (
        in_window.filter(in_window.kind == EventKind.POST.value)
        .group_by(post_keys)
        .agg(
            day=lambda p: p.day.min(),
            relays_website=lambda p: p.relays_website.fill_null(False).any(),
            is_video=lambda p: p.is_video.fill_null(False).any(),
            sponsored=lambda p: p.sponsored.fill_null(False).any(),
        )
    )
    post_part = _shape(
        posts.group_by(keys).agg(
            posts=posts.count(),
            relay_posts=_int(posts.relays_website).sum(),
            video_posts=_int(posts.is_video).sum(),
            sponsored_posts=_int(posts.sponsored).sum(),
        )
    )

    # Metrics snapshots come after their post: read them past `end`, and keep the latest one.
    metrics = after_start.filter(after_start.kind == EventKind.METRICS.value).mutate(
        engagements=after_start.likes.fill_null(0)
        + after_start.comments.fill_null(0)
        + after_start.shares.fill_null(0)
    )
    latest = metrics.group_by(post_keys).agg(
        impressions=metrics.impressions.argmax(metrics.occurred_at),
        reach=metrics.reach.argmax(metrics.occurred_at),
        engagements=metrics.engagements.argmax(metrics.occurred_at),
        video_views=metrics.video_views.argmax(metrics.occurred_at),
    )
    performance = posts.inner_join(latest, post_keys)
    metrics_part = _shape(
        performance.group_by(keys).agg(
            impressions=performance.impressions.sum(),
            reach=performance.reach.sum(),
            organic_reach=performance.sponsored.ifelse(0, performance.reach.fill_null(0)).sum(),
            engagements=performance.engagements.sum(),
            video_views=performance.video_views.sum(),
        )
    )

    sponsored = in_window.filter(in_window.kind == EventKind.SPONSORED.value)
    sponsored_part = _shape(
        sponsored.group_by(keys).agg(
            paid_reach=sponsored.reach.sum(),
            paid_impressions=sponsored.impressions.sum(),
            paid_results=sponsored.results.sum(),
            spend_eur=sponsored.spend_eur.sum(),
        )
    )

    stats = in_window.filter(in_window.kind == EventKind.ACCOUNT_STATS.value).mutate(
        outside=in_window.followers * in_window.followers_outside_share
    )
    per_account = stats.group_by([*keys, "account"]).agg(
        followers=stats.followers.argmax(stats.occurred_at),
        followers_outside=stats.outside.argmax(stats.occurred_at),
    )
    followers_part = _shape(
        per_account.group_by(keys).agg(
            followers=per_account.followers.sum(),
            followers_outside=per_account.followers_outside.sum(),
        )
    )

    received = in_window.filter(
        in_window.kind.isin([EventKind.COMMENT.value, EventKind.MENTION.value])
    )
    messages_part = _shape(
        received.group_by(keys).agg(
            messages=received.count(),
            positive=_int(received.sentiment == "positive").sum(),
            negative=_int(received.sentiment == "negative").sum(),
            mentions=_int(received.kind == EventKind.MENTION.value).sum(),
            expecting_response=_int(received.expects_response).sum(),
        )
    )

    replies = after_start.filter(
        (after_start.kind == EventKind.REPLY.value) & after_start.in_reply_to.notnull()
    )
    first_replies = replies.group_by(["organisation", "network", "in_reply_to"]).agg(
        first_response=replies.response_seconds.min()
    )
    expecting = received.filter(received.expects_response.fill_null(False)).select(
        "organisation", "network", "day", "event_id"
    )
    answered = expecting.inner_join(
        first_replies,
        [
            expecting.organisation == first_replies.organisation,
            expecting.network == first_replies.network,
            expecting.event_id == first_replies.in_reply_to,
        ],
    ).select(
        organisation=expecting.organisation,
        network=expecting.network,
        day=expecting.day,
        first_response=first_replies.first_response,
    )
    answered_part = _shape(
        answered.group_by(keys).agg(
            answered=answered.count(),
            first_response_seconds=answered.first_response.sum(),
        )
    )

    own_replies = in_window.filter(in_window.kind == EventKind.REPLY.value)
    moderation = in_window.filter(in_window.kind == EventKind.MODERATION.value)
    activity_part = _shape(own_replies.group_by(keys).agg(replies=own_replies.count()))
    moderation_part = _shape(moderation.group_by(keys).agg(moderation_actions=moderation.count()))

    parts = [
        post_part,
        metrics_part,
        sponsored_part,
        followers_part,
        messages_part,
        answered_part,
        activity_part,
        moderation_part,
    ]
    union = ibis.union(*parts, distinct=False)
    rolled = union.group_by(keys).agg(
        **{name: union[name].sum() for name in ROLLUP_MEASURES},
    )
    return rolled.mutate(
        **{
            name: rolled[name].fill_null(0.0 if kind == "float64" else 0)
            for name, kind in ROLLUP_MEASURES.items()
            if name not in _LAST_VALUE
        }
    )


# -- KPIs ------------------------------------------------------------------------------------


def _ratio(numerator: ir.NumericValue, denominator: ir.NumericValue) -> ir.FloatingValue:
    return (denominator > 0).ifelse(numerator.cast("float64") / denominator, ibis.null("float64"))


def kpi_table(daily: ir.Table, *, by: Sequence[str], days: int) -> ir.Table:
    """Indicators per group of `by` (e.g. ("organisation",) or ("organisation", "network"))."""
    by = list(by)
    sums = daily.group_by(by).agg(**{name: daily[name].sum() for name in SUMMED})
    # Followers are a level, not a flow: last and first known value per account network, then summed.
    known = daily.filter(daily.followers.notnull())
    network_keys = list(dict.fromkeys([*by, "organisation", "network"]))
    per_network = known.group_by(network_keys).agg(
        followers_end=known.followers.argmax(known.day),
        followers_start=known.followers.argmin(known.day),
        outside_end=known.followers_outside.argmax(known.day),
    )
    levels = per_network.group_by(by).agg(
        followers_end=per_network.followers_end.sum(),
        followers_start=per_network.followers_start.sum(),
        outside_end=per_network.outside_end.sum(),
    )
    joined = sums.left_join(levels, [sums[key] == levels[key] for key in by]).select(
        *[sums[name] for name in sums.columns],
        levels.followers_end,
        levels.followers_start,
        levels.outside_end,
    )
    j = joined
    return j.select(
        *by,
        followers=j.followers_end,
        follower_growth=j.followers_end - j.followers_start,
        follower_growth_rate=_ratio(j.followers_end - j.followers_start, j.followers_start),
        outside_share=_ratio(j.outside_end, j.followers_end),
        posts=j.posts,
        posts_per_week=j.posts.cast("float64") * 7.0 / float(days),
        reach=j.reach,
        impressions=j.impressions,
        engagements=j.engagements,
        engagement_rate=_ratio(j.engagements, j.impressions),
        video_views=j.video_views,
        relay_share=_ratio(j.relay_posts, j.posts),
        messages=j.messages,
        mentions=j.mentions,
        net_sentiment=_ratio(j.positive - j.negative, j.messages),
        response_rate=_ratio(j.answered, j.expecting_response),
        first_response_minutes=_ratio(j.first_response_seconds, j.answered * 60),
        replies=j.replies,
        moderation_actions=j.moderation_actions,
        organic_reach_per_post=_ratio(j.organic_reach, j.posts - j.sponsored_posts),
        sponsored_posts=j.sponsored_posts,
        paid_reach=j.paid_reach,
        spend_eur=j.spend_eur,
        cost_per_result=_ratio(j.spend_eur, j.paid_results),
    )


def share_of_voice(daily: ir.Table, organisations: Sequence[str]) -> ir.Table:
    """Each organisation's share of the mentions of a chosen group of peers (itself included)."""
    return mention_shares(daily.filter(daily.organisation.isin(list(organisations))))


def mention_shares(daily: ir.Table) -> ir.Table:
    """Each organisation's share of all the mentions of `daily` (already cut to the peers)."""
    counted = daily.group_by("organisation").agg(mentions=daily.mentions.sum())
    return counted.mutate(share=_ratio(counted.mentions, counted.mentions.sum().over()))


# The raw columns `keyword_share` reads (`events_window` reads only those).
KEYWORD_COLUMNS = ("organisation", "day", "kind", "keyword")


def keyword_share(events: ir.Table, *, organisation: str, start: date, end: date) -> ir.Table:
    """Share of each listened keyword among the organisation's keyword mentions of the period."""
    t = events.filter(
        (events.organisation == organisation)
        & (events.kind == EventKind.MENTION.value)
        & events.keyword.notnull()
        & (events.day >= start)
        & (events.day <= end)
    )
    counted = t.group_by("keyword").agg(mentions=t.count())
    return counted.mutate(share=_ratio(counted.mentions, counted.mentions.sum().over()))


def top_posts(
    events: ir.Table, *, organisation: str, start: date, end: date, limit: int = 5
) -> ir.Table:
    """The period's posts with the most engagements (latest snapshot), for the report."""
    t = events.filter((events.organisation == organisation) & (events.day >= start))
    posts = t.filter((t.kind == EventKind.POST.value) & (t.day <= end)).select(
        "network", "post_id", "day", "text", "url", "sponsored"
    )
    metrics = t.filter(t.kind == EventKind.METRICS.value).mutate(
        engagements=t.likes.fill_null(0) + t.comments.fill_null(0) + t.shares.fill_null(0)
    )
    latest = metrics.group_by(["network", "post_id"]).agg(
        reach=metrics.reach.argmax(metrics.occurred_at),
        impressions=metrics.impressions.argmax(metrics.occurred_at),
        engagements=metrics.engagements.argmax(metrics.occurred_at),
    )
    joined = posts.inner_join(latest, ["network", "post_id"])
    return joined.order_by([ibis.desc("engagements"), "post_id"]).limit(limit)


def _py_ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or not denominator > 0:
        return None
    return float(numerator) / denominator


def small_kpi_records(daily: pa.Table, *, by: Sequence[str], days: int) -> list[dict[str, Any]]:
    """`kpi_table` for a few hundred daily rows, in plain Python: the same rules, row for row.

    A dashboard's rows fit in a few kilobytes; planning `kpi_table`'s SQL costs DuckDB 10 to 25 ms
    for them (and Spark seconds), this loop under one. `kpi_table` stays the definition: a test
    compares both on every engine (tests/analytics/test_kpis.py).
    """
    by = list(by)
    sums: dict[tuple[Any, ...], dict[str, Any]] = {}
    # Followers are a level: per account network, the value of the first and of the last day (and
    # the last known outside share: DuckDB's arg_max skips nulls).
    levels: dict[tuple[Any, ...], dict[tuple[Any, ...], list[Any]]] = {}
    network_keys = list(dict.fromkeys([*by, "organisation", "network"]))
    for row in daily.to_pylist():
        key = tuple(row[k] for k in by)
        group = sums.setdefault(key, dict.fromkeys(SUMMED))
        for name in SUMMED:
            value = row[name]
            if value is not None:
                group[name] = value if group[name] is None else group[name] + value
        if row["followers"] is not None:
            account = tuple(row[k] for k in network_keys)
            day, followers, outside_value = row["day"], row["followers"], row["followers_outside"]
            # [first day, its followers, last day, its followers, last outside day, its value]
            seen = levels.setdefault(key, {}).setdefault(
                account, [day, followers, day, followers, None, None]
            )
            if day < seen[0]:
                seen[0:2] = [day, followers]
            if day > seen[2]:
                seen[2:4] = [day, followers]
            if outside_value is not None and (seen[4] is None or day > seen[4]):
                seen[4:6] = [day, outside_value]
    records = []
    for key, j in sums.items():
        accounts = levels.get(key)
        end = start = outside = None
        if accounts:
            start = sum(seen[1] for seen in accounts.values())
            end = sum(seen[3] for seen in accounts.values())
            outsides = [seen[5] for seen in accounts.values() if seen[5] is not None]
            outside = sum(outsides) if outsides else None
        growth = None if end is None or start is None else end - start
        records.append(
            {
                **dict(zip(by, key, strict=True)),
                "followers": end,
                "follower_growth": growth,
                "follower_growth_rate": _py_ratio(growth, start),
                "outside_share": _py_ratio(outside, end),
                "posts": j["posts"],
                "posts_per_week": None if j["posts"] is None else j["posts"] * 7.0 / float(days),
                "reach": j["reach"],
                "impressions": j["impressions"],
                "engagements": j["engagements"],
                "engagement_rate": _py_ratio(j["engagements"], j["impressions"]),
                "video_views": j["video_views"],
                "relay_share": _py_ratio(j["relay_posts"], j["posts"]),
                "messages": j["messages"],
                "mentions": j["mentions"],
                "net_sentiment": _py_ratio(
                    None if j["positive"] is None else j["positive"] - j["negative"],
                    j["messages"],
                ),
                "response_rate": _py_ratio(j["answered"], j["expecting_response"]),
                "first_response_minutes": _py_ratio(
                    j["first_response_seconds"],
                    None if j["answered"] is None else j["answered"] * 60,
                ),
                "replies": j["replies"],
                "moderation_actions": j["moderation_actions"],
                "organic_reach_per_post": _py_ratio(
                    j["organic_reach"],
                    None if j["posts"] is None else j["posts"] - j["sponsored_posts"],
                ),
                "sponsored_posts": j["sponsored_posts"],
                "paid_reach": j["paid_reach"],
                "spend_eur": j["spend_eur"],
                "cost_per_result": _py_ratio(j["spend_eur"], j["paid_results"]),
            }
        )
    return records


# -- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KpiRow:
    """One row of `kpi_table`, as Python values (None where a ratio has no denominator)."""

    organisation: str | None
    network: str | None
    followers: int | None
    follower_growth: int | None
    follower_growth_rate: float | None
    outside_share: float | None
    posts: int
    posts_per_week: float
    reach: int
    impressions: int
    engagements: int
    engagement_rate: float | None
    video_views: int
    relay_share: float | None
    messages: int
    mentions: int
    net_sentiment: float | None
    response_rate: float | None
    first_response_minutes: float | None
    replies: int
    moderation_actions: int
    organic_reach_per_post: float | None
    sponsored_posts: int
    paid_reach: int
    spend_eur: float
    cost_per_result: float | None


KPI_FIELDS = tuple(f.name for f in fields(KpiRow))


def kpi_rows(table: pa.Table) -> list[KpiRow]:
    rows = []
    for record in table.to_pylist():
        values = {name: record.get(name) for name in KPI_FIELDS}
        rows.append(KpiRow(**values))
    return rows


@dataclass(frozen=True, slots=True)
class Period:
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before, for comparisons."""
        return Period(self.start - timedelta(days=self.days), self.start - timedelta(days=1))

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        following = date(year + month // 12, month % 12 + 1, 1)
        return cls(date(year, month, 1), following - timedelta(days=1))


@dataclass(frozen=True, slots=True)
class Dashboard:
    organisation: str
    period: Period
    total: KpiRow | None
    previous_total: KpiRow | None
    by_network: tuple[KpiRow, ...]
    daily: pa.Table  # day, network, posts, reach, impressions, engagements, followers


def _scope(table: pa.Table, scope: str, networks: pa.ChunkedArray | None) -> pa.Table:
    label = networks if networks is not None else pa.array(["*"] * table.num_rows, pa.string())
    return table.append_column(
        "scope", pa.array([scope] * table.num_rows, pa.string())
    ).append_column("scope_network", label)


def _as_dict(row: KpiRow) -> dict[str, Any]:
    return {name: getattr(row, name) for name in KPI_FIELDS}


def _window(daily: ir.Table, organisation: str, period: Period) -> ir.Table:
    return daily.filter(
        (daily.organisation == organisation)
        & (daily.day >= period.start)
        & (daily.day <= period.end)
    )


def dashboard(
    backend: AnalyticsBackend,
    daily: ir.Table,
    *,
    organisation: str,
    period: Period,
) -> Dashboard:
    """Everything one organisation's dashboard shows, from a daily rollup (stored or computed)."""
    both = Period(period.previous().start, period.end)
    # One pass of the engine over the source (raw events or rollups); the small queries below
    # then run, on the same engine, over those few hundred rows.
    window = backend.to_arrow(_window(daily, organisation, both))
    return dashboard_of_window(window, organisation=organisation, period=period)


def rollup_dashboard(lake: EventLake, *, organisation: str, period: Period) -> Dashboard:
    """The dashboard from the stored rollups, reading only this organisation's row groups."""
    both = Period(period.previous().start, period.end)
    window = rollup_window(lake, organisations=[organisation], start=both.start, end=both.end)
    return dashboard_of_window(window, organisation=organisation, period=period)


def dashboard_of_window(window: pa.Table, *, organisation: str, period: Period) -> Dashboard:
    """The dashboard from one organisation's daily rows of the period and the period before."""
    days = window.column("day")
    current = window.filter(pc.greater_equal(days, pa.scalar(period.start)))
    previous = window.filter(pc.less(days, pa.scalar(period.start)))
    # One small query for the totals of both periods and the networks of this one: rows are
    # labelled with a scope; totals group on "*" while followers still add up network by network.
    scoped = pa.concat_tables(
        [
            _scope(current, "current", current.column("network")),
            _scope(current, "current", None),
            _scope(previous, "previous", None),
        ]
    )
    rows = small_kpi_records(
        scoped, by=["scope", "organisation", "scope_network"], days=period.days
    )
    total = before = None
    per_network = []
    for record in sorted(rows, key=lambda r: (r["scope"], r["scope_network"])):
        scope, label = record.pop("scope"), record.pop("scope_network")
        values: dict[str, Any] = {name: record.get(name) for name in KPI_FIELDS}
        row = KpiRow(**values | {"network": None})
        if label != "*":
            per_network.append(KpiRow(**{**_as_dict(row), "network": label}))
        elif scope == "current":
            total = row
        else:
            before = row
    series = sorted_table(
        current.select(
            ["day", "network", "posts", "reach", "impressions", "engagements", "followers"]
        ),
        ["day", "network"],
    )
    return Dashboard(
        organisation=organisation,
        period=period,
        total=total,
        previous_total=before,
        by_network=tuple(per_network),
        daily=series,
    )


# -- one organisation's rollups, straight from Parquet ------------------------------------------


def organisation_bounds(lake: EventLake, path: str) -> tuple[tuple[str, str] | None, ...]:
    """The (min, max) organisation of each row group of one file of the lake (cached footer)."""
    return file_footer(lake, path)[1]


def _months_between(start: date, end: date) -> set[str]:
    months = set()
    cursor = start.replace(day=1)
    while cursor <= end:
        months.add(f"{cursor:%Y-%m}")
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return months


def rollup_window(
    lake: EventLake, *, organisations: Sequence[str], start: date, end: date
) -> pa.Table:
    """The stored daily rollups of a few organisations between two days (inclusive).

    Only the months of the window are opened, and in them only the row groups whose organisation
    statistics can hold one of `organisations` (rollups are sorted by organisation and cut into
    small row groups, see `build_rollups`): a dashboard reads a few thousand rows, not millions,
    whatever the size of the lake.
    """
    return _organisation_window(
        lake, ROLLUPS_DIR, rollup_schema(), organisations=organisations, start=start, end=end
    )


def events_window(
    lake: EventLake,
    *,
    organisations: Sequence[str],
    start: date,
    end: date,
    columns: Sequence[str] | None = None,
) -> pa.Table:
    """The raw events of a few organisations between two days (inclusive), `columns` only.

    As `rollup_window`, for raw events: compaction sorts each month by organisation in small row
    groups (`EventLake.compact`), and a month's recent files come from appends of one organisation
    each (a poll), so one organisation's events of a year are a few row groups of each month.
    """
    names = list(columns or EVENT_SCHEMA.names)
    names += [name for name in ("organisation", "day") if name not in names]
    schema = pa.schema([EVENT_SCHEMA.field(name) for name in names])
    return _organisation_window(
        lake, EVENTS_DIR, schema, organisations=organisations, start=start, end=end
    )


def _organisation_window(
    lake: EventLake,
    dataset: str,
    schema: pa.Schema,
    *,
    organisations: Sequence[str],
    start: date,
    end: date,
) -> pa.Table:
    wanted = sorted(set(organisations))
    value_set = pa.array(wanted, pa.string())
    months = _months_between(start, end)
    parts = []
    for month in lake.months(dataset):
        if month not in months:
            continue
        for path in lake.files(month, dataset):
            metadata, bounds = file_footer(lake, path)
            if dataset == EVENTS_DIR:
                _check_version(path, metadata)
            groups = row_groups_holding(bounds, wanted)
            if not groups:
                continue
            with lake.fs.open_input_file(path) as source:
                parquet = pq.ParquetFile(source, metadata=metadata)
                # Group by group, filtered at once: a file not sorted by organisation (a month not
                # compacted since an upgrade) is then scanned without holding all of it.
                for group in groups:
                    rows = parquet.read_row_group(group, columns=schema.names)
                    parts.append(rows.filter(_in_window(rows, value_set, start, end)))
    if not parts:
        return schema.empty_table()
    return pa.concat_tables(parts).cast(schema)


def _in_window(table: pa.Table, organisations: pa.Array, start: date, end: date) -> pa.Array:
    return pc.and_(
        pc.is_in(table.column("organisation"), value_set=organisations),
        pc.and_(
            pc.greater_equal(table.column("day"), pa.scalar(start, pa.date32())),
            pc.less_equal(table.column("day"), pa.scalar(end, pa.date32())),
        ),
    )


def _check_version(path: str, metadata: pq.FileMetaData) -> None:
    version = (metadata.metadata or {}).get(SCHEMA_VERSION_KEY)
    if version != str(SCHEMA_VERSION).encode():
        raise LakeError(f"{path} : schéma {version!r}, ce code lit la version {SCHEMA_VERSION}.")


def raw_daily(
    events: ir.Table, *, organisation: str | None = None, period: Period | None = None
) -> ir.Table:
    """A daily rollup computed on the fly from raw events (what the stored rollups save)."""
    if organisation is not None:
        events = events.filter(events.organisation == organisation)
    if period is None:
        return daily_rollup(events)
    return daily_rollup(events, start=period.previous().start, end=period.end)


def build_rollups(backend: AnalyticsBackend, lake: EventLake, *, since: date | None = None) -> int:
    """(Re)write the daily rollups month by month from `since` (default: everything). Returns rows.

    Metrics of a post keep arriving after its month: refresh from the first day of the previous
    month, at least, so that recent posts get their latest snapshots.
    """
    months = [m for m in lake.months() if since is None or m >= f"{since:%Y-%m}"]
    events = backend.events(lake)
    written = 0
    for month in months:
        year, number = (int(part) for part in month.split("-"))
        period = Period.month(year, number)
        table = backend.to_arrow(daily_rollup(events, start=period.start, end=period.end))
        table = table.select(rollup_schema().names).cast(rollup_schema())
        table = table.sort_by(
            [("organisation", "ascending"), ("network", "ascending"), ("day", "ascending")]
        )
        lake.replace_partition(month, [table], ROLLUPS_DIR, row_group_rows=ROLLUP_ROW_GROUP_ROWS)
        written += table.num_rows
    return written


def sorted_table(table: pa.Table, keys: Sequence[str]) -> pa.Table:
    """Rows in a stable order, to compare results across engines."""
    return table.sort_by([(key, "ascending") for key in keys])


def rounded(table: pa.Table, digits: int = 9) -> pa.Table:
    """Float columns rounded: engines sum floats in different orders."""
    columns = [
        pc.round(column, digits) if pa.types.is_floating(column.type) else column
        for column in table.columns
    ]
    return pa.table(columns, names=table.column_names)
