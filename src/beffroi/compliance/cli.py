"""`beffroi compliance ...`: election periods, checking a text, purge, archive packages."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from beffroi.compliance.accessibility import check_variant
from beffroi.compliance.archives import SedaSchemaUnavailable, validate_bag, validate_seda
from beffroi.compliance.elections import periods_for, upcoming_periods
from beffroi.compliance.guard import review_draft
from beffroi.core.domain import Network, OrganisationKind
from beffroi.networks.types import Media, PostVariant

app = typer.Typer(
    help="Conformité : période électorale, accessibilité, RGPD, archives.", no_args_is_help=True
)


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.web.settings")
    import django

    django.setup()


@app.command("periodes")
def periods(
    kind: Annotated[
        OrganisationKind, typer.Option("--type", help="Type de collectivité")
    ] = OrganisationKind.COMMUNE,
    day: Annotated[
        str, typer.Option("--date", help="Jour (AAAA-MM-JJ), aujourd'hui par défaut")
    ] = "",
) -> None:
    """Périodes restreintes (Code électoral, L52-1) en cours et à venir."""
    when = date.fromisoformat(day) if day else date.today()
    current = periods_for(kind, when)
    if current:
        typer.echo("En cours :")
        for period in current:
            typer.echo(f"  {period.describe()}")
    else:
        typer.echo("Aucune période restreinte ce jour.")
    typer.echo("À venir :")
    for period in upcoming_periods(kind, when):
        if period.start > when:
            typer.echo(
                f"  {period.election.label} : du {period.start:%d/%m/%Y} au {period.end:%d/%m/%Y}"
            )


@app.command("verifier")
def check(
    text: Annotated[str, typer.Argument(help="Texte de la publication")],
    alt: Annotated[str, typer.Option("--alt", help="Texte alternatif de l'image")] = "",
    image: Annotated[bool, typer.Option("--image", help="La publication a une image")] = False,
    kind: Annotated[OrganisationKind, typer.Option("--type")] = OrganisationKind.COMMUNE,
    day: Annotated[str, typer.Option("--date", help="Date de publication prévue")] = "",
) -> None:
    """Accessibilité et période électorale d'un texte, sans base de données. Code 1 si bloquant."""
    media = (Media("image.jpg", "image/jpeg", alt),) if (alt or image) else ()
    result = check_variant(PostVariant(network=Network.FACEBOOK, text=text, media=media))
    typer.echo(
        f"Lisibilité : {result.readability.score:.0f}/100 ({result.readability.level}), "
        f"{result.readability.words} mots"
    )
    for issue in result.issues:
        typer.echo(f"[{issue.severity}] {issue.message}")
    election = review_draft(
        text=text,
        org_kind=kind,
        when=date.fromisoformat(day) if day else date.today(),
        alt_texts=[alt] if alt else [],
    )
    for reason in election.reasons():
        typer.echo(f"[période électorale] {reason}")
    if result.blocked:
        raise typer.Exit(1)


@app.command("valider-paquet")
def validate(bag: Annotated[Path, typer.Argument(help="Dossier du paquet BagIt")]) -> None:
    """Vérifie un paquet d'archives : sommes de contrôle BagIt et schéma SEDA 2.2."""
    problems = validate_bag(bag)
    manifest = bag / "data" / "manifest.xml"
    try:
        problems += [f"SEDA : {p}" for p in validate_seda(manifest.read_bytes())]
    except SedaSchemaUnavailable as error:
        typer.echo(f"SEDA non vérifié : {error}")
    for problem in problems:
        typer.echo(problem)
    if problems:
        raise typer.Exit(1)
    typer.echo("Paquet valide.")


@app.command("purge")
def purge() -> None:
    """Purge les données personnelles arrivées à échéance, pour chaque organisation, puis le lac."""
    _django()
    from beffroi.compliance import services
    from beffroi.core.models import Organisation

    for organisation in Organisation.objects.all():
        run = services.retention_purge(organisation=organisation, actor=None)
        typer.echo(f"{organisation.name} : {run.total} enregistrement(s) supprimé(s)")
    typer.echo(f"Lac : {services.lake_retention_purge()} événement(s) supprimé(s)")


@app.command("archives")
def archives(
    org: Annotated[str, typer.Option("--org", help="Identifiant (slug) de l'organisation")],
    start: Annotated[str, typer.Option("--du", help="AAAA-MM-JJ")],
    end: Annotated[str, typer.Option("--au", help="AAAA-MM-JJ")],
    agency_id: Annotated[str, typer.Option("--service", help="Identifiant du service d'archives")],
    agency_name: Annotated[str, typer.Option("--nom-service", help="Nom du service d'archives")],
) -> None:
    """Produit le paquet BagIt + SEDA d'une période et affiche le chemin du zip."""
    _django()
    from beffroi.compliance import services
    from beffroi.compliance.archives import ArchiveParty
    from beffroi.core.models import Organisation

    organisation = Organisation.objects.get(slug=org)
    path = services.archive_export(
        organisation=organisation,
        actor=None,
        start=date.fromisoformat(start),
        end=date.fromisoformat(end),
        archival_agency=ArchiveParty(agency_id, agency_name),
    )
    typer.echo(str(path))
