"""The figures of one bucket (a month, the total, a segment): stage rows and scalar KPIs.

Which stage plays which part (see funnel_kpi.registry for the formulas):
- leads: the stage keyed "leads", else the first stage; paid: "paid", else the last stage;
- the handoff: the first sales stage right after a marketing stage; the step into it is sales';
- loss shares and the bottleneck look at the steps from the leads stage on, because visits
  before it are not leads (with traffic in the funnel, traffic -> leads would always be the
  "bottleneck" and hold nearly all "lost leads").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from funnel_kpi import formulas as F
from funnel_kpi.deals.types import StageTime
from funnel_kpi.model import Stage
from funnel_kpi.report.buckets import Bucket
from funnel_kpi.report.comparisons import change
from funnel_kpi.report.funnel_report import NA, Bottleneck, BottleneckStep, StageRow
from funnel_kpi.values import Value, undefined


@dataclass(frozen=True, slots=True)
class Layout:
    stages: tuple[Stage, ...]
    lead: int  # index of the leads stage
    paid: int  # index of the paid stage
    handoff: int | None  # index of the first sales stage after a marketing stage
    # Per customer, for the simple LTV: from the deal log's customer ids or set in funnel.toml
    # [ltv]; None when nobody knows it (the simple LTV is then not defined, never assumed).
    purchases_per_month: float | None
    lifetime_months: float | None = None  # set in funnel.toml [ltv]; else 1 / churn

    @staticmethod
    def of(stages: Sequence[Stage], purchases_per_month: float | None = None,
           lifetime_months: float | None = None) -> Layout:
        keys = [s.key for s in stages]
        handoff = next((i for i in range(1, len(stages))
                        if stages[i].owner == "sales" and stages[i - 1].owner == "marketing"),
                       None)
        return Layout(
            stages=tuple(stages),
            lead=keys.index("leads") if "leads" in keys else 0,
            paid=keys.index("paid") if "paid" in keys else len(keys) - 1,
            handoff=handoff,
            purchases_per_month=purchases_per_month,
            lifetime_months=lifetime_months,
        )

    @property
    def paid_key(self) -> str:
        return self.stages[self.paid].key

    @property
    def bottleneck_start(self) -> int:
        """First stage of the steps the bottleneck and loss shares look at."""
        return self.lead if self.lead < len(self.stages) - 1 else 0


# Undefined values every bucket has: shared, as values are immutable (a report has thousands).
MISSING = undefined("missing_input")
NO_PREVIOUS = undefined("no_previous_period")
NOT_IN_PROGRESS = undefined("not_in_progress")
NOT_A_MONTH = undefined("not_a_month")


def known(x: float | None) -> Value:
    return Value(x) if x is not None else MISSING


Counts = Mapping[str, Value] | None


def stage_rows(layout: Layout, bucket: Bucket,
               times: Mapping[str, StageTime] | None = None, *,
               earlier: tuple[Counts, Counts] | None = None) -> tuple[StageRow, ...]:
    """The rows of a bucket; with ``earlier`` (a month's: the stage counts of the month before
    and of the year before, None where there is no such month), each count's MoM and YoY."""
    counts = [bucket.count(s.key) for s in layout.stages]
    spend = bucket.get("spend")
    first = counts[0] if counts else None
    before, year_before = earlier if earlier is not None else (None, None)
    rows = []
    prev: float | None = None
    for i, s in enumerate(layout.stages):  # 250 rows in a 24-month report: plain and positional
        n = counts[i]
        count = Value(n) if n is not None else MISSING
        mom = yoy = None
        if earlier is not None:
            mom = change(count, before.get(s.key) if before is not None else None,
                         "no_previous_period")
            yoy = change(count, year_before.get(s.key) if year_before is not None else None,
                         "no_year_before")
        if i:
            step = F.conversion(prev, n)
            drop, drop_rate = F.drop_off(prev, n), F.lost_share(step)  # step computed once
        else:
            step = drop = drop_rate = NA
        avg = median = None
        if times is not None:
            t = times.get(s.key)
            avg, median = (t.mean_days, t.median_days) if t else (NA, NA)
        rows.append(StageRow(s.key, s.en, s.ru, s.owner, count, step, F.conversion(first, n),
                             drop, drop_rate, F.cost_per_unit(spend, n), avg, median, mom, yoy))
        prev = n
    return tuple(rows)


def _department_conversions(layout: Layout, c: Sequence[float | None]) -> dict[str, Value]:
    h = layout.handoff
    if h is not None:
        return {"marketing_conversion": F.conversion(c[0], c[h - 1]),
                "handoff_acceptance": F.conversion(c[h - 1], c[h]),
                "sales_conversion": F.conversion(c[h], c[-1])}
    owners = {s.owner for s in layout.stages}
    whole = F.overall_conversion(c)
    return {"marketing_conversion": whole if owners == {"marketing"} else undefined("no_handoff"),
            "handoff_acceptance": undefined("no_handoff"),
            "sales_conversion": whole if owners == {"sales"} else undefined("no_handoff")}


def period_kpis(layout: Layout, bucket: Bucket) -> dict[str, Value]:
    """Every period-scope KPI computable from the bucket alone (growth, run rate, seasonal
    index and LTV:CAC are set by compute, which sees other periods and the deal log)."""
    c = [bucket.count(s.key) for s in layout.stages]
    leads, paid = c[layout.lead], c[layout.paid]
    spend, revenue = bucket.get("spend"), bucket.get("revenue")
    customers = bucket.get("customers")
    margin = bucket.margin if bucket.margin_given else 1.0

    start = layout.bottleneck_start
    losses = [d.value for d in F.drop_offs(c[start:])]
    owners = [s.owner for s in layout.stages[start + 1:]]
    shares = F.loss_shares(losses, owners)

    k: dict[str, Value] = {
        "overall_conversion": F.overall_conversion(c),
        "lead_to_payment_conversion": F.conversion(leads, paid),
        **_department_conversions(layout, c),
        "marketing_loss_share": shares["marketing"],
        "sales_loss_share": shares["sales"],
        "lost_leads_cost": F.lost_leads_cost(spend, leads, paid),
        "cpl": F.cpl(spend, leads),
        "cac": F.cac(spend, paid, bucket.get("sales_cost")),
        "new_customers": known(paid),
        "revenue": known(revenue),
    }
    k["average_deal"] = F.average_deal(revenue, paid)
    k["revenue_growth"] = NO_PREVIOUS
    k["average_deal_growth"] = NO_PREVIOUS
    k["plan_fact"] = F.plan_fact(bucket.plan_fact, bucket.plan)
    k["run_rate_projection"] = NOT_IN_PROGRESS

    churn = F.churn_rate(bucket.get("churned"), customers)
    arpu = F.arpu(revenue, customers)
    if layout.lifetime_months is not None:
        lifetime = Value(layout.lifetime_months)
    elif churn.value is None:
        lifetime = churn
    elif churn.value == 0:
        lifetime = undefined("zero_churn")
    else:
        lifetime = Value(1 / churn.value)
    if layout.purchases_per_month is None:
        k["ltv_simple"] = undefined("no_purchase_frequency")
    else:
        k["ltv_simple"] = (
            F.ltv(k["average_deal"].value, layout.purchases_per_month, lifetime.value, margin)
            if lifetime.value is not None and k["average_deal"].value is not None
            else undefined(lifetime.reason or k["average_deal"].reason or "missing_input"))
    k["ltv"] = MISSING  # the headline: set by finish_kpis
    k["ltv_contractual"] = F.ltv_contractual(arpu.value, churn.value, margin)
    k["ltv_cac"] = MISSING  # set by finish_kpis
    k["payback_months"] = F.payback_months(k["cac"].value, arpu.value, margin)
    k["churn_rate"] = churn
    k["seasonal_index"] = NOT_A_MONTH
    return k


LTV_METHODS = ("ltv_historical", "ltv_contractual", "ltv_simple")  # the headline's order


def finish_kpis(k: dict[str, Value]) -> None:
    """One LTV headline, and LTV:CAC from it: historical from the deal log where there is one
    (what customers really paid), else contractual (ARPU x margin / churn), else the simple
    formula, only when its purchase frequency is known (funnel_kpi.report.figures.Layout)."""
    method = ltv_method(k)
    ltv = k[method] if method is not None else undefined(
        k.get("ltv_simple", MISSING).reason or "missing_input")
    k["ltv"] = ltv
    k["ltv_cac"] = (F.ltv_cac(ltv.value, k["cac"].value) if ltv.value is not None
                    else undefined(ltv.reason or "missing_input"))


def ltv_method(k: Mapping[str, Value]) -> str | None:
    """Which LTV the headline is: the first of LTV_METHODS that is defined."""
    return next((i for i in LTV_METHODS if i in k and k[i].value is not None), None)


def bottleneck(layout: Layout, rows: Sequence[StageRow],
               previous: Sequence[StageRow] | None) -> Bottleneck | None:
    """Lowest step conversion and largest loss from the leads stage on, with the change of the
    same step against the previous period (in ratio points, resp. in leads)."""
    start = layout.bottleneck_start
    steps = rows[start + 1:]
    picked = F.bottleneck([r.step_conversion for r in steps], [r.drop_off for r in steps])
    prev = {r.key: r for r in previous} if previous is not None else {}

    def step(i: int | None, attr: str) -> BottleneckStep | None:
        if i is None:
            return None
        row = steps[i]
        value: Value = getattr(row, attr)
        before = prev.get(row.key)
        change = (F.growth(value.value, getattr(before, attr).value)[0] if before is not None
                  else undefined("no_previous_period"))
        return BottleneckStep(rows[start + i].key, row.key, row.owner, value, change)

    low, loss = step(picked.lowest_conversion, "step_conversion"), step(picked.largest_loss,
                                                                        "drop_off")
    return Bottleneck(low, loss) if low is not None or loss is not None else None
