"""`beffroi alerts ...`: owned by the listening module (issue 6)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

alerts_app = typer.Typer(help="Alertes de bad buzz.", no_args_is_help=True)


@alerts_app.command("replay")
def replay(
    input_path: Annotated[
        Path,
        typer.Option("--input", help="Flux JSONL : id, ts, org, network, text (author, kind)."),
    ],
    output_path: Annotated[Path, typer.Option("--output", help="Alertes JSONL écrites ici.")],
    tier: Annotated[str, typer.Option(help="Niveau d'enrichissement : fast ou accurate.")] = "fast",
    quiet: Annotated[bool, typer.Option(help="Sans barre de progression ni résumé.")] = False,
) -> None:
    """Rejoue un flux de messages dans l'enrichissement et le détecteur de production.

    Chaque alerte porte `org`, `detected_at` (le `ts` du message qui l'a déclenchée) et `severity`
    (low, medium, high, critical ; `severity_level` de 1 à 4). Une ligne mal formée est signalée
    avec son numéro et ignorée.
    """
    from beffroi.listening.replay import nlp_enrich, replay_lines, write_alerts

    errors = Console(stderr=True)
    if not input_path.is_file():
        errors.print(f"[red]Fichier introuvable : {input_path}[/red]")
        raise typer.Exit(2)
    try:
        enrich = nlp_enrich(tier)
    except Exception as error:  # a missing model must say so, not print a traceback
        errors.print(f"[red]Enrichissement indisponible : {error}[/red]")
        raise typer.Exit(1) from error
    with (
        input_path.open(encoding="utf-8-sig", errors="replace") as lines,
        Progress(
            TextColumn("enrichissement"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=errors,
            disable=quiet,
            transient=True,
        ) as bar,
    ):
        task = bar.add_task("enrichissement", total=None)
        report = replay_lines(
            lines,
            enrich,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    for line_error in report.errors:
        errors.print(f"[yellow]{line_error}[/yellow] : ignorée", highlight=False)
    write_alerts(report.alerts, output_path)
    if not quiet:
        errors.print(
            f"{report.messages} messages ({report.unique_texts} textes distincts), "
            f"{len(report.errors)} ligne(s) ignorée(s), {len(report.alerts)} alerte(s) ; "
            f"{report.throughput:.0f} messages/s",
            highlight=False,
        )
