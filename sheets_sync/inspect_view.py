"""How the input was read, for people: ``sheets-sync inspect``, ``POST /api/v1/inspect`` and the
dashboard render this one view of the core's column read-out and the report's status."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from funnel_kpi import Analysis, ColumnReading, text

HEAD = ("column", "header", "read_as", "how", "samples")  # catalogue keys of the table's columns


def inspect_dict(analysis: Analysis) -> dict[str, Any]:
    """The read-out as JSON: status first, then per tab every column's role and evidence."""
    out = readout_dict(analysis.report.to_dict(
        fields=("status", "status_reasons", "status_reasons_ru", "funnel", "columns")))
    out["skipped_tabs"] = list(analysis.parsed.skipped_tabs)
    return out


def readout_dict(report: Mapping[str, Any]) -> dict[str, Any]:
    """The read-out of a report's JSON (a stored job report, or a fresh one)."""
    tabs: dict[str, list[dict[str, Any]]] = {}
    for d in report.get("columns", ()):
        c = ColumnReading.from_dict(d)
        row = c.to_dict()
        row["read_as"], row["read_as_ru"] = c.role_text("en"), c.role_text("ru")
        row["how"], row["how_ru"] = c.evidence_text("en"), c.evidence_text("ru")
        tabs.setdefault(c.tab, []).append(row)
    return {
        "status": report.get("status", "check"),
        "status_reasons": list(report.get("status_reasons", ())),
        "status_reasons_ru": list(report.get("status_reasons_ru", ())),
        "funnel": list(report.get("funnel", ())),
        "tabs": [{"tab": name, "columns": cols} for name, cols in tabs.items()],
    }


def inspect_text(analysis: Analysis, lang: str = "en") -> str:
    """The read-out as a plain table per tab, status and its reasons first."""
    report = analysis.report
    lines = [text("inspect_ok" if report.status == "ok" else "check", lang)]
    lines += [f"  ! {r}" for r in report.status_reasons(lang)]
    funnel = " → ".join(f"{s.label(lang)} ({s.owner})" for s in report.funnel)
    lines += ["", text("funnel_line", lang, stages=funnel)]
    by_tab: dict[str, list[Sequence[str]]] = {}
    notes: dict[str, list[str]] = {}
    for c in analysis.parsed.readout:
        by_tab.setdefault(c.tab, []).append(
            (c.column, c.header, c.role_text(lang), c.evidence_text(lang), "; ".join(c.samples)))
        if c.note_in(lang):
            notes.setdefault(c.tab, []).append(f"  {c.column} {c.header}: {c.note_in(lang)}")
    for tab, rows in by_tab.items():
        head = tuple(text(k, lang) for k in HEAD)
        lines += ["", f"[{tab}]", *_table([head, *rows]), *notes.get(tab, [])]
    if analysis.parsed.skipped_tabs:
        lines += ["", f"{text('tabs_not_read', lang)}: " + ", ".join(analysis.parsed.skipped_tabs)]
    return "\n".join(lines) + "\n"


def _table(rows: Sequence[Sequence[str]], limit: int = 60) -> list[str]:
    cells = [[c if len(c) <= limit else c[:limit - 1] + "…" for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(cells[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
            for r in cells]
