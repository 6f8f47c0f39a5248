"""`beffroi observatory ...`: owned by the observatory module (issue 9)."""

import typer

app = typer.Typer(help="Observatoire des collectivités.")
