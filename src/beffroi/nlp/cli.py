"""`beffroi enrich`: owned by the message-understanding module (issue 5)."""

import typer

app = typer.Typer(help="Compréhension des messages (NLP).")
