"""The weekly digest: when it is due, and the e-mail (HTML with a plain-text part).

A job's digest is due at its weekday and hour in the job's time zone. The scheduler's reconcile
loop asks every pass (sheets_sync/scheduler/service.py); the latest due time not yet sent is
claimed in the database (store/notifications.claim_digest) so one process sends it once. A digest
whose time passed before its settings were saved is not sent: the next one is.

The funnel chart is an HTML table of bars sized in pixels (mail clients show no SVG and run no
script; an image would need a renderer), log-scaled as on the dashboard (app/report_view.py; not
imported: this package must not import the app, whose package imports it), the bottleneck marked.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from funnel_kpi import FunnelReport, ReportFormatError, ReportView, report_view
from sheets_sync.notify.messages import limit_lines

KPIS_SHOWN = 8
BAR_PX = 260  # the longest bar
FINDINGS_SHOWN = 5
COLOURS = {"marketing": "#2b6cb0", "sales": "#2f855a", "bottleneck": "#c53030"}

WORDS: dict[str, tuple[str, str]] = {
    "subject": ("Weekly funnel digest: {name}", "Еженедельная сводка по воронке: {name}"),
    "spreadsheet": ("Spreadsheet", "Таблица"),
    "funnel": ("Funnel, {period}", "Воронка, {period}"),
    "in_progress": ("in progress", "в процессе"),
    "bottleneck": ("bottleneck", "узкое место"),
    "kpis": ("KPIs, {period}", "Показатели, {period}"),
    "vs_prev": ("vs previous month", "к прошлому месяцу"),
    "findings": ("Findings", "Выводы"),
    "limits": ("Outside the control limits", "Вне контрольных границ"),
    "check": ("Check the data", "Проверьте данные"),
    "ok": ("Every column understood, nothing doubted.", "Все столбцы поняты, сомнений нет."),
    "runs": ("Runs in the last 7 days: {ok} succeeded, {failed} failed.",
             "Запуски за 7 дней: успешных {ok}, неудачных {failed}."),
    "paused": ("The job is paused: {reason}", "Задание приостановлено: {reason}"),
    "no_report": ("No report yet: the job has not run successfully.",
                  "Отчёта пока нет: задание ещё не выполнилось успешно."),
    "open": ("Open the job", "Открыть задание"),
    "unreadable": ("The stored report cannot be read: run the job again.",
                   "Сохранённый отчёт не читается: запустите задание ещё раз."),
}


def w(key: str, lang: str, **kw: Any) -> str:
    en, ru = WORDS[key]
    text = ru if lang == "ru" else en
    return text.format(**kw) if kw else text


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")  # the API never stores a bad zone; a hand-edited row may


def due_at(now: datetime, weekday: int, hour: int, tz: str | None) -> datetime:
    """The latest time at or before ``now`` that is ``weekday`` (0 = Monday) at ``hour``:00 in
    ``tz``, in UTC."""
    zi = zone(tz)
    local = now.astimezone(zi)
    day = local.date() - timedelta(days=(local.weekday() - weekday) % 7)
    at = datetime(day.year, day.month, day.day, hour, tzinfo=zi)
    if at > local:
        at = datetime.combine(day - timedelta(days=7), at.timetz())
    return at.astimezone(UTC)


@dataclass(frozen=True)
class DigestFacts:
    job_id: int
    job_name: str
    spreadsheet: str
    enabled: bool
    paused_reason: str | None
    runs_ok: int
    runs_failed: int
    currency: str | None = None  # the spreadsheet's, as the job page guesses it (state_currency)


@dataclass(frozen=True)
class Digest:
    subject: str
    text: str
    html: str


@dataclass(frozen=True)
class Bar:
    label: str
    width: int  # pixels
    count: str
    conversion: str  # into this stage; "" for the first
    owner: str
    bottleneck: bool


def bars(view: ReportView) -> list[Bar]:
    """The funnel of the view's period as bars: a log scale keeps visits and payments both
    visible."""
    top = max([s.count or 0 for s in view.stages] + [0])
    out = []
    for i, st in enumerate(view.stages):
        count = st.count or 0
        width = (max(4, round(BAR_PX * math.log10(count + 1) / math.log10(top + 1)))
                 if count > 0 and top > 0 else 2)
        out.append(Bar(st.label, width, st.count_text, st.step_text if i else "", st.owner,
                       i > 0 and st.bottleneck))
    return out


def _bars(view: ReportView) -> tuple[str | None, str, str]:
    """The funnel chart's heading, its text lines and its HTML table."""
    lang = view.lang
    found = bars(view)
    if not found:
        return None, "", ""
    head = w("funnel", lang, period=view.period) + (
        f" ({w('in_progress', lang)})" if view.in_progress else "")
    text_rows, html_rows = [], []
    label_width = max(len(b.label) for b in found)
    for b in found:
        note = f" · {b.conversion}" if b.conversion else ""
        mark = f" ◀ {w('bottleneck', lang)}" if b.bottleneck else ""
        text_rows.append(f"{b.label.ljust(label_width)}  {b.count}{note}{mark}")
        colour = COLOURS["bottleneck"] if b.bottleneck else COLOURS.get(b.owner,
                                                                          COLOURS["sales"])
        html_rows.append(
            f'<tr><td style="padding:2px 8px 2px 0;text-align:right;white-space:nowrap">'
            f"{html.escape(b.label)}</td>"
            f'<td style="padding:2px 0"><table role="presentation" cellpadding="0" '
            f'cellspacing="0"><tr><td width="{b.width}" height="16" bgcolor="{colour}" '
            f'style="width:{b.width}px;height:16px;background:{colour};'
            f'border-radius:3px"></td><td style="padding-left:6px;white-space:nowrap">'
            f"{html.escape(b.count + note + mark)}</td></tr></table></td></tr>")
    return head, "\n".join(text_rows), (
        '<table role="presentation" cellpadding="0" cellspacing="0" '
        f'style="border-collapse:collapse;font:14px sans-serif">{"".join(html_rows)}</table>')


def kpi_lines(view: ReportView) -> list[tuple[str, str, str]]:
    """(name, value, change on the month before) of the period's first KPIs, in the registry's
    order, as the view writes them: a rate's change in percentage points, a count's or money's
    in %."""
    return [(k.name, k.text, k.mom.text if k.mom.value is not None else "")
            for k in view.kpis[:KPIS_SHOWN]]


def _list_html(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{html.escape(i)}</li>" for i in items) + "</ul>"


def render(facts: DigestFacts, report: Mapping[str, Any] | None, lang: str,
           link: str | None) -> Digest:
    """The digest of a job's latest report and last week's runs, in ``lang``."""
    ru = lang == "ru"
    subject = w("subject", lang, name=facts.job_name)
    text: list[str] = [subject, "", f"{w('spreadsheet', lang)}: {facts.spreadsheet}"]
    body: list[str] = [f"<h2>{html.escape(subject)}</h2>",
                       f"<p>{html.escape(w('spreadsheet', lang))}: "
                       f"<code>{html.escape(facts.spreadsheet)}</code></p>"]
    if not facts.enabled:
        paused = w("paused", lang, reason=facts.paused_reason or "—")
        text.append(paused)
        body.append(f'<p style="color:#c53030"><strong>{html.escape(paused)}</strong></p>')
    runs = w("runs", lang, ok=facts.runs_ok, failed=facts.runs_failed)
    text.append(runs)
    body.append(f"<p>{html.escape(runs)}</p>")
    if report is None:
        text.append(w("no_report", lang))
        body.append(f"<p>{html.escape(w('no_report', lang))}</p>")
    else:
        _report_parts(report, lang, facts.currency, text, body)
    if link:
        text += ["", f"{w('open', lang)}: {link}"]
        body.append(f'<p><a href="{html.escape(link)}">{html.escape(w("open", lang))}</a></p>')
    page = (f'<!doctype html><html lang="{"ru" if ru else "en"}"><head><meta charset="utf-8">'
            f"<title>{html.escape(subject)}</title></head>"
            f'<body style="font:14px sans-serif;color:#1a202c">{"".join(body)}</body></html>')
    return Digest(subject, "\n".join(text) + "\n", page)


def _view(report: Mapping[str, Any], lang: str, currency: str | None) -> ReportView | None:
    try:
        return report_view(FunnelReport.from_dict(report), lang, currency=currency)
    except ReportFormatError:  # a stored report that no longer reads: the digest says so
        return None


def _report_parts(report: Mapping[str, Any], lang: str, currency: str | None, text: list[str],
                  body: list[str]) -> None:
    view = _view(report, lang, currency)
    if view is None:
        text.append(w("unreadable", lang))
        body.append(f"<p>{html.escape(w('unreadable', lang))}</p>")
        return
    head, chart_text, chart_html = _bars(view)
    if head:
        text += ["", head, chart_text]
        body += [f"<h3>{html.escape(head)}</h3>", chart_html]
    kpis = kpi_lines(view)
    if kpis:
        title = w("kpis", lang, period=view.period)
        text += ["", title]
        text += [f"- {name}: {value}" + (f" ({w('vs_prev', lang)}: {change})" if change else "")
                 for name, value, change in kpis]
        cells = "".join(
            f"<tr><td style='padding:2px 12px 2px 0'>{html.escape(name)}</td>"
            f"<td style='text-align:right;padding:2px 12px'>{html.escape(value)}</td>"
            f"<td style='text-align:right;color:#4a5568'>{html.escape(change)}</td></tr>"
            for name, value, change in kpis)
        body += [f"<h3>{html.escape(title)}</h3>",
                 "<table role='presentation' style='border-collapse:collapse;font:14px "
                 f"sans-serif'><tr><th></th><th></th><th style='text-align:right;"
                 f"font-weight:normal;color:#4a5568'>{html.escape(w('vs_prev', lang))}</th>"
                 f"</tr>{cells}</table>"]
    limits = limit_lines(report, lang)
    if limits:
        text += ["", w("limits", lang), *(f"- {x}" for x in limits)]
        body += [f"<h3>{html.escape(w('limits', lang))}</h3>", _list_html(limits)]
    findings = list(view.findings)
    if findings:
        text += ["", w("findings", lang), *(f"- {x}" for x in findings[:FINDINGS_SHOWN])]
        body += [f"<h3>{html.escape(w('findings', lang))}</h3>",
                 _list_html(findings[:FINDINGS_SHOWN])]
    if currency is not None and view.currency == currency and not report.get("currency"):
        # the symbol on the money above is the spreadsheet's guess: said as the job page says
        # it (the view's last note, funnel_kpi/report/view.py: _notes)
        text += ["", view.notes[-1]]
        body.append(f"<p>{html.escape(view.notes[-1])}</p>")
    reasons = list(view.status_reasons)
    if view.status == "check":
        text += ["", w("check", lang), *(f"- {x}" for x in reasons)]
        body += [f"<h3>{html.escape(w('check', lang))}</h3>", _list_html(reasons)]
    else:
        text += ["", w("ok", lang)]
        body.append(f"<p>{html.escape(w('ok', lang))}</p>")


__all__ = ["Bar", "Digest", "DigestFacts", "bars", "due_at", "kpi_lines", "render", "zone"]
