"""Pages of the observatory: the public national page with its open data, and an organisation's position."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from beffroi.core.access import organisation_view
from beffroi.core.domain import NETWORK_LABELS, Network
from beffroi.core.models import Organisation
from beffroi.core.permissions import Perm
from beffroi.observatory import selectors
from beffroi.observatory.accounts import PRESENCE_NETWORKS
from beffroi.observatory.presence import PresenceRow
from beffroi.observatory.register import KIND_LABELS, PRESENCE_KINDS, CollectivityKind

PRESENCE_COLUMNS = ("kind", "network", "with_account", "total", "share")
BAND_COLUMNS = ("kind", "band", "network", "with_account", "total", "share")


def _grid(rows: list[PresenceRow], key: str) -> list[dict[str, Any]]:
    """Rows of (kind or band) x networks, for a table with one column per network."""
    lines: dict[str, dict[str, Any]] = {}
    for row in rows:
        group = row.kind if key == "kind" else (row.band or "")
        line = lines.setdefault(group, {"key": group, "total": row.total, "cells": []})
        line["cells"].append(row)
    return list(lines.values())


@require_GET
def national(request: HttpRequest) -> HttpResponse:
    """Public page: presence of collectivités on each network, with the counts behind each share."""
    presence = selectors.presence_national()
    bands = selectors.presence_communes_by_band()
    band_labels = {key: band.label for key, band in selectors.band_labels().items()}
    by_kind = _grid(presence, "kind")
    for line in by_kind:
        line["label"] = KIND_LABELS[CollectivityKind(line["key"])]
    by_band = _grid(bands, "band")
    for line in by_band:
        line["label"] = band_labels[line["key"]]
    return render(
        request,
        "observatory/national.html",
        {
            "networks": [NETWORK_LABELS[n] for n in PRESENCE_NETWORKS],
            "by_kind": by_kind,
            "by_band": by_band,
            "status": selectors.observatory_status(),
            "activity": _activity_lines(),
        },
    )


def _activity_lines() -> dict[str, Any] | None:
    """The national activity table: one line per kind and band, one column per indicator."""
    from beffroi.observatory.benchmarks import METRICS
    from beffroi.observatory.register import POPULATION_BANDS

    activity = selectors.activity_national()
    if activity is None:
        return None
    cells = {(r["kind"], r["band"], r["metric"]): r for r in activity.summary}
    lines = []
    for kind in PRESENCE_KINDS:
        for band in POPULATION_BANDS[kind]:
            row = [cells.get((kind.value, band.key, m.key)) for m in METRICS]
            if not any(row):
                continue
            lines.append(
                {
                    "label": f"{KIND_LABELS[kind]} · {band.label}",
                    "cells": [
                        None
                        if cell is None
                        else {
                            "median": cell["median"] * (100 if m.percent else 1),
                            "organisations": cell["organisations"],
                        }
                        for cell, m in zip(row, METRICS, strict=True)
                    ],
                }
            )
    return {
        "start": activity.start,
        "end": activity.end,
        "simulated": activity.simulated,
        "metrics": METRICS,
        "lines": lines,
    }


def _csv_response(
    columns: tuple[str, ...], rows: list[dict[str, Any]], filename: str
) -> HttpResponse:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _parquet_response(
    columns: tuple[str, ...], rows: list[dict[str, Any]], filename: str
) -> HttpResponse:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = (
        pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
        if rows
        else (pa.table({c: pa.array([], pa.string()) for c in columns}))
    )
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    response = HttpResponse(sink.getvalue(), content_type="application/vnd.apache.parquet")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


EXPORTS = {
    "presence": PRESENCE_COLUMNS,
    "presence-communes-par-tranche": BAND_COLUMNS,
    "comptes": selectors.ACCOUNT_EXPORT_COLUMNS,
    "activite": selectors.ACTIVITY_COLUMNS,
    "activite-synthese": selectors.ACTIVITY_SUMMARY_COLUMNS,
}


def _export_rows(name: str) -> list[dict[str, Any]]:
    if name == "presence":
        return [r.as_dict() for r in selectors.presence_national()]
    if name == "presence-communes-par-tranche":
        return [r.as_dict() for r in selectors.presence_communes_by_band()]
    if name == "activite":
        return selectors.activity_public_rows()
    if name == "activite-synthese":
        activity = selectors.activity_national()
        return [] if activity is None else activity.summary
    return selectors.accounts_export_rows()


@require_GET
def export(request: HttpRequest, name: str, fmt: str) -> HttpResponse:
    """Open data: the tables of the page and the accounts registry, in CSV or Parquet."""
    columns = EXPORTS[name]
    rows = _export_rows(name)
    filename = f"observatoire-{name}.{fmt}"
    if fmt == "parquet":
        return _parquet_response(columns, rows, filename)
    return _csv_response(columns, rows, filename)


@organisation_view(Perm.VIEW_STATS)
def position(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    """The organisation among its peers: its accounts and its indicators ranked."""
    collectivity = selectors.organisation_collectivity(organisation=organisation)
    observed = selectors.observed_accounts_of(collectivity=collectivity) if collectivity else {}
    connected = {Network(a.network) for a in organisation.network_accounts.all()}
    presence = [
        {
            "label": NETWORK_LABELS[network],
            "observed": observed.get(network, []),
            "connected": network in connected,
        }
        for network in PRESENCE_NETWORKS
    ]
    report = selectors.organisation_position(organisation=organisation)
    return render(
        request,
        "observatory/position.html",
        {
            "organisation": organisation,
            "collectivity": collectivity,
            "presence": presence,
            "report": report,
            "kinds": PRESENCE_KINDS,
        },
    )
