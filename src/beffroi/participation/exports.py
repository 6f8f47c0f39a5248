"""A consultation's ideas as open data and as proposals for the participation platforms.

Decidim (decidim-proposals, admin "Import proposals from a file"): the CSV reader splits on ";"
(Decidim::Admin::Import::Readers::CSV, col_sep ";"), the JSON reader takes an array of objects
whose keys are the same headers; the verifier requires "title/<default locale>" and
"body/<default locale>" (ProposalsVerifier, required_localized_headers), and the creator reads
"title/<locale>", "body/<locale>", "scope/id", "address", "latitude", "longitude"
(Decidim::Proposals::Import::ProposalCreator).

CONSUL Democracy (Proposal model): translated "title" (4 to 80 characters), "summary" (required),
"description" (at most 6,000 characters), "responsible_name" (6 to 60 characters unless
verification is skipped), "tag_list", "geozone" and "terms_of_service" (accepted on create).
CONSUL has no file importer in its admin: the file carries those attributes, checked against the
model's validations, for the console or a rake task to create the proposals.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import Any

from beffroi.participation.selectors import IdeaSummary, Synthesis

DECIDIM_LOCALE = "fr"
DECIDIM_FIELDS = (f"title/{DECIDIM_LOCALE}", f"body/{DECIDIM_LOCALE}", "address")
CONSUL_FIELDS = (
    "title",
    "summary",
    "description",
    "responsible_name",
    "tag_list",
    "geozone",
    "terms_of_service",
)
CONSUL_TITLE = (4, 80)
CONSUL_SUMMARY_MAX = 200
CONSUL_DESCRIPTION_MAX = 6000
CONSUL_RESPONSIBLE = (6, 60)
OPEN_DATA_FIELDS = (
    "rang",
    "idee",
    "personnes",
    "reponses",
    "mentions_j_aime",
    "domaine",
    "tonalite",
    "reseaux",
    "lieux",
    "hors_competence",
    "competence_de",
    "citation_1",
    "citation_2",
    "citation_3",
)


def _shorten(text: str, limit: int) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def _spread(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} ({v})" for k, v in counts.items())


def _body(idea: IdeaSummary, synthesis: Synthesis, organisation_name: str) -> str:
    lines = [
        f"Idée issue de la consultation « {synthesis.question} » ({organisation_name}).",
        f"Portée par {idea.people} personne(s) ({idea.answers} réponse(s), "
        f"{idea.likes} mention(s) « j'aime »), domaine : {idea.topic_label}.",
        f"Réseaux : {_spread(idea.networks)}.",
    ]
    if idea.places:
        lines.append(f"Lieux cités : {_spread(idea.places)}.")
    if idea.holder is not None:
        lines.append(f"Hors compétence : {idea.holder.sentence}.")
    if idea.quotes:
        lines.append("Ce qu'en disent les habitants :")
        lines.extend(f"« {q.text} » ({q.source})" for q in idea.quotes)
    return "\n".join(lines)


def open_data_rows(synthesis: Synthesis) -> list[dict[str, Any]]:
    rows = []
    for rank, idea in enumerate(synthesis.ideas, start=1):
        quotes = [q.text for q in idea.quotes] + ["", "", ""]
        rows.append(
            {
                "rang": rank,
                "idee": idea.label,
                "personnes": idea.people,
                "reponses": idea.answers,
                "mentions_j_aime": idea.likes,
                "domaine": idea.topic,
                "tonalite": idea.sentiment,
                "reseaux": _spread(idea.networks),
                "lieux": _spread(idea.places),
                "hors_competence": "oui" if idea.holder else "non",
                "competence_de": idea.holder.name if idea.holder else "",
                "citation_1": quotes[0],
                "citation_2": quotes[1],
                "citation_3": quotes[2],
            }
        )
    return rows


def open_data_csv(synthesis: Synthesis) -> str:
    """One row per idea, comma-separated UTF-8 with a header, as data.gouv.fr expects."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=OPEN_DATA_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(open_data_rows(synthesis))
    return out.getvalue()


def decidim_rows(synthesis: Synthesis, organisation_name: str) -> list[dict[str, str]]:
    return [
        {
            f"title/{DECIDIM_LOCALE}": _shorten(idea.label, 150),
            f"body/{DECIDIM_LOCALE}": _body(idea, synthesis, organisation_name),
            "address": next(iter(idea.places), ""),
        }
        for idea in synthesis.ideas
    ]


def decidim_csv(synthesis: Synthesis, organisation_name: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=DECIDIM_FIELDS, delimiter=";", lineterminator="\n")
    writer.writeheader()
    writer.writerows(decidim_rows(synthesis, organisation_name))
    return out.getvalue()


def decidim_json(synthesis: Synthesis, organisation_name: str) -> str:
    return json.dumps(decidim_rows(synthesis, organisation_name), ensure_ascii=False, indent=2)


def _consul_title(label: str) -> str:
    title = _shorten(label, CONSUL_TITLE[1])
    return title if len(title) >= CONSUL_TITLE[0] else f"Idée : {title}"


def _consul_responsible(organisation_name: str) -> str:
    name = _shorten(organisation_name, CONSUL_RESPONSIBLE[1])
    return name if len(name) >= CONSUL_RESPONSIBLE[0] else f"Collectivité {name}"


def consul_rows(
    synthesis: Synthesis, organisation_name: str, tags: Sequence[str] = ()
) -> list[dict[str, Any]]:
    rows = []
    for idea in synthesis.ideas:
        summary = (
            f"{idea.people} personne(s) portent cette idée ({idea.topic_label}). "
            f"{idea.quotes[0].text if idea.quotes else idea.label}"
        )
        rows.append(
            {
                "title": _consul_title(idea.label),
                "summary": _shorten(summary, CONSUL_SUMMARY_MAX),
                "description": _shorten(
                    _body(idea, synthesis, organisation_name), CONSUL_DESCRIPTION_MAX
                ),
                "responsible_name": _consul_responsible(organisation_name),
                "tag_list": ", ".join([idea.topic_label, *tags]),
                "geozone": next(iter(idea.places), ""),
                "terms_of_service": "1",
            }
        )
    return rows


def consul_csv(synthesis: Synthesis, organisation_name: str) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CONSUL_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(consul_rows(synthesis, organisation_name))
    return out.getvalue()


def consul_json(synthesis: Synthesis, organisation_name: str) -> str:
    return json.dumps(consul_rows(synthesis, organisation_name), ensure_ascii=False, indent=2)
