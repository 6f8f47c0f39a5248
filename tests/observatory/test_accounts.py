"""Import of the accounts registry: what spreadsheets do to a CSV, and line-numbered errors."""

import pytest

from beffroi.core.domain import Network
from beffroi.observatory.accounts import (
    AccountsFileError,
    accounts_parse,
    accounts_read,
    code_clean,
    code_for_kind,
    kind_parse,
    network_parse,
)
from beffroi.observatory.register import CollectivityKind

K = CollectivityKind


@pytest.mark.parametrize(
    ("raw", "kind", "code"),
    [
        ("1001", K.COMMUNE, "01001"),  # leading zero lost by a spreadsheet
        ("01001", K.COMMUNE, "01001"),
        ("2a004", K.COMMUNE, "2A004"),
        ("1", K.DEPARTEMENT, "01"),
        ("2b", K.DEPARTEMENT, "2B"),
        ("971", K.DEPARTEMENT, "971"),
        ("1", K.REGION, "01"),
        ("200000172.0", K.EPCI, "200000172"),  # read as a float by pandas or a spreadsheet
        ("200 000 172", K.EPCI, "200000172"),
        ("2,00046977E+08", K.EPCI, "200046977"),  # scientific notation of a French spreadsheet
        ("\u00a0'75056 ", K.COMMUNE, "75056"),  # non-breaking space and Excel's text apostrophe
    ],
)
def test_codes_as_spreadsheets_write_them(raw, kind, code):
    assert code_for_kind(code_clean(raw), kind) == code


def test_kinds_and_networks_written_by_hand():
    assert kind_parse(" Région ") is K.REGION
    assert kind_parse("DÉPARTEMENT") is K.DEPARTEMENT
    assert kind_parse("Intercommunalité") is K.EPCI
    assert kind_parse("ept") is None  # not a kind of the presence tables
    assert network_parse("Twitter") is Network.X
    assert network_parse("X (Twitter)") is Network.X
    assert network_parse("LinkedIn") is Network.LINKEDIN
    assert network_parse("sandbox") is None
    assert network_parse("tiktok") is None


def test_one_account_per_collectivity_and_network(register):
    text = (
        "code,kind,network,url\n"
        "01001,commune,facebook,https://www.facebook.com/abergement\n"
        "1001,commune,facebook,https://www.facebook.com/autre-page\n"  # same commune, other URL
        "01001,commune,x,https://x.com/abergement\n"
        "84,region,facebook,https://www.facebook.com/auvergnerhonealpes\n"
    )
    result = accounts_parse(text, register)
    assert [(a.line, a.code, a.network) for a in result.accounts] == [
        (2, "01001", Network.FACEBOOK),
        (4, "01001", Network.X),
        (5, "84", Network.FACEBOOK),
    ]
    assert result.duplicates == 1
    assert result.errors == ()
    assert result.rows_read == 4


def test_errors_carry_their_line_number(register):
    text = (
        "code;kind;network;url\n"  # `;` separator, as French spreadsheets save
        "99999;commune;facebook;https://www.facebook.com/x\n"  # line 2: no such commune
        "\n"  # blank line 3: ignored, but counted in line numbers
        "2A;region;x;https://x.com/corse\n"  # line 4: 2A is a département, not a région
        "84;region;tiktok;https://tiktok.com/@ara\n"  # line 5: not a network of the observatory
        "84;collectivite;x;https://x.com/ara\n"  # line 6: unknown kind
        "75101;commune;x;https://x.com/paris1\n"  # line 7: a Paris arrondissement
        ';commune;x;"https://x.com/\nvide"\n'  # line 8: quoted URL over two lines, no code
        "01340;commune;x;https://x.com/saintbois\n"  # line 10: commune déléguée
        "200046977;commune;x;https://x.com/grandlyon\n"  # line 11: an EPCI filed as commune
        "84;region;x;https://x.com/auvergnerhonealpes\n"  # line 12: fine
    )
    result = accounts_parse(text, register)
    errors = {issue.line: issue.message for issue in result.errors}
    assert sorted(errors) == [2, 4, 5, 6, 7, 8, 10, 11]
    assert "inconnu « 99999 »" in errors[2]
    assert "département 2A (Corse-du-Sud)" in errors[4]
    assert "réseau inconnu « tiktok »" in errors[5]
    assert "type de collectivité inconnu « collectivite »" in errors[6]
    assert "arrondissement municipal" in errors[7] and "75056 (Paris)" in errors[7]
    assert "code manquant" in errors[8]
    assert "déléguée" in errors[10] and "01015 (Arboys en Bugey)" in errors[10]
    assert "epci 200046977 (Métropole de Lyon)" in errors[11]
    assert [(a.line, a.code) for a in result.accounts] == [(12, "84")]


def test_a_code_of_two_kinds_is_explained(register):
    result = accounts_parse("code,kind,network,url\n01,commune,x,\n", register)
    (issue,) = result.errors
    assert "région 01 (Guadeloupe)" in issue.message
    assert "département 01 (Ain)" in issue.message


def test_commune_by_siren_is_accepted_with_a_warning(register):
    result = accounts_parse(
        "code,kind,network,url\n217500016,commune,x,https://x.com/paris\n", register
    )
    assert [a.code for a in result.accounts] == ["75056"]
    assert "SIREN 217500016 lu comme la commune 75056" in result.warnings[0].message


def test_urls_are_checked_but_the_network_column_decides(register):
    text = (
        "code,kind,network,url\n"
        "84,region,facebook,https://x.com/ARAregion\n"
        "84,region,instagram,\n"
        "84,region,x,https://www.auvergnerhonealpes.fr\n"
    )
    result = accounts_parse(text, register)
    assert len(result.accounts) == 3
    warnings = {w.line: w.message for w in result.warnings}
    assert "compte X, pas Facebook" in warnings[2]
    assert "vide" in warnings[3]
    assert "non reconnue" in warnings[4]
    assert (
        result.accounts[0].profile is not None and result.accounts[0].profile.handle == "araregion"
    )


def test_header_variants(register):
    text = "\ufeff Code INSEE ;Type;Réseau;Lien\n1001;Commune;Facebook;fb.com/abergement\n"
    result = accounts_parse(text, register)
    assert [(a.kind, a.code, a.network) for a in result.accounts] == [
        (K.COMMUNE, "01001", Network.FACEBOOK)
    ]


def test_encodings_of_spreadsheet_exports(register, tmp_path):
    text = "code\tkind\tnetwork\turl\n84\tRégion\tFacebook\tfacebook.com/ara\n"
    for encoding in ("utf-8-sig", "cp1252", "utf-16"):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        result = accounts_read(path, register)
        assert [(a.kind, a.code) for a in result.accounts] == [(K.REGION, "84")], encoding


def test_unusable_files(register, tmp_path):
    with pytest.raises(AccountsFileError, match="vide"):
        accounts_parse("\n\n", register)
    with pytest.raises(AccountsFileError, match="network"):
        accounts_parse("code,kind,url\n84,region,x\n", register)
    with pytest.raises(AccountsFileError, match="lecture impossible"):
        accounts_read(tmp_path / "absent.csv", register)


def test_old_mac_line_endings_and_other_register_kinds(register):
    text = (
        "code,kind,network,url\r"
        "1001,commune,x,\r"
        "217500016,epci,x,\r"  # line 3: the SIREN of Paris (a commune), filed as an EPCI
        "\r"
        "200057867,epci,x,\r"  # line 5: Plaine Commune is a Grand Paris territory, not an EPCI
    )
    result = accounts_parse(text, register)
    assert [(a.line, a.code) for a in result.accounts] == [(2, "01001")]
    errors = {issue.line: issue.message for issue in result.errors}
    assert "commune 75056 (Paris), par son SIREN" in errors[3]
    assert "établissement public territorial 200057867 (Plaine Commune)" in errors[5]


def test_aliases_are_read_and_said(register):
    text = "code,kind,network\n84,Région,Twitter\n200046977,Intercommunalité,facebook\n"
    result = accounts_parse(text, register)
    assert [(a.kind, a.network) for a in result.accounts] == [
        (K.REGION, Network.X),
        (K.EPCI, Network.FACEBOOK),
    ]
    # Case and accents need no remark; another name does. Without a url column, no remark on URLs.
    assert [str(w) for w in result.warnings] == [
        "ligne 2 : réseau « Twitter » lu comme x",
        "ligne 3 : type « Intercommunalité » lu comme epci",
    ]
