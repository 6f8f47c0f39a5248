"""`beffroi alerts ...`: owned by the listening module (issue 6)."""

import typer

alerts_app = typer.Typer(help="Alertes de bad buzz.")
