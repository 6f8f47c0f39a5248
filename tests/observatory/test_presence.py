"""`beffroi observatory presence`: the contract, end to end through the command."""

import csv
import io
import json

from typer.testing import CliRunner

from beffroi.cli import app
from beffroi.observatory.accounts import accounts_parse
from beffroi.observatory.presence import presence_by_band, presence_table, share_percent
from beffroi.observatory.register import CollectivityKind

KINDS = ["region", "departement", "epci", "commune"]
NETWORKS = ["facebook", "x", "instagram", "youtube", "linkedin", "mastodon", "bluesky"]


def _run(*args):
    return CliRunner().invoke(app, ["observatory", "presence", *args])


def _write(tmp_path, text, name="comptes.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_every_kind_and_network_in_a_stable_order(tmp_path):
    path = _write(tmp_path, "code,kind,network,url\n84,region,facebook,https://facebook.com/ara\n")
    result = _run("--accounts", str(path))
    assert result.exit_code == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["kind"], r["network"]) for r in rows] == [(k, n) for k in KINDS for n in NETWORKS]
    assert list(rows[0]) == ["kind", "network", "with_account", "total", "share"]
    assert rows[0] == {
        "kind": "region",
        "network": "facebook",
        "with_account": "1",
        "total": "18",
        "share": "5.6",
    }
    totals = {r["kind"]: r["total"] for r in rows}
    assert totals == {"region": "18", "departement": "101", "epci": "1255", "commune": "34875"}
    assert all(r["with_account"] == "0" and r["share"] == "0.0" for r in rows[1:])


def test_shares_errors_and_duplicates(tmp_path):
    regions = ["84", "11", "24", "27", "28", "32", "44", "52", "53", "75"]
    lines = ["code;kind;network;url"]
    lines += [f"{code};Région;Facebook;https://facebook.com/r{code}" for code in regions]
    lines += [f"{code};region;twitter;https://twitter.com/r{code}" for code in regions[:3]]
    lines += [
        "84;region;facebook;https://facebook.com/autre",  # line 15: duplicate, counted once
        "1;departement;x;https://x.com/ain",  # line 16: Ain, zero lost
        "2A;departement;x;https://x.com/corsedusud",
        "200046977;epci;youtube;https://youtube.com/@grandlyon",
        "2A004;commune;instagram;https://instagram.com/ajaccio",
        "1001;commune;instagram;https://instagram.com/abergement",
        "75056;departement;facebook;https://facebook.com/paris",  # line 21: Paris département exists
        "75056;region;facebook;https://facebook.com/paris",  # line 22: wrong kind
        "999;region;x;https://x.com/nowhere",  # line 23: unknown code
        "84;region;threads;https://threads.net/@ara",  # line 24: unknown network
    ]
    path = _write(tmp_path, "\ufeff" + "\n".join(lines) + "\n")

    result = _run("--accounts", str(path), "--format", "json")

    assert result.exit_code == 0
    rows = json.loads(result.stdout)
    assert len(rows) == 28
    table = {(r["kind"], r["network"]): r for r in rows}
    assert table[("region", "facebook")] == {
        "kind": "region",
        "network": "facebook",
        "with_account": 10,
        "total": 18,
        "share": 55.6,
    }
    assert table[("region", "x")]["share"] == 16.7
    assert table[("departement", "x")]["with_account"] == 2
    assert table[("departement", "x")]["share"] == 2.0
    assert table[("epci", "youtube")]["share"] == 0.1  # 1 / 1,255
    assert table[("commune", "instagram")]["with_account"] == 2
    assert table[("commune", "instagram")]["share"] == 0.0  # 2 / 34,875
    assert table[("departement", "facebook")]["with_account"] == 0
    assert "ligne 22" in result.stderr and "commune 75056 (Paris)" in result.stderr
    assert "ligne 23" in result.stderr and "ligne 24" in result.stderr
    assert "ligne 21" in result.stderr
    assert "1 doublon(s)" in result.stderr
    assert "ligne" not in result.stdout  # errors never mix with the table


def test_strict_mode_and_fatal_errors(tmp_path):
    path = _write(tmp_path, "code,kind,network,url\n999,region,x,\n")
    assert _run("--accounts", str(path)).exit_code == 0
    assert _run("--accounts", str(path), "--strict").exit_code == 1
    missing = _run("--accounts", str(tmp_path / "absent.csv"))
    assert missing.exit_code == 2 and "lecture impossible" in missing.stderr
    assert missing.stdout == ""
    no_network = _run("--accounts", str(_write(tmp_path, "code,kind,url\n84,region,x\n", "b.csv")))
    assert no_network.exit_code == 2 and "network" in no_network.stderr


def test_share_rounds_halves_up():
    assert share_percent(1, 8) == 12.5
    assert share_percent(1, 1_600) == 0.1  # 0.0625 -> 0.1
    assert share_percent(1, 2_000) == 0.1  # 0.05 -> 0.1 (not 0.0 by banker's rounding)
    assert share_percent(0, 18) == 0.0
    assert share_percent(18, 18) == 100.0


def test_presence_by_population_band(register):
    text = "code,kind,network,url\n75056,commune,x,\n69123,commune,x,\n01001,commune,x,\n"
    accounts = accounts_parse(text, register).accounts
    rows = {(r.band, r.network): r for r in presence_by_band(accounts, register)}
    assert rows[("100k+", "x")].with_account == 2
    assert rows[("0-1k", "x")].with_account == 1
    assert sum(r.total for (band, net), r in rows.items() if net == "x") == 34_875
    assert len(presence_table(accounts, register)) == 28


def test_every_commune_twice_with_lost_zeros(register, tmp_path):
    """Every commune on Facebook, twice (the second spelling without its leading zero)."""
    lines = ["code,kind,network,url"]
    for commune in register.of_kind(CollectivityKind.COMMUNE):
        lines.append(f"{commune.code},commune,facebook,https://facebook.com/c{commune.code}")
        lines.append(f"{commune.code.lstrip('0')},commune,facebook,")
    path = _write(tmp_path, "\n".join(lines) + "\n")
    result = _run("--accounts", str(path))
    rows = {(r["kind"], r["network"]): r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert rows[("commune", "facebook")]["with_account"] == "34875"
    assert rows[("commune", "facebook")]["share"] == "100.0"
    assert "34875 doublon(s)" in result.stderr
