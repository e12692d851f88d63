"""The report as readable text for a terminal (``sheets-sync compute --format table``): the
status and its reasons first, then the shown month's funnel and KPIs, the forecast, verdicts,
findings, notes, problems. Lays out the report's view (funnel_kpi.report_view), as the KPI tab
and the dashboard do."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from funnel_kpi import FunnelReport, ReportView, report_view, text

PROBLEM_LINES = 50
VERDICT_HEAD = ("verdict_segment", "verdict_rate", "verdict_value_n", "verdict_rest", "verdict_p",
                "verdict_verdict")  # catalogue keys of the verdict table's columns


def table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
    out = []
    for j, r in enumerate(rows):
        cells = [c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)]
        out.append("  ".join(cells).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def status_lines(status: str, reasons: Sequence[str], lang: str) -> str:
    """The status first: "Status: Check the data" and a line per reason, or "Status: OK"."""
    head = f"{text('status', lang)}: {text('check' if status == 'check' else 'ok', lang)}"
    if status == "ok":
        return head
    return "\n".join([head, *(f"! {r}" for r in reasons)])


def text_report(report: FunnelReport | Mapping[str, Any], lang: str = "en") -> str:
    """``report`` typed, or its JSON (loaded through FunnelReport.from_dict)."""
    typed = report if isinstance(report, FunnelReport) else FunnelReport.from_dict(report)
    v = report_view(typed, lang)
    parts: list[str] = [status_lines(v.status, v.status_reasons, lang)]
    if v.has_months:
        parts.append(text("funnel", lang, period=v.period))
        rows = [[text(k, lang) for k in ("stage", "count", "step", "cumulative", "drop_off",
                                         "owner")]]
        rows += [[s.label, s.count_text, s.step_text, s.cumulative_text, s.drop_off_text,
                  s.owner_label] for s in v.stages]
        parts.append(table(rows))
        if v.kpis:
            parts.append(table([[text("kpi", lang), v.period],
                                *([k.name, k.text] for k in v.kpis)]))
    parts.extend(forecast_parts(v))
    parts.extend(verdict_parts(v))
    if v.findings:
        parts.append(text("findings", lang) + ":\n" + "\n".join(f"- {f}" for f in v.findings))
    if v.notes:
        parts.append(text("notes", lang) + ":\n" + "\n".join(f"- {n}" for n in v.notes))
    if v.problems:
        lines = [f"- {p.tab}!{p.cell} {p.value!r}: {p.reason}"
                 for p in v.problems[:PROBLEM_LINES]]
        more = v.problem_count - PROBLEM_LINES
        if more > 0:
            lines.append(f"... +{more}")
        head = text("problems_count", lang, label=text("problems", lang), n=v.problem_count)
        parts.append(head + ":\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"


def forecast_parts(v: ReportView) -> list[str]:
    """The next 3 months with their 80 % intervals (which forecast is shown, and why, is in the
    notes), then the pipeline forecast's parts by stage."""
    lang = v.lang
    out = []
    if v.forecast:
        rows = [[text("month", lang), text("payments_80_head", lang),
                 text("revenue_80_head", lang)]]
        rows += [[m.period, m.payments, m.revenue] for m in v.forecast]
        out.append(f"{text('forecast_head', lang)}:\n" + table(rows))
    if v.pipeline:
        rows = [[text(k, lang) for k in ("stage", "open_deals", "no_amount", "amount",
                                         "win_probability", "expected_money")]]
        rows += [[p.stage, *p.texts] for p in v.pipeline]
        head = text("pipeline_head", lang, total=v.forecast_revenue or "—")
        out.append(f"{head}\n" + table(rows))
    return out


def verdict_parts(v: ReportView) -> list[str]:
    if not v.verdicts:
        return []
    head = [text(k, v.lang) for k in VERDICT_HEAD]
    return [f"{text('verdict_title', v.lang)}:\n"
            + table([head, *(list(x.cells()) for x in v.verdicts)])]
