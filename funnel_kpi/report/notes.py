"""The report's notes: what the reader must know to trust the numbers, in English and Russian.

A note appears only when it applies: guessed stages, implied stage passages, pending cohorts,
the month in progress, which source each figure came from, what plan/fact compares, and the
assumptions behind LTV.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from funnel_kpi.deals.types import DealAnalysis
from funnel_kpi.inputs import SummaryTable
from funnel_kpi.model import Stage
from funnel_kpi.report import textfmt as fmt
from funnel_kpi.report.figures import Layout
from funnel_kpi.report.funnel_report import PeriodReport

T = {
    "inferred": ("The stages were read from the tab's columns, left to right; their owners "
                 "(marketing or sales) are guessed, so check them.",
                 "Стадии взяты из столбцов вкладки слева направо; владельцы стадий (маркетинг или "
                 "продажи) угаданы — проверьте их."),
    "both": ("Stage counts and money come from the summary tab '{s}'; win rate, times, forecast "
             "and historical LTV come from the deal log '{d}'.",
             "Количества и деньги взяты из сводной вкладки «{s}»; доля выигранных, сроки, прогноз "
             "и исторический LTV — из журнала сделок «{d}»."),
    "unmatched": ("The deal log has cohorts of months the summary tab lacks ({months}); "
                  "they count only in the deal-log figures of the total.",
                  "В журнале сделок есть когорты месяцев, которых нет в сводной вкладке "
                  "({months}); они учтены только в показателях журнала за весь период."),
    "implied": ("{n} stage passages were counted because the deal reached a later stage: a deal "
                "that reached a later stage counts as having passed the earlier ones.",
                "{n} прохождений стадий засчитано потому, что сделка дошла до более поздней "
                "стадии: такая сделка считается прошедшей все предыдущие."),
    "pending": ("The cohorts of {months} are younger than the median sales cycle ({days} days): "
                "their open deals are not counted as lost.",
                "Когорты {months} моложе медианного цикла сделки ({days} дн.): их открытые "
                "сделки не считаются проигранными."),
    "before_leads": ("Steps before {leads} are left out of the bottleneck and of the marketing "
                     "and sales shares of lost leads: a visit is not a lead.",
                     "Шаги до стадии «{leads}» не входят в узкое место и в доли потерь "
                     "маркетинга и продаж: визит — ещё не лид."),
    "shares": ("A step's lost leads count against the owner of the stage it leads to; the "
               "handoff step ({a} → {b}) is sales', since sales declined them.",
               "Потери шага относятся к владельцу стадии, в которую он ведёт; шаг передачи "
               "({a} → {b}) — зона продаж, ведь это продажи не приняли лидов."),
    "plan_revenue": ("Plan/fact compares revenue with the plan.",
                     "План/факт сравнивает выручку с планом."),
    "plan_count": ("There is no revenue column: plan/fact compares the number of paid deals "
                   "with the plan.",
                   "Столбца выручки нет: план/факт сравнивает число оплат с планом."),
    "margin": ("No margin in the data: LTV and payback use revenue as if the margin were 100%.",
               "Маржи в данных нет: LTV и окупаемость считаются по выручке, как при марже "
               "100 %."),
    "ppm_log": ("Simple LTV uses {x} purchases per customer per month, from the deal log's "
                "customer ids.",
                "Простой LTV использует {x} покупки на клиента в месяц по идентификаторам "
                "клиентов в журнале сделок."),
    "ppm_config": ("Simple LTV uses {x} purchases per customer per month, set in funnel.toml "
                   "[ltv].",
                   "Простой LTV использует {x} покупки на клиента в месяц, заданные в "
                   "funnel.toml [ltv]."),
    "ltv_method": ("LTV is the {method} LTV; LTV:CAC uses the same.",
                   "LTV — {method}; LTV:CAC считается по нему же."),
    "in_progress": ("{month} is in progress (day {d} of {n}): its figures are partial; the "
                    "run-rate projection extends them to the whole month.",
                    "{month} ещё идёт (день {d} из {n}): показатели неполные; прогноз по темпу "
                    "продлевает их на весь месяц."),
}


_METHOD = {"ltv_historical": ("historical (payments per customer in the deal log)",
                             "исторический (оплаты на клиента в журнале сделок)"),
           "ltv_contractual": ("contractual (ARPU x margin / churn)",
                               "контрактный (ARPU x маржа / отток)"),
           "ltv_simple": ("simple (average deal x purchases per month x lifetime x margin)",
                          "простой (средний чек x покупок в месяц x срок жизни x маржа)")}


def _t(key: str, lang: str) -> str:
    en, ru = T[key]
    return ru if lang == "ru" else en


@dataclass(frozen=True, slots=True)
class NoteFacts:
    stages: tuple[Stage, ...]
    funnel_inferred: bool
    layout: Layout
    summary: SummaryTable | None
    analysis: DealAnalysis | None
    periods: tuple[PeriodReport, ...]
    total: PeriodReport
    fact_is_revenue: bool
    purchases_from_log: bool
    today: date
    unmatched_cohorts: Sequence[date] = ()
    deal_log_tab: str | None = None


def _defined_anywhere(f: NoteFacts, kpi_ids: Sequence[str]) -> bool:
    return any(p.kpis[i].value is not None for p in (*f.periods, f.total)
               for i in kpi_ids if i in p.kpis)


def _months(ds: Sequence[date], lang: str) -> str:
    return ", ".join(fmt.month(d, lang) for d in ds)


def notes(f: NoteFacts, lang: str = "en") -> tuple[str, ...]:
    out: list[str] = []
    lay, a = f.layout, f.analysis
    if f.funnel_inferred:
        out.append(_t("inferred", lang))
    if f.summary is not None and a is not None:
        out.append(_t("both", lang).format(s=f.summary.tab, d=f.deal_log_tab or ""))
        if f.unmatched_cohorts:
            out.append(_t("unmatched", lang).format(months=_months(f.unmatched_cohorts, lang)))
    if a is not None and a.implied_passages:
        out.append(_t("implied", lang).format(n=a.implied_passages))
    pending = [date.fromisoformat(p.period + "-01") for p in f.periods if p.pending]
    if pending:
        days = fmt.number(a.median_cycle_days, lang, 0) if a and a.median_cycle_days else "?"
        out.append(_t("pending", lang).format(months=_months(pending, lang), days=days))
    if lay.bottleneck_start > 0:
        out.append(_t("before_leads", lang).format(leads=lay.stages[lay.lead].label(lang)))
    if lay.handoff is not None and _defined_anywhere(f, ("sales_loss_share",)):
        out.append(_t("shares", lang).format(a=lay.stages[lay.handoff - 1].label(lang),
                                             b=lay.stages[lay.handoff].label(lang)))
    if _defined_anywhere(f, ("plan_fact",)):
        out.append(_t("plan_revenue" if f.fact_is_revenue else "plan_count", lang))
    ltv_like = ("ltv", "ltv_contractual", "payback_months")
    if _defined_anywhere(f, ltv_like):
        if not (f.summary is not None and any(r.money.get("margin") is not None
                                              for r in f.summary.rows)):
            out.append(_t("margin", lang))
        method = next((m for m in ("ltv_historical", "ltv_contractual", "ltv_simple")
                       if _defined_anywhere(f, (m,))), None)
        if method is not None:
            out.append(_t("ltv_method", lang).format(method=_METHOD[method][lang == "ru"]))
        if method == "ltv_simple" and lay.purchases_per_month is not None:
            out.append(_t("ppm_log" if f.purchases_from_log else "ppm_config", lang).format(
                x=fmt.number(lay.purchases_per_month, lang, 2)))
    current = f.today.replace(day=1)
    if any(p.in_progress for p in f.periods):
        length = calendar.monthrange(current.year, current.month)[1]
        out.append(_t("in_progress", lang).format(month=fmt.month(current, lang).capitalize(),
                                                  d=f.today.day, n=length))
    return tuple(out)
