"""Bad-buzz early warning on generated, labelled streams: detection, precision, delay and speed.

    .venv/bin/python benchmarks/alerts_replay.py [--seeds 1,2,3] [--days 30]

Each seed is a month of five collectivités (from a village with 5 messages a day to a region with
3,000), two negative bursts each, and decoys (a festival, a busy event day, a slow drift). Every
stream goes through the `beffroi alerts replay` path (JSONL file, production fast-tier enricher,
production detector) and is scored against its labels, beside:

- the same detector fed with the sentiment each message was written with (what the detector
  does when the sentiment model makes no mistake);
- a fixed-threshold detector (at least 10 negative messages in the last hour and at least half of
  that hour's messages negative, then 3 hours of silence), on the same enrichment: the rule a
  team would set by hand in a social-listening tool.

Throughput: replay messages per second (parse, enrich, detect), beside enriching one message at a
time (no batching, no deduplication) on a sample.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from beffroi.core.domain import Sentiment
from beffroi.listening.detector import BurstDetector, Observation
from beffroi.listening.replay import (
    EnrichFn,
    Signal,
    detect,
    enrich_unique,
    nlp_enrich,
    read_stream,
)
from beffroi.listening.streams import (
    GeneratedStream,
    Score,
    generate_stream,
    score_alerts,
    write_jsonl,
)

console = Console(width=150)


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
    delays: list[float] | None = None
    false_by_kind: dict[str, int] | None = None

    def add(self, score: Score) -> None:
        self.bursts += score.bursts
        self.detected += score.detected
        self.alerts += score.alerts
        self.true_alerts += score.true_alerts
        self.delays = (self.delays or []) + list(score.delays_s)
        merged = dict(self.false_by_kind or {})
        for kind, count in score.false_by_kind.items():
            merged[kind] = merged.get(kind, 0) + count
        self.false_by_kind = merged

    def row(self, name: str) -> list[str]:
        delays = self.delays or []
        median = f"{statistics.median(delays) / 60:.1f}" if delays else "-"
        p75 = f"{sorted(delays)[len(delays) * 3 // 4] / 60:.1f}" if delays else "-"
        false = ", ".join(f"{k} {v}" for k, v in sorted((self.false_by_kind or {}).items()))
        return [
            name,
            f"{100 * self.detected / max(self.bursts, 1):.0f} % ({self.detected}/{self.bursts})",
            f"{100 * self.true_alerts / max(self.alerts, 1):.0f} % ({self.true_alerts}/{self.alerts})",
            median,
            p75,
            false or "-",
        ]


def observations(stream: GeneratedStream, signals: Sequence[Signal]) -> list[Observation]:
    return [
        Observation(m.org, m.ts, s.negative, s.toxic, m.id, m.author, m.text, s.topic)
        for m, s in zip(stream.messages, signals, strict=True)
    ]


def truth_signals(stream: GeneratedStream) -> list[Signal]:
    return [Signal(negative=stream.truth[m.id] is Sentiment.NEGATIVE) for m in stream.messages]


def one_at_a_time_rate(enrich: EnrichFn, stream: GeneratedStream, sample: int = 300) -> float:
    messages = stream.messages[:: max(1, len(stream.messages) // sample)][:sample]
    started = time.perf_counter()
    for message in messages:
        enrich([message.text], [message.id])
    return len(messages) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]

    try:
        enrich: EnrichFn | None = nlp_enrich("fast")
    except Exception as error:  # the benchmark still says what the detector does alone
        console.print(f"[red]Enrichissement de production indisponible : {error}[/red]")
        enrich = None

    production, oracle, fixed, fixed_oracle = Totals(), Totals(), Totals(), Totals()
    replayed, replay_seconds, detect_seconds, detect_messages = 0, 0.0, 0.0, 0
    sentiment_agreement: list[float] = []
    single_rate = None
    delays_by_onset: dict[bool, tuple[float, ...]] = {True: (), False: ()}
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("flux rejoués", total=len(seeds))
        for seed in seeds:
            stream = generate_stream(seed=seed, days=args.days)
            with tempfile.TemporaryDirectory() as folder:
                source = Path(folder) / "stream.jsonl"
                write_jsonl((m.to_json() for m in stream.messages), source)
                if enrich is not None:
                    # The replay path, phase by phase, to reuse its enrichment for the baseline.
                    started = time.perf_counter()
                    with source.open(encoding="utf-8") as lines:
                        parsed, _ = read_stream(lines)
                    signals, _ = enrich_unique([p.message for p in parsed], enrich)
                    fired = detect(parsed, signals)
                    replay_seconds += time.perf_counter() - started
                    replayed += len(parsed)
                    pairs = [(f.alert.org, f.alert.detected_at) for f in fired]
                    production.add(score_alerts(pairs, stream.windows))
                    for viral in (True, False):
                        kind = [w for w in stream.bursts() if ("(viral)" in w.subject) is viral]
                        delays_by_onset[viral] += score_alerts(pairs, kind).delays_s
                    fixed.add(
                        score_alerts(
                            FixedThresholdDetector().run(observations(stream, signals)),
                            stream.windows,
                        )
                    )
                    agree = sum(
                        s.negative == (stream.truth[m.id] is Sentiment.NEGATIVE)
                        for m, s in zip(stream.messages, signals, strict=True)
                    )
                    sentiment_agreement.append(agree / len(signals))
                    if single_rate is None:
                        single_rate = one_at_a_time_rate(enrich, stream)
            truth = observations(stream, truth_signals(stream))
            started = time.perf_counter()
            alerts = list(BurstDetector().observe_many(truth))
            detect_seconds += time.perf_counter() - started
            detect_messages += len(truth)
            oracle.add(score_alerts([(a.org, a.detected_at) for a in alerts], stream.windows))
            fixed_oracle.add(score_alerts(FixedThresholdDetector().run(truth), stream.windows))
            progress.advance(task)

    table = Table(
        title=f"Alertes de bad buzz : {len(seeds)} flux d'un mois, 5 collectivités chacun",
        caption="cibles : détectés >= 90 %, alertes justes >= 90 %, délai médian <= 5 min",
    )
    for column in ("détecteur", "bursts détectés", "alertes justes", "délai médian (min)",
                   "délai p75 (min)", "fausses alertes"):  # fmt: skip
        table.add_column(column)
    if enrich is not None:
        table.add_row(*production.row("Beffroi, enrichissement fast (production)"))
        table.add_row(*fixed.row("seuil fixe 10/h et 50 %, enrichissement fast (référence)"))
    table.add_row(*oracle.row("Beffroi, sentiment exact (sans erreur NLP)"))
    table.add_row(*fixed_oracle.row("seuil fixe 10/h et 50 %, sentiment exact"))
    console.print(table)
    if enrich is not None:
        console.print(
            f"Accord négatif/non négatif de l'enrichissement fast avec le sentiment écrit : "
            f"{100 * statistics.mean(sentiment_agreement):.1f} %"
        )
        console.print(
            "Délai médian du détecteur (production) : bursts viraux "
            f"{statistics.median(delays_by_onset[True] or (0,)) / 60:.1f} min, "
            f"bursts à montée lente {statistics.median(delays_by_onset[False] or (0,)) / 60:.1f} min"
        )
        replay_rate = replayed / replay_seconds
        console.print(
            f"Débit du rejeu (lecture, enrichissement, détection) : {replay_rate:.0f} messages/s "
            f"({replayed} messages) ; référence, enrichissement message par message : "
            f"{single_rate or 0:.0f} messages/s (x{replay_rate / (single_rate or 1):.1f})"
        )
    console.print(f"Détecteur seul : {detect_messages / detect_seconds:.0f} messages/s")


if __name__ == "__main__":
    main()
