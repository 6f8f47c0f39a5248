"""A publishing worker process for the kill -9 test: `python chaos_worker.py setup|work DATA_DIR SEED`.

setup: migrate a fresh SQLite database in DATA_DIR and schedule posts on simulated accounts whose
state is kept in JSON files (so that what the network received survives the processes);
work: publish what is due, with the simulated network failing at random, forever (until killed).
"""

from __future__ import annotations

import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

POSTS = 60
NETWORKS = ("mastodon", "x", "facebook")


def _django(data_dir: Path) -> None:
    os.environ["BEFFROI_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "beffroi.web.settings"
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()


def setup(data_dir: Path) -> None:
    _django(data_dir)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from beffroi.core import services as core
    from beffroi.publishing import services

    org = core.organisation_create(name="Commune du test de panne", kind="commune", actor=None)
    accounts = [
        core.network_account_create(
            organisation=org,
            network=network,
            handle=f"panne-{network}",
            simulated=True,
            credentials={
                "sandbox_seed": f"panne-{network}",
                "state_path": str(data_dir / f"sandbox-{network}.json"),
            },
            actor=None,
        )
        for network in NETWORKS
    ]
    now = datetime.now(UTC)
    for index in range(POSTS):
        draft = services.draft_create(
            organisation=org,
            actor=None,
            title=f"Publication {index}",
            text=f"Information municipale n° {index} : la mairie est ouverte samedi matin.",
            accounts=[accounts[index % len(accounts)]],
        )
        services.draft_submit(draft=draft, actor=None)
        services.draft_schedule(
            draft=draft, actor=None, scheduled_at=now + timedelta(seconds=index * 0.05), now=now
        )


def work(data_dir: Path, seed: int) -> None:
    _django(data_dir)
    from beffroi.networks.errors import RateLimited, Transient
    from beffroi.publishing import services
    from beffroi.publishing.models import PublishIntent

    rng = random.Random(seed)

    def flaky(account):
        adapter = services.default_adapter_for(account)
        roll = rng.random()
        if roll < 0.15:
            adapter.faults.fail_next("publish", Transient("sandbox", "délai dépassé"))
        elif roll < 0.2:
            adapter.faults.fail_next("publish", RateLimited("sandbox", "429", retry_after=0.2))
        elif roll < 0.3:
            adapter.faults.fail_next(
                "publish", Transient("sandbox", "réponse perdue"), after_success=True
            )
        return adapter

    print("ready", flush=True)
    while True:
        # Short leases and no backoff wait to keep the test quick; the logic is the production one.
        services.publish_due(adapter_for=flaky, lease=timedelta(seconds=1), limit=5)
        PublishIntent.objects.filter(status="pending").update(next_attempt_at=datetime.now(UTC))
        time.sleep(rng.uniform(0.0, 0.05))


if __name__ == "__main__":
    command, directory = sys.argv[1], Path(sys.argv[2])
    if command == "setup":
        setup(directory)
    else:
        work(directory, int(sys.argv[3]))
