"""Whether a month's change is news or noise.

A KPI moves every month. A change no larger than the KPI's usual month-to-month move is noise:
shown as such, never as a change or a headline. The usual move is the median of the absolute
month-to-month moves over the last USUAL_MONTHS months before the one compared (percentage
points for a rate, relative change for counts and money); with fewer than MIN_MOVES moves there
is no usual move and nothing is called noise. For a rate, two months whose 95 % Wilson intervals
overlap are noise too (funnel_kpi.formulas gives a rate's interval).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Sequence

USUAL_MONTHS = 12
MIN_MOVES = 4


def moves(values: Sequence[float | None], relative: bool) -> list[float]:
    """Absolute month-to-month moves of a series (None where a month is missing)."""
    out = []
    for before, now in itertools.pairwise(values):
        if before is None or now is None:
            continue
        if relative:
            if before == 0:
                continue
            out.append(abs(now / before - 1))
        else:
            out.append(abs(now - before))
    return out


def usual_move(history: Sequence[float | None], relative: bool) -> float | None:
    """The median absolute move over the last USUAL_MONTHS months of ``history`` (the months
    before the one compared, oldest first); None with fewer than MIN_MOVES moves."""
    recent = moves(history[-(USUAL_MONTHS + 1):], relative)
    return statistics.median(recent) if len(recent) >= MIN_MOVES else None


def is_noise(move: float | None, usual: float | None, *,
             intervals: tuple[tuple[float, float], tuple[float, float]] | None = None) -> bool:
    """``move``: this month's change (pp for a rate, relative for counts and money)."""
    if move is None:
        return False
    if intervals is not None:
        (lo_a, hi_a), (lo_b, hi_b) = intervals
        if lo_a <= hi_b and lo_b <= hi_a:
            return True
    return usual is not None and abs(move) <= usual
