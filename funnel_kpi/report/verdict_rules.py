"""The verdicts of one report: each segment against the rest, and each step against its
control limits (the tests and the rules are in funnel_kpi.report.verdicts)."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence

from funnel_kpi.report.funnel_report import PeriodReport, SegmentReport
from funnel_kpi.report.verdicts import (
    ALPHA,
    CONTROL_MONTHS,
    MIN_CONTROL_MONTHS,
    RATES,
    SIGMAS,
    SegmentVerdict,
    Side,
    StepControl,
    Verdict,
    Verdicts,
    ZTest,
    enough_data,
    holm,
    two_proportion_z,
)

# --- segments against the rest -------------------------------------------------------------------

def _counts(seg: SegmentReport, rate: str) -> tuple[float, float] | None:
    """(successes, trials) behind a segment's rate; None when it is no proportion."""
    v = seg.kpis.get(rate)
    if v is None or v.value is None or not v.n or not 0 <= v.value <= 1:
        return None
    return v.value * v.n, float(v.n)


def _family(field: str, rate: str, counts: Mapping[str, tuple[float, float]]
            ) -> list[SegmentVerdict]:
    x_all = sum(x for x, _ in counts.values())
    n_all = sum(n for _, n in counts.values())
    rows: list[tuple[str, float, float, float, float, ZTest | None]] = []
    for name, (x, n) in counts.items():
        xr, nr = x_all - x, n_all - n
        test = two_proportion_z(x, n, xr, nr) if enough_data(x, n, xr, nr) else None
        rows.append((name, x, n, xr, nr, test))
    tested = [t.p_value for *_, t in rows if t is not None]
    # two segments are one comparison (each is the other's rest): nothing to adjust
    adjusted = iter(holm(tested) if len(rows) > 2 else tested)
    out = []
    for name, x, n, xr, nr, test in rows:
        if test is None:
            out.append(SegmentVerdict(field, name, rate, x, n, xr, nr, None, None, None,
                                      "not enough data"))
            continue
        p_adj = next(adjusted)
        verdict: Verdict = "no difference found"
        if p_adj < ALPHA and test.z is not None:
            verdict = "better" if test.z > 0 else "worse"
        out.append(SegmentVerdict(field, name, rate, x, n, xr, nr, test.z, test.p_value, p_adj,
                                  verdict))
    return out


def segment_verdicts(segments: Mapping[str, Mapping[str, SegmentReport]]
                     ) -> tuple[SegmentVerdict, ...]:
    """Every segment of every field with two or more segments, on every rate it has."""
    out: list[SegmentVerdict] = []
    for field, by_name in segments.items():
        for rate in RATES:
            counts = {name: c for name, seg in by_name.items()
                      if (c := _counts(seg, rate)) is not None}
            if len(counts) >= 2:
                out.extend(_family(field, rate, counts))
    return tuple(out)


# --- control limits ------------------------------------------------------------------------------

def _step(p: PeriodReport, a: str, b: str) -> tuple[float, float] | None:
    """(n_i, n_(i-1)) of a step in a month, when it is a conversion there."""
    rows = {s.key: s.count.value for s in p.stages}
    after, before = rows.get(b), rows.get(a)
    if after is None or before is None or before <= 0 or after < 0 or after > before:
        return None
    return after, before


def control_limits(latest: PeriodReport | None, history: Sequence[PeriodReport]
                   ) -> tuple[StepControl, ...]:
    """The p-chart of every step from the leads stage on, for ``latest`` against the last
    CONTROL_MONTHS months of ``history`` (the complete months before it, oldest first)."""
    if latest is None:
        return ()
    keys = [s.key for s in latest.stages]
    start = keys.index("leads") if "leads" in keys[:-1] else 0
    window = history[-CONTROL_MONTHS:]
    out = []
    for a, b in itertools.pairwise(keys[start:]):
        now = _step(latest, a, b)
        past = [c for p in window if (c := _step(p, a, b)) is not None]
        if now is None or len(past) < MIN_CONTROL_MONTHS:
            continue
        centre = sum(x for x, _ in past) / sum(n for _, n in past)
        x, n = now
        half = SIGMAS * math.sqrt(centre * (1 - centre) / n)
        low, high = max(0.0, centre - half), min(1.0, centre + half)
        value = x / n
        outside: Side | None = "below" if value < low else "above" if value > high else None
        out.append(StepControl(a, b, latest.period, value, n, centre, low, high, len(past),
                               outside))
    return tuple(out)


def verdicts(segments: Mapping[str, Mapping[str, SegmentReport]], latest: PeriodReport | None,
             history: Sequence[PeriodReport]) -> Verdicts:
    return Verdicts(segment_verdicts(segments), control_limits(latest, history))
