"""The simulated network: a year of a large collectivité on seven networks, and the believability figures.

    .venv/bin/python benchmarks/networks_sandbox.py [--followers 200000] [--days 365] [--seed bench]

Speed, beside two baselines measured in the same run:
- text only: drawing the same number of labelled French messages with the corpus alone (no audience
  model, no metrics, no dataclasses): the floor cost of the texts;
- real time: how many simulated days one second of computation covers.

Believability, beside what the issue asks and what collectivités report: share of posts whose organic
reach stays under 10 % of the followers, engagement by format, follower growth, share of negative
comments, requests and insults.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import Counter, defaultdict
from datetime import date

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from beffroi.core.domain import REAL_NETWORKS, Sentiment, Topic
from beffroi.networks.sandbox import SimulatedDay, corpus, simulate_history
from beffroi.networks.sandbox.model import rng_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followers", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", default="bench")
    args = parser.parse_args()
    console = Console()

    per_network: dict[str, list[SimulatedDay]] = {}
    seconds: dict[str, float] = {}
    with Progress(console=console) as progress:
        task = progress.add_task("Simulation", total=len(REAL_NETWORKS) * args.days)
        for network in REAL_NETWORKS:
            started = time.perf_counter()
            days = []
            for day in simulate_history(
                f"{args.seed}-{network.value}",
                args.followers,
                date(2025, 1, 1),
                args.days,
                network=network,
            ):
                days.append(day)
                progress.advance(task)
            seconds[network.value] = time.perf_counter() - started
            per_network[network.value] = days

    messages = sum(len(d.comments) + len(d.mentions) for days in per_network.values() for d in days)
    started = time.perf_counter()
    rng = rng_for(args.seed, "baseline")
    topics = list(Topic)
    for _ in range(messages):
        corpus.public_message(
            rng, rng.choice(topics), negative_share=0.25, request_share=0.12, insult_share=0.02
        )
    text_only = time.perf_counter() - started

    total = sum(seconds.values())
    speed = Table(title=f"Vitesse : {args.days} jours, {args.followers:,} abonnés, 7 réseaux")
    for column in (
        "réseau",
        "publications",
        "commentaires",
        "mentions",
        "secondes",
        "jours simulés / s",
    ):
        speed.add_column(column, justify="right")
    for name, days in per_network.items():
        speed.add_row(
            name,
            f"{sum(len(d.posts) for d in days):,}",
            f"{sum(len(d.comments) for d in days):,}",
            f"{sum(len(d.mentions) for d in days):,}",
            f"{seconds[name]:.2f}",
            f"{args.days / seconds[name]:,.0f}",
        )
    console.print(speed)
    console.print(
        f"Total {total:.2f} s for {messages:,} messages; baseline text only {text_only:.2f} s "
        f"(ratio {total / text_only:.2f}); baseline real time {args.days * 86400:,} s "
        f"(simulation {args.days * 86400 / total:,.0f}× faster)"
    )

    believability = Table(title="Vraisemblance")
    for column in ("mesure", "simulé", "référence"):
        believability.add_column(column)
    facebook = per_network["facebook"]
    organic = [p.outcome.organic_reach / args.followers for d in facebook for p in d.posts]
    believability.add_row(
        "Facebook : publications sous 10 % de portée organique",
        f"{sum(r < 0.10 for r in organic) / len(organic):.0%}",
        "la plupart (issue 3 : « mostly under 10 % »)",
    )
    believability.add_row(
        "Facebook : portée organique médiane", f"{statistics.median(organic):.1%}", "≈ 5 %"
    )
    by_format: dict[str, list[float]] = defaultdict(list)
    for d in facebook:
        for p in d.posts:
            if p.outcome.organic_reach:
                by_format[p.format.value].append(
                    (p.outcome.likes + p.outcome.comments + p.outcome.shares) / p.outcome.reach
                )
    believability.add_row(
        "Facebook : engagement vidéo / lien",
        f"{statistics.mean(by_format['video']) / statistics.mean(by_format['link']):.2f}×",
        "> 1 (les liens sont moins poussés)",
    )
    growth = facebook[-1].account.followers / facebook[0].account.followers - 1
    believability.add_row(
        "Facebook : croissance des abonnés sur la période", f"{growth:+.1%}", "5 à 25 % par an"
    )
    comments = [c.label for days in per_network.values() for d in days for c in d.comments]
    sentiments = Counter(label.sentiment for label in comments)
    believability.add_row(
        "Commentaires négatifs",
        f"{sentiments[Sentiment.NEGATIVE] / len(comments):.0%}",
        "20 à 35 %",
    )
    believability.add_row(
        "Demandes", f"{sum(c.is_request for c in comments) / len(comments):.1%}", "≈ 10 %"
    )
    believability.add_row(
        "Insultes", f"{sum(c.is_insult for c in comments) / len(comments):.1%}", "1 à 3 %"
    )
    incidents = {i for days in per_network.values() for d in days for i in d.incidents}
    believability.add_row(
        "Bad buzz spontanés (7 réseaux)", str(len(incidents)), f"≈ 3 par réseau et par an ({3 * 7})"
    )
    console.print(believability)


if __name__ == "__main__":
    main()
