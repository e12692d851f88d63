"""Row and column groups (addDimensionGroup / deleteDimensionGroup) as a depth per index.

Google's rules for nesting (a group over a superset, subset or overlap of another) all follow
from counting, for every row or column, how many groups hold it: adding a group raises the depth
of its indexes by one, deleting lowers it, and the groups of depth d are the maximal runs of
indexes at depth >= d (e.g. [C:D] then [B:E] gives B:E depth 1 and C:D depth 2).
"""

from __future__ import annotations

from typing import Any

from .errors import ApiError
from .ranges import grid_range
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


def update(sheet: Sheet, dim: str, start: int, end: int, depth: int, collapsed: bool) -> None:
    """updateDimensionGroup: (un)collapse the group with this range and depth."""
    key = (start, end, depth)
    known = {(g["range"]["startIndex"], g["range"]["endIndex"], g["depth"])
             for g in listing(sheet, dim)}
    if key not in known:
        raise ApiError(400, f"No group of {dim.lower()} [{start}, {end}) at depth {depth}.")
    folded = sheet.collapsed.setdefault(dim, set())
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


def _group(sheet_id: int, dim: str, start: int, end: int, depth: int,
           collapsed: bool) -> dict[str, Any]:
    rng = grid_range(sheet_id, None, None, None, None)  # just the sheetId, as Google writes it
    rng.update(dimension=dim, startIndex=start, endIndex=end)
    out: dict[str, Any] = {"range": rng, "depth": depth}
    if collapsed:  # proto3 drops false
        out["collapsed"] = True
    return out
