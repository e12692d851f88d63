"""POST /api/v1/compute and /inspect: rows in (a Sheets-style values array as JSON, or CSV),
the report (or how each column was read) out.

Stateless: nothing is stored. CSV comes as exported by Google Sheets, Excel or a CRM, read by the
same reader as CSV files (backends/csv_file.py): UTF-8 (with or without a BOM), Windows-1251
(Russian Excel) or UTF-16, separated by commas, semicolons or tabs.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, request
from pydantic import ValidationError

from funnel_kpi import Analysis, Tab, analyse, config_from_dict, report_view, view_dict
from funnel_kpi.errors import phrase
from sheets_sync.app.api import api, body, view_lang
from sheets_sync.app.auth import require_token
from sheets_sync.app.encode import report_data
from sheets_sync.app.errors import ApiError, invalid
from sheets_sync.app.limits import check_input, report_response
from sheets_sync.app.schemas import ComputeIn
from sheets_sync.backends.csv_file import TableError, read_table
from sheets_sync.inspect_view import inspect_dict

CSV_TYPES = ("text/csv", "text/plain", "application/csv")


def table_rows(raw: bytes) -> list[list[Any]]:
    """The body as rows, by the project's one CSV reader (backends/csv_file.py); a body that
    is no table is a 400 with the reader's own code (bad_csv, ...), not a sync's bad_input."""
    try:
        rows: list[list[Any]] = read_table(raw, phrase("error.the_csv"))
    except TableError as e:
        raise ApiError(400, e.table_code, "error.api_said", {"what": e}) from None
    return rows


def csv_request() -> ComputeIn:
    raw = request.get_data(cache=False)
    if not raw.strip():
        raise ApiError(400, "missing_body", "error.api_csv_body")
    rows = table_rows(raw)
    args = request.args
    try:
        return ComputeIn.model_validate({
            "tabs": [{"name": args.get("tab") or "Sheet1", "values": rows}],
            "locale": args.get("locale") or None, "today": args.get("today") or None})
    except ValidationError as e:
        raise invalid(e) from None


@api.post("/compute")
@require_token
def compute() -> Any:
    lang = view_lang()  # checked before the work
    report = _analysis().report
    if lang is not None:  # ?view=1: the report as every surface shows it
        return view_dict(report_view(report, lang))
    return report_response(report_data(report))  # ?fields= (app.encode)


@api.post("/inspect")
@require_token
def inspect() -> Any:
    """How every column of the rows (or CSV) is read: the read-out ``sheets-sync inspect``
    prints, status first. Same body as /compute."""
    return inspect_dict(_analysis())


def _analysis() -> Analysis:
    mimetype = request.mimetype or ""
    return analyse_request(csv_request() if mimetype in CSV_TYPES else body(ComputeIn))


def analyse_request(data: ComputeIn) -> Analysis:
    """The report of a request's rows (/compute, /inspect, /plan): bounded, checked, analysed;
    what the core cannot use is a 422 (app/errors.py: FunnelError)."""
    tabs = ([Tab(t.name, t.values) for t in data.tabs] if data.tabs is not None
            else [Tab("Sheet1", data.values or [])])
    cells = sum(len(r) for t in tabs for r in t.rows)
    limit = int(current_app.config["COMPUTE_MAX_CELLS"])
    if cells > limit:
        raise ApiError(413, "too_many_cells", "error.api_cells_rows",
                                {"cells": cells, "limit": limit})
    check_input(tabs)
    funnel, pins = config_from_dict(data.funnel or {})
    return analyse(tabs, funnel, locale=data.locale, today=data.today or date.today(),
                   pins=pins)
