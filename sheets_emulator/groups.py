"""Row and column groups (addDimensionGroup / deleteDimensionGroup) as a depth per index.

Google's rules for nesting (a group over a superset, subset or overlap of another) all follow
from counting, for every row or column, how many groups hold it: adding a group raises the depth
of its indexes by one, deleting lowers it, and the groups of depth d are the maximal runs of
indexes at depth >= d (e.g. [C:D] then [B:E] gives B:E depth 1 and C:D depth 2).
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .store import Sheet

CONTROL_AFTER = {"ROWS": "rowGroupControlAfter", "COLUMNS": "columnGroupControlAfter"}
RESOURCE_KEY = {"ROWS": "rowGroups", "COLUMNS": "columnGroups"}


def add(sheet: Sheet, dim: str, start: int, end: int) -> dict[str, Any]:
    depth = sheet.groups.setdefault(dim, {})
    for i in range(start, end):
        depth[i] = depth.get(i, 0) + 1
    # recorded: Google sets the control position once a sheet has groups, and keeps it
    sheet.props["gridProperties"][CONTROL_AFTER[dim]] = True
    return {"dimensionGroups": listing(sheet, dim)}


def delete(sheet: Sheet, dim: str, start: int, end: int) -> dict[str, Any]:
    depth = sheet.groups.get(dim, {})
    if not any(depth.get(i) for i in range(start, end)):
        raise ApiError(400, f"No group of {dim.lower()} found in the range [{start}, {end}).")
    for i in range(start, end):
        if depth.get(i):
            depth[i] -= 1
            if not depth[i]:
                del depth[i]
    groups = listing(sheet, dim)
    return {"dimensionGroups": groups} if groups else {}  # proto3 drops an empty list


def update(sheet: Sheet, group: dict[str, Any], collapsed: bool) -> None:
    """updateDimensionGroup: (un)collapse the group with this range and depth."""
    rng = group.get("range") or {}
    dim = rng.get("dimension")
    key = (int(rng.get("startIndex", 0) or 0), int(rng.get("endIndex", 0) or 0),
           int(group.get("depth", 0) or 0))
    known = {(g["range"]["startIndex"], g["range"]["endIndex"], g["depth"])
             for g in listing(sheet, str(dim))}
    if key not in known:
        raise ApiError(400, f"No group of {str(dim).lower()} [{key[0]}, {key[1]}) at depth "
                            f"{key[2]}.")
    folded = sheet.collapsed.setdefault(str(dim), set())
    if collapsed:
        folded.add(key)
    else:
        folded.discard(key)


def listing(sheet: Sheet, dim: str) -> list[dict[str, Any]]:
    """DimensionGroups, shallowest first, each level by start."""
    depth = sheet.groups.get(dim, {})
    folded = sheet.collapsed.get(dim, set())
    out: list[dict[str, Any]] = []
    for level in range(1, max(depth.values(), default=0) + 1):
        run_start: int | None = None
        for i in range(min(depth), max(depth) + 2):
            inside = depth.get(i, 0) >= level
            if inside and run_start is None:
                run_start = i
            elif not inside and run_start is not None:
                out.append(_group(sheet.id, dim, run_start, i, level,
                                  (run_start, i, level) in folded))
                run_start = None
    return out


def resource(sheet: Sheet) -> dict[str, Any]:
    """The sheet resource's rowGroups / columnGroups, when there are any."""
    out = {}
    for dim, key in RESOURCE_KEY.items():
        groups = listing(sheet, dim)
        if groups:
            out[key] = groups
    return out


def shift(sheet: Sheet, dim: str, start: int, end: int, delta: int) -> None:
    """Move depths after rows/columns [start, end) were inserted (delta > 0, start == end) or
    deleted (delta < 0)."""
    depth = sheet.groups.get(dim)
    if not depth:
        return

    def first(i: int) -> int:  # where an index (or a range's start) moves
        if delta > 0:
            return i + delta if i >= start else i
        return i if i <= start else max(start, i + delta)

    def after(i: int) -> int:  # where a range's exclusive end moves
        return (i + delta if i > start else i) if delta > 0 else first(i)

    if delta > 0:
        sheet.groups[dim] = {first(i): d for i, d in depth.items()}
    else:
        sheet.groups[dim] = {first(i): d for i, d in depth.items() if not start <= i < end}
    folded = sheet.collapsed.get(dim)
    if folded:  # a collapsed group stays collapsed when rows move (if it still exists)
        sheet.collapsed[dim] = {(first(a), after(b), d) for a, b, d in folded}


def _group(sheet_id: int, dim: str, start: int, end: int, depth: int,
           collapsed: bool) -> dict[str, Any]:
    rng: dict[str, Any] = {"sheetId": sheet_id} if sheet_id else {}  # proto3 drops sheetId 0
    rng.update(dimension=dim, startIndex=start, endIndex=end)
    out: dict[str, Any] = {"range": rng, "depth": depth}
    if collapsed:  # proto3 drops false
        out["collapsed"] = True
    return out
