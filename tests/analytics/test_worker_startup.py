"""A worker that starts after a crash cleans the lake before any task appends to it."""

from huey.contrib.djhuey import HUEY

from beffroi.analytics.tasks import analytics_lake_recover


def test_the_worker_recovers_the_lake_at_start_up(settings, tmp_path):
    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    month = tmp_path / "lake" / "events" / "month=2026-11"
    month.mkdir(parents=True)
    (tmp_path / "lake" / "rollups" / "daily").mkdir(parents=True)
    partial = month / ".part-7.parquet.partial"
    partial.write_bytes(b"half a file: the disk was full")

    # Registered with the consumer, which runs its start-up hooks before the first task.
    assert HUEY._startup["analytics_lake_recover"] is analytics_lake_recover
    analytics_lake_recover()

    assert not partial.exists() and month.is_dir()
