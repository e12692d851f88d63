"""Month-over-month and year-over-year changes, found by calendar month (not by row order).

The previous month of 2024-03 is 2024-02 and the year before is 2023-03; when that month is not
in the data the change is undefined with ``no_previous_period`` / ``no_year_before``. Each lookup
is a dict access, so comparing every period costs O(periods x KPIs).

A period's changes are a ``Changes`` mapping over its KPIs and the earlier period's: nothing is
computed when the report is built (a 24-month report has some 2,000 changes, and most callers
read one month's), a ``Change`` is made when one is read, and ``as_json`` writes them all as
JSON values straight from the numbers, without the objects (the service's answer).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterator, Mapping
from typing import Any

from funnel_kpi import formulas as F
from funnel_kpi.report.funnel_report import Change
from funnel_kpi.values import Value, undefined

_isfinite = math.isfinite


_MISSING = {r: Change(undefined(r), undefined(r))  # values are immutable: shared
            for r in ("no_previous_period", "no_year_before", "missing_input")}
_ZERO_DENOMINATOR = undefined("zero_denominator")
PENDING = Change(undefined("pending"), undefined("pending"))
PENDING_JSON = {"abs": None, "rel": None, "reason": "pending"}


def change(current: Value, previous: Value | None, missing_reason: str) -> Change:
    """abs = current - previous, rel = abs / |previous|; undefined with a reason otherwise.
    What ``formulas.growth`` gives, with the common cases inline (a report makes hundreds)."""
    if previous is None:
        shared = _MISSING.get(missing_reason)
        return shared if shared is not None else Change(undefined(missing_reason),
                                                        undefined(missing_reason))
    c, p = current.value, previous.value
    if c is None or p is None:
        return _MISSING["missing_input"]
    diff = c - p
    if _isfinite(diff):
        if p == 0:
            return Change(Value(diff), _ZERO_DENOMINATOR)
        rel = diff / abs(p)
        if _isfinite(rel):
            return Change(Value(diff), Value(rel))
    a, r = F.growth(c, p)  # not finite: rare
    return Change(a, r)


def change_json(current: Value, previous: Value | None, missing_reason: str) -> dict[str, Any]:
    """``change(current, previous, missing_reason).to_dict()`` without building the change (a
    test keeps the two equal)."""
    if previous is not None:
        c, p = current.value, previous.value
        if c is None or p is None:
            return {"abs": None, "rel": None, "reason": "missing_input"}
        diff = c - p
        if _isfinite(diff):
            if p == 0:
                return {"abs": diff, "rel": None, "reason": "zero_denominator"}
            rel = diff / abs(p)
            if _isfinite(rel):
                return {"abs": diff, "rel": rel}
        return change(current, previous, missing_reason).to_dict()  # not finite: rare
    if missing_reason:
        return {"abs": None, "rel": None, "reason": missing_reason}
    return {"abs": None, "rel": None}


class Changes(Mapping[str, Change]):
    """Each KPI of ``current`` against the same KPI of ``previous`` (None: no such period, every
    change undefined with ``missing_reason``), then ``extra`` changes made already (the stage
    counts', which the stage rows hold too)."""

    __slots__ = ("_current", "_extra", "_pending", "_previous", "_reason")

    def __init__(self, current: Mapping[str, Value], previous: Mapping[str, Value] | None,
                 missing_reason: str, extra: Mapping[str, Change] | None = None,
                 pending: Collection[str] = ()) -> None:
        self._current = current
        self._previous = previous
        self._reason = missing_reason
        self._extra: Mapping[str, Change] = extra or {}
        # KPIs of an immature month (in progress, or a cohort younger than the sales cycle):
        # its counts and money are not final, so they are not compared ("pending")
        self._pending = frozenset(pending)

    def __getitem__(self, key: str) -> Change:
        if key in self._pending:
            return PENDING
        if key in self._extra:
            return self._extra[key]
        current = self._current[key]
        previous = self._previous.get(key) if self._previous is not None else None
        return change(current, previous, self._reason)

    def __iter__(self) -> Iterator[str]:
        yield from self._current
        yield from (k for k in self._extra if k not in self._current)

    def __len__(self) -> int:
        return len(self._current) + sum(1 for k in self._extra if k not in self._current)

    def __contains__(self, key: object) -> bool:
        return key in self._current or key in self._extra

    def __repr__(self) -> str:
        return f"Changes({dict(self)!r})"

    def as_json(self) -> dict[str, Any]:
        """``{k: c.to_dict() for k, c in self.items()}``, computed from the numbers."""
        previous, reason = self._previous, self._reason
        if previous is None:
            out = {k: change_json(v, None, reason) for k, v in self._current.items()}
        else:  # change_json's common case written out: 1,000 changes in a 24-month report
            get = previous.get
            out = {}
            for k, v in self._current.items():
                p = get(k)
                now, b = v.value, (p.value if p is not None else None)
                if now is not None and b is not None and b != 0:
                    diff = now - b
                    rel = diff / abs(b)
                    if _isfinite(diff) and _isfinite(rel):
                        out[k] = {"abs": diff, "rel": rel}
                        continue
                out[k] = change_json(v, p, reason)
        for k, c in self._extra.items():  # a key of both keeps its place, as in __iter__
            out[k] = c.to_dict()
        for k in self._pending & out.keys():
            out[k] = PENDING_JSON
        return out


def changes(current: Mapping[str, Value], previous: Mapping[str, Value] | None,
            missing_reason: str) -> dict[str, Change]:
    return {k: change(v, previous.get(k) if previous is not None else None, missing_reason)
            for k, v in current.items()}
