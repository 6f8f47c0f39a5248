"""The `beffroi` command: operations of the platform, and the batch entry points of each module."""

from __future__ import annotations

import importlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from beffroi import __version__

# Module commands, imported only when called: `beffroi migrate` must not load the NLP models.
# name -> (module, attribute of its Typer app, command inside that app or None for a group)
MODULE_COMMANDS: dict[str, tuple[str, str, str | None]] = {
    "enrich": ("beffroi.nlp.cli", "app", "enrich"),
    "alerts": ("beffroi.listening.cli", "alerts_app", None),
    "observatory": ("beffroi.observatory.cli", "app", None),
    "compliance": ("beffroi.compliance.cli", "app", None),
}


class LazyModuleGroup(TyperGroup):
    def list_commands(self, ctx: Any) -> list[str]:
        return [*super().list_commands(ctx), *MODULE_COMMANDS]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in MODULE_COMMANDS:
            return super().get_command(ctx, cmd_name)
        module_name, attribute, command = MODULE_COMMANDS[cmd_name]
        sub_app = getattr(importlib.import_module(module_name), attribute)
        if command is None:
            group = typer.main.get_group(sub_app)
            group.name = cmd_name
            return group
        resolved = typer.main.get_command(sub_app)
        # A Typer app with a single command is that command, not a group.
        if hasattr(resolved, "get_command"):
            return resolved.get_command(ctx, command)
        return resolved


app = typer.Typer(
    cls=LazyModuleGroup,
    help="Beffroi : la stratégie réseaux sociaux des collectivités territoriales.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _django_setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.web.settings")
    import django

    django.setup()


def _manage(*args: str) -> None:
    _django_setup()
    from django.core.management import call_command

    call_command(*args)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"beffroi {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Affiche la version."),
    ] = False,
) -> None:
    """Beffroi."""


@app.command()
def migrate() -> None:
    """Create or upgrade the database schema."""
    _manage("migrate", "--noinput")


@app.command()
def worker(workers: int = 2) -> None:
    """Run the task worker (Huey) in the foreground."""
    _manage("run_huey", "--workers", str(workers), "--worker-type", "thread")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    with_worker: Annotated[bool, typer.Option(help="Also start the task worker.")] = True,
) -> None:
    """Serve the web application (and the task worker) until Ctrl-C."""
    _django_setup()
    from django.core.management import call_command

    call_command("collectstatic", "--noinput", verbosity=0)
    children: list[subprocess.Popen[bytes]] = []
    if with_worker:
        children.append(subprocess.Popen([sys.executable, "-m", "beffroi.cli", "worker"]))
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "beffroi.web.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--access-logfile",
            "-",
        ]
    )
    children.append(server)
    typer.echo(f"Beffroi : http://{host}:{port}/  (Ctrl-C pour arrêter)")
    try:
        server.wait()
    except KeyboardInterrupt:
        pass
    finally:
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


@app.command()
def demo() -> None:
    """Load the demonstration data (idempotent) and print the logins."""
    _django_setup()
    from django.conf import settings

    from beffroi.core.demo import demo_load

    # The notifications that the demo's approvals trigger are not worth printing.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for login, password, role in demo_load():
        typer.echo(f"  {login:<32} {password:<16} {role}")


@app.command()
def createorg(
    name: str,
    kind: Annotated[
        str, typer.Option(help="commune, epci, departement, region, autre")
    ] = "commune",
    code: Annotated[str, typer.Option(help="INSEE or SIREN code")] = "",
    population: int = 0,
    parent: Annotated[str, typer.Option(help="slug of the parent organisation")] = "",
) -> None:
    """Create an organisation."""
    _django_setup()
    from beffroi.core import services

    org = services.organisation_create(
        name=name,
        kind=kind,
        code=code,
        population=population,
        parent_slug=parent or None,
        actor=None,
    )
    typer.echo(f"organisation {org.slug} créée")


@app.command()
def createuser(
    email: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    org: Annotated[str, typer.Option(help="slug of the organisation")] = "",
    role: Annotated[
        str, typer.Option(help="admin, community_manager, validator, analyst")
    ] = "admin",
    superuser: bool = False,
    email_verified: Annotated[
        bool, typer.Option(help="the operator vouches for the address (no verification e-mail)")
    ] = True,
) -> None:
    """Create a user, optionally a member of an organisation with a role."""
    _django_setup()
    from beffroi.core import services

    user = services.user_create(
        email=email, password=password, is_superuser=superuser, email_verified=email_verified
    )
    if org:
        services.membership_add_by_slug(org_slug=org, user=user, role=role, actor=None)
    typer.echo(f"utilisateur {user.email} créé")


@app.command()
def backup(
    output: Annotated[Path, typer.Option("--output", "-o", help="archive .tar.gz to write")],
) -> None:
    """Back up the database, the event lake and the media into one archive (while running)."""
    _django_setup()
    from rich.progress import Progress, SpinnerColumn, TextColumn

    from beffroi.core.backup import backup_create

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), transient=True) as bar:
        task = bar.add_task("sauvegarde")
        summary = backup_create(output, progress=lambda step: bar.update(task, description=step))
    typer.echo(
        f"{summary.path} : {summary.files} fichiers, {summary.bytes} octets, base {summary.database}"
    )


@app.command()
def restore(
    input: Annotated[
        Path, typer.Option("--input", "-i", exists=True, help="archive from `beffroi backup`")
    ],
    yes: Annotated[bool, typer.Option("--yes", help="do not ask for confirmation")] = False,
) -> None:
    """Restore an archive of `beffroi backup` (replaces the current data; stop the application first)."""
    if not yes:
        typer.confirm("Remplacer la base, le lac et les médias actuels ?", abort=True)
    _django_setup()
    from beffroi.core.backup import BackupError, backup_restore

    try:
        manifest = backup_restore(input, progress=lambda step: typer.echo(f"… {step}"))
    except BackupError as exc:
        typer.echo(f"Restauration refusée : {exc}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"restauré : sauvegarde du {manifest['created_at']}, {len(manifest['files'])} fichiers"
    )


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Re-encrypt every stored network token with the newest BEFFROI_ENCRYPTION_KEY."""
    _django_setup()
    from beffroi.core.services import encryption_rotate

    typer.echo(f"{encryption_rotate()} comptes rechiffrés")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
