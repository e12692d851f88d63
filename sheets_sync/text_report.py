"""The report as readable text for a terminal (``sheets-sync compute --format table``): the
status and its reasons first, then the latest month's funnel and KPIs, findings, problems."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from funnel_kpi.registry import REGISTRY
from sheets_sync.render import label, shown_period

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
    latest = shown_period(d) if d.get("periods") else None
    if latest is not None:
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
    parts.extend(forecast_parts(d, lang))
    parts.extend(verdict_parts(d, lang))
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


SHOWN = {"ets": ("ETS", "ETS"), "seasonal_naive": ("seasonal-naive", "сезонно-наивный"),
         "naive": ("last month's value", "значение прошлого месяца")}


def band(m: dict[str, Any], key: str, unit: str, lang: str) -> str:
    """A forecast and its 80 % interval: "55 (37–73)"."""
    if m.get(key) is None:
        return "—"
    return (f"{fmt_number(m[key], unit, lang)} ({fmt_number(m[key + '_low'], unit, lang)}"
            f"–{fmt_number(m[key + '_high'], unit, lang)})")


@dataclass(frozen=True)
class ForecastRow:
    period: str
    payments: str
    revenue: str


def forecast_view(report: dict[str, Any], lang: str) -> tuple[list[ForecastRow], list[str]]:
    """The next months with their 80 % intervals, and per series which forecast is shown: the
    rows of the text report and of the dashboard."""
    fc = report.get("forecast") or {}
    months = fc.get("months") or []
    if not any(m.get("payments") is not None or m.get("revenue") is not None for m in months):
        return [], []
    rows = [ForecastRow(m["period"], band(m, "payments", "count", lang),
                        band(m, "revenue", "money", lang)) for m in months]
    ru = lang == "ru"
    how = []
    for key, name in (("payments", "Оплаты" if ru else "Payments"),
                      ("revenue", "Выручка" if ru else "Revenue")):
        shown, test = (fc.get("shown") or {}).get(key), (fc.get("backtest") or {}).get(key) or {}
        if shown in SHOWN:
            how.append(f"{name}: {SHOWN[shown][1 if ru else 0]} (MAPE "
                       f"{fmt_number(test.get('mape'), 'ratio', lang)} / "
                       f"{fmt_number(test.get('mape_seasonal_naive'), 'ratio', lang)})")
    return rows, how


def forecast_parts(d: dict[str, Any], lang: str) -> list[str]:
    """The next 3 months with their 80 % intervals (which forecast is shown, and why, is in the
    notes), then the pipeline forecast's parts by stage."""
    ru = lang == "ru"
    out = []
    months, _ = forecast_view(d, lang)
    if months:
        rows = [["Месяц" if ru else "Month", "Оплаты (80 %)" if ru else "Payments (80 %)",
                 "Выручка (80 %)" if ru else "Revenue (80 %)"]]
        rows += [[m.period, m.payments, m.revenue] for m in months]
        head = ("Прогноз на 3 месяца, 80 % интервал" if ru
                else "Forecast, next 3 months, 80 % interval")
        out.append(f"{head}:\n" + table(rows))
    pipeline = (d.get("deal_log") or {}).get("pipeline") or []
    if pipeline:
        rows = [["Стадия" if ru else "Stage", "Открыто" if ru else "Open",
                 "Без суммы" if ru else "No amount", "Сумма" if ru else "Amount",
                 "Вероятность" if ru else "Win prob.", "Ожидаемо" if ru else "Expected"]]
        labels = {s["key"]: s["ru" if ru else "en"] for s in d.get("funnel", [])}
        rows += [[labels.get(p["stage"], p["stage"]), fmt_number(p["open_deals"], "count", lang),
                  fmt_number(p["unpriced"], "count", lang), fmt_number(p["amount"], "money", lang),
                  fmt_number(p["win_probability"], "ratio", lang),
                  fmt_number(p["expected"], "money", lang)] for p in pipeline]
        total = (d.get("total") or {}).get("kpis", {}).get("forecast_revenue")
        head = (f"Прогноз выручки по открытым сделкам: {fmt_number(total, 'money', lang)}" if ru
                else f"Revenue forecast from open deals: {fmt_number(total, 'money', lang)}")
        out.append(f"{head}\n" + table(rows))
    return out


VERDICT_WORDS = {"better": ("better than the rest", "лучше остальных"),
                 "worse": ("worse than the rest", "хуже остальных"),
                 "not enough data": ("not enough data", "мало данных"),
                 "no difference found": ("no difference found", "разницы не найдено")}
FIELD_WORDS = {"manager": ("Manager", "Менеджер"), "channel": ("Channel", "Канал")}

VERDICT_HEAD = (("Segment", "Rate", "Value (n)", "The rest", "p (Holm)", "Verdict"),
                ("Сегмент", "Показатель", "Значение (n)", "Остальные", "p (Холм)", "Вывод"))
VERDICT_TITLE = ("Managers and channels against the rest", "Менеджеры и каналы против остальных")


def verdict_rows(d: dict[str, Any], lang: str) -> list[list[str]]:
    """Managers and channels against the rest (funnel_kpi.report.verdicts), one row per segment and
    rate whose verdict is not "no difference found"; the text report and the job page show
    these."""
    ru = lang == "ru"
    rows = []
    for v in (d.get("verdicts") or {}).get("segments", []):
        if v["verdict"] == "no difference found":
            continue
        field = FIELD_WORDS.get(v["field"], (v["field"],) * 2)[ru]
        kpi = REGISTRY.get(v["rate"])
        p = v.get("p_adjusted")
        p_text = "—" if p is None else "< 0.001" if p < 0.001 else f"{p:.3f}"
        n = fmt_number(v["n"], "count", lang)
        rows.append([f"{field} {v['segment']}", kpi.name(lang) if kpi else v["rate"],
                     f"{fmt_number(v['value'], 'ratio', lang)} ({n})",
                     fmt_number(v.get("rest_value"), "ratio", lang),
                     p_text.replace(".", ",") if ru else p_text,
                     VERDICT_WORDS.get(v["verdict"], (v["verdict"],) * 2)[ru]])
    return rows


def verdict_parts(d: dict[str, Any], lang: str) -> list[str]:
    rows = verdict_rows(d, lang)
    if not rows:
        return []
    ru = lang == "ru"
    return [f"{VERDICT_TITLE[ru]}:\n" + table([list(VERDICT_HEAD[ru]), *rows])]
