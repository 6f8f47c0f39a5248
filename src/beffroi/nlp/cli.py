"""`beffroi enrich`: adds language, sentiment, competence area, request, toxicity, places and
near-duplicates to every JSON line of a file."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from beffroi.nlp.enricher import TIERS, enrich_records, get_enricher

app = typer.Typer(help="Compréhension des messages (NLP).")

# The accurate tier is the default: the quality targets are met with it, and an inbox wants the
# best answer. It runs at tens of messages per second, so a large file is announced with an estimate
# and the fast tier suggested (thousands per second, for keyword streams).
DEFAULT_TIER = "accurate"
ACCURATE_MESSAGES_PER_SECOND = 60
LARGE_INPUT_SECONDS = 300


def _count_lines(path: Path) -> int:
    with path.open("rb") as fh:
        return sum(1 for _ in fh)


def _read_records(path: Path, err: Console, skipped: list[int]) -> Iterator[dict[str, Any]]:
    """Valid records of a JSONL file; each bad line is reported with its number and skipped."""
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            problem = None
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                problem = f"JSON invalide ({exc.msg})"
            else:
                if not isinstance(record, dict):
                    problem = "un objet JSON est attendu"
                elif "id" not in record or "text" not in record:
                    problem = "champs `id` et `text` obligatoires"
                elif not isinstance(record["text"], str):
                    problem = "`text` doit être une chaîne"
            if problem is not None:
                skipped.append(number)
                err.print(f"[yellow]ligne {number} ignorée : {problem}[/yellow]", highlight=False)
                continue
            yield record


@app.command()
def enrich(
    input: Annotated[
        Path,
        typer.Option(
            "--input",
            help="Fichier JSONL : un objet par ligne avec `id` et `text`.",
            exists=True,
            dir_okay=False,
        ),
    ],
    output: Annotated[
        Path,
        typer.Option(
            "--output", help="Fichier JSONL écrit : chaque objet avec les champs ajoutés."
        ),
    ],
    tier: Annotated[
        str,
        typer.Option(
            "--tier", help="accurate (défaut, meilleure qualité, ~60 msg/s) ou fast (>1 000 msg/s)."
        ),
    ] = DEFAULT_TIER,
    batch_size: Annotated[
        int, typer.Option("--batch-size", min=1, help="Messages traités ensemble.")
    ] = 256,
) -> None:
    """Enrichit des messages : langue, sentiment, thème, demande, toxicité, lieux, doublons."""
    err = Console(stderr=True)
    if tier not in TIERS:
        err.print(f"[red]--tier doit valoir {' ou '.join(TIERS)}[/red]")
        raise typer.Exit(2)
    total = _count_lines(input)
    if tier == "accurate":
        seconds = total / ACCURATE_MESSAGES_PER_SECOND
        if seconds > LARGE_INPUT_SECONDS:
            err.print(
                f"[yellow]{total} lignes en niveau « accurate » : environ {seconds / 60:.0f} min. "
                "Pour un flux volumineux, `--tier fast` traite plus de 1 000 messages par seconde.[/yellow]"
            )
    get_enricher(tier)  # load models before the clock of the progress bar starts
    skipped: list[int] = []
    written = 0
    started = time.perf_counter()
    progress = Progress(
        TextColumn(f"enrichissement ({tier})"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
    )
    with progress, output.open("w", encoding="utf-8") as out:
        task = progress.add_task("enrich", total=total)
        for record in enrich_records(
            _read_records(input, err, skipped), tier=tier, batch_size=batch_size
        ):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            written += 1
            progress.update(task, completed=written + len(skipped))
        progress.update(task, completed=total)
    elapsed = time.perf_counter() - started
    rate = written / elapsed if elapsed > 0 else 0.0
    err.print(
        f"{written} messages enrichis en {elapsed:.1f} s ({rate:.0f}/s), {len(skipped)} lignes ignorées"
    )


if __name__ == "__main__":
    sys.exit(app())
