"""What POST /api/v1/compute refuses before and after the work, each with a 422 that says where.

- text that is not Unicode: a lone surrogate ("\\ud800", which JSON can carry and no spreadsheet,
  database or UTF-8 encoder can) in a tab name, header or cell; named by tab and A1 cell;
- a tab wider than ``COMPUTE_MAX_COLUMNS`` columns (trailing blank cells do not count): each
  column is read, typed and reported on, so width is what costs, not the cell count alone;
- a report whose JSON is larger than ``COMPUTE_MAX_RESPONSE_BYTES``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from flask import Response, current_app

from funnel_kpi import Tab, a1, col_letter
from sheets_sync.app.encode import encode_json
from sheets_sync.app.errors import ApiError

_ENCODE = msgspec.msgpack.Encoder().encode


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _bad_cell(tab: Tab) -> tuple[int, int, str] | None:
    for r, row in enumerate(tab.rows):
        for c, v in enumerate(row):
            if isinstance(v, str) and not _encodable(v):
                return r, c, v
    return None


def check_text(tabs: Sequence[Tab]) -> None:
    """A lone surrogate anywhere becomes a 422 naming its tab and cell (the first one found)."""
    for tab in tabs:  # tab names and the funnel were refused by validation (schemas.py)
        # One msgspec encode of the tab (C, ~20 ms for 500,000 cells; a Python walk of the
        # cells costs ten times that) clears the usual case; the cell is looked for only when
        # the encoder found a surrogate (or a value it does not take, then the walk decides).
        try:
            _ENCODE(tab.rows)
            continue
        except (UnicodeEncodeError, TypeError, ValueError, OverflowError):
            pass
        bad = _bad_cell(tab)
        if bad is not None:
            r, c, v = bad
            shown = repr(v[:40]) + ("..." if len(v) > 40 else "")
            raise ApiError(422, "bad_text", "error.api_surrogate",
                           {"tab": tab.name, "cell": a1(r + 1, c), "shown": shown},
                           [{"field": "cell", "tab": tab.name,
                             "cell": a1(r + 1, c)}])


def over(setting: str, amount: int) -> int | None:
    """The service's limit ``setting`` (its config) when ``amount`` is over it, else None."""
    limit = int(current_app.config[setting])
    return limit if amount > limit else None


def _width(row: Sequence[Any]) -> int:
    n = len(row)
    while n and (row[n - 1] is None or row[n - 1] == ""):
        n -= 1
    return n


def check_width(tabs: Sequence[Tab]) -> None:
    limit = int(current_app.config["COMPUTE_MAX_COLUMNS"])
    for tab in tabs:
        if max(map(len, tab.rows), default=0) <= limit:
            continue
        width = max((_width(r) for r in tab.rows), default=0)
        if width > limit:
            raise ApiError(
                422, "too_many_columns", "error.api_too_wide",
                {"tab": tab.name, "width": width, "last": col_letter(width - 1), "limit": limit},
                [{"field": "tab", "tab": tab.name, "columns": width, "limit": limit}])


def check_input(tabs: Sequence[Tab]) -> None:
    """Everything refused before the work: width first (it is cheap), then text."""
    check_width(tabs)
    check_text(tabs)


def report_response(report: dict[str, Any]) -> Response:
    """The report as JSON, or a 422 when it is larger than the service answers."""
    raw = encode_json(report)  # msgspec: a tenth of json.dumps's time (app/encode.py)
    if (limit := over("COMPUTE_MAX_RESPONSE_BYTES", len(raw))) is not None:
        raise ApiError(422, "report_too_large", "error.api_report_too_large",
                       {"size": len(raw), "limit": limit},
                       [{"field": "body", "bytes": len(raw), "limit": limit}])
    return Response(raw, mimetype="application/json")
