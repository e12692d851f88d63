"""The plan: why a month missed or beat its plan, in money, and what a month needs for a target.

Gap split. Revenue = first-stage count x the product of the step conversions x average deal: an
identity, since the conversions telescope to the paid count and paid x revenue / paid = revenue.
The plan's expected drivers are the trailing complete months' (up to ``GAP_BASELINE_MONTHS``
before the month, pooled: sum n_i / sum n_(i-1), sum revenue / sum paid), with the first-stage
count scaled so that the product reaches the plan: the plan is read as "the funnel converts as
it lately has, at the volume the plan needs", the volume ``backwards`` gives. Three months, not
the previous month alone: one month's conversions are noisy. The gap fact - plan is split by
LMDI-I (log mean Divisia): part_k = L(fact, plan) x ln(x_k of fact / x_k expected), L the
logarithmic mean. Not chain substitution: its parts depend on the order the factors are switched
in (the first ones take the interaction terms), LMDI's do not, and both add up to the gap
exactly. Where a factor is zero (no payments, no leads) logarithms do not exist, and the split
falls back to chain substitution in funnel order, which adds up exactly with zeros too.

Backwards. The count stage k needs for a target is target x sum n_k / sum revenue over the
trailing complete months (up to ``BACKWARDS_MONTHS``): target / average deal / the product of the
step conversions after k, with pooled conversions, reduces to that. The marketing budget is the
leads it needs x pooled CPL = target x sum spend / sum revenue. The range applies each trailing
month's own conversions, average deal and CPL to the target: low and high are the least and the
most any of those months would have needed (min/max of real months; with six months a 10th or
90th percentile would only interpolate between two of them, and a month's drivers move together,
so drivers of different months are not mixed).

    FunnelError
    └── PlanError   no such month, no plan, or too few complete months to learn the funnel from
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from funnel_kpi import formulas as F
from funnel_kpi.errors import FunnelError
from funnel_kpi.inputs import SummaryTable
from funnel_kpi.model import Stage
from funnel_kpi.report import textfmt as T
from funnel_kpi.report.funnel_report import FunnelReport, PeriodReport
from funnel_kpi.report.months import month_after
from funnel_kpi.values import num

PlanOf = Literal["revenue", "paid"]
Method = Literal["lmdi", "chain"]
GAP_BASELINE_MONTHS = 3
BACKWARDS_MONTHS = 6
TOLERANCE = 1e-9  # relative: below it the factors' product is the fact (float rounding)


class PlanError(FunnelError):
    code = "cannot_plan"  # the API's code for /plan (funnel_kpi/errors.py)


@dataclass(frozen=True, slots=True)
class Driver:
    """One factor of revenue (or of payments): its value in the month and as the plan expected
    it, and its part of the gap, in the plan's unit."""

    key: str  # "count:<stage>", "step:<from>:<to>", "average_deal"
    en: str
    ru: str
    unit: Literal["count", "ratio", "money"]
    fact: float | None  # None: not defined in the month (0 / 0); the expected value was used
    expected: float
    part: float

    def label(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en

    def to_dict(self) -> dict[str, Any]:
        return {"key": self.key, "en": self.en, "ru": self.ru, "unit": self.unit,
                "fact": num(self.fact), "expected": num(self.expected), "part": num(self.part)}


@dataclass(frozen=True, slots=True)
class GapSplit:
    month: str
    plan_of: PlanOf
    plan: float
    fact: float
    method: Method
    baseline: tuple[str, ...]  # the trailing months the expected drivers come from
    drivers: tuple[Driver, ...]
    unexplained: float  # fact - the factors' product: 0 unless revenue and paid disagree

    @property
    def gap(self) -> float:
        return self.fact - self.plan

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "plan_of": self.plan_of, "plan": num(self.plan),
                "fact": num(self.fact), "gap": num(self.gap), "method": self.method,
                "baseline_months": list(self.baseline),
                "parts": [d.to_dict() for d in self.drivers],
                "unexplained": num(self.unexplained),
                "findings": list(self.findings("en")), "findings_ru": list(self.findings("ru"))}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> GapSplit:
        """The inverse of ``to_dict`` (a stored report keeps its KPI tab's plan section)."""
        drivers = tuple(Driver(p["key"], p["en"], p["ru"], p["unit"], p["fact"],
                               float(p["expected"]), float(p["part"])) for p in d["parts"])
        return GapSplit(d["month"], d["plan_of"], float(d["plan"]), float(d["fact"]),
                        d["method"], tuple(d["baseline_months"]), drivers,
                        float(d["unexplained"] or 0.0))

    def findings(self, lang: str = "en", currency: str | None = None) -> tuple[str, ...]:
        ru = lang == "ru"
        amount = _amount(self.plan_of, lang, currency)

        def sig(x: float) -> str:
            return signed(amount(x), x)

        what = ("выручка" if self.plan_of == "revenue" else "оплаты") if ru else (
            "revenue" if self.plan_of == "revenue" else "payments")
        how = ("логарифмическое разложение (LMDI)" if self.method == "lmdi"
               else "цепные подстановки: в месяце есть нулевой фактор") if ru else (
            "log (LMDI) decomposition" if self.method == "lmdi"
            else "chain substitution: a factor of the month is zero")
        base = _months(self.baseline, lang)
        month = _month(self.month, lang).capitalize()
        head = (f"{month}: {what} {amount(self.fact)} при плане {amount(self.plan)}, "
                f"{sig(self.gap)}; {how}, ожидания — по воронке {base}.") if ru else (
            f"{month}: {what} {amount(self.fact)} against a plan of {amount(self.plan)}, "
            f"{sig(self.gap)}; {how}, expectations from the funnel of {base}.")
        lines = [head]
        worst = min(self.drivers, key=lambda d: d.part)
        best = max(self.drivers, key=lambda d: d.part)
        if worst.part < 0:
            lines.append((f"Больше всего недобрал: {worst.label(lang)}, "
                          f"{sig(worst.part)}.") if ru else
                         f"Largest shortfall: {worst.label(lang)}, {sig(worst.part)}.")
        if best.part > 0:
            lines.append((f"Больше всего добавил: {best.label(lang)}, "
                          f"{sig(best.part)}.") if ru else
                         f"Largest gain: {best.label(lang)}, {sig(best.part)}.")
        if self.unexplained:
            lines.append((f"Не объяснено воронкой (выручка без оплат): "
                          f"{sig(self.unexplained)}.") if ru else
                         f"Not explained by the funnel (revenue without payments): "
                         f"{sig(self.unexplained)}.")
        return tuple(lines)


@dataclass(frozen=True, slots=True)
class Need:
    """What a target needs of one figure, with the least and the most of the trailing months."""

    key: str  # a stage key, "average_deal", "cpl" or "budget"
    en: str
    ru: str
    unit: Literal["count", "ratio", "money"]
    value: float | None
    low: float | None
    high: float | None
    conversion: float | None = None  # pooled step conversion into this stage
    conversion_low: float | None = None
    conversion_high: float | None = None

    def label(self, lang: str) -> str:
        return self.ru if lang == "ru" else self.en

    def to_dict(self) -> dict[str, Any]:
        d = {"key": self.key, "en": self.en, "ru": self.ru, "unit": self.unit,
             "value": num(self.value), "low": num(self.low), "high": num(self.high)}
        if self.conversion is not None:
            d.update(conversion=num(self.conversion), conversion_low=num(self.conversion_low),
                     conversion_high=num(self.conversion_high))
        return d


@dataclass(frozen=True, slots=True)
class Backwards:
    month: str  # the month planned
    target: float
    target_of: PlanOf
    months: tuple[str, ...]  # the trailing months the funnel is learnt from
    stages: tuple[Need, ...]  # funnel order: first stage ... paid
    average_deal: Need | None
    cpl: Need | None
    budget: Need | None

    def to_dict(self) -> dict[str, Any]:
        return {"month": self.month, "target": num(self.target), "target_of": self.target_of,
                "trailing_months": list(self.months),
                "stages": [s.to_dict() for s in self.stages],
                "average_deal": self.average_deal.to_dict() if self.average_deal else None,
                "cpl": self.cpl.to_dict() if self.cpl else None,
                "budget": self.budget.to_dict() if self.budget else None,
                "findings": list(self.findings("en")), "findings_ru": list(self.findings("ru"))}

    def findings(self, lang: str = "en") -> tuple[str, ...]:
        ru = lang == "ru"
        amount = _amount(self.target_of, lang)
        base = _months(self.months, lang)
        parts = [f"{s.label(lang)} {_need_text(s, lang)}" for s in self.stages
                 if s.value is not None]
        if self.budget is not None and self.budget.value is not None:
            parts.append(("маркетинговый бюджет " if ru else "marketing budget ")
                         + _need_text(self.budget, lang))
        head = (f"Для {amount(self.target)} за {_month(self.month, lang)} при воронке {base} "
                "нужно: " if ru else
                f"For {amount(self.target)} in {_month(self.month, lang)} at the funnel of "
                f"{base}: ")
        return (head + "; ".join(parts) + ".",)


# --- the months ----------------------------------------------------------------------------------

def next_month(period: str) -> str:
    return month_after(period, 1)


def check_month(text: str) -> str:
    """``YYYY-MM`` as given, or a PlanError saying what a month looks like."""
    parts = text.split("-")
    if (len(parts) != 2 or len(parts[0]) != 4 or len(parts[1]) != 2
            or not all(p.isdigit() for p in parts) or not 1 <= int(parts[1]) <= 12):
        raise PlanError.say("error.plan_bad_month", month=text)
    return text


def month_plans(summary: SummaryTable | None) -> tuple[dict[str, float], PlanOf | None]:
    """Each month's plan in a summary tab (the rows' plans added up) and what it plans."""
    if summary is None or summary.plan_of is None:
        return {}, None
    plans: dict[str, float] = {}
    for row in summary.rows:
        plan = row.money.get("plan")
        if plan is not None:
            key = f"{row.period:%Y-%m}"
            plans[key] = plans.get(key, 0.0) + plan
    return plans, summary.plan_of


def latest_planned(report: FunnelReport, plans: Mapping[str, float],
                   before: str | None = None) -> str | None:
    """The last complete month that has a plan (up to ``before``, inclusive)."""
    for p in reversed(report.periods):
        if p.complete and p.period in plans and (before is None or p.period <= before):
            return p.period
    return None


def _complete_before(report: FunnelReport, month: str, n: int) -> list[PeriodReport]:
    return [p for p in report.periods if p.complete and p.period < month][-n:]


def _count(p: PeriodReport, key: str) -> float | None:
    for s in p.stages:
        if s.key == key:
            return s.count.value
    return None


def _fact(p: PeriodReport, of: PlanOf, paid_key: str) -> float | None:
    return p.kpis["revenue"].value if of == "revenue" and "revenue" in p.kpis else (
        _count(p, paid_key) if of == "paid" else None)


# --- the gap split -------------------------------------------------------------------------------

def plan_gap(report: FunnelReport, month: str, plan: float, plan_of: PlanOf = "revenue"
             ) -> GapSplit:
    """Fact - plan of ``month`` split between the first stage's count, each step's conversion
    and (for a plan of revenue) the average deal. See the module's docstring."""
    try:
        period = report.period(check_month(month))
    except KeyError:
        raise PlanError.say("error.plan_no_month", month=month) from None
    if not math.isfinite(plan) or plan < 0:
        raise PlanError.say("error.plan_negative", month=month, plan=plan)
    if not period.complete:
        raise PlanError.say("error.plan_incomplete", month=month)
    baseline = _complete_before(report, month, GAP_BASELINE_MONTHS)
    if not baseline:
        raise PlanError.say("error.plan_no_baseline", month=month)
    stages = _chain(report.funnel, [period, *baseline])
    paid_key = stages[-1].key
    fact = _fact(period, plan_of, paid_key)
    if fact is None:
        raise (PlanError.say("error.plan_no_fact_revenue", month=month) if plan_of == "revenue"
               else PlanError.say("error.plan_no_fact_paid", month=month))
    expected = _expected(stages, baseline, plan, plan_of)
    counts = [_count(period, s.key) or 0.0 for s in stages]
    month_values: list[float | None] = [counts[0]]
    month_values += [c / b if b else None for b, c in itertools.pairwise(counts)]
    if plan_of == "revenue":
        revenue = period.kpis["revenue"].value or 0.0
        month_values.append(revenue / counts[-1] if counts[-1] else None)
    # 0 / 0 says nothing about that factor: it keeps its expected value (the zero before it
    # already makes the product 0)
    used = [e if x is None else x for x, e in zip(month_values, expected, strict=True)]
    parts = F.gap_split_lmdi(used, expected)
    method: Method = "lmdi"
    if parts is None:
        parts, method = F.gap_split_chain(used, expected), "chain"
    product = math.prod(used)
    unexplained = fact - product
    if abs(unexplained) <= TOLERANCE * max(abs(fact), abs(plan), 1.0):
        unexplained = 0.0
    drivers = tuple(Driver(key, en, ru, unit, x, e, v.value or 0.0) for (key, en, ru, unit), x, e, v
                    in zip(_factor_names(stages, plan_of), month_values, expected, parts,
                           strict=True))
    return GapSplit(month, plan_of, plan, fact, method, tuple(p.period for p in baseline),
                    drivers, unexplained)


def _chain(funnel: Sequence[Stage], months: Sequence[PeriodReport]) -> list[Stage]:
    """The funnel's stages counted in every one of the months. A middle stage not counted in
    one of them is left out (its neighbours' step spans it); the funnel's last stage never is:
    no other stage may stand in for it (a plan of payments against meetings)."""
    last = funnel[-1]
    for p in months:
        if _count(p, last.key) is None:
            raise PlanError.say("error.plan_no_last_stage", month=p.period, stage_en=last.en,
                                stage_ru=last.ru, key=last.key)
    stages = [s for s in funnel if all(_count(p, s.key) is not None for p in months)]
    if not stages:
        raise PlanError.say("error.plan_no_common_stage",
                            months=", ".join(p.period for p in months))
    return stages


def _sums(stages: Sequence[Stage], months: Sequence[PeriodReport]) -> list[float]:
    return [math.fsum(_count(p, s.key) or 0.0 for p in months) for s in stages]


def _expected(stages: Sequence[Stage], baseline: Sequence[PeriodReport], plan: float,
              plan_of: PlanOf) -> list[float]:
    sums = _sums(stages, baseline)
    months = ", ".join(p.period for p in baseline)
    if any(x <= 0 for x in sums):
        raise PlanError.say("error.plan_zero_stage", months=months)
    steps = [b / a for a, b in itertools.pairwise(sums)]
    deal: list[float] = []
    total = sums[-1]
    if plan_of == "revenue":
        revenue = [p.kpis["revenue"].value if "revenue" in p.kpis else None for p in baseline]
        if any(r is None for r in revenue) or not math.fsum(r or 0.0 for r in revenue):
            raise PlanError.say("error.plan_no_revenue", months=months)
        total = math.fsum(r or 0.0 for r in revenue)
        deal = [total / sums[-1]]
    volume = plan * sums[0] / total  # the volume that reaches the plan at these drivers
    return [volume, *steps, *deal]


def _factor_names(stages: Sequence[Stage], plan_of: PlanOf
                  ) -> list[tuple[str, str, str, Literal["count", "ratio", "money"]]]:
    first = stages[0]
    names: list[tuple[str, str, str, Literal["count", "ratio", "money"]]] = [
        (f"count:{first.key}", first.en, first.ru, "count")]
    names += [(f"step:{a.key}:{b.key}", f"{a.en} → {b.en}", f"{a.ru} → {b.ru}", "ratio")
              for a, b in itertools.pairwise(stages)]
    if plan_of == "revenue":
        names.append(("average_deal", "Average deal", "Средний чек", "money"))
    return names


# --- backwards from a target ---------------------------------------------------------------------

def backwards(report: FunnelReport, target: float, month: str | None = None,
              target_of: PlanOf = "revenue") -> Backwards:
    """The counts at every stage, the average deal, CPL and marketing budget ``month`` needs for
    ``target`` (revenue, or payments), from the trailing complete months. ``month`` defaults to
    the month after the last complete one. See the module's docstring."""
    if not math.isfinite(target) or target <= 0:
        raise PlanError.say("error.plan_target", target=target)
    if month is None:
        last = report.shown_period()
        if not last.complete:
            raise PlanError.say("error.plan_no_complete")
        month = next_month(last.period)
    trailing = _complete_before(report, check_month(month), BACKWARDS_MONTHS)
    key = "revenue" if target_of == "revenue" else None
    stages = _chain(report.funnel, trailing) if trailing else []
    paid_key = stages[-1].key if stages else ""
    usable = [p for p in trailing if (_fact(p, target_of, paid_key) or 0.0) > 0]
    if not usable:
        raise PlanError.say(f"error.plan_no_trailing_{'revenue' if key else 'paid'}",
                            month=month)
    facts = [_fact(p, target_of, paid_key) or 0.0 for p in usable]
    total = math.fsum(facts)
    rows = []
    previous: Stage | None = None
    for s in stages:
        counts = [_count(p, s.key) or 0.0 for p in usable]
        value = F.needed_for_target(target, math.fsum(counts), total).value
        each = [target * c / f for c, f in zip(counts, facts, strict=True)]
        conv: dict[str, float | None] = {}
        if previous is not None:
            before = [_count(p, previous.key) or 0.0 for p in usable]
            monthly = [c / b for c, b in zip(counts, before, strict=True) if b]
            conv = {"conversion": F.conversion(math.fsum(before), math.fsum(counts)).value,
                    "conversion_low": min(monthly, default=None),
                    "conversion_high": max(monthly, default=None)}
        rows.append(Need(s.key, s.en, s.ru, "count", value, min(each), max(each), **conv))
        previous = s
    return Backwards(month, float(target), target_of, tuple(p.period for p in usable), tuple(rows),
                     _deal_need(usable, facts, target_of), *_budget(report, usable, target, total,
                                                                   facts))


def _deal_need(usable: Sequence[PeriodReport], facts: Sequence[float], target_of: PlanOf
               ) -> Need | None:
    deals = [p.kpis["average_deal"].value for p in usable if "average_deal" in p.kpis]
    known = [d for d in deals if d is not None]
    if target_of != "revenue" or len(known) != len(usable):
        return None
    paid = math.fsum(f / d for f, d in zip(facts, known, strict=True) if d)
    pooled = math.fsum(facts) / paid if paid else None
    return Need("average_deal", "Average deal", "Средний чек", "money", pooled, min(known),
                max(known))


def _budget(report: FunnelReport, usable: Sequence[PeriodReport], target: float, total: float,
            facts: Sequence[float]) -> tuple[Need | None, Need | None]:
    leads_key = next((s.key for s in report.funnel if s.key == "leads"), report.funnel[0].key)
    spend: list[float] = []
    leads: list[float] = []
    for p in usable:
        cpl, n = p.kpis["cpl"].value if "cpl" in p.kpis else None, _count(p, leads_key)
        if cpl is None or n is None:
            return None, None  # a month without spend would make the budget look smaller
        spend.append(cpl * n)
        leads.append(n)
    cpls = [s / n for s, n in zip(spend, leads, strict=True) if n]
    cpl_need = Need("cpl", "CPL", "CPL", "money", F.cpl(math.fsum(spend), math.fsum(leads)).value,
                    min(cpls, default=None), max(cpls, default=None))
    each = [target * s / f for s, f in zip(spend, facts, strict=True)]
    budget = Need("budget", "Marketing budget", "Маркетинговый бюджет", "money",
                  F.needed_for_target(target, math.fsum(spend), total).value, min(each),
                  max(each))
    return cpl_need, budget


# --- text ----------------------------------------------------------------------------------------

def _amount(of: PlanOf, lang: str, currency: str | None = None) -> Any:
    if of == "revenue":
        return lambda x: T.money(x, lang, currency)
    return lambda x: T.count(x, lang)


def _month(period: str, lang: str) -> str:
    """"2026-10" as the findings name a month: "October 2026" / "октябрь 2026"."""
    year, month = period.split("-")[:2]
    return T.month(date(int(year), int(month), 1), lang)


def _months(periods: Sequence[str], lang: str) -> str:
    """A run of months: "July 2026–September 2026"."""
    if len(periods) > 1:
        return f"{_month(periods[0], lang)}–{_month(periods[-1], lang)}"
    return _month(periods[0], lang)


def signed(text: str, x: float | None) -> str:
    """A gap or a part as text with its sign: "+" before a gain (a loss's "-" is in the text)."""
    return "+" + text if x is not None and x > 0 else text


def need_value(x: float, unit: str) -> float:
    """A need as shown: a whole lead more, not a fraction short; money of a thousand or more
    without kopecks."""
    return math.ceil(x - 1e-9) if unit == "count" else _whole(x)


def _need_text(n: Need, lang: str) -> str:
    fmt = T.count if n.unit == "count" else T.money
    value = fmt(need_value(n.value, n.unit), lang) if n.value is not None else "—"
    if n.low is None or n.high is None:
        return value
    return (f"{value} ({fmt(need_value(n.low, n.unit), lang)}"
            f"–{fmt(need_value(n.high, n.unit), lang)})")


def _whole(x: float) -> float:
    """Money of a thousand or more without kopecks: a budget of 61,431.47 is 61,431."""
    return float(round(x)) if abs(x) >= 1000 else x
