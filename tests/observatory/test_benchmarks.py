"""Peer groups, ranks and percentiles: the same test functions on DuckDB and on PySpark."""

import tempfile
from collections.abc import Iterator
from datetime import date

import pytest

# The engines come with the analytics module (issue of the analytics lake): no engine, no benchmark.
pytest.importorskip("beffroi.analytics.kpis")

import pyarrow as pa  # noqa: E402

from beffroi.analytics.kpis import AnalyticsBackend, raw_daily  # noqa: E402
from beffroi.analytics.lake import EventLake, Pseudonymiser  # noqa: E402
from beffroi.analytics.synthetic import HistorySpec, history_tables  # noqa: E402
from beffroi.observatory.benchmarks import (  # noqa: E402
    activity_by_organisation,
    directory_table,
    peer_benchmark,
    positions_of,
    register_organisation_id,
)
from beffroi.observatory.register import CollectivityKind  # noqa: E402

K = CollectivityKind


@pytest.fixture(scope="module", params=["duckdb", pytest.param("pyspark", marks=pytest.mark.spark)])
def backend(request) -> Iterator[AnalyticsBackend]:
    if request.param == "duckdb":
        duck = AnalyticsBackend.duckdb(threads=1)
        yield duck
        duck.close()
        return
    yield AnalyticsBackend.pyspark(request.getfixturevalue("spark"))


# Six Auvergne-Rhône-Alpes (84) communes of 1,000 to 3,500 inhabitants.
ARA_SMALL = ["01005", "01007", "01010", "01021", "01022", "01024"]


def _activity(rows: list[tuple[str, float | None, float | None]]) -> pa.Table:
    return pa.table(
        {
            "organisation": [org for org, _, _ in rows],
            "posts_per_week": pa.array([ppw for _, ppw, _ in rows], pa.float64()),
            "engagement_rate": pa.array([er for _, _, er in rows], pa.float64()),
        }
    )


def test_peer_groups_ranks_and_percentiles(backend, register):
    assert {register.get(K.COMMUNE, c).band.key for c in ARA_SMALL} == {"1k-3.5k"}
    assert register.get(K.COMMUNE, "2A004").band.key == "50k-100k"  # Ajaccio
    ids = [register_organisation_id(K.COMMUNE, c) for c in ARA_SMALL]
    activity = _activity(
        [
            (ids[0], 1.0, 0.010),
            (ids[1], 2.0, 0.020),
            (ids[2], 3.0, None),  # no impressions: no engagement rate, still ranked on rhythm
            (ids[3], 4.0, 0.040),
            (ids[4], 5.0, 0.050),
            (ids[5], 9.0, 0.060),
            (register_organisation_id(K.COMMUNE, "2A004"), 7.0, 0.030),
            ("unknown:1", 8.0, 0.5),  # not in the directory: left out
        ]
    )
    directory = backend.register(directory_table(register, kinds=(K.COMMUNE,)))
    result = backend.to_arrow(peer_benchmark(backend.register(activity), directory))

    rhythm = {p.metric.key: p for p in positions_of(result, ids[5])}["posts_per_week"]
    assert (rhythm.peers, rhythm.rank, rhythm.percentile) == (6, 1, 100.0)
    assert rhythm.peer_scope == "type, tranche et région"
    assert rhythm.peer_median == pytest.approx(3.5)

    lowest = {p.metric.key: p for p in positions_of(result, ids[0])}["posts_per_week"]
    assert (lowest.rank, round(lowest.percentile, 2)) == (6, 16.67)

    # Five communes have an engagement rate: exactly the minimum group size.
    engagement = {p.metric.key: p for p in positions_of(result, ids[3])}["engagement_rate"]
    assert (engagement.peers, engagement.rank, engagement.percentile) == (5, 3, 60.0)
    assert engagement.peer_median == pytest.approx(0.040)
    assert [p.metric.key for p in positions_of(result, ids[2])] == ["posts_per_week"]

    # Ajaccio is alone in its band and région, and alone in its band in France: compared to all
    # communes that have the indicator.
    (ajaccio, ajaccio_engagement) = positions_of(result, "commune:2A004")
    assert ajaccio.peer_scope == "type"
    assert (ajaccio.peers, ajaccio.rank) == (7, 2)
    assert (ajaccio_engagement.peers, ajaccio_engagement.rank) == (6, 4)
    assert not positions_of(result, "unknown:1")


def test_beffroi_organisations_are_tied_to_the_register(register):
    directory = directory_table(
        register,
        organisations={"saint-aubin": (K.COMMUNE, "01004"), "ailleurs": (K.COMMUNE, "99999")},
        kinds=(K.REGION,),
    )
    rows = {r["organisation"]: r for r in directory.to_pylist()}
    assert len(rows) == 18 + 1  # the unknown code is not tied to anything
    assert rows["saint-aubin"]["name"] == "Ambérieu-en-Bugey"
    assert rows["saint-aubin"]["band"] == "10k-20k"
    assert rows["region:84"]["band"] == "5M+"


def test_activity_from_the_lake(backend, register):
    """From events to positions: the indicators of the analytics module, compared among peers."""
    organisations = tuple(register_organisation_id(K.COMMUNE, c) for c in ARA_SMALL)
    lake = EventLake(tempfile.mkdtemp(prefix="obs-lake-"), pseudonymiser=Pseudonymiser(b"k" * 16))
    for table in history_tables(HistorySpec(organisations, date(2026, 1, 5), days=28, seed=3)):
        lake.append_table(table)
    activity = activity_by_organisation(raw_daily(backend.events(lake)), days=28)
    activity_rows = {r["organisation"]: r for r in backend.to_arrow(activity).to_pylist()}
    directory = backend.register(directory_table(register, kinds=(K.COMMUNE,)))
    result = backend.to_arrow(peer_benchmark(activity, directory))

    assert set(activity_rows) == set(organisations)
    for organisation, values in activity_rows.items():
        positions = {p.metric.key: p for p in positions_of(result, organisation)}
        assert positions["posts_per_week"].value == pytest.approx(values["posts"] * 7 / 28)
        assert positions["sponsored_share"].value <= 1.0
        assert positions["relay_share"].peers == 6
    ranks = sorted(
        p.rank
        for o in organisations
        for p in positions_of(result, o)
        if p.metric.key == "posts_per_week"
    )
    assert ranks[0] == 1 and ranks[-1] <= 6


def test_presence_on_the_engine_equals_the_command(backend, register, tmp_path):
    """The national presence table computed by the engine is the CLI's, digit for digit."""
    from beffroi.observatory.accounts import accounts_parse
    from beffroi.observatory.benchmarks import presence_expr
    from beffroi.observatory.presence import presence_table

    lines = ["code,kind,network,url"]
    for i, commune in enumerate(sorted(c.code for c in register.of_kind(K.COMMUNE))[:2_000]):
        lines.append(f"{commune},commune,{['facebook', 'x', 'instagram'][i % 3]},")
        lines.append(f"{commune},commune,facebook,")  # duplicates on facebook
    lines += ["84,region,x,", "84,region,x,", "01,departement,linkedin,", "200046977,epci,youtube,"]
    accounts = accounts_parse("\n".join(lines) + "\n", register).accounts
    expected = [r.as_dict() for r in presence_table(accounts, register)]

    rows = pa.table(
        {
            "kind": [a.kind.value for a in accounts] * 2,  # twice: counted once
            "code": [a.code for a in accounts] * 2,
            "network": [a.network.value for a in accounts] * 2,
        }
    )
    directory = backend.register(directory_table(register))
    result = backend.to_arrow(presence_expr(backend.register(rows), directory)).to_pylist()

    assert result == expected
    commune_facebook = next(
        r for r in result if (r["kind"], r["network"]) == ("commune", "facebook")
    )
    assert (commune_facebook["with_account"], commune_facebook["share"]) == (2_000, 5.7)


def test_national_activity_summary(backend, register):
    from beffroi.observatory.benchmarks import activity_summary

    ids = [register_organisation_id(K.COMMUNE, c) for c in ARA_SMALL]
    activity = _activity([(ids[0], 1.0, 0.01), (ids[1], 2.0, None), (ids[2], 6.0, 0.03)])
    directory = backend.register(directory_table(register, kinds=(K.COMMUNE,)))
    rows = backend.to_arrow(activity_summary(backend.register(activity), directory)).to_pylist()
    assert [(r["band"], r["metric"], r["organisations"]) for r in rows] == [
        ("1k-3.5k", "engagement_rate", 2),
        ("1k-3.5k", "posts_per_week", 3),
    ]
    assert rows[1]["median"] == pytest.approx(2.0)
    assert rows[1]["mean"] == pytest.approx(3.0)


def test_organisations_of_unknown_region_have_no_regional_peers(backend, register):
    from beffroi.observatory.benchmarks import UnregisteredOrganisation

    outside = [
        UnregisteredOrganisation(f"demo-{i}", K.COMMUNE, f"Commune fictive {i}", 2_000)
        for i in range(5)
    ]
    directory = backend.register(
        directory_table(register, kinds=(K.COMMUNE,), unregistered=outside)
    )
    ids = [register_organisation_id(K.COMMUNE, c) for c in ARA_SMALL]
    activity = _activity(
        [(o.organisation, float(i), None) for i, o in enumerate(outside)]
        + [(org, 10.0 + i, None) for i, org in enumerate(ids)]
    )
    result = backend.to_arrow(peer_benchmark(backend.register(activity), directory))
    (fictive,) = positions_of(result, "demo-0")
    assert fictive.peer_scope == "type et tranche"  # not "same région" with the other fictive ones
    assert (fictive.peers, fictive.rank) == (11, 11)
    (real,) = positions_of(result, ids[0])
    assert (real.peer_scope, real.peers) == ("type, tranche et région", 6)
