"""The report as readable text for a terminal (``sheets-sync compute --format table``): the
status and its reasons first, then the latest month's funnel and KPIs, findings, problems."""

from __future__ import annotations

from typing import Any

from funnel_kpi.registry import REGISTRY
from sheets_sync.render import label

UNIT_SUFFIX = {"days": {"en": " d", "ru": " дн."}, "months": {"en": " mo", "ru": " мес."}}


def fmt_number(v: Any, unit: str, lang: str) -> str:
    if v is None:
        return "—"
    if unit == "ratio":
        text = f"{v * 100:,.1f}"
        return (text.replace(",", "\u00a0").replace(".", ",") + "\u00a0%") if lang == "ru" \
            else text + "%"
    decimals = 0 if unit == "count" or (unit == "money" and abs(v) >= 1000) else 2
    if unit == "times":
        decimals = 2
    if unit in ("days", "months"):
        decimals = 1
    text = f"{v:,.{decimals}f}"
    if lang == "ru":
        text = text.replace(",", "\u00a0").replace(".", ",")
    if unit == "money":
        text = text + "\u00a0₽" if lang == "ru" else text
    return text + UNIT_SUFFIX.get(unit, {}).get(lang, "")


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
    out = []
    for j, r in enumerate(rows):
        cells = [c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(r)]
        out.append("  ".join(cells).rstrip())
        if j == 0:
            out.append("  ".join("-" * w for w in widths))
    return "\n".join(out)


def status_lines(d: dict[str, Any], lang: str) -> str:
    """The status first: "Status: Check the data" and a line per reason, or "Status: OK"."""
    status = d.get("status") or ("check" if d.get("problems") or d.get("unknown_columns")
                                 else "ok")
    head = f"{label('status', lang)}: {label('check' if status == 'check' else 'ok', lang)}"
    if status == "ok":
        return head
    reasons = d.get("status_reasons_ru" if lang == "ru" else "status_reasons", [])
    return "\n".join([head, *(f"! {r}" for r in reasons)])


def text_report(report: Any, lang: str = "en") -> str:
    d: dict[str, Any] = report if isinstance(report, dict) else report.to_dict()
    parts: list[str] = [status_lines(d, lang)]
    periods = [p for p in d.get("periods", []) if not p.get("in_progress")] or d.get("periods", [])
    if periods:
        latest = periods[-1]
        parts.append(label("funnel", lang, period=latest["period"]))
        rows = [[label("stage", lang), label("count", lang), label("step", lang),
                 label("cumulative", lang), label("drop_off", lang), label("owner", lang)]]
        for s in latest.get("stages", []):
            rows.append([s.get("label_ru" if lang == "ru" else "label") or s["key"],
                         fmt_number(s.get("count"), "count", lang),
                         fmt_number(s.get("step_conversion"), "ratio", lang),
                         fmt_number(s.get("cumulative_conversion"), "ratio", lang),
                         fmt_number(s.get("drop_off"), "count", lang),
                         label(s.get("owner", "sales"), lang)])
        parts.append(table(rows))
        kpi_rows = [[label("kpi", lang), latest["period"]]]
        for kpi in REGISTRY.values():
            value = latest.get("kpis", {}).get(kpi.id)
            if value is not None:
                kpi_rows.append([kpi.ru if lang == "ru" else kpi.en,
                                 fmt_number(value, kpi.unit, lang)])
        if len(kpi_rows) > 1:
            parts.append(table(kpi_rows))
    findings = d.get("findings_ru" if lang == "ru" else "findings", [])
    if findings:
        parts.append(label("findings", lang) + ":\n" + "\n".join(f"- {f}" for f in findings))
    notes = d.get("notes_ru" if lang == "ru" else "notes", [])
    if notes:
        parts.append(label("notes", lang) + ":\n" + "\n".join(f"- {n}" for n in notes))
    problems = d.get("problems", [])
    if problems:
        lines = [f"- {p['tab']}!{p['cell']} {p['value']!r}: "
                 f"{p['reason_ru' if lang == 'ru' else 'reason']}" for p in problems[:50]]
        more = len(problems) - 50
        if more > 0:
            lines.append(f"... +{more}")
        parts.append(label("problems", lang) + f" ({len(problems)}):\n" + "\n".join(lines))
    return "\n\n".join(parts) + "\n"
