"""What the batchUpdate request modules share: the handler type, a sheet by id, a field mask."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import fieldmask
from .errors import ApiError
from .store import Sheet, Spreadsheet

Handler = Callable[[Spreadsheet, dict[str, Any]], dict[str, Any] | None]


def by_request(*fns: Handler) -> dict[str, Handler]:
    """Handlers by the request each answers, named after it: update_cells is "updateCells"."""
    out = {}
    for fn in fns:
        first, *rest = fn.__name__.split("_")
        out[first + "".join(word.capitalize() for word in rest)] = fn
    return out


def sheet_of(book: Spreadsheet, sheet_id: Any) -> Sheet:
    sid = int(sheet_id or 0)
    sheet = book.sheet_by_id(sid)
    if sheet is None:
        raise ApiError(400, f"No grid with id: {sid}")
    return sheet


def mask(payload: dict[str, Any]) -> fieldmask.Tree:
    fields = payload.get("fields")
    if not fields:
        raise ApiError(400, "At least one field must be specified in 'fields'.")
    try:
        return fieldmask.parse(str(fields))
    except fieldmask.MaskError:
        raise ApiError(400, f"Invalid field mask: {fields}") from None
