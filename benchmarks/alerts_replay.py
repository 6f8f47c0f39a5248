"""Bad-buzz early warning on generated, labelled streams: detection, precision, delay and speed.

    .venv/bin/python benchmarks/alerts_replay.py [--seeds 7,8,9] [--mix classic,extended] [--days 30]

Each seed is a month of five collectivités (from a village with 5 messages a day to a region with
3,000), two negative bursts each, and decoys (a festival, a busy event day, a slow drift). Two
mixes of burst shapes (see `beffroi.listening.streams.BurstShape`):

- classic: viral floods and bursts that build up over 5 to 20 minutes;
- extended: those, plus gradual ramps (30 to 90 minutes) and weak bursts (a few negative messages
  an hour more than usual). In both, a fifth of the bursts start at night and an organisation's
  last burst may fall on its busy event day.

The detector's settings were tuned on seeds 1 to 6: the default seeds (7, 8, 9) are held out.

A burst starts at its first message (nothing of it exists before); the delay from its onset (when
its intensity started rising, a little earlier) is printed too, and a floor: the median time from
the first message to the third message of the burst that the enrichment calls negative, under
which a detector that needs three negative messages cannot go.

Every stream goes through the `beffroi alerts replay` path (JSONL file, production fast-tier
enricher, production detector) and is scored against its labels, beside:

- the same detector fed with the sentiment each message was written with (what the detector
  does when the sentiment model makes no mistake);
- a fixed-threshold detector (at least 10 negative messages in the last hour and at least half of
  that hour's messages negative, then 3 hours of silence), on the same enrichment: the rule a
  team would set by hand in a social-listening tool.

Throughput: replay messages per second (parse, enrich, detect), beside enriching one message at a
time (no batching, no deduplication) on a sample.

Saved state (the JSON the listening app writes to the database after each batch): its size and
the authors it remembers for the region (the largest organisation) after each month replayed,
beside the distinct authors of its stream; then, with `--state-days N` (default 365, 0 to skip),
a region whose audience renews (see `churning_region`) replayed for N days through the detector
alone, its state measured at a few checkpoints beside every author it has seen.
`--author-horizon-days` and `--max-known-authors` replay everything with other bounds on the
known authors (a stress check: with the defaults, a generated month reaches neither).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from beffroi.core.domain import Sentiment
from beffroi.listening.detector import BurstDetector, DetectorConfig, Observation
from beffroi.listening.replay import (
    EnrichFn,
    Signal,
    detect,
    enrich_unique,
    nlp_enrich,
    read_stream,
)
from beffroi.listening.streams import (
    DEFAULT_ORGS,
    BurstShape,
    GeneratedStream,
    LabelledWindow,
    Score,
    generate_stream,
    score_alerts,
    write_jsonl,
)

console = Console(width=160)

MIXES: dict[str, tuple[BurstShape, ...]] = {
    "classic": (BurstShape.VIRAL, BurstShape.SLOW),
    "extended": tuple(BurstShape),
}


# The largest organisation of the generated streams: the one whose saved state grows most.
REGION = max(DEFAULT_ORGS, key=lambda org: org.daily_volume).slug


@dataclass
class FixedThresholdDetector:
    """The rule a team would set by hand: N negative messages within an hour, mostly negative."""

    threshold: int = 10
    share: float = 0.5
    window: timedelta = timedelta(hours=1)
    pause: timedelta = timedelta(hours=3)

    def run(self, observations: Iterable[Observation]) -> list[tuple[str, datetime]]:
        recent: dict[str, deque[tuple[datetime, bool]]] = {}
        negatives: dict[str, int] = {}
        silent_until: dict[str, datetime] = {}
        alerts = []
        for obs in observations:
            window = recent.setdefault(obs.org, deque())
            window.append((obs.ts, obs.negative))
            negatives[obs.org] = negatives.get(obs.org, 0) + obs.negative
            while window[0][0] <= obs.ts - self.window:
                negatives[obs.org] -= window.popleft()[1]
            count = negatives[obs.org]
            if (
                obs.negative
                and count >= self.threshold
                and count >= self.share * len(window)
                and obs.ts >= silent_until.get(obs.org, obs.ts)
            ):
                alerts.append((obs.org, obs.ts))
                silent_until[obs.org] = obs.ts + self.pause
        return alerts


@dataclass
class Totals:
    bursts: int = 0
    detected: int = 0
    alerts: int = 0
    true_alerts: int = 0
    delays: list[float] = field(default_factory=list)  # seconds from the first message
    onset_delays: list[float] = field(default_factory=list)  # seconds from the onset
    by_shape: dict[str, list[float]] = field(default_factory=dict)
    false_by_kind: dict[str, int] = field(default_factory=dict)

    def add(
        self, score: Score, alerts: list[tuple[str, datetime]], stream: GeneratedStream
    ) -> None:
        self.bursts += score.bursts
        self.detected += score.detected
        self.alerts += score.alerts
        self.true_alerts += score.true_alerts
        self.delays += score.delays_s
        for kind, count in score.false_by_kind.items():
            self.false_by_kind[kind] = self.false_by_kind.get(kind, 0) + count
        for burst in stream.bursts():
            first = _first_alert_in(burst, alerts)
            if first is None:
                continue
            onset = burst.onset or burst.start
            self.onset_delays.append((first - onset).total_seconds())
            self.by_shape.setdefault(burst.shape, []).append((first - burst.start).total_seconds())

    def row(self, name: str) -> list[str]:
        false = ", ".join(f"{k} {v}" for k, v in sorted(self.false_by_kind.items()))
        return [
            name,
            f"{100 * self.detected / max(self.bursts, 1):.0f} % ({self.detected}/{self.bursts})",
            f"{100 * self.true_alerts / max(self.alerts, 1):.0f} % ({self.true_alerts}/{self.alerts})",
            _minutes(self.delays),
            _minutes(self.delays, 0.75),
            _minutes(self.onset_delays),
            false or "-",
        ]

    def shapes(self) -> str:
        return ", ".join(
            f"{shape} {_minutes(delays)} min ({len(delays)})"
            for shape, delays in sorted(self.by_shape.items())
        )


def _first_alert_in(burst: LabelledWindow, alerts: list[tuple[str, datetime]]) -> datetime | None:
    return min(
        (at for org, at in alerts if org == burst.org and burst.start <= at <= burst.end),
        default=None,
    )


def _minutes(seconds: Sequence[float], quantile: float = 0.5) -> str:
    if not seconds:
        return "-"
    if quantile == 0.5:
        return f"{statistics.median(seconds) / 60:.1f}"
    ordered = sorted(seconds)
    return f"{ordered[min(len(ordered) - 1, int(len(ordered) * quantile))] / 60:.1f}"


def observations(stream: GeneratedStream, signals: Sequence[Signal]) -> list[Observation]:
    return [
        Observation(m.org, m.ts, s.negative, s.toxic, m.id, m.author, m.text, s.topic)
        for m, s in zip(stream.messages, signals, strict=True)
    ]


def truth_signals(stream: GeneratedStream) -> list[Signal]:
    return [Signal(negative=stream.truth[m.id] is Sentiment.NEGATIVE) for m in stream.messages]


def third_negative_floor(stream: GeneratedStream, signals: Sequence[Signal]) -> list[float]:
    """Seconds from each burst's first message to its third message called negative."""
    seen: dict[LabelledWindow, list[datetime]] = {}
    for message, signal in zip(stream.messages, signals, strict=True):
        burst = stream.burst_of.get(message.id)
        if burst is not None and signal.negative:
            seen.setdefault(burst, []).append(message.ts)
    return [
        (times[2] - burst.start).total_seconds() for burst, times in seen.items() if len(times) >= 3
    ]


def one_at_a_time_rate(enrich: EnrichFn, stream: GeneratedStream, sample: int = 300) -> float:
    messages = stream.messages[:: max(1, len(stream.messages) // sample)][:sample]
    started = time.perf_counter()
    for message in messages:
        enrich([message.text], [message.id])
    return len(messages) / (time.perf_counter() - started)


@dataclass
class MixResult:
    production: Totals = field(default_factory=Totals)
    oracle: Totals = field(default_factory=Totals)
    fixed: Totals = field(default_factory=Totals)
    fixed_oracle: Totals = field(default_factory=Totals)
    floor: list[float] = field(default_factory=list)


def state_bytes(detector: BurstDetector, org: str) -> int:
    """Bytes of the JSON that the listening app saves for this organisation (one state per row)."""
    saved = detector.export_state()
    saved["orgs"] = {org: saved["orgs"][org]}
    return len(json.dumps(saved).encode())


@dataclass(frozen=True)
class StateFootprint:
    days: int
    distinct_authors: int  # every author the organisation has seen: what an unbounded set keeps
    handles_bytes: int  # those handles as a sorted JSON list (how state version 3 stored them)
    kept_authors: int
    state_bytes: int

    def row(self) -> list[str]:
        return [
            str(self.days),
            f"{self.distinct_authors:,}",
            f"{self.handles_bytes:,}",
            f"{self.kept_authors:,} ({self.kept_authors / max(self.distinct_authors, 1):.2f})",
            f"{self.state_bytes:,} ({self.state_bytes / max(self.handles_bytes, 1):.2f})",
        ]


def footprint(detector: BurstDetector, org: str, days: int, authors: set[str]) -> StateFootprint:
    return StateFootprint(
        days=days,
        distinct_authors=len(authors),
        handles_bytes=len(json.dumps(sorted(authors)).encode()),
        kept_authors=detector.known_author_count(org),
        state_bytes=state_bytes(detector, org),
    )


def churning_region(
    *,
    days: int,
    seed: int = 1,
    daily: int = 3000,
    audience: int = 18_000,
    renewal: int = 150,
    passers_by: float = 0.1,
) -> Iterator[tuple[int, Observation]]:
    """A region's messages, day after day, from an audience that renews: (day, message).

    On any day `audience` people write (as many as the generated region's regulars), and each day
    `renewal` of them leave for good while as many arrive (the audience renews in four months);
    a share `passers_by` of the messages come from people who write once (keyword mentions,
    passers-by). The generated month has neither churn nor passers-by, so this is what shows
    whether the state stops growing. A fifth of the messages are negative.
    """
    rng = random.Random(seed)
    start = datetime(2026, 3, 2, tzinfo=UTC)
    texts = (
        "Merci pour l'information",
        "Toujours pas de car le dimanche, c'est honteux",
        "Bravo aux équipes du lycée",
        "Les travaux de la route durent depuis des mois",
        "Quand ouvre la nouvelle ligne de train ?",
    )
    for day in range(days):
        first = day * renewal  # the audience of the day: ids first .. first + audience - 1
        for i, second in enumerate(sorted(rng.uniform(0, 86400) for _ in range(daily))):
            if rng.random() < passers_by:
                author = f"@passant_{day}_{i}"
            else:
                author = f"@habitant_{first + rng.randrange(audience)}"
            yield (
                day,
                Observation(
                    REGION,
                    start + timedelta(days=day, seconds=second),
                    rng.random() < 0.2,
                    message_id=f"{day}-{i}",
                    author=author,
                    text=rng.choice(texts),
                ),
            )


def churning_footprints(
    days: int, progress: Progress, config: DetectorConfig
) -> tuple[list[StateFootprint], float]:
    """The region's saved state at a few checkpoints of `days` of a renewing audience."""
    checkpoints = sorted({d for d in (30, 90, 180, 365, days) if d <= days})
    detector = BurstDetector(config)
    authors: set[str] = set()
    rows: list[StateFootprint] = []
    task = progress.add_task("audience renouvelée", total=days)
    seconds, messages, current = 0.0, 0, 0
    for day, observation in churning_region(days=days):
        if day != current:
            progress.advance(task)
            current = day
            if day in checkpoints:
                rows.append(footprint(detector, REGION, day, authors))
        authors.add(observation.author or "")
        started = time.perf_counter()
        detector.observe(observation)
        seconds += time.perf_counter() - started
        messages += 1
    progress.advance(task)
    rows.append(footprint(detector, REGION, days, authors))
    return rows, messages / seconds


def state_table(title: str, rows: Sequence[StateFootprint]) -> Table:
    table = Table(title=title)
    for column in ("jours", "auteurs distincts", "leurs pseudos en JSON (octets)",
                   "auteurs gardés (x)", "état sauvegardé (octets, x)"):  # fmt: skip
        table.add_column(column)
    for row in rows:
        table.add_row(*row.row())
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="7,8,9", help="1 to 6 were used for tuning")
    parser.add_argument("--mix", default="classic,extended")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument(
        "--state-days",
        type=int,
        default=365,
        help="days of a region with a renewing audience, to measure the saved state (0: skip)",
    )
    defaults = DetectorConfig()
    parser.add_argument("--author-horizon-days", type=int, default=defaults.author_horizon_days)
    parser.add_argument("--max-known-authors", type=int, default=defaults.max_known_authors)
    args = parser.parse_args()
    config = DetectorConfig(
        author_horizon_days=args.author_horizon_days, max_known_authors=args.max_known_authors
    )
    seeds = [int(s) for s in args.seeds.split(",")]
    mixes = [m.strip() for m in args.mix.split(",")]

    try:
        enrich: EnrichFn | None = nlp_enrich("fast")
    except Exception as error:  # the benchmark still says what the detector does alone
        console.print(f"[red]Enrichissement de production indisponible : {error}[/red]")
        enrich = None

    results = {mix: MixResult() for mix in mixes}
    replayed, replay_seconds, detect_seconds, detect_messages = 0, 0.0, 0.0, 0
    sentiment_agreement: list[float] = []
    single_rate = None
    month_states: list[StateFootprint] = []
    churned: list[StateFootprint] = []
    churn_rate = 0.0
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("flux rejoués", total=len(seeds) * len(mixes))
        for mix in mixes:
            result = results[mix]
            for seed in seeds:
                stream = generate_stream(seed=seed, days=args.days, shapes=MIXES[mix])
                with tempfile.TemporaryDirectory() as folder:
                    source = Path(folder) / "stream.jsonl"
                    write_jsonl((m.to_json() for m in stream.messages), source)
                    if enrich is not None:
                        # The replay path, phase by phase, to reuse its enrichment for the baseline.
                        started = time.perf_counter()
                        with source.open(encoding="utf-8") as lines:
                            parsed, _ = read_stream(lines)
                        signals, _ = enrich_unique([p.message for p in parsed], enrich)
                        fired = detect(parsed, signals, config=config)
                        replay_seconds += time.perf_counter() - started
                        replayed += len(parsed)
                        pairs = [(f.alert.org, f.alert.detected_at) for f in fired]
                        result.production.add(score_alerts(pairs, stream.windows), pairs, stream)
                        fixed = FixedThresholdDetector().run(observations(stream, signals))
                        result.fixed.add(score_alerts(fixed, stream.windows), fixed, stream)
                        result.floor += third_negative_floor(stream, signals)
                        agree = sum(
                            s.negative == (stream.truth[m.id] is Sentiment.NEGATIVE)
                            for m, s in zip(stream.messages, signals, strict=True)
                        )
                        sentiment_agreement.append(agree / len(signals))
                        if single_rate is None:
                            single_rate = one_at_a_time_rate(enrich, stream)
                truth = observations(stream, truth_signals(stream))
                started = time.perf_counter()
                oracle = BurstDetector(config)
                alerts = [(a.org, a.detected_at) for a in oracle.observe_many(truth)]
                detect_seconds += time.perf_counter() - started
                region_authors = {m.author for m in stream.messages if m.org == REGION and m.author}
                month_states.append(footprint(oracle, REGION, args.days, region_authors))
                detect_messages += len(truth)
                result.oracle.add(score_alerts(alerts, stream.windows), alerts, stream)
                fixed_truth = FixedThresholdDetector().run(truth)
                result.fixed_oracle.add(
                    score_alerts(fixed_truth, stream.windows), fixed_truth, stream
                )
                progress.advance(task)
        if args.state_days > 0:
            churned, churn_rate = churning_footprints(args.state_days, progress, config)

    for mix in mixes:
        result = results[mix]
        table = Table(
            title=(
                f"Alertes de bad buzz, formes « {mix} » ({', '.join(MIXES[mix])}) : "
                f"graines {args.seeds}, {len(seeds)} flux d'un mois, 5 collectivités chacun"
            ),
            caption="cibles : détectés >= 90 %, alertes justes >= 90 %, délai médian <= 5 min",
        )
        for column in ("détecteur", "bursts détectés", "alertes justes", "délai médian (min)",
                       "délai p75 (min)", "depuis l'amorce (min)", "fausses alertes"):  # fmt: skip
            table.add_column(column)
        if enrich is not None:
            table.add_row(*result.production.row("Beffroi, enrichissement fast (production)"))
            table.add_row(*result.fixed.row("seuil fixe 10/h et 50 %, enrichissement fast"))
        table.add_row(*result.oracle.row("Beffroi, sentiment exact (sans erreur NLP)"))
        table.add_row(*result.fixed_oracle.row("seuil fixe 10/h et 50 %, sentiment exact"))
        console.print(table)
        if enrich is not None:
            console.print(f"  Délai médian par forme (production) : {result.production.shapes()}")
            console.print(
                "  Plancher : 3e message négatif (selon l'enrichissement) du burst, médiane "
                f"{_minutes(result.floor)} min après son premier message"
            )
    if enrich is not None:
        console.print(
            f"Accord négatif/non négatif de l'enrichissement fast avec le sentiment écrit : "
            f"{100 * statistics.mean(sentiment_agreement):.1f} %"
        )
        replay_rate = replayed / replay_seconds
        console.print(
            f"Débit du rejeu (lecture, enrichissement, détection) : {replay_rate:.0f} messages/s "
            f"({replayed} messages) ; référence, enrichissement message par message : "
            f"{single_rate or 0:.0f} messages/s (x{replay_rate / (single_rate or 1):.1f})"
        )
    console.print(f"Détecteur seul : {detect_messages / detect_seconds:.0f} messages/s")
    console.print(
        f"Auteurs connus : vus dans les {config.author_horizon_days} derniers jours du flux, "
        f"au plus {config.max_known_authors:,}"
    )
    console.print(
        state_table(
            f"État sauvegardé de la région ({REGION}) après chaque flux généré "
            f"(version d'état {BurstDetector.STATE_VERSION})",
            month_states,
        )
    )
    if churned:
        console.print(
            state_table(
                "État sauvegardé d'une région dont l'audience se renouvelle "
                f"(version d'état {BurstDetector.STATE_VERSION}, détecteur seul "
                f"{churn_rate:.0f} messages/s)",
                churned,
            )
        )


if __name__ == "__main__":
    main()
