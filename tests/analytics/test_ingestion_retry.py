"""The failure story end to end: ingestion appends to the lake, then the database refuses the commit.

Listening ingestion appends a batch to the lake last, inside its database transaction (a failed
append rolls the database back). When the commit itself fails afterwards, the inbox is rolled back
but the lake file stays; the next poll ingests the same messages again and appends them again. The
lake keeps one copy of each, so the communication officer's figures are those of one ingestion.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError

from beffroi.analytics import selectors, services
from beffroi.analytics.kpis import Period
from beffroi.core.domain import Network
from beffroi.listening.ingestion import Incoming, ingest
from beffroi.listening.models import InboxItem, IngestCursor
from tests.listening.conftest import RuleEnricher

# Transactions really commit here (no test-wide transaction around them).
pytestmark = pytest.mark.django_db(transaction=True)

MARCH = Period.month(2026, 3)


def message(remote_id: str, text: str, day: int, *, kind: str = "comment") -> Incoming:
    return Incoming(
        network=Network.MASTODON,
        kind=kind,
        remote_id=remote_id,
        text=text,
        created_at=datetime(2026, 3, day, 9, 30, tzinfo=UTC),
        author_remote_id=f"citoyen-{remote_id}",
        author_handle=f"citoyen{remote_id}",
        author_name="Camille",
        post_remote_id="p-1" if kind == "comment" else "",
        keyword="piscine" if kind == "mention" else "",
    )


BATCH = [
    message("c-1", "Merci pour la fête, bravo !", 2),
    message("c-2", "Quand sera réparée la rue des Lilas ?", 3),
    message("c-3", "Toujours pas de collecte des poubelles, c'est inadmissible", 4),
    message("m-1", "La piscine est fermée ? Comment faire pour les cours ?", 5, kind="mention"),
    message("m-2", "Super, la piscine rouvre lundi", 6, kind="mention"),
]


def refused_at_commit() -> None:
    """A row whose foreign key points nowhere: the database checks it only at COMMIT (deferred
    constraints, on PostgreSQL as on SQLite under Django), so the commit itself fails, as it would
    on a lost connection, after everything else, the lake append included, has run."""
    IngestCursor.objects.create(account_id=987_654_321, stream="comments")


@pytest.fixture
def town(make_org, settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.BEFFROI_LAKE_URL = str(tmp_path / "lake")
    settings.BEFFROI_PSEUDONYM_KEY = "clé-de-test-assez-longue-pour-hmac"
    return make_org(name="Valmont")


def ingest_batch(town, **options) -> None:  # type: ignore[no-untyped-def]
    ingest(organisation=town, account=None, messages=BATCH, enricher=RuleEnricher(), **options)


def test_a_commit_that_fails_after_the_lake_append_does_not_inflate_any_figure(town) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IntegrityError):
        ingest_batch(town, before_commit=refused_at_commit)
    assert not InboxItem.objects.filter(organisation=town).exists(), "the inbox is rolled back"
    lake = selectors.lake()
    assert lake.read_all().num_rows == len(BATCH), "the lake file stays: it is not transactional"

    ingest_batch(town)  # the next poll reads the same messages and succeeds

    assert InboxItem.objects.filter(organisation=town).count() == len(BATCH)
    assert lake.read_all().num_rows == len(BATCH)
    # What the officer reads: the dashboard from raw events (before the night's rollups)...
    raw = selectors.organisation_dashboard(town, MARCH)
    # ...and from the rollups, once they are built.
    services.rollups_refresh(since=MARCH.start)
    rolled = selectors.organisation_dashboard(town, MARCH)
    for board in (raw, rolled):
        assert board.total is not None
        assert (board.total.messages, board.total.mentions) == (5, 2)
        # 2 positive (merci, super), 1 negative (inadmissible): (2 - 1) / 5
        assert board.total.net_sentiment == pytest.approx(0.2)
    keywords = selectors.keyword_shares_of(town, MARCH)
    assert [(k.keyword, k.mentions, k.share) for k in keywords] == [("piscine", 2, 1.0)]


def test_without_the_failure_one_ingestion_gives_the_same_figures(town) -> None:  # type: ignore[no-untyped-def]
    """The reference the story above is held to: the same batch, ingested once."""
    ingest_batch(town)

    board = selectors.organisation_dashboard(town, MARCH)

    assert board.total is not None
    assert (board.total.messages, board.total.mentions) == (5, 2)
    assert board.total.net_sentiment == pytest.approx(0.2)
