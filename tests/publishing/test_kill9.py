"""Real worker processes killed with SIGKILL at random moments while the simulated network fails at
random: every scheduled post reaches the network exactly once."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

WORKER = Path(__file__).with_name("chaos_worker.py")


def _open_intents(data_dir: Path) -> int:
    with sqlite3.connect(data_dir / "beffroi.sqlite3", timeout=20) as db:
        (count,) = db.execute(
            "SELECT COUNT(*) FROM publishing_publishintent WHERE status NOT IN ('done', 'failed')"
        ).fetchone()
    return int(count)


def _start(data_dir: Path, seed: int) -> subprocess.Popen[str]:
    process = subprocess.Popen(
        [sys.executable, str(WORKER), "work", str(data_dir), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    return process


@pytest.mark.slow
def test_workers_killed_with_sigkill_never_post_twice_nor_lose_a_post(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(WORKER), "setup", str(tmp_path)], check=True, timeout=300)
    from tests.publishing.chaos_worker import POSTS

    rng = random.Random(7)
    kills = 0
    for life in range(12):
        if _open_intents(tmp_path) == 0:
            break
        worker = _start(tmp_path, life)
        time.sleep(rng.uniform(0.05, 0.8))
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        kills += 1
    # A last worker that nobody kills drains what is left (leases of the killed ones run out).
    worker = _start(tmp_path, 99)
    try:
        deadline = time.monotonic() + 120
        while _open_intents(tmp_path) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert kills >= 3
    assert _open_intents(tmp_path) == 0
    with sqlite3.connect(tmp_path / "beffroi.sqlite3") as db:
        statuses = Counter(
            status for (status,) in db.execute("SELECT status FROM publishing_publishintent")
        )
        remote_ids = {rid for (rid,) in db.execute("SELECT remote_id FROM publishing_variant")}
    assert statuses == {"done": POSTS}
    received: Counter[str] = Counter()
    network_ids: set[str] = set()
    for state_file in tmp_path.glob("sandbox-*.json"):
        state = json.loads(state_file.read_text(encoding="utf-8"))
        for remote_id, post in state["posts"].items():
            received[post["text"]] += 1
            network_ids.add(remote_id)
    assert len(received) == POSTS  # no loss
    assert max(received.values()) == 1  # no duplicate
    assert remote_ids == network_ids  # the database knows the id the network gave each post
