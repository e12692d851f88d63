"""Plain sentences about the latest complete month, in English and Russian.

Only a month that is neither in progress nor a pending cohort is described, so a young cohort's
open deals are never called losses. The sentences: the bottleneck, the largest loss (when it is
another step), marketing vs sales, plan/fact, the pace of the month in progress, and the biggest
mover against the previous month.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date

from funnel_kpi.registry import REGISTRY
from funnel_kpi.report import textfmt as fmt
from funnel_kpi.report.funnel_report import BottleneckStep, Change, PeriodReport
from funnel_kpi.report.noise import is_noise, usual_move
from funnel_kpi.report.verdicts import NO_VERDICTS, SegmentVerdict, StepControl, Verdicts
from funnel_kpi.values import Value

# KPIs whose month-over-month move is worth a sentence (plus every stage count).
MOVER_KPIS = ("revenue", "average_deal", "cpl", "cac", "new_customers", "overall_conversion",
              "lead_to_payment_conversion", "marketing_conversion", "handoff_acceptance",
              "sales_conversion", "churn_rate", "ltv")  # not win rate: a young cohort's is low
SMALL_SAMPLE = 30  # below this many, the bottleneck sentence shows the 95% interval

T = {
    "bottleneck": ("{month}: the bottleneck is {a} → {b}: {pct} ({n_b} of {n_a}); "
                   "{who} loses {lost} here{ci}{change}.",
                   "{month}: узкое место — {a} → {b}: {pct} ({n_b} из {n_a}); "
                   "здесь {who} {lost}{ci}{change}."),
    "change": ("; {pp} against the previous month", "; {pp} к прошлому месяцу"),
    "ci": (" (few data: 95% interval {lo}–{hi})", " (мало данных: 95 % интервал {lo}–{hi})"),
    "grows": ("{month}: {b} ({n_b}) is more than {a} ({n_a}): the counts come from different "
              "cohorts or months, so this step is not a conversion.",
              "{month}: {b} ({n_b}) больше, чем {a} ({n_a}): числа из разных когорт или "
              "месяцев, этот шаг — не конверсия."),
    "loss": ("The largest loss is at {a} → {b}: {lost} did not go on ({owner}).",
             "Больше всего теряется на шаге {a} → {b}: {lost} не прошли дальше ({owner})."),
    "shares": ("Marketing loses {m} of lost leads, sales {s}.",
               "Маркетинг теряет {m} потерянных лидов, продажи — {s}."),
    "plan_revenue": ("Revenue reached {pct} of plan ({fact} of {plan}).",
                     "Выручка — {pct} плана ({fact} из {plan})."),
    "plan_count": ("Paid deals reached {pct} of plan ({fact} of {plan}).",
                   "Оплаты — {pct} плана ({fact} из {plan})."),
    "pace": ("{month} is in progress: at the current pace it ends at {proj}{of_plan}.",
             "{month} ещё идёт: при нынешнем темпе выйдет {proj}{of_plan}."),
    "of_plan": (" ({pct} of plan)", " ({pct} плана)"),
    "mover": ("Biggest change against the previous month: {name} {rel} ({prev} → {cur}).",
              "Самое большое изменение к прошлому месяцу: {name} {rel} ({prev} → {cur})."),
    "none": ("There is no complete month yet; the figures are partial.",
             "Полного месяца в данных ещё нет; показатели неполные."),
    "days": ("{x} days", "{x} дн."),
    "months": ("{x} months", "{x} мес."),
}
# Who loses at a step: the subject of "loses" in the bottleneck sentence, and the owner's name.
WHO = ({"marketing": "marketing", "sales": "sales"},
       {"marketing": "маркетинг теряет", "sales": "продажи теряют"})
OWNER = ({"marketing": "marketing", "sales": "sales"},
         {"marketing": "маркетинг", "sales": "продажи"})


def _t(key: str, lang: str) -> str:
    en, ru = T[key]
    return ru if lang == "ru" else en


@dataclass(frozen=True, slots=True)
class Month:
    """One month for the sentences, with the money behind plan/fact that KPIs do not carry."""

    start: date
    report: PeriodReport
    plan: float | None = None
    fact: float | None = None


@dataclass(frozen=True, slots=True)
class FindingInputs:
    labels: dict[str, tuple[str, str]]  # stage key -> (en, ru)
    latest: Month | None  # latest complete month
    in_progress: Month | None
    fact_is_revenue: bool
    currency: str | None = None
    history: tuple[PeriodReport, ...] = ()  # the complete months before ``latest``, in order
    verdicts: Verdicts = NO_VERDICTS  # segments against the rest, steps against their limits


def value_text(x: float, unit: str, lang: str, currency: str | None = None) -> str:
    if unit == "ratio":
        return fmt.percent(x, lang)
    if unit == "money":
        return fmt.money(x, lang, currency)
    if unit in ("days", "months"):
        return _t(unit, lang).format(x=fmt.number(x, lang, 1))
    if unit == "times":
        return fmt.number(x, lang, 2)
    return fmt.count(x, lang)


def _label(inp: FindingInputs, key: str, lang: str) -> str:
    en, ru = inp.labels.get(key, (key, key))
    return ru if lang == "ru" else en


def _bottleneck(inp: FindingInputs, m: Month, step: BottleneckStep, lang: str) -> str:
    a, b = m.report.stage(step.from_key), m.report.stage(step.to_key)
    v = step.value
    ci = ""
    if v.n is not None and v.n < SMALL_SAMPLE and v.low is not None and v.high is not None:
        ci = _t("ci", lang).format(lo=fmt.percent(v.low, lang), hi=fmt.percent(v.high, lang))
    change = ""
    if step.change_vs_previous.value is not None:
        change = _t("change", lang).format(pp=fmt.points(step.change_vs_previous.value, lang))
    lost = b.drop_off.value
    if lost is not None and lost < 0:  # never a negative loss: the step grows
        return _grows(inp, m, a.key, b.key, lang)
    return _t("bottleneck", lang).format(
        month=fmt.month(m.start, lang).capitalize(), a=_label(inp, a.key, lang),
        b=_label(inp, b.key, lang), pct=fmt.percent(v.value or 0.0, lang),
        n_b=fmt.count(b.count.value or 0.0, lang), n_a=fmt.count(a.count.value or 0.0, lang),
        who=WHO[lang == "ru"][step.owner],
        lost=fmt.count(lost, lang) if lost is not None else "?", ci=ci, change=change)


def _grows(inp: FindingInputs, m: Month, a_key: str, b_key: str, lang: str) -> str:
    a, b = m.report.stage(a_key), m.report.stage(b_key)
    return _t("grows", lang).format(
        month=fmt.month(m.start, lang).capitalize(), a=_label(inp, a.key, lang),
        b=_label(inp, b.key, lang), n_b=fmt.count(b.count.value or 0.0, lang),
        n_a=fmt.count(a.count.value or 0.0, lang))


def _growing_step(inp: FindingInputs, m: Month, lang: str) -> str | None:
    """The first step of the month whose stage counts more than the stage before it."""
    rows = m.report.stages
    for before, after in itertools.pairwise(rows):
        if after.drop_off.value is not None and after.drop_off.value < 0:
            return _grows(inp, m, before.key, after.key, lang)
    return None


Mover = tuple[str, str, Value, Change]  # (key, unit, current value, change): no words yet


def _lookup(p: PeriodReport) -> dict[str, Value]:
    """A month's KPIs and its stage counts (as "stage_count.<stage key>") by key."""
    return {**p.kpis, **{f"stage_count.{s.key}": s.count for s in p.stages}}


def _noise(history: list[dict[str, Value]], key: str, unit: str, current: Value,
           change: Change) -> bool:
    """A move no larger than the KPI's usual month-to-month move, or a rate whose Wilson
    interval overlaps last month's (funnel_kpi.report.noise), is no headline: the dashboard's
    arrows use the same rule. ``key``: a KPI id, or "stage_count.<stage key>"; ``history``:
    the complete months before, by ``_lookup``."""
    relative = unit != "ratio"
    series = [m.get(key) for m in history]
    usual = usual_move([v.value if v is not None else None for v in series], relative)
    before = series[-1] if series else None
    intervals = None
    if (before is not None and current.low is not None and current.high is not None
            and before.low is not None and before.high is not None):
        intervals = ((current.low, current.high), (before.low, before.high))
    return is_noise(change.rel.value if relative else change.abs.value, usual,
                    intervals=intervals)


def _mover(inp: FindingInputs, r: PeriodReport) -> Mover | None:
    """The largest relative move beyond noise, in either language (the words come after)."""
    candidates: list[Mover] = [(f"stage_count.{s.key}", "count", s.count, s.count_mom)
                               for s in r.stages if s.count_mom is not None]
    for kpi_id in MOVER_KPIS:
        if kpi_id in r.kpis and kpi_id in r.mom:
            candidates.append((kpi_id, REGISTRY[kpi_id].unit, r.kpis[kpi_id], r.mom[kpi_id]))
    history = [_lookup(p) for p in inp.history]
    defined = [c for c in candidates if c[2].value is not None and c[3].abs.value is not None
               and c[3].rel.value is not None
               # a rate over 100 % (or one that was) is no conversion: never a headline
               and not (c[1] == "ratio" and max(c[2].value, c[2].value - c[3].abs.value) > 1)
               and not _noise(history, *c)]
    if not defined:
        return None
    return max(defined, key=lambda c: abs(c[3].rel.value or 0.0))


def _mover_text(inp: FindingInputs, mover: Mover, lang: str) -> str:
    """The mover's sentence; a ratio's move is told in percentage points."""
    key, unit, cur, ch = mover
    name = (_label(inp, key.split(".", 1)[1], lang) if key.startswith("stage_count.")
            else REGISTRY[key].name(lang))
    now, diff, rel = cur.value or 0.0, ch.abs.value or 0.0, ch.rel.value or 0.0
    moved = fmt.points(diff, lang) if unit == "ratio" else fmt.percent(rel, lang, signed=True)
    return _t("mover", lang).format(
        name=name, rel=moved, prev=value_text(now - diff, unit, lang, inp.currency),
        cur=value_text(now, unit, lang, inp.currency))


def findings_en_ru(inp: FindingInputs) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(findings(inp, "en"), findings(inp, "ru"))``, the biggest mover found once."""
    mover = _mover(inp, inp.latest.report) if inp.latest is not None else None
    return _findings(inp, "en", mover), _findings(inp, "ru", mover)


def findings(inp: FindingInputs, lang: str = "en") -> tuple[str, ...]:
    return _findings(inp, lang, _mover(inp, inp.latest.report) if inp.latest else None)


def _findings(inp: FindingInputs, lang: str, mover: Mover | None) -> tuple[str, ...]:
    out: list[str] = []
    m = inp.latest
    if m is None:
        out.append(_t("none", lang))
    else:
        r = m.report
        b = r.bottleneck
        grows = _growing_step(inp, m, lang)
        if grows is not None:
            out.append(grows)
        if b is not None and b.lowest_conversion is not None:
            sentence = _bottleneck(inp, m, b.lowest_conversion, lang)
            if sentence != grows:
                out.append(sentence)
        low = b.lowest_conversion if b is not None else None
        loss = b.largest_loss if b is not None else None
        if loss is not None and loss.value.value is not None and (
                low is None or (loss.from_key, loss.to_key) != (low.from_key, low.to_key)):
            out.append(_t("loss", lang).format(
                a=_label(inp, loss.from_key, lang), b=_label(inp, loss.to_key, lang),
                lost=fmt.count(loss.value.value, lang),
                owner=OWNER[lang == "ru"][loss.owner]))
        ms, ss = r.kpis.get("marketing_loss_share"), r.kpis.get("sales_loss_share")
        if ms is not None and ss is not None and ms.value is not None and ss.value is not None:
            out.append(_t("shares", lang).format(m=fmt.percent(ms.value, lang, 0),
                                                 s=fmt.percent(ss.value, lang, 0)))
        pf = r.kpis.get("plan_fact")
        if pf is not None and pf.value is not None and m.plan is not None and m.fact is not None:
            unit = "money" if inp.fact_is_revenue else "count"
            out.append(_t("plan_revenue" if inp.fact_is_revenue else "plan_count", lang).format(
                pct=fmt.percent(pf.value, lang), fact=value_text(m.fact, unit, lang, inp.currency),
                plan=value_text(m.plan, unit, lang, inp.currency)))
        if mover is not None:
            out.append(_mover_text(inp, mover, lang))
    out.extend(_verdicts(inp, lang))
    out.extend(_pace(inp, lang))
    return tuple(out)


def _pace(inp: FindingInputs, lang: str) -> list[str]:
    m = inp.in_progress
    proj = m.report.kpis.get("run_rate_projection") if m is not None else None
    if m is None or proj is None or proj.value is None:
        return []
    unit = "money" if inp.fact_is_revenue else "count"
    of_plan = ""
    if m.plan:
        of_plan = _t("of_plan", lang).format(pct=fmt.percent(proj.value / m.plan, lang))
    return [_t("pace", lang).format(month=fmt.month(m.start, lang).capitalize(),
                                    proj=value_text(proj.value, unit, lang, inp.currency),
                                    of_plan=of_plan)]


V = {
    "segment": ("{field} {name}: {rate} {pct} ({x} of {n}) is {side} the rest's {rest} "
                "({xr} of {nr}); two-proportion z-test, p {p} after Holm's correction.",
                "{field} {name}: {rate} {pct} ({x} из {n}) {side}, чем у остальных, — {rest} "
                "({xr} из {nr}); z-тест двух долей, p {p} с поправкой Холма."),
    "better": ("above", "выше"), "worse": ("below", "ниже"),
    "step": ("{a} → {b}: {pct} in {month} is {side} its usual range {lo}–{hi} "
             "(p-chart, {months} months).",
             "{a} → {b}: {pct} в {month} — {side} обычного диапазона {lo}–{hi} "
             "(p-карта, {months} мес.)."),
    "below": ("below", "ниже"), "above": ("above", "выше"),
}
FIELDS = {"manager": ("Manager", "Менеджер"), "channel": ("Channel", "Канал")}
MONTHS_RU_IN = ("январе", "феврале", "марте", "апреле", "мае", "июне", "июле", "августе",
                "сентябре", "октябре", "ноябре", "декабре")


def _v(key: str, lang: str) -> str:
    return V[key][lang == "ru"]


def _verdicts(inp: FindingInputs, lang: str) -> list[str]:
    """A segment better or worse than the rest, a step outside its control limits
    (funnel_kpi.report.verdicts); "no difference found" and "not enough data" are no finding."""
    out = []
    for f in inp.verdicts.findings():
        if isinstance(f, SegmentVerdict):
            out.append(_segment_sentence(f, lang))
        elif isinstance(f, StepControl) and f.outside is not None:
            out.append(_step_sentence(inp, f, lang))
    return out


def _segment_sentence(s: SegmentVerdict, lang: str) -> str:
    field = FIELDS.get(s.field, (s.field.capitalize(),) * 2)[lang == "ru"]
    rest = s.rest_value
    return _v("segment", lang).format(
        field=field, name=s.segment, rate=REGISTRY[s.rate].name(lang).lower(),
        pct=fmt.percent(s.value, lang), x=fmt.count(round(s.successes, 1), lang),
        n=fmt.count(s.n, lang), side=_v(s.verdict, lang),
        rest=fmt.percent(rest, lang) if rest is not None else "?",
        xr=fmt.count(round(s.rest_successes, 1), lang), nr=fmt.count(s.rest_n, lang),
        p=_p_text(s.p_adjusted or 0.0, lang))


def _p_text(p: float, lang: str) -> str:
    return ("< " + fmt.number(0.001, lang, 3) if p < 0.001
            else "= " + fmt.number(p, lang, 3))


def _step_sentence(inp: FindingInputs, c: StepControl, lang: str) -> str:
    start = date.fromisoformat(c.period + "-01")
    month = (f"{MONTHS_RU_IN[start.month - 1]} {start.year}" if lang == "ru"
             else fmt.month(start, lang))
    return _v("step", lang).format(
        a=_label(inp, c.from_key, lang), b=_label(inp, c.to_key, lang),
        pct=fmt.percent(c.value, lang), month=month, side=_v(c.outside or "below", lang),
        lo=fmt.number(c.low * 100, lang, 1), hi=fmt.percent(c.high, lang), months=c.months)
