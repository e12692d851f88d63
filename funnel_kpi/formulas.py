"""Every KPI formula, once: small pure functions over plain numbers that return ``Value``.

The report (funnel_kpi.report.build) and the Excel functions (=CONVERSION(), =LTV(), ...) both call
these, so a cell in Excel and the KPI tab in Sheets give the same number. Conventions:

- an input that is ``None`` makes the result undefined with reason ``missing_input``;
- a zero denominator makes it undefined with a reason, never 0 and never an exception;
- rates (a share of a count) carry the sample size and a Wilson 95% interval (``values.rate``);
  money and other ratios do not (``values.ratio``);
- a result that is not a finite number (inputs near the float limits) is undefined ``not_finite``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import NamedTuple, TypeVar

import numpy as np
import numpy.typing as npt

from funnel_kpi.parse.headers import normalize
from funnel_kpi.values import Value, rate, ratio, undefined

Num = float | None


NOT_FINITE = undefined("not_finite")
_isfinite = math.isfinite


def _finite(x: float, n: int | None = None) -> Value:
    if not _isfinite(x):
        return NOT_FINITE
    return Value(x, None, n)  # positional: a report makes hundreds


def _checked(v: Value) -> Value:
    x = v.value
    return v if x is None or _isfinite(x) else NOT_FINITE


# --- conversions -------------------------------------------------------------------------------

def conversion(from_count: Num, to_count: Num) -> Value:
    """to_count / from_count: the share of the earlier stage that reached the later one."""
    v = rate(to_count, from_count)  # _checked inline: 500 conversions a report
    x = v.value
    return v if x is None or _isfinite(x) else NOT_FINITE


def step_conversions(counts: Sequence[Num]) -> tuple[Value, ...]:
    """n_i / n_(i-1) for every step i = 2..k (one value per step, k-1 in all)."""
    return tuple(conversion(counts[i - 1], counts[i]) for i in range(1, len(counts)))


STEP_REASONS = ("", "missing_input", "no_entries", "not_finite")  # codes of step_conversion_array


def step_conversion_array(counts: npt.NDArray[np.float64]
                          ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int8]]:
    """The values of ``step_conversions`` over a float array (NaN: no number), for a column of
    100,000 counts where Value objects would cost 10x the division: (values, codes), a value
    where the code is 0, else NaN and the code's index in ``STEP_REASONS``. A test keeps the
    two forms equal."""
    before, after = counts[:-1], counts[1:]
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        q = after / before
    codes = np.zeros(q.shape, dtype=np.int8)
    codes[~np.isfinite(q)] = 3
    codes[before == 0] = 2
    codes[np.isnan(before) | np.isnan(after)] = 1
    return np.where(codes == 0, q, np.nan), codes


def cumulative_conversions(counts: Sequence[Num]) -> tuple[Value, ...]:
    """n_i / n_1 for every stage i = 1..k (the first is 1 when n_1 > 0)."""
    if not counts:
        return ()
    return tuple(conversion(counts[0], c) for c in counts)


def drop_off(from_count: Num, to_count: Num) -> Value:
    """n_(i-1) - n_i: how many did not reach the next stage (negative if the later is larger)."""
    if from_count is None or to_count is None:
        return undefined("missing_input")
    return _finite(from_count - to_count)


def drop_offs(counts: Sequence[Num]) -> tuple[Value, ...]:
    """n_(i-1) - n_i for every step."""
    return tuple(drop_off(counts[i - 1], counts[i]) for i in range(1, len(counts)))


def drop_off_rate(from_count: Num, to_count: Num) -> Value:
    """1 - n_i / n_(i-1): the share of the earlier stage lost at this step."""
    return lost_share(conversion(from_count, to_count))


def lost_share(step: Value) -> Value:
    """1 - a step conversion (``conversion(n_(i-1), n_i)``), its interval turned round: the
    drop-off rate of a step whose conversion is computed already."""
    x, low, high = step.value, step.low, step.high
    if x is None:
        return step
    return Value(1.0 - x, None, step.n, None if high is None else 1.0 - high,
                 None if low is None else 1.0 - low)


def drop_off_rates(counts: Sequence[Num]) -> tuple[Value, ...]:
    """1 - n_i / n_(i-1) for every step."""
    return tuple(drop_off_rate(counts[i - 1], counts[i]) for i in range(1, len(counts)))


def overall_conversion(counts: Sequence[Num]) -> Value:
    """n_last / n_first."""
    if len(counts) < 2:
        return undefined("missing_input")
    return conversion(counts[0], counts[-1])


def loss_shares(step_losses: Sequence[Num], step_owners: Sequence[str],
                owners: Sequence[str] = ("marketing", "sales")) -> dict[str, Value]:
    """Each owner's lost / all lost, over steps; a step belongs to the owner of its END stage.

    A step whose later stage is larger (negative loss) lost nobody and counts as 0, so the
    shares lie in [0, 1] and add up to 1. Undefined ``no_losses`` when nobody was lost, and
    ``no_steps_owned`` for an owner without a step (its share is not 0: it has no part).
    """
    owners = list(dict.fromkeys([*owners, *step_owners]))
    if any(loss is None for loss in step_losses):
        return {o: undefined("missing_input") for o in owners}
    lost = [max(0.0, float(loss)) for loss in step_losses if loss is not None]
    total = sum(lost)
    by_owner = {o: 0.0 for o in owners}
    for loss, owner in zip(lost, step_owners, strict=True):
        by_owner[owner] += loss
    return {o: undefined("no_steps_owned") if o not in step_owners
            else _checked(rate(by_owner[o], total)) if total > 0 else undefined("no_losses")
            for o in owners}


# --- money ---------------------------------------------------------------------------------------

def cost_per_unit(spend: Num, count: Num) -> Value:
    """spend / count: marketing spend per unit of a stage (per visit, per lead, ...)."""
    return _checked(ratio(spend, count))


def cpl(spend: Num, leads: Num) -> Value:
    """CPL = marketing spend / leads."""
    return cost_per_unit(spend, leads)


def cac(marketing_spend: Num, new_customers: Num, sales_cost: Num = 0) -> Value:
    """CAC = (marketing spend + sales cost) / new customers. A missing sales cost counts as 0."""
    if marketing_spend is None:
        return undefined("missing_input")
    return _checked(ratio(marketing_spend + (sales_cost or 0.0), new_customers))


def average_deal(revenue: Num, paid: Num) -> Value:
    """Average deal (average check) = revenue / paid deals."""
    return _checked(ratio(revenue, paid))


def lost_leads_cost(spend: Num, leads: Num, paid: Num) -> Value:
    """CPL x (leads - paid): marketing money spent on leads that did not pay."""
    per_lead = cpl(spend, leads)
    if per_lead.value is None or paid is None or leads is None:
        return per_lead if per_lead.value is None else undefined("missing_input")
    return _finite(per_lead.value * max(0.0, leads - paid))


def arpu(revenue: Num, customers: Num) -> Value:
    """ARPU = revenue of the period / active customers."""
    return _checked(ratio(revenue, customers))


def win_rate(won: Num, lost: Num) -> Value:
    """Win rate = won / (won + lost); open deals are not counted."""
    if won is None or lost is None:
        return undefined("missing_input")
    if won + lost == 0:
        return undefined("no_closed_deals")
    return _checked(rate(won, won + lost))


def ltv(average_check: Num, purchases_per_period: Num, lifetime_periods: Num,
        margin: Num = 1.0) -> Value:
    """LTV = average check x purchases per customer per period x lifetime (periods) x margin."""
    parts = (average_check, purchases_per_period, lifetime_periods, margin)
    if any(p is None for p in parts):
        return undefined("missing_input")
    return _finite(math.prod(p for p in parts if p is not None))


def ltv_contractual(arpu: Num, churn: Num, margin: Num = 1.0) -> Value:
    """LTV = ARPU x margin / churn (churn per period); churn 0 means no bounded lifetime."""
    if arpu is None or churn is None or margin is None:
        return undefined("missing_input")
    if churn == 0:
        return undefined("zero_churn")
    return _finite(arpu * margin / churn)


def ltv_cac(ltv: Num, cac: Num) -> Value:
    """LTV:CAC = LTV / CAC."""
    return _checked(ratio(ltv, cac))


def payback_months(cac: Num, monthly_revenue_per_customer: Num, margin: Num = 1.0) -> Value:
    """Payback (months) = CAC / (monthly revenue per customer x margin)."""
    if monthly_revenue_per_customer is None or margin is None:
        return undefined("missing_input")
    return _checked(ratio(cac, monthly_revenue_per_customer * margin))


def churn_rate(lost_customers: Num, customers_at_start: Num) -> Value:
    """Churn = customers lost in the period / customers at its start."""
    return _checked(rate(lost_customers, customers_at_start))


# --- plan, growth, time ------------------------------------------------------------------------

def plan_fact(fact: Num, plan: Num) -> Value:
    """Plan/fact = fact / plan."""
    return _checked(ratio(fact, plan))


def growth(current: Num, previous: Num) -> tuple[Value, Value]:
    """(current - previous, (current - previous) / |previous|).

    The relative change is undefined when the previous value is 0; dividing by |previous| keeps
    the sign meaning "went up" even when the previous value was negative.
    """
    if current is None or previous is None:
        return undefined("missing_input"), undefined("missing_input")
    diff = current - previous
    rel = undefined("zero_denominator") if previous == 0 else _finite(diff / abs(previous))
    return _finite(diff), rel


def run_rate_projection(fact_so_far: Num, days_elapsed: Num, days_in_period: Num) -> Value:
    """Projection = fact so far / days elapsed x days in the period."""
    per_day = ratio(fact_so_far, days_elapsed)
    if per_day.value is None or days_in_period is None:
        return per_day if per_day.value is None else undefined("missing_input")
    return _finite(per_day.value * days_in_period)


def _clean(durations: Iterable[Num]) -> list[float]:
    return [float(d) for d in durations if d is not None and math.isfinite(d)]


Days = TypeVar("Days", int, float)  # whole days from a deal log, any days from a range


def median_of_counts(counts: Mapping[Days, int]) -> float | None:
    """Median of the values a histogram (value -> how many) describes; None when empty.

    The number ``statistics.median`` gives on the expanded list (the mean of the two middle
    values when the count is even), read off the sorted distinct values: a set of 500,000 deals
    holds a few dozen distinct durations, and a deal log's sets are folded from such tallies.
    """
    n = sum(counts.values())
    if n == 0:
        return None
    lower, upper = (n - 1) // 2, n // 2  # 0-based positions of the middle value(s)
    seen = 0
    low: Days | None = None
    for value in sorted(counts):
        seen += counts[value]
        if low is None and seen > lower:
            low = value
        if seen > upper:
            return (low + value) / 2 if low is not None else float(value)
    raise AssertionError("unreachable: the positions are below the count")


def day_stats(counts: Mapping[Days, int]) -> tuple[Value, Value]:
    """(mean, median) of durations in days given as days -> how many, each with n; undefined
    ``no_durations`` when there are none. The one implementation: mean_days and median_days
    count their list first."""
    n = sum(counts.values())
    if n == 0:
        return undefined("no_durations"), undefined("no_durations")
    mean = math.fsum(days * k for days, k in counts.items()) / n
    median = median_of_counts(counts)
    assert median is not None  # n > 0
    return _finite(mean, n=n), _finite(median, n=n)


def mean_days(durations: Iterable[Num]) -> Value:
    """Mean of the durations in days (n = how many); None entries are skipped."""
    return day_stats(Counter(_clean(durations)))[0]


def median_days(durations: Iterable[Num]) -> Value:
    """Median of the durations in days (n = how many); None entries are skipped."""
    return day_stats(Counter(_clean(durations)))[1]


# --- pipeline ----------------------------------------------------------------------------------

def forecast_revenue(open_amounts_by_stage: Mapping[str, Num],
                     win_probability_by_stage: Mapping[str, Num]) -> Value:
    """Forecast = sum over stages of open amount x historical win probability from that stage.

    A stage with open money but no known probability makes the forecast undefined rather than
    silently smaller.
    """
    total = 0.0
    for stage, amount in open_amounts_by_stage.items():
        expected = stage_expected(amount, win_probability_by_stage.get(stage))
        if expected is None:
            return undefined("missing_input")
        total += expected
    return _finite(total)


def stage_expected(amount: Num, p: Num) -> float | None:
    """One stage's part of the forecast: open amount x win probability; no money expects 0
    whatever p is (even unknown); None when the amount, or p for money, is not known."""
    if amount == 0:
        return 0.0
    if amount is None or p is None:
        return None
    return amount * p


def pipeline_velocity(opportunities: Num, win_rate: Num, average_deal: Num,
                      cycle_days: Num) -> Value:
    """Velocity (money per day) = opportunities x win rate x average deal / cycle days."""
    if opportunities is None or win_rate is None or average_deal is None:
        return undefined("missing_input")
    return _checked(ratio(opportunities * win_rate * average_deal, cycle_days))


def seasonal_index(values_by_period: Mapping[date, Num]) -> dict[int, Value]:
    """{month 1..12: mean of that calendar month / mean of the twelve month means}.

    Needs every calendar month at least twice (two years); otherwise every month is undefined
    ``one_year_only``. The indices of the twelve months average to 1.
    """
    by_month: dict[int, list[float]] = {m: [] for m in range(1, 13)}
    for period, v in values_by_period.items():
        if v is not None and math.isfinite(v):
            by_month[period.month].append(float(v))
    if any(len(vs) < 2 for vs in by_month.values()):
        return {m: undefined("one_year_only") for m in range(1, 13)}
    means = {m: math.fsum(vs) / len(vs) for m, vs in by_month.items()}
    overall = math.fsum(means.values()) / 12
    return {m: _checked(ratio(means[m], overall)) for m in range(1, 13)}


class BottleneckSteps(NamedTuple):
    """Step indices (0 = first stage -> second stage), or None when no step qualifies."""

    lowest_conversion: int | None
    largest_loss: int | None


def bottleneck(step_conversions: Sequence[Value | Num], losses: Sequence[Value | Num]
               ) -> BottleneckSteps:
    """The step of lowest defined conversion and the step of largest defined absolute loss.

    Ties go to the earlier step, where the leads were lost first.
    """
    def plain(x: Value | Num) -> Num:
        return x.value if isinstance(x, Value) else x

    def pick(xs: Sequence[Value | Num], better: int) -> int | None:
        best: int | None = None
        best_v = 0.0
        for i, x in enumerate(xs):
            v = plain(x)
            if v is not None and math.isfinite(v) and (best is None or (v - best_v) * better > 0):
                best, best_v = i, v
        return best

    return BottleneckSteps(pick(step_conversions, -1), pick(losses, +1))


# --- plan: the gap split, and backwards from a target --------------------------------------------

def log_mean(a: float, b: float) -> float:
    """The logarithmic mean L(a, b) = (a - b) / (ln a - ln b), and a when a = b (its limit)."""
    if a == b:
        return a
    return (a - b) / (math.log(a) - math.log(b))


def gap_split_lmdi(fact: Sequence[float], plan: Sequence[float]) -> tuple[Value, ...] | None:
    """The gap prod(fact) - prod(plan) split between the factors by LMDI-I: part_k =
    L(F, P) x ln(fact_k / plan_k), F and P the two products. The parts add up to F - P exactly
    (their logs add up to ln F - ln P) and do not depend on the factors' order. None when a
    factor is not positive: its logarithm does not exist (use ``gap_split_chain``)."""
    if len(fact) != len(plan) or any(not (x > 0 and math.isfinite(x)) for x in (*fact, *plan)):
        return None
    f, p = math.prod(fact), math.prod(plan)
    if not (math.isfinite(f) and math.isfinite(p)) or f <= 0 or p <= 0:
        return None
    weight = log_mean(f, p)
    return tuple(_finite(weight * math.log(a / b)) for a, b in zip(fact, plan, strict=True))


def gap_split_chain(fact: Sequence[float], plan: Sequence[float]) -> tuple[Value, ...]:
    """The gap prod(fact) - prod(plan) split by chain substitution: the factors are switched
    from plan to fact one at a time, in order, and each takes the change of the product at its
    switch. The parts telescope to F - P exactly, zeros included; the order matters (a zero
    factor takes the whole rest of the product with it), so it is the fallback for zeros."""
    current = list(plan)
    before = math.prod(current)
    parts = []
    for i, x in enumerate(fact):
        current[i] = x
        after = math.prod(current)
        parts.append(_finite(after - before))
        before = after
    return tuple(parts)


def needed_for_target(target: Num, stage_total: Num, target_total: Num) -> Value:
    """target x n_k / what the target measures, both summed over the trailing months: the count
    at stage k (or the budget) a target needs at the trailing conversions and average deal,
    since target / (average deal x product of the steps after k) reduces to this ratio."""
    if target is None or stage_total is None:
        return undefined("missing_input")
    return _checked(ratio(target * stage_total, target_total, zero_reason="no_entries"))


# --- the same formulas over the ranges a spreadsheet function takes -----------------------------
# Spreadsheet functions (funnel_kpi.registry.FUNCTIONS) take rows of cells where the report
# takes prepared figures; these turn the cells into those figures and call the formulas above.

def change(current: Num, previous: Num, kind: str = "relative") -> Value:
    """``growth``'s relative change, or its absolute one with kind "absolute"."""
    absolute, relative = growth(current, previous)
    return absolute if kind == "absolute" else relative


def stage_days(starts: Sequence[date | None], ends: Sequence[date | None],
               stat: str = "mean") -> Value:
    """Mean (or median, stat "median") whole days from start to end over the pairs with both
    dates; a pair whose end is before its start is left out, as the report leaves out dates out
    of order."""
    days = [float((e - s).days) for s, e in zip(starts, ends, strict=True)
            if s is not None and e is not None and e >= s]
    return median_days(days) if stat == "median" else mean_days(days)


def forecast_from_deals(open_stages: Sequence[str | None], open_amounts: Sequence[Num],
                        stage_names: Sequence[str | None],
                        win_probabilities: Sequence[Num]) -> Value:
    """``forecast_revenue`` from one row per open deal (its stage and amount) and a table of
    win probabilities by stage; stage names match as headers do (case, ё, punctuation)."""
    probabilities = {normalize(n): p for n, p in zip(stage_names, win_probabilities,
                                                     strict=True) if n is not None}
    amounts: dict[str, Num] = {}
    for stage, amount in zip(open_stages, open_amounts, strict=True):
        if stage is None and amount is None:
            continue  # an empty row of the range
        key = normalize(stage or "")
        before = amounts.get(key, 0.0)
        amounts[key] = None if before is None or amount is None else before + amount
    return forecast_revenue(amounts, probabilities)


def loss_share(stage_counts: Sequence[Num], owners: Sequence[str], owner: str) -> Value:
    """``loss_shares`` of one owner ("marketing" or "sales") from the stage counts (from leads
    on) and each stage's owner."""
    losses = [d.value for d in drop_offs(stage_counts)]
    return loss_shares(losses, owners[1:])[owner]


def seasonal_index_of(periods: Sequence[date | None], values: Sequence[Num],
                      month: int | None = None) -> Value | tuple[Value, ...]:
    """``seasonal_index`` from dated values: of ``month`` (1..12), or of every calendar month.
    Values of the same month are added up first, as the report adds up a month's rows; a month
    with a missing value and no number is missing."""
    by_month: dict[date, list[float]] = {}
    missing: set[date] = set()
    for d, v in zip(periods, values, strict=True):
        if d is None:
            continue
        key = d.replace(day=1)
        if v is None:
            missing.add(key)
        else:
            by_month.setdefault(key, []).append(v)
    sums: dict[date, Num] = {d: math.fsum(vs) for d, vs in by_month.items()}
    sums.update({d: None for d in missing if d not in sums})
    index = seasonal_index(sums)
    if month is None:
        return tuple(index[m] for m in range(1, 13))
    return index[month]
