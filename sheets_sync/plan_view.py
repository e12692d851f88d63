"""The plan of ``sheets-sync plan`` and ``POST /api/v1/plan``: the last planned month's gap split
and what the month planned needs, as JSON values and as terminal text (funnel_kpi.report.plan)."""

from __future__ import annotations

from typing import Any

from funnel_kpi import (
    Analysis,
    GapSplit,
    PlanError,
    PlanOf,
    backwards,
    check_month,
    latest_planned,
    month_plans,
    need_value,
    next_month,
    plan_gap,
    plan_section,
    text,
    textfmt,
)
from funnel_kpi.errors import Param, param_text, phrase
from sheets_sync.text_report import status_lines, table


def plan_dict(analysis: Analysis, *, target: float | None = None, month: str | None = None,
              target_of: PlanOf = "revenue") -> dict[str, Any]:
    """The month planned (``month``, else the one after the last complete month), what it needs
    for ``target`` (else for its plan in the sheet), and the gap split of the last complete
    month with a plan up to it. A part that cannot be made says why in its ``*_note``; a
    PlanError only when neither can."""
    report = analysis.report
    plans, plan_of = month_plans(analysis.parsed.summary)
    if month is not None:
        planned = check_month(month)
    else:
        last = report.shown_period()
        if not last.complete:
            raise PlanError.say("error.plan_nothing_complete")
        planned = next_month(last.period)
    out: dict[str, Any] = {"status": report.status,
                           "status_reasons": list(report.status_reasons("en")),
                           "status_reasons_ru": list(report.status_reasons("ru")),
                           "month": planned, "gap": None, "gap_note": None, "gap_note_ru": None,
                           "backwards": None, "backwards_note": None,
                           "backwards_note_ru": None}
    gap_why: Param = None  # why a part cannot be made, said as its note
    back_why: Param = None
    gap_month = latest_planned(report, plans, before=planned)
    if gap_month is None or plan_of is None:
        gap_why = (phrase("error.note_no_planned_month", month=planned) if plans
                   else phrase("error.note_no_plan_column"))
    else:
        try:
            out["gap"] = plan_gap(report, gap_month, plans[gap_month], plan_of).to_dict()
        except PlanError as e:
            gap_why = e
    if target is None and plan_of is not None and planned in plans:
        target, target_of = plans[planned], plan_of  # the sheet's plan of that month
    if target is None:
        back_why = phrase("error.note_give_target", month=planned)
    else:
        try:
            out["backwards"] = backwards(report, target, planned, target_of).to_dict()
        except PlanError as e:
            back_why = e
    # each note in English and in Russian, as the status reasons are
    if gap_why is not None:
        out["gap_note"], out["gap_note_ru"] = param_text(gap_why), param_text(gap_why, "ru")
    if back_why is not None:
        out["backwards_note"] = param_text(back_why)
        out["backwards_note_ru"] = param_text(back_why, "ru")
    if out["gap"] is None and out["backwards"] is None:
        raise PlanError.say("error.plan_neither", gap=gap_why, backwards=back_why)
    return out


def plan_text(d: dict[str, Any], lang: str = "en") -> str:
    ru = lang == "ru"
    parts = [status_lines(d["status"], d["status_reasons_ru" if ru else "status_reasons"], lang)]
    gap = d.get("gap")
    if gap is not None:
        section = plan_section(GapSplit.from_dict(gap), lang)
        parts.append(text("plan_and_fact", lang, month=gap["month"]))
        parts.append(table([list(plan_head(lang)), *section.rows()]))
        parts.append("\n".join(section.findings))
    elif d.get("gap_note"):
        parts.append(text("plan_gap_note", lang, note=d.get("gap_note_ru" if ru else "gap_note")
                          or d["gap_note"]))
    back = d.get("backwards")
    if back is not None:
        unit = "money" if back["target_of"] == "revenue" else "count"
        parts.append(text("backwards_head", lang,
                          what=f"{back['month']}, {textfmt.figure(back['target'], unit, lang)}"))
        rows = [[text(k, lang) for k in ("needed", "need_value", "need_low", "need_high",
                                         "step")]]
        needs = [*back["stages"], *(back[k] for k in ("average_deal", "cpl", "budget")
                                    if back[k] is not None)]
        for n in needs:
            conv = n.get("conversion")
            low, high = n.get("conversion_low"), n.get("conversion_high")
            conv_text = "" if conv is None else (
                f"{textfmt.figure(conv, 'ratio', lang)} ({textfmt.figure(low, 'ratio', lang)}"
                f"–{textfmt.figure(high, 'ratio', lang)})")
            rows.append([n["ru" if ru else "en"], _need(n, "value", lang), _need(n, "low", lang),
                         _need(n, "high", lang), conv_text])
        parts.append(table(rows))
        parts.append("\n".join(back["findings_ru" if ru else "findings"]))
    elif d.get("backwards_note"):
        parts.append(text("backwards_head", lang, what=d.get(
            "backwards_note_ru" if ru else "backwards_note") or d["backwards_note"]))
    return "\n\n".join(parts) + "\n"


def _need(n: dict[str, Any], key: str, lang: str) -> str:
    x = n.get(key)
    return textfmt.figure(None if x is None else need_value(x, n["unit"]), n["unit"], lang)


def latest_gap(analysis: Analysis) -> dict[str, Any] | None:
    """The gap split of the last complete month with a plan, for the KPI tab; None when no
    month has one or the funnel cannot be learnt (the tab then has no plan section)."""
    plans, plan_of = month_plans(analysis.parsed.summary)
    month = latest_planned(analysis.report, plans)
    if month is None or plan_of is None:
        return None
    try:
        return plan_gap(analysis.report, month, plans[month], plan_of).to_dict()
    except PlanError:
        return None


def plan_head(lang: str) -> tuple[str, ...]:
    """The plan table's columns: factor, fact, expected, part of the gap."""
    return tuple(text(k, lang) for k in ("factor", "fact", "expected", "part"))
