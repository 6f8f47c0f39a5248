"""Scheduled publication at scale: 10,000 posts due in the same hour on the simulated network.

    .venv/bin/python benchmarks/publishing_schedule.py [--posts 10000] [--accounts 7] [--seed 1]

Two runs on the same database shape, one after the other, printed side by side:
- chaos: the simulated network fails at random (timeouts 5 %, rate limits 2 % with a 60 s
  Retry-After, 2 % of calls where the network posts but the answer is lost) and the worker is
  killed at random (0.5 % of steps, at any point: after claiming, after the network answered,
  after recording), then restarted; leases of 2 minutes;
- baseline: the network never fails and the worker is never killed.

Figures: lateness of each post (when the network received it, minus when it was due) median and
99th percentile, duplicates (posts that reached the network more than once), losses (posts never
published), and throughput. Time is virtual: the clock advances by the real time each step took,
and jumps ahead when nothing is due, so an hour of schedule runs in minutes while every figure
stays what one worker on this machine would do.

The drafts, variants and intents are written with bulk inserts, as `draft_schedule` leaves them
(the approval circuit is not what is measured here); publication goes through the real services:
`intent_claim` (compare-and-set lease), `intent_publish`, the sandbox adapter with idempotency keys.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

T0 = datetime(2026, 6, 21, 16, 0, tzinfo=UTC)
LEASE = timedelta(minutes=2)


def setup_django(data_dir: Path) -> None:
    os.environ["BEFFROI_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "beffroi.web.settings")
    os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


@dataclass
class RunResult:
    label: str
    posts: int
    published: int
    duplicates: int
    losses: int
    lateness_median_s: float
    lateness_p99_s: float
    lateness_max_s: float
    throughput: float  # posts per second of real worker time
    crashes: int
    network_faults: int
    wall_s: float


class VirtualClock:
    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def prepare(
    posts: int, accounts_count: int, tag: str, rng: random.Random
) -> tuple[list[int], object]:
    """An organisation, simulated accounts, and `posts` scheduled variants due within the hour."""
    from beffroi.core import services as core
    from beffroi.core.domain import REAL_NETWORKS
    from beffroi.publishing.models import Draft, PublishIntent, Variant

    org = core.organisation_create(name=f"Banc d'essai {tag}", kind="commune", actor=None)
    networks = list(REAL_NETWORKS)
    accounts = [
        core.network_account_create(
            organisation=org,
            network=networks[i % len(networks)].value,
            handle=f"bench-{tag}-{i}",
            simulated=True,
            credentials={"sandbox_seed": f"bench-{tag}-{i}"},
            actor=None,
        )
        for i in range(accounts_count)
    ]
    due = sorted(T0 + timedelta(seconds=rng.uniform(0, 3600)) for _ in range(posts))
    drafts = Draft.objects.bulk_create(
        [
            Draft(
                organisation=org,
                title=f"Post {i}",
                text=f"Message programmé n° {i} ({tag})",
                state=Draft.State.SCHEDULED,
                scheduled_at=due[i],
            )
            for i in range(posts)
        ],
        batch_size=1000,
    )
    variants = Variant.objects.bulk_create(
        [
            Variant(
                draft=d,
                account=accounts[i % accounts_count],
                network=accounts[i % accounts_count].network,
                text=f"Message programmé n° {i} ({tag}) #Beffroi",
            )
            for i, d in enumerate(drafts)
        ],
        batch_size=1000,
    )
    PublishIntent.objects.bulk_create(
        [
            PublishIntent(
                organisation=org,
                variant=v,
                idempotency_key=f"beffroi-{org.pk}-{v.draft_id}-{v.pk}",
                due_at=due[i],
                next_attempt_at=due[i],
            )
            for i, v in enumerate(variants)
        ],
        batch_size=1000,
    )
    return [v.pk for v in variants], org


def run(
    label: str, *, posts: int, accounts_count: int, seed: int, chaos: bool, console: Console
) -> RunResult:
    from django.db.models import Min

    from beffroi.core.services import network_account_credentials
    from beffroi.networks.errors import RateLimited, Transient
    from beffroi.networks.sandbox import sandbox_adapter_for
    from beffroi.publishing import services
    from beffroi.publishing.models import PublishIntent

    rng = random.Random(seed)
    variant_ids, org = prepare(posts, accounts_count, label, rng)
    clock = VirtualClock(T0)
    adapters: dict[int, object] = {}
    faults = Counter()
    crashes = Counter()

    def adapter_for(account):
        if account.pk not in adapters:
            credentials = {
                k: str(v) for k, v in network_account_credentials(account=account).items()
            }
            adapters[account.pk] = sandbox_adapter_for(account.network, credentials, clock=clock)
        adapter = adapters[account.pk]
        if chaos:
            roll = rng.random()
            if roll < 0.05:
                faults["timeout"] += 1
                adapter.faults.fail_next("publish", Transient("sandbox", "délai dépassé (simulé)"))
            elif roll < 0.07:
                faults["rate_limit"] += 1
                adapter.faults.fail_next(
                    "publish", RateLimited("sandbox", "429 (simulé)", retry_after=60)
                )
            elif roll < 0.09:
                faults["answer_lost"] += 1
                adapter.faults.fail_next(
                    "publish", Transient("sandbox", "réponse perdue (simulé)"), after_success=True
                )
        return adapter

    def killer(point, intent):
        if chaos and rng.random() < 0.005:
            crashes[point] += 1
            raise services.WorkerCrash(point)

    wall_start = time.perf_counter()
    worker_time = 0.0
    worker = f"{label}-0"
    lives = 0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task(f"{label} : publication", total=posts)
        done = 0
        while True:
            started = time.perf_counter()
            intent = services.intent_claim(now=clock(), worker=worker, lease=LEASE)
            if intent is None:
                elapsed = time.perf_counter() - started
                worker_time += elapsed
                clock.now += timedelta(seconds=elapsed)
                # Sleep until the next thing can happen: a pending post falls due, or the lease of
                # a killed worker runs out.
                open_intents = PublishIntent.objects.filter(organisation=org)
                next_due = open_intents.filter(status=PublishIntent.Status.PENDING).aggregate(
                    Min("next_attempt_at")
                )["next_attempt_at__min"]
                next_lease = open_intents.filter(status=PublishIntent.Status.IN_FLIGHT).aggregate(
                    Min("lease_until")
                )["lease_until__min"]
                wakes = [w for w in (next_due, next_lease) if w is not None]
                if not wakes:
                    break
                clock.now = max(clock.now, min(wakes) + timedelta(milliseconds=1))
                continue
            try:
                outcome = services.intent_publish(
                    intent, now_fn=clock, adapter_for=adapter_for, crash=killer
                )
            except services.WorkerCrash:
                lives += 1
                worker = f"{label}-{lives}"  # a new process starts with a new identity
                outcome = "crash"
            elapsed = time.perf_counter() - started
            worker_time += elapsed
            clock.now += timedelta(seconds=elapsed)
            if outcome == "done":
                done += 1
                progress.update(task, completed=done)
    wall = time.perf_counter() - wall_start

    # What reached the network, per variant text (each variant's text is unique).
    received = Counter()
    first_seen: dict[str, datetime] = {}
    for adapter in adapters.values():
        for post in adapter.state.posts.values():
            received[post.text] += 1
            when = datetime.fromisoformat(post.published_at)
            first_seen[post.text] = min(first_seen.get(post.text, when), when)
    from beffroi.publishing.models import Variant

    variants = Variant.objects.filter(pk__in=variant_ids).select_related("intent")
    lateness = []
    losses = 0
    for variant in variants:
        if variant.text not in first_seen:
            losses += 1
            continue
        lateness.append((first_seen[variant.text] - variant.intent.due_at).total_seconds())
    lateness.sort()
    duplicates = sum(count - 1 for count in received.values() if count > 1)
    p99 = (
        lateness[min(len(lateness) - 1, int(round(0.99 * (len(lateness) - 1))))]
        if lateness
        else float("nan")
    )
    return RunResult(
        label=label,
        posts=posts,
        published=len(lateness),
        duplicates=duplicates,
        losses=losses,
        lateness_median_s=statistics.median(lateness) if lateness else float("nan"),
        lateness_p99_s=p99,
        lateness_max_s=lateness[-1] if lateness else float("nan"),
        throughput=posts / worker_time if worker_time else float("nan"),
        crashes=sum(crashes.values()),
        network_faults=sum(faults.values()),
        wall_s=wall,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=10_000)
    parser.add_argument("--accounts", type=int, default=7)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    console = Console()
    with tempfile.TemporaryDirectory(prefix="beffroi-bench-publishing-") as tmp:
        setup_django(Path(tmp))
        import logging

        logging.disable(logging.WARNING)
        console.print(
            f"{args.posts} publications dues entre 16:00 et 17:00 UTC sur {args.accounts} comptes simulés, 1 worker."
        )
        baseline = run(
            "sans-panne",
            posts=args.posts,
            accounts_count=args.accounts,
            seed=args.seed,
            chaos=False,
            console=console,
        )
        chaos = run(
            "chaos",
            posts=args.posts,
            accounts_count=args.accounts,
            seed=args.seed,
            chaos=True,
            console=console,
        )
    table = Table(title="Publication programmée sur le réseau simulé")
    table.add_column("mesure")
    table.add_column("chaos (pannes + worker tué)", justify="right")
    table.add_column("réseau sans panne (référence)", justify="right")
    table.add_column("rapport", justify="right")

    def ratio(a: float, b: float) -> str:
        # A ratio against (almost) zero says nothing.
        return f"{a / b:.2f}×" if abs(b) >= 0.01 else "—"

    rows = [
        (
            "publiées",
            f"{chaos.published}/{chaos.posts}",
            f"{baseline.published}/{baseline.posts}",
            "",
        ),
        ("doublons", str(chaos.duplicates), str(baseline.duplicates), ""),
        ("pertes", str(chaos.losses), str(baseline.losses), ""),
        (
            "retard médian (s)",
            f"{chaos.lateness_median_s:.2f}",
            f"{baseline.lateness_median_s:.2f}",
            ratio(chaos.lateness_median_s, baseline.lateness_median_s),
        ),
        (
            "retard p99 (s)",
            f"{chaos.lateness_p99_s:.1f}",
            f"{baseline.lateness_p99_s:.1f}",
            ratio(chaos.lateness_p99_s, baseline.lateness_p99_s),
        ),
        (
            "retard max (s)",
            f"{chaos.lateness_max_s:.1f}",
            f"{baseline.lateness_max_s:.1f}",
            ratio(chaos.lateness_max_s, baseline.lateness_max_s),
        ),
        (
            "débit (publications/s de worker)",
            f"{chaos.throughput:.0f}",
            f"{baseline.throughput:.0f}",
            ratio(chaos.throughput, baseline.throughput),
        ),
        ("pannes réseau injectées", str(chaos.network_faults), str(baseline.network_faults), ""),
        ("worker tués", str(chaos.crashes), str(baseline.crashes), ""),
        (
            "durée réelle (s)",
            f"{chaos.wall_s:.0f}",
            f"{baseline.wall_s:.0f}",
            ratio(chaos.wall_s, baseline.wall_s),
        ),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)
    return 0 if chaos.duplicates == 0 and chaos.losses == 0 and baseline.losses == 0 else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    raise SystemExit(main())
