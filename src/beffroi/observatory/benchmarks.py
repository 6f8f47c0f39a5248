"""Activity benchmarks against peers, as Ibis expressions (DuckDB by default, PySpark for a national run).

A collectivité is compared with its peers: the collectivités of the same kind, the same population
band and the same région. When that group is too small to mean anything (a large commune of a small
région, a région among régions), it widens to the same kind and band across France, then to the
whole kind; `peer_scope` says which group was used.

The indicators come from the analytics lake through `beffroi.analytics.kpis.kpi_table`: posting
rhythm (posts per week), engagement rate, share of posts that relay the website, share of sponsored
posts, net sentiment of the messages received. Organisations are tied to the register by a
directory table (`organisation`, `kind`, `code`, ...): `directory_table` builds it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pyarrow as pa

from beffroi.observatory.register import CollectivityKind, Register, population_band


@dataclass(frozen=True, slots=True)
class Metric:
    key: str
    label: str
    unit: str
    higher_is_better: bool | None  # None: neither (a profile, not a performance)
    percent: bool = True  # a ratio, shown as a percentage


METRICS: tuple[Metric, ...] = (
    Metric("posts_per_week", "Rythme de publication", "publications / semaine", True, False),
    Metric("engagement_rate", "Taux d'engagement", "% des impressions", True),
    Metric("relay_share", "Part de contenus relayés du site", "% des publications", False),
    Metric("sponsored_share", "Part de publications sponsorisées", "% des publications", None),
    Metric("net_sentiment", "Sentiment net des messages reçus", "% positifs − % négatifs", True),
)
METRIC_KEYS = tuple(m.key for m in METRICS)
MIN_PEERS = 5

# Widening order of the peer group.
PEER_SCOPES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("type, tranche et région", ("kind", "band", "region")),
    ("type et tranche", ("kind", "band")),
    ("type", ("kind",)),
)

DIRECTORY_SCHEMA = pa.schema(
    [
        pa.field("organisation", pa.string()),
        pa.field("kind", pa.string()),
        pa.field("code", pa.string()),
        pa.field("name", pa.string()),
        pa.field("population", pa.int64()),
        pa.field("band", pa.string()),
        pa.field("region", pa.string()),
    ]
)


def register_organisation_id(kind: CollectivityKind | str, code: str) -> str:
    """The lake's organisation id of a collectivité observed from outside Beffroi: `commune:75056`."""
    return f"{CollectivityKind(kind).value}:{code}"


def directory_table(
    register: Register,
    *,
    organisations: Mapping[str, tuple[CollectivityKind, str]] | None = None,
    kinds: Sequence[CollectivityKind] = (
        CollectivityKind.REGION,
        CollectivityKind.DEPARTEMENT,
        CollectivityKind.EPCI,
        CollectivityKind.COMMUNE,
    ),
    unregistered: Sequence[UnregisteredOrganisation] = (),
) -> pa.Table:
    """Organisation id -> collectivité of the register. Without `organisations`, every collectivité
    of `kinds` under its `kind:code` id; with it, those ids (e.g. Beffroi slugs) and the register's."""
    rows: dict[str, list[object]] = {name: [] for name in DIRECTORY_SCHEMA.names}

    def add(organisation: str, kind: CollectivityKind, code: str) -> None:
        collectivity = register.get(kind, code)
        if collectivity is None:
            return
        values = (
            organisation,
            kind.value,
            code,
            collectivity.name,
            collectivity.population,
            collectivity.band.key,
            collectivity.region or "",
        )
        for name, value in zip(DIRECTORY_SCHEMA.names, values, strict=True):
            rows[name].append(value)

    for kind in kinds:
        for collectivity in register.of_kind(kind):
            add(register_organisation_id(kind, collectivity.code), kind, collectivity.code)
    for organisation, (kind, code) in (organisations or {}).items():
        add(organisation, CollectivityKind(kind), code)
    for entry in unregistered:
        # An organisation whose code is not in the register (a fictitious demo commune, a
        # syndicate): compared by kind and band only, since its région is unknown.
        kind = CollectivityKind(entry.kind)
        values = (
            entry.organisation,
            kind.value,
            "",
            entry.name,
            entry.population,
            population_band(kind, entry.population).key,
            "",
        )
        for name, value in zip(DIRECTORY_SCHEMA.names, values, strict=True):
            rows[name].append(value)
    return pa.table(rows, schema=DIRECTORY_SCHEMA)


@dataclass(frozen=True, slots=True)
class UnregisteredOrganisation:
    organisation: str
    kind: CollectivityKind
    name: str
    population: int


def activity_by_organisation(daily: ir.Table, *, days: int) -> ir.Table:
    """The five indicators per organisation, from a daily rollup (stored or computed from events)."""
    from beffroi.analytics.kpis import kpi_table

    kpis = kpi_table(daily, by=["organisation"], days=days)
    posts = kpis.posts.cast("float64")
    return kpis.select(
        "organisation",
        "posts",
        "followers",
        posts_per_week=kpis.posts_per_week,
        engagement_rate=kpis.engagement_rate,
        relay_share=kpis.relay_share,
        sponsored_share=(kpis.posts > 0).ifelse(
            kpis.sponsored_posts.cast("float64") / posts, ibis.null("float64")
        ),
        net_sentiment=kpis.net_sentiment,
    )


def _long(activity: ir.Table) -> ir.Table:
    """One row per organisation and indicator that has a value (a ratio without denominator has none)."""
    parts = [
        activity.select(
            "organisation",
            metric=ibis.literal(key),
            value=activity[key].cast("float64"),
        ).filter(lambda t: t.value.notnull())
        for key in METRIC_KEYS
        if key in activity.columns
    ]
    return ibis.union(*parts, distinct=False)


def peer_benchmark(
    activity: ir.Table, directory: ir.Table, *, min_peers: int = MIN_PEERS
) -> ir.Table:
    """Each organisation's value, rank (1 = highest), percentile and peer median, per indicator.

    The peer group belongs to each organisation (Ajaccio compared with every commune does not make
    every commune compared with every other), so ranks and medians are computed at each scope and
    each organisation keeps those of its own scope. `percentile` is the share of peers whose value
    is at most this one (100 = the highest).
    """
    long = _long(activity)
    t = long.inner_join(directory, "organisation")
    last = len(PEER_SCOPES) - 1
    per_scope: dict[str, ir.Value] = {}
    for i, (_, cols) in enumerate(PEER_SCOPES):
        keys = ["metric", *cols]
        peers = t.organisation.count().over(group_by=keys)
        if "region" in cols:
            # An organisation of unknown région has no regional peers (not "the others of unknown région").
            peers = (t.region != "").ifelse(peers, 0)
        per_scope[f"peers_{i}"] = peers
        per_scope[f"rank_{i}"] = ibis.rank().over(group_by=keys, order_by=ibis.desc(t.value)) + 1
        per_scope[f"percentile_{i}"] = (
            ibis.cume_dist().over(group_by=keys, order_by=t.value) * 100.0
        )
    scoped = t.mutate(**per_scope)
    for i, (_, cols) in enumerate(PEER_SCOPES):
        keys = ["metric", *cols]
        stats = t.group_by(keys).agg(
            **{f"median_{i}": t.value.median(), f"mean_{i}": t.value.mean()}
        )
        scoped = scoped.inner_join(stats, keys)
    scope = ibis.cases(*[(scoped[f"peers_{i}"] >= min_peers, i) for i in range(last)], else_=last)
    chosen = scoped.mutate(scope=scope)

    def pick(prefix: str) -> ir.Value:
        return ibis.cases(
            *[(chosen.scope == i, chosen[f"{prefix}_{i}"]) for i in range(last)],
            else_=chosen[f"{prefix}_{last}"],
        )

    return chosen.select(
        "organisation",
        "kind",
        "code",
        "name",
        "band",
        "region",
        "metric",
        "value",
        peer_scope=ibis.cases(
            *[(chosen.scope == i, name) for i, (name, _) in enumerate(PEER_SCOPES)]
        ),
        peers=pick("peers"),
        rank=pick("rank"),
        percentile=pick("percentile"),
        peer_median=pick("median"),
        peer_mean=pick("mean"),
    )


@dataclass(frozen=True, slots=True)
class PeerPosition:
    """Where one organisation stands among its peers on one indicator."""

    metric: Metric
    value: float
    peer_scope: str
    peers: int
    rank: int
    percentile: float
    peer_median: float | None
    peer_mean: float | None

    def shown(self, value: float | None) -> float | None:
        """A value as the page shows it (ratios as percentages)."""
        if value is None:
            return None
        return value * 100.0 if self.metric.percent else value

    @property
    def value_shown(self) -> float | None:
        return self.shown(self.value)

    @property
    def median_shown(self) -> float | None:
        return self.shown(self.peer_median)


def positions_of(table: pa.Table, organisation: str) -> list[PeerPosition]:
    """The rows of `peer_benchmark` (as Arrow) for one organisation, in the order of METRICS."""
    by_key = {m.key: m for m in METRICS}
    rows = [r for r in table.to_pylist() if r["organisation"] == organisation]
    rows.sort(key=lambda r: METRIC_KEYS.index(r["metric"]))
    return [
        PeerPosition(
            metric=by_key[r["metric"]],
            value=float(r["value"]),
            peer_scope=r["peer_scope"],
            peers=int(r["peers"]),
            rank=int(r["rank"]),
            percentile=float(r["percentile"]),
            peer_median=r["peer_median"],
            peer_mean=r["peer_mean"],
        )
        for r in rows
    ]


# ---------------------------------------------------------------------------------------------
# Presence, for a national run on the engines (the CLI computes the same table in Python)


def presence_expr(accounts: ir.Table, directory: ir.Table) -> ir.Table:
    """One row per kind and network (all 4 x 7, in the CLI's order) from validated accounts.

    `accounts` has `kind`, `code`, `network` (several rows of one collectivité and network count
    once); `directory` has `kind` and `code` (see `directory_table`). Shares are rounded half up
    to one decimal with integer arithmetic, so that every engine prints the same digits.
    """
    from beffroi.observatory.accounts import PRESENCE_NETWORKS
    from beffroi.observatory.register import PRESENCE_KINDS

    grid = ibis.memtable(
        {
            "kind": [k.value for k in PRESENCE_KINDS for _ in PRESENCE_NETWORKS],
            "network": [n.value for _ in PRESENCE_KINDS for n in PRESENCE_NETWORKS],
            "position": list(range(len(PRESENCE_KINDS) * len(PRESENCE_NETWORKS))),
        }
    )
    known = directory.select("kind", "code").distinct()
    present = (
        accounts.select("kind", "code", "network").distinct().semi_join(known, ["kind", "code"])
    )
    counted = present.group_by(["kind", "network"]).agg(with_account=present.count())
    totals = known.group_by("kind").agg(total=known.count())
    table = grid.left_join(counted, ["kind", "network"]).select(
        grid.kind, grid.network, grid.position, with_account=counted.with_account.fill_null(0)
    )
    table = table.left_join(totals, "kind").select(
        table.kind,
        table.network,
        table.position,
        table.with_account,
        total=totals.total.fill_null(0),
    )
    n, d = table.with_account.cast("int64"), table.total.cast("int64")
    tenths = (d > 0).ifelse((2 * n * 1000 + d) // (2 * d), 0)
    return (
        table.select(
            "kind",
            "network",
            "with_account",
            "total",
            share=tenths.cast("float64") / 10.0,
            position=table.position,
        )
        .order_by("position")
        .drop("position")
    )


def activity_summary(activity: ir.Table, directory: ir.Table) -> ir.Table:
    """National figures: per kind, population band and indicator, how many organisations and their median."""
    t = _long(activity).inner_join(directory, "organisation")
    return (
        t.group_by(["kind", "band", "metric"])
        .agg(organisations=t.organisation.nunique(), median=t.value.median(), mean=t.value.mean())
        .order_by(["kind", "band", "metric"])
    )
