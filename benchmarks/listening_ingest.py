"""Ingestion throughput: messages per second from a network payload to the event lake and the inbox.

    .venv/bin/python benchmarks/listening_ingest.py [--messages 5000] [--batch 500]

Messages are the simulated network's comments (French texts with their mix of requests, insults
and complaints). Three figures, measured in the same run on the same texts:

- enrichment alone: the production fast-tier enricher over the texts, in batches (the baseline:
  what no ingestion can beat);
- ingestion from typed messages: dedupe against the database, enrich, mask, route, store the inbox
  rows, append to the Parquet lake, feed the bad-buzz detector (what a poll does);
- ingestion from Meta webhook bodies: the same plus the signature check and JSON parsing (what the
  webhook endpoint does), the bodies holding `--batch` comments each.

With `--inbox-rows N` (e.g. 1000000), it also fills one organisation's inbox with N rows and times
the inbox pages: the first page, a page deep in the inbox reached by key (how Beffroi pages), beside
the same page reached by OFFSET (the usual way, the baseline), and filtered pages.

It runs on a throw-away SQLite database and lake in a temporary directory.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

SECRET = "secret-du-banc-d-essai"
PAGE_ID = "104512345678901"


def _setup(data_dir: str) -> None:
    os.environ["BEFFROI_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.web.settings")
    os.environ.setdefault("BEFFROI_PSEUDONYM_KEY", "cle-du-banc-d-essai-assez-longue")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _comments(count: int) -> list:  # list[Comment]
    """Simulated comments, newest days last, with fresh ids so that nothing is a duplicate."""
    from beffroi.core.domain import Network
    from beffroi.networks.sandbox import simulate_history

    found = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for day in simulate_history(
        "banc-ecoute", followers=150_000, start=start, days=365, network=Network.FACEBOOK
    ):
        found += [c.comment for c in day.comments]
        if len(found) >= count:
            break
    found.sort(key=lambda c: c.created_at)
    return found[:count]


def _webhook_body(comments: list, index: int) -> bytes:
    changes = [
        {
            "field": "feed",
            "value": {
                "from": {"id": c.author.remote_id, "name": c.author.display_name},
                "message": c.text,
                "post_id": f"{PAGE_ID}_{index}",
                "comment_id": f"wh-{c.remote_id}",
                "created_time": int(c.created_at.timestamp()),
                "item": "comment",
                "parent_id": f"{PAGE_ID}_{index}",
                "verb": "add",
            },
        }
        for c in comments
    ]
    payload = {"object": "page", "entry": [{"id": PAGE_ID, "time": 0, "changes": changes}]}
    return json.dumps(payload, ensure_ascii=False).encode()


def _fill(org_id: int, rows: int, console: Console) -> None:
    """Rows straight into SQLite (the ORM would take longer than the measure itself)."""
    import random

    from django.db import connection, transaction

    from beffroi.listening.models import InboxItem

    fields = [f for f in InboxItem._meta.concrete_fields if f.column != "id"]
    rng = random.Random(7)
    start = datetime(2024, 1, 1, tzinfo=UTC).timestamp()
    statuses = ["new", "in_progress", "answered", "closed"]
    sentiments = ["positive", "neutral", "negative"]
    columns = ", ".join(f'"{f.column}"' for f in fields)
    marks = ", ".join("%s" for _ in fields)
    sql = f'INSERT INTO "{InboxItem._meta.db_table}" ({columns}) VALUES ({marks})'
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"remplissage de {rows} éléments", total=rows)
        for chunk in range(0, rows, 50_000):
            values = []
            for i in range(chunk, min(rows, chunk + 50_000)):
                at = datetime.fromtimestamp(start + i * 60 + rng.random(), UTC)
                action = rng.random() < 0.4
                row = {
                    "organisation_id": org_id, "account_id": None, "network": "facebook",
                    "kind": "comment", "remote_id": f"scale-{i}", "post_remote_id": f"p{i // 40}",
                    "parent_remote_id": "", "url": "", "author_remote_id": f"a{rng.randrange(50_000)}",
                    "author_handle": "h", "author_name": "", "text": "Message d'essai",
                    "keyword": "", "created_at": at, "received_at": at, "lang": "fr",
                    "sentiment": rng.choice(sentiments), "sentiment_score": 0.0, "topic": "autre",
                    "is_request": rng.random() < 0.2, "is_toxic": rng.random() < 0.03,
                    "places": "[]", "needs_action": action,
                    "status": rng.choice(statuses) if action else "closed",
                    "assigned_to_id": None, "first_seen_at": None, "first_response_at": None,
                    "reply_remote_id": "", "hide_proposed": False, "hidden_at": None,
                    "deleted_at": None, "route_level": "", "route_reason": "",
                    "forwarded_to_id": None, "forwarded_from_id": None,
                    "from_watched_actor_id": None,
                }  # fmt: skip
                values.append([row[f.attname] for f in fields])
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(sql, values)
            progress.advance(task, len(values))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _timed(call, repeat: int = 5) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - started)
    return best


def _inbox_at_scale(console: Console, rows: int) -> None:
    from beffroi.core import services as core
    from beffroi.listening import selectors
    from beffroi.listening.models import InboxItem

    org = core.organisation_create(name="Grande ville", kind="commune", actor=None)
    _fill(org.pk, rows, console)
    everything = selectors.InboxFilters()
    base = InboxItem.objects.filter(organisation=org, needs_action=True).order_by(
        "-created_at", "-id"
    )
    deep = min(5_000, max(1, base.count() // selectors.PAGE_SIZE - 1))
    offset = deep * selectors.PAGE_SIZE
    # The key a user reaches by clicking « plus anciens » `deep` times: the row just before the page.
    previous = base[offset - 1]
    key = selectors.encode_key(previous)
    measures = [
        ("première page", lambda: selectors.inbox_page(organisation=org, filters=everything)),
        (f"page {deep + 1} par clé (Beffroi)", lambda: selectors.inbox_page(organisation=org, filters=everything, after=key)),
        (f"page {deep + 1} par OFFSET (référence)", lambda: list(base[offset : offset + selectors.PAGE_SIZE])),
        ("filtre statut « nouveau »", lambda: selectors.inbox_page(organisation=org, filters=selectors.InboxFilters(status="new"))),
        ("filtre insultes", lambda: selectors.inbox_page(organisation=org, filters=selectors.InboxFilters(toxic=True))),
    ]  # fmt: skip
    table = Table(title=f"Boîte de réception à {rows:,} éléments (SQLite)".replace(",", " "))
    table.add_column("page")
    table.add_column("ms (meilleur de 5)", justify="right")
    table.add_column("rapport à OFFSET", justify="right")
    times = {label: _timed(call) for label, call in measures}
    reference = times[f"page {deep + 1} par OFFSET (référence)"]
    for label, seconds in times.items():
        table.add_row(label, f"{seconds * 1000:.1f}", f"{seconds / reference:.2f}")
    console.print(table)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5_000, help="0: only the inbox at scale")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--inbox-rows", type=int, default=0)
    args = parser.parse_args(argv)
    console = Console()
    with tempfile.TemporaryDirectory(prefix="beffroi-bench-ecoute-") as tmp:
        console.print("Préparation (base SQLite, migrations, messages simulés)…")
        _setup(tmp)
        from django.conf import settings

        from beffroi.core import services as core
        from beffroi.core.domain import Network
        from beffroi.listening.ingestion import default_enricher, from_comment, ingest
        from beffroi.listening.models import InboxItem
        from beffroi.listening.webhooks import receive_batch
        from beffroi.networks.meta_webhooks import parse_webhook

        settings.META_APP_SECRET = SECRET
        if args.inbox_rows:
            _inbox_at_scale(console, args.inbox_rows)
        if not args.messages:
            return 0
        comments = _comments(args.messages)
        n = len(comments)
        enricher = default_enricher()
        enricher.enrich(["préchauffage"], ["0"])
        org_a = core.organisation_create(name="Banc A", kind="commune", actor=None)
        org_b = core.organisation_create(name="Banc B", kind="commune", actor=None)
        account_a = core.network_account_create(
            organisation=org_a, network="facebook", handle="banc-a", actor=None
        )
        core.network_account_create(
            organisation=org_b, network="facebook", handle="banc-b", remote_id=PAGE_ID, actor=None
        )
        texts = [c.text for c in comments]
        batches = [comments[i : i + args.batch] for i in range(0, n, args.batch)]
        timings: dict[str, float] = {}
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("enrichissement seul", total=n)
            started = time.perf_counter()
            for i in range(0, n, args.batch):
                chunk = texts[i : i + args.batch]
                enricher.enrich(chunk, [str(i + j) for j in range(len(chunk))])
                progress.advance(task, min(args.batch, n - i))
            timings["enrich"] = time.perf_counter() - started

            task = progress.add_task("ingestion (messages typés)", total=n)
            started = time.perf_counter()
            for batch in batches:
                ingest(
                    organisation=org_a,
                    account=account_a,
                    messages=[from_comment(c, Network.FACEBOOK) for c in batch],
                )
                progress.advance(task, len(batch))
            timings["ingest"] = time.perf_counter() - started

            bodies = [_webhook_body(batch, i) for i, batch in enumerate(batches)]
            signatures = [
                "sha256=" + hmac.new(SECRET.encode(), b, hashlib.sha256).hexdigest() for b in bodies
            ]
            task = progress.add_task("ingestion (webhooks Meta)", total=n)
            started = time.perf_counter()
            for body, signature, batch in zip(bodies, signatures, batches, strict=True):
                receive_batch(parse_webhook(body, signature, SECRET), body)
                progress.advance(task, len(batch))
            timings["webhook"] = time.perf_counter() - started
        stored_a = InboxItem.objects.filter(organisation=org_a).count()
        stored_b = InboxItem.objects.filter(organisation=org_b).count()
        lake_files = len(list(Path(str(settings.BEFFROI_LAKE_URL)).rglob("*.parquet")))

    table = Table(title=f"Ingestion de l'écoute : {n} commentaires, lots de {args.batch}")
    table.add_column("chemin")
    table.add_column("messages/s", justify="right")
    table.add_column("rapport à l'enrichissement seul", justify="right")
    base = n / timings["enrich"]
    for key, label in (
        ("enrich", "enrichissement seul (référence)"),
        ("ingest", "messages typés → boîte + lac + détecteur"),
        ("webhook", "webhook Meta signé → boîte + lac + détecteur"),
    ):
        rate = n / timings[key]
        table.add_row(label, f"{rate:,.0f}".replace(",", " "), f"{rate / base:.2f}")
    console.print(table)
    console.print(
        f"Stockés : {stored_a} + {stored_b} éléments de boîte, {lake_files} fichiers Parquet."
    )
    return 0 if stored_a == n and stored_b == n else 1


if __name__ == "__main__":
    sys.exit(main())
