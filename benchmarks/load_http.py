"""Load test of the whole application over HTTP: PostgreSQL, gunicorn, the Huey worker on Redis.

    .venv/bin/python benchmarks/load_http.py [--items 1000000] [--concurrency 1,10,50]
        [--think 1,3] [--think-duration 30] [--duration 8] [--model both|think|closed]
        [--database-url postgres://beffroi:beffroi@127.0.0.1:5432/beffroi_load]
        [--keep] [--reuse DATA_DIR]

Run on demand, not by CI. Steps:
1. (re)creates the throw-away database named in --database-url (loopback only, and its name must
   contain "load"), a throw-away BEFFROI_DATA_DIR, and migrates (--reuse DATA_DIR keeps the
   database and data directory of an earlier --keep run: it migrates and measures, no refill);
2. fills one large commune: --items inbox items over a year (InboxItem bulk inserts, as the
   ingestion writes them), a year of drafts with their variants in the calendar, members, audit
   entries, a year of lake events (beffroi.analytics.synthetic through EventLake.append_table)
   and their daily rollups (as the nightly task builds them), and a small neighbouring commune so
   that every query has to filter by organisation;
3. starts gunicorn (gthread, --web-workers processes) and the Huey worker on Redis;
4. logs each virtual user in through the login form (one session per user, as real people have)
   and creates personal API tokens (one per virtual user and API route);
5. drives each page from 127.0.0.1 with N concurrent virtual users (threads of httpx clients),
   under two user models, and prints p50 / p95 / p99 latency, throughput and errors (any answer
   other than 200, socket errors and timeouts; the API's rate limit, 429, is counted apart: the
   load generator exceeds it on purpose), each beside the baseline of the same page measured in
   the same run: ONE user alone (closed loop, concurrency 1), as a ratio (×n):
   - REALISTIC model (the measure of the target): each user waits a think time drawn uniformly
     in --think seconds (default 1 to 3 s, like Locust's `between(1, 3)`) after each answer
     before its next click, and the users start spread over the first think time; --think-duration
     seconds per page and level. 50 such users offer about 25 requests a second.
   - CLOSED LOOP (the harsh case): no think time, each user clicks again the moment its page
     arrives (50 users keep 50 requests in flight at every instant); --duration seconds per
     page and level.
   Every request started before the deadline is waited for and counted;
6. stops its processes and drops the database (unless --keep or --reuse).

Target (issue 11): p95 under 200 ms for the inbox, the calendar and a dashboard at 50 concurrent
users, without any error, under the realistic model. "dashboard" is the listening Réactivité page
(ecoute/statistiques/: response times per account, insults left visible); "analytics" is the
analytics dashboard (mesure/), reported too. The load generator shares the machine's cores with
the server (and, on a shared machine, with other work: the load average is printed): the figures
are an upper bound of what a dedicated server would show.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

DEFAULT_DATABASE_URL = "postgres://beffroi:beffroi@127.0.0.1:5432/beffroi_load"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/14"  # a database of its own: nothing else to disturb
TARGET_PAGES = ("inbox", "calendar", "dashboard", "analytics")
TARGET_P95_MS = 200.0
TARGET_CONCURRENCY = 50
PASSWORD = "charge-beffroi-2026"
ADMIN_EMAIL = "admin@charge.example"
console = Console(width=130)


# ------------------------------------------------------------------------------------------
# Environment, database and processes


def loopback_only(url: str, what: str) -> None:
    host = urlsplit(url).hostname or ""
    if host not in {"127.0.0.1", "localhost", "::1"}:
        sys.exit(f"{what} doit être sur 127.0.0.1 (reçu : {host})")


def recreate_database(database_url: str, *, drop_only: bool = False) -> None:
    """Drop and create the throw-away database, connected to the server's `postgres` database."""
    import psycopg

    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    if "load" not in name or not re.fullmatch(r"[a-z0-9_]+", name):
        sys.exit(f"refus : la base {name!r} serait effacée ; son nom doit contenir « load »")
    admin_url = urlunsplit(parts._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def child_environment(data_dir: Path, database_url: str, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "beffroi.web.settings",
            "BEFFROI_DATA_DIR": str(data_dir),
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "BEFFROI_ENV": "development",  # plain HTTP on 127.0.0.1: no HTTPS redirect
            "BEFFROI_DEBUG": "false",
            "BEFFROI_PSEUDONYM_KEY": "cle-de-pseudonymisation-du-banc-de-charge",
            "HUEY_IMMEDIATE": "false",
            "LOG_LEVEL": "WARNING",
            "AXES_FAILURE_LIMIT": "1000",  # one shared login address for every virtual user
            "BEFFROI_LOGIN_RATE_LIMIT": "1000/m/ip",  # likewise for allauth's login rate
        }
    )
    return env


@contextmanager
def running(
    commands: list[tuple[str, list[str]]], env: dict[str, str], logs: Path
) -> Iterator[None]:
    """Start each command in its own process group; stop exactly those groups on the way out."""
    children: list[subprocess.Popen[bytes]] = []
    try:
        for name, argv in commands:
            log = (logs / f"{name}.log").open("wb")
            children.append(
                subprocess.Popen(
                    argv, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
                )
            )
        yield
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
        for child in children:
            try:
                child.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(child.pid, signal.SIGKILL)
                child.wait(timeout=5)


def wait_until_up(base: str, log: Path, timeout: float = 240.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/sante/", timeout=2).status_code in (200, 503):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
    raise RuntimeError(
        f"gunicorn n'a pas répondu sur /sante/ à temps ; fin de son journal :\n{tail}"
    )


# ------------------------------------------------------------------------------------------
# Filling the database and the lake (inside this process, through the ORM)


TEXTS = (
    "Bonjour, la piscine municipale est-elle ouverte dimanche ?",
    "Merci pour le marché de Noël, très réussi cette année !",
    "Les travaux de la rue Victor Hugo durent depuis des mois, c'est insupportable.",
    "Quand passe le ramassage des encombrants dans mon quartier ?",
    "Le bus 12 n'est pas passé ce matin, encore une fois.",
    "Bravo aux agents pour le déneigement rapide.",
    "Où peut-on s'inscrire pour la cantine de la rentrée ?",
    "Le parc est sale, les poubelles débordent depuis une semaine.",
    "Super concert hier soir sur la place, merci la mairie.",
    "Pourquoi la médiathèque ferme-t-elle plus tôt le samedi ?",
)


@dataclass(frozen=True)
class Filled:
    slug: str
    items: int
    drafts: int
    audit: int
    members: int
    lake_events: int


def fill(*, items: int, seed: int, lake_days: int) -> Filled:
    from beffroi.core import services
    from beffroi.core.models import Role

    rng = random.Random(seed)
    admin = services.user_create(email=ADMIN_EMAIL, password=PASSWORD, is_superuser=False)
    commune = services.organisation_create(
        name="Grande-Ville-sur-Charge", kind="commune", code="99001", population=250_000, actor=None
    )
    neighbour = services.organisation_create(
        name="Petite-Voisine", kind="commune", code="99002", population=3_000, actor=None
    )
    services.membership_add(organisation=commune, user=admin, role=Role.ADMIN, actor=None)
    accounts = [
        services.network_account_create(
            organisation=org,
            network=network,
            handle=f"@{org.slug}-{network}",
            simulated=True,
            actor=None,
        )
        for org in (commune, neighbour)
        for network in ("facebook", "instagram", "x", "mastodon")
    ]
    members = _fill_members(commune, count=40)
    end = datetime.now(UTC)
    start = end - timedelta(days=365)
    with _bar() as bar:
        _fill_inbox(bar, commune, accounts[:4], items, start, end, rng)
        _fill_inbox(bar, neighbour, accounts[4:], max(items // 100, 100), start, end, rng)
        drafts = _fill_drafts(bar, commune, accounts[:4], admin, start, rng)
        audit = _fill_audit(bar, commune, admin, max(items // 10, 1000), start, end)
        lake_events = _fill_lake(bar, (commune.slug, neighbour.slug), lake_days)
    return Filled(
        slug=commune.slug,
        items=items,
        drafts=drafts,
        audit=audit,
        members=members + 1,
        lake_events=lake_events,
    )


def _bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _insert_batch(model: Any, rows: list[Any]) -> None:
    """Bulk insert one batch (atomic), again after a database restart: the fill takes minutes."""
    from django.db import OperationalError, connections

    for attempt in range(6):
        try:
            model.objects.bulk_create(rows, batch_size=5_000)
            return
        except OperationalError:
            if attempt == 5:
                raise
            console.print("la base a coupé la connexion ; nouvel essai de ce lot dans 10 s")
            connections.close_all()
            time.sleep(10)


def _fill_members(organisation: Any, *, count: int) -> int:
    from beffroi.core.models import Membership, Role, User

    roles = [Role.COMMUNITY_MANAGER, Role.VALIDATOR, Role.ANALYST, Role.ADMIN]
    users = User.objects.bulk_create(
        [User(email=f"agent{i:03d}@charge.example") for i in range(count)]
    )
    Membership.objects.bulk_create(
        [
            Membership(user=u, organisation=organisation, role=roles[i % len(roles)])
            for i, u in enumerate(users)
        ]
    )
    return count


def _fill_inbox(
    bar: Progress,
    organisation: Any,
    accounts: list[Any],
    count: int,
    start: datetime,
    end: datetime,
    rng: random.Random,
) -> None:
    from beffroi.core.domain import Topic
    from beffroi.listening.models import InboxItem

    topics = [t.value for t in Topic]
    kinds = [InboxItem.Kind.COMMENT] * 6 + [InboxItem.Kind.REPLY] * 2 + [InboxItem.Kind.MENTION]
    span = (end - start).total_seconds()
    task = bar.add_task(f"messages de {organisation.slug}", total=count)
    batch = 10_000
    for offset in range(0, count, batch):
        rows = []
        for n in range(offset, min(offset + batch, count)):
            account = accounts[n % len(accounts)]
            created = start + timedelta(seconds=span * n / count + rng.random())
            action = rng.random() < 0.35
            answered = action and rng.random() < 0.7
            toxic = rng.random() < 0.03
            rows.append(
                InboxItem(
                    organisation=organisation,
                    account=account,
                    network=account.network,
                    kind=rng.choice(kinds),
                    remote_id=f"m{n}",
                    post_remote_id=f"p{n // 40}",
                    author_remote_id=f"a{rng.randrange(50_000)}",
                    author_handle=f"habitant{rng.randrange(50_000)}",
                    author_name="Habitant simulé",
                    text=rng.choice(TEXTS),
                    created_at=created,
                    received_at=created + timedelta(minutes=2),
                    lang="fr",
                    sentiment=rng.choice(("positive", "neutral", "negative")),
                    sentiment_score=rng.uniform(-1, 1),
                    topic=rng.choice(topics),
                    is_request=action,
                    is_toxic=toxic,
                    needs_action=action,
                    status=(
                        InboxItem.Status.ANSWERED
                        if answered
                        else InboxItem.Status.NEW
                        if action
                        else InboxItem.Status.CLOSED
                    ),
                    first_response_at=(
                        created + timedelta(minutes=rng.randrange(5, 2000)) if answered else None
                    ),
                    hidden_at=created + timedelta(minutes=30)
                    if toxic and rng.random() < 0.5
                    else None,
                )
            )
        _insert_batch(InboxItem, rows)
        bar.advance(task, len(rows))


def _fill_drafts(
    bar: Progress,
    organisation: Any,
    accounts: list[Any],
    author: Any,
    start: datetime,
    rng: random.Random,
) -> int:
    """Three drafts a day over the past year and the next two months, one variant per account."""
    from beffroi.core.domain import Topic
    from beffroi.publishing.models import Draft, Variant

    days = 365 + 60
    task = bar.add_task("publications", total=days * 3)
    now = datetime.now(UTC)
    topics = [t.value for t in Topic]
    drafts = []
    for day in range(days):
        for slot in range(3):
            at = start + timedelta(days=day, hours=8 + 4 * slot)
            past = at < now
            drafts.append(
                Draft(
                    organisation=organisation,
                    title=f"Publication {day}-{slot}",
                    text=rng.choice(TEXTS),
                    topic=rng.choice(topics),
                    state=Draft.State.PUBLISHED if past else rng.choice(Draft.State.values[:5]),
                    scheduled_at=at,
                    created_by=author,
                )
            )
    created = Draft.objects.bulk_create(drafts, batch_size=2_000)
    variants = [
        Variant(
            draft=d,
            account=a,
            network=a.network,
            text=d.text,
            state=Variant.State.PUBLISHED
            if d.state == Draft.State.PUBLISHED
            else Variant.State.PENDING,
            published_at=d.scheduled_at if d.state == Draft.State.PUBLISHED else None,
        )
        for d in created
        for a in accounts
    ]
    Variant.objects.bulk_create(variants, batch_size=5_000)
    bar.advance(task, len(created))
    return len(created)


def _fill_audit(
    bar: Progress, organisation: Any, actor: Any, count: int, start: datetime, end: datetime
) -> int:
    from beffroi.core.models import AuditEntry

    actions = ("draft.submit", "draft.approve", "inbox_item.assign", "inbox_item.reply")
    span = (end - start).total_seconds()
    task = bar.add_task("journal d'audit", total=count)
    for offset in range(0, count, 10_000):
        rows = [
            AuditEntry(
                organisation=organisation,
                actor=actor,
                actor_label=actor.email,
                action=actions[n % len(actions)],
                object_type="draft",
                object_id=str(n),
                object_repr=f"Objet {n}",
                after={"n": n},
                created_at=start + timedelta(seconds=span * n / count),
            )
            for n in range(offset, min(offset + 10_000, count))
        ]
        _insert_batch(AuditEntry, rows)
        bar.advance(task, len(rows))
    return count


def _fill_lake(bar: Progress, slugs: tuple[str, ...], days: int) -> int:
    from django.conf import settings

    from beffroi.analytics.lake import EventLake
    from beffroi.analytics.synthetic import HistorySpec, history_tables

    lake = EventLake(str(settings.BEFFROI_LAKE_URL))
    spec = HistorySpec(
        organisations=slugs,
        start=date.today() - timedelta(days=days),
        days=days,
        posts_per_day=3.0,
        seed=2026,
    )
    task = bar.add_task("lac d'événements", total=None)
    rows = 0
    for table in history_tables(spec):
        rows += lake.append_table(table).rows
        bar.update(task, completed=rows)
    bar.update(task, total=rows)
    # The analytics dashboard reads daily rollups, which the nightly task builds from the lake.
    from beffroi.analytics.services import rollups_refresh

    rollup_task = bar.add_task("agrégats quotidiens du lac", total=None)
    rollups_refresh(since=spec.start)
    bar.update(rollup_task, total=1, completed=1)
    return rows


def create_tokens(slug: str, count: int) -> list[str]:
    """Personal API tokens, one per virtual user of one API route (each its own rate limit)."""
    from beffroi.api.scopes import SCOPES
    from beffroi.api.services import api_token_create
    from beffroi.core.models import Organisation, User

    organisation = Organisation.objects.get(slug=slug)
    user = User.objects.get(email=ADMIN_EMAIL)
    return [
        api_token_create(
            organisation=organisation,
            user=user,
            name=f"banc de charge {n}",
            scopes=list(SCOPES),
            days=1,
        )[1]
        for n in range(count)
    ]


# ------------------------------------------------------------------------------------------
# Pages and the load generator


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    headers: tuple[tuple[str, str], ...]
    browser: bool  # sent with each virtual user's own session cookie
    # API routes: one token per virtual user, and fresh ones for each route, so that one route's
    # closed loop does not start the next with a spent rate limit.
    tokens: tuple[str, ...] = ()


def login(base: str) -> str:
    """Log in through allauth's form, as a browser would; returns the session cookie."""
    with httpx.Client(base_url=base, timeout=60) as client:
        page = client.get("/comptes/login/")
        found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        if found is None:
            raise RuntimeError("formulaire de connexion sans jeton CSRF")
        answer = client.post(
            "/comptes/login/",
            data={
                "csrfmiddlewaretoken": found.group(1),
                "login": ADMIN_EMAIL,
                "password": PASSWORD,
            },
            headers={"Referer": f"{base}/comptes/login/"},
        )
        session = client.cookies.get("sessionid")
        if answer.status_code not in (200, 302) or not session:
            raise RuntimeError(f"connexion refusée ({answer.status_code})")
        return f"sessionid={session}"


def login_many(base: str, count: int) -> list[str]:
    """One session per virtual user (the password hash makes each login cost: a few in parallel)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda _: login(base), range(count)))


def targets(base: str, slug: str, token: str) -> list[Target]:
    """The main pages, and every GET route of the API scoped to one organisation (from OpenAPI)."""
    api = (("Authorization", f"Bearer {token}"),)
    found = [
        Target("organisation", f"/o/{slug}/", (), True),
        Target("inbox", f"/o/{slug}/ecoute/", (), True),
        Target("calendar", f"/o/{slug}/calendrier/", (), True),
        Target("dashboard", f"/o/{slug}/ecoute/statistiques/", (), True),
        Target("analytics", f"/o/{slug}/mesure/", (), True),
    ]
    spec = httpx.get(f"{base}/api/v1/openapi.json", headers=dict(api), timeout=30).json()
    for path, operations in sorted(spec["paths"].items()):
        if "get" not in operations or set(re.findall(r"{(\w+)}", path)) != {"org"}:
            continue
        parameters = {p["name"] for p in operations["get"].get("parameters", [])}
        query = "?limit=50" if "limit" in parameters else ""
        name = "api/" + (path.split("{org}")[1].strip("/") or "organisation")
        found.append(Target(name, path.replace("{org}", slug) + query, api, False))
    return found


@dataclass(frozen=True)
class Model:
    """How virtual users behave: `think` is the pause after each answer (None: a closed loop)."""

    name: str
    think: tuple[float, float] | None
    seconds: float


@dataclass(frozen=True)
class Measure:
    model: str
    target: str
    concurrency: int
    requests: int
    per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    errors: int
    limited: int  # 429: the API's rate limit per token answered, by design; not an error
    error_kinds: tuple[tuple[str, int], ...] = ()  # HTTP status or exception name, with counts


def _percentile(sorted_ms: list[float], q: float) -> float:
    if not sorted_ms:
        return 0.0
    return sorted_ms[min(len(sorted_ms) - 1, round(q / 100 * (len(sorted_ms) - 1)))]


def measure(
    base: str, target: Target, concurrency: int, model: Model, cookies: list[str]
) -> Measure:
    """`concurrency` users for `model.seconds`, each with its own session, under `model`.

    Every request started before the deadline is waited for and counted (no request left
    behind: a slow page cannot hide its slowest answers, and nothing still running on the server
    spills into the next measure). An answer other than 200, a socket error or a timeout (60 s)
    is an error, except 429 (the API's rate limit), counted apart.
    """
    latencies: list[float] = []
    errors = [0]
    limited = [0]
    kinds: dict[str, int] = {}
    lock = threading.Lock()
    clients = []
    for n in range(concurrency):
        headers = dict(target.headers)
        if target.browser:
            headers["Cookie"] = cookies[n % len(cookies)]
        if target.tokens:
            headers["Authorization"] = f"Bearer {target.tokens[n % len(target.tokens)]}"
        clients.append(httpx.Client(base_url=base, headers=headers, timeout=60))
    start = threading.Barrier(concurrency + 1)
    deadline = [0.0]

    def user(client: httpx.Client, rng: random.Random) -> None:
        start.wait()
        if model.think is not None:  # arrive spread out, not all at the same instant
            time.sleep(rng.uniform(0, model.think[1]))
        while time.monotonic() < deadline[0]:
            began = time.perf_counter()
            kind = ""
            try:
                status = client.get(target.path).status_code
            except httpx.HTTPError as exc:
                status, kind = 0, type(exc).__name__
            elapsed = (time.perf_counter() - began) * 1000
            with lock:
                if status == 200:
                    latencies.append(elapsed)
                elif status == 429:
                    limited[0] += 1
                else:
                    errors[0] += 1
                    kinds[kind or f"HTTP {status}"] = kinds.get(kind or f"HTTP {status}", 0) + 1
            if model.think is not None:
                pause = rng.uniform(*model.think)
                if time.monotonic() + pause >= deadline[0]:
                    break
                time.sleep(pause)

    threads = [
        threading.Thread(target=user, args=(c, random.Random(n)), daemon=True)
        for n, c in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    began = time.monotonic()
    deadline[0] = began + model.seconds
    start.wait()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    for client in clients:
        client.close()
    ordered = sorted(latencies)
    total = len(ordered) + errors[0] + limited[0]
    return Measure(
        model=model.name,
        target=target.name,
        concurrency=concurrency,
        requests=total,
        per_second=total / wall,
        p50_ms=_percentile(ordered, 50),
        p95_ms=_percentile(ordered, 95),
        p99_ms=_percentile(ordered, 99),
        errors=errors[0],
        limited=limited[0],
        error_kinds=tuple(sorted(kinds.items())),
    )


def check_pages(base: str, found: list[Target], cookie: str) -> None:
    """Every page must answer 200 with our credentials before it is measured."""
    for target in found:
        headers = dict(target.headers)
        if target.browser:
            headers["Cookie"] = cookie
        answer = httpx.get(base + target.path, headers=headers, timeout=120)
        if answer.status_code != 200:
            raise RuntimeError(f"{target.name} {target.path} : HTTP {answer.status_code}")


def _table(title: str, rows: list[Measure], baseline: dict[str, Measure], *, closed: bool) -> Table:
    table = Table(title=title)
    for column in ("page", "conc.", "req/s", "p50", "p95", "p99", "erreurs", "429"):
        table.add_column(column, justify="left" if column == "page" else "right")

    def cell(value: float, base: float) -> str:
        return f"{value:.0f} (×{value / base:.1f})" if base > 0 else f"{value:.0f}"

    for m in rows:
        b = baseline[m.target]
        if m.requests == m.errors + m.limited:  # not one answer: no percentile to show
            row = (m.target, str(m.concurrency), f"{m.per_second:.1f}", "—", "—", "—")
            table.add_row(*row, f"{m.errors} (1 u. : {b.errors})", str(m.limited))
            continue
        table.add_row(
            m.target,
            str(m.concurrency),
            # Think time caps what users ask for: a throughput ratio means something only for
            # the closed loop (how much more the server serves when pushed).
            f"{m.per_second:.1f} (×{m.per_second / b.per_second:.1f})"
            if closed and b.per_second > 0
            else f"{m.per_second:.1f}",
            cell(m.p50_ms, b.p50_ms),
            cell(m.p95_ms, b.p95_ms),
            cell(m.p99_ms, b.p99_ms),
            f"{m.errors} (1 u. : {b.errors})",
            str(m.limited),
        )
    return table


def report(
    results: list[Measure], filled: Filled, models: list[Model], fill_seconds: float | None
) -> None:
    filling = (
        f" (remplissage {fill_seconds:.0f} s)" if fill_seconds is not None else " (réutilisée)"
    )
    console.print(
        f"\nCommune {filled.slug} : {filled.items:,} messages, {filled.drafts:,} publications, "
        f"{filled.audit:,} entrées d'audit, {filled.members} membres, "
        f"{filled.lake_events:,} événements au lac{filling}"
    )
    baseline = {m.target: m for m in results if m.model == "base"}
    for model in models:
        # Each page's rows start with its baseline (one user alone), then the model's levels.
        order = {name: n for n, name in enumerate(baseline)}
        rows = sorted(
            (m for m in results if m.model in (model.name, "base")),
            key=lambda m: (order[m.target], m.concurrency),
        )
        if model.think is None:
            title = (
                f"BOUCLE FERMÉE (cas dur : aucun temps de réflexion, {model.seconds:.0f} s par "
                "mesure) ; latences en ms, (×n) = rapport à 1 utilisateur seul"
            )
        else:
            low, high = model.think
            title = (
                f"MODÈLE RÉALISTE (objectif) : chaque utilisateur réfléchit {low:g} à {high:g} s "
                f"entre deux clics, {model.seconds:.0f} s par mesure ; latences en ms, "
                "(×n) = rapport à 1 utilisateur seul"
            )
        console.print(_table(title, rows, baseline, closed=model.think is None))
    console.print(
        "1 utilisateur seul (la référence des rapports) : boucle fermée, concurrence 1, "
        "mesuré dans ce même passage, page par page."
    )
    for m in results:
        if m.error_kinds:
            detail = ", ".join(f"{kind} ×{count}" for kind, count in m.error_kinds)
            console.print(
                f"erreurs {m.model} {m.target} à {m.concurrency} : {detail}", markup=False
            )
    for model in models:
        for m in results:
            if (
                m.model == model.name
                and m.concurrency == TARGET_CONCURRENCY
                and m.target in TARGET_PAGES
            ):
                ok = m.requests > m.errors and m.p95_ms < TARGET_P95_MS and m.errors == 0
                console.print(
                    f"objectif ({model.name}) {m.target} à {TARGET_CONCURRENCY} utilisateurs : "
                    f"p95 {m.p95_ms:.0f} ms, {m.errors} erreur(s) -> "
                    f"{'atteint' if ok else 'MANQUÉ'}"
                )


def filled_from_database() -> Filled:
    """What an earlier run filled (--reuse): counted again, nothing refilled."""
    from django.conf import settings

    from beffroi.analytics.lake import EventLake
    from beffroi.core.models import AuditEntry, Membership, Organisation
    from beffroi.listening.models import InboxItem
    from beffroi.publishing.models import Draft

    commune = Organisation.objects.get(name="Grande-Ville-sur-Charge")
    lake = EventLake(str(settings.BEFFROI_LAKE_URL))
    events = sum(lake.read_month(m).num_rows for m in lake.months())
    return Filled(
        slug=commune.slug,
        items=InboxItem.objects.filter(organisation=commune).count(),
        drafts=Draft.objects.filter(organisation=commune).count(),
        audit=AuditEntry.objects.filter(organisation=commune).count(),
        members=Membership.objects.filter(organisation=commune).count(),
        lake_events=events,
    )


# ------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--items", type=int, default=1_000_000)
    parser.add_argument("--lake-days", type=int, default=365)
    parser.add_argument("--concurrency", default="1,10,50")
    parser.add_argument("--model", choices=("both", "think", "closed"), default="both")
    parser.add_argument("--think", default="1,3", help="think time range in seconds, e.g. 1,3")
    parser.add_argument(
        "--think-duration", type=int, default=30, help="seconds per page and level (realistic)"
    )
    parser.add_argument(
        "--duration", type=int, default=8, help="seconds per page and level (closed loop)"
    )
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--port", type=int, default=18765)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument(
        "--pages", default="", help="names to measure, e.g. inbox,calendar,dashboard,api/audit"
    )
    parser.add_argument("--keep", action="store_true", help="keep the database and data dir")
    parser.add_argument(
        "--reuse", default="", metavar="DATA_DIR", help="measure a database kept by --keep"
    )
    args = parser.parse_args()
    levels = sorted({int(c) for c in args.concurrency.split(",")} | {1})
    low, high = (float(x) for x in args.think.split(","))
    models = []
    if args.model in ("both", "think"):
        models.append(Model("réaliste", (low, high), args.think_duration))
    if args.model in ("both", "closed"):
        models.append(Model("boucle fermée", None, args.duration))
    base_model = Model("base", None, args.duration)
    loopback_only(args.database_url, "La base")
    loopback_only(args.redis_url, "Redis")

    reuse = bool(args.reuse)
    data_dir = Path(args.reuse) if reuse else Path(tempfile.mkdtemp(prefix="beffroi-load-"))
    env = child_environment(data_dir, args.database_url, args.redis_url)
    os.environ.update(env)
    if not reuse:
        recreate_database(args.database_url)
    try:
        import django
        from django.core.management import call_command
        from django.db import connections

        django.setup()
        console.print(f"données : {data_dir} ; base : {args.database_url}")
        call_command("migrate", verbosity=0)
        call_command("collectstatic", "--noinput", verbosity=0)
        fill_seconds: float | None = None
        if reuse:
            filled = filled_from_database()
        else:
            began = time.monotonic()
            filled = fill(items=args.items, seed=args.seed, lake_days=args.lake_days)
            fill_seconds = time.monotonic() - began
        with connections["default"].cursor() as cursor:  # fresh statistics, as autovacuum would
            cursor.execute("VACUUM ANALYZE")
        token = create_tokens(filled.slug, 1)[0]
        connections.close_all()

        base = f"http://127.0.0.1:{args.port}"
        gunicorn = [sys.executable, "-m", "gunicorn", "beffroi.web.wsgi:application"]
        gunicorn += ["--bind", f"127.0.0.1:{args.port}", "--worker-class", "gthread"]
        gunicorn += ["--workers", str(args.web_workers), "--threads", str(args.threads)]
        # Keep idle connections open longer than a user thinks (gunicorn's default is 2 s), as a
        # reverse proxy does: else a click races the server closing its connection.
        gunicorn += ["--keep-alive", str(int(high) + 5)]
        worker = [sys.executable, "-m", "beffroi.cli", "worker"]
        with running([("gunicorn", gunicorn), ("huey", worker)], env, data_dir):
            wait_until_up(base, data_dir / "gunicorn.log")
            cookies = login_many(base, max(levels))
            found = targets(base, filled.slug, token)
            if args.pages:
                found = [t for t in found if t.name in args.pages.split(",")]
            found = [
                replace(t, tokens=tuple(create_tokens(filled.slug, max(levels))))
                if not t.browser
                else t
                for t in found
            ]
            connections.close_all()
            check_pages(base, found, cookies[0])
            results: list[Measure] = []
            load_before = os.getloadavg()[0]
            plan = [(base_model, 1)] + [(m, n) for m in models for n in levels if n > 1]
            with _bar() as bar:
                task = bar.add_task("charge", total=len(found) * len(plan))
                for target in found:
                    warm = Model("échauffement", None, 2)  # caches, connections, plans
                    measure(base, target, 1, warm, cookies)
                    for model, level in plan:
                        results.append(measure(base, target, level, model, cookies))
                        bar.advance(task)
            load_after = os.getloadavg()[0]
        report(results, filled, models, fill_seconds)
        # The machine may be shared: say how busy it was, since every latency depends on it.
        console.print(
            f"charge moyenne de la machine (1 min) : {load_before:.1f} avant, {load_after:.1f} "
            f"après, pour {os.cpu_count()} cœurs ; gunicorn {args.web_workers}×{args.threads} "
            f"fils (keep-alive {int(high) + 5} s), worker Huey actif ; {len(cookies)} sessions "
            "(une par utilisateur virtuel)"
        )
    finally:
        if not args.keep and not reuse:
            from django.db import connections

            connections.close_all()
            recreate_database(args.database_url, drop_only=True)
            shutil.rmtree(data_dir, ignore_errors=True)
        else:
            console.print(f"gardés : {data_dir} et {args.database_url}")


if __name__ == "__main__":
    main()
