"""The forecast's rolling-origin backtest on the templates and the test fixtures, and what the
forecast costs the whole report.

    python bench/backtest.py [TURNS]

For each workbook (templates/demo_ru.xlsx, demo_en.xlsx, funnel_summary_ru.xlsx,
funnel_summary_en.xlsx, the deal-log templates) and each series (payments, revenue): the
complete months used, the model form backtested and fitted, what is shown, the benchmark the
backtest used (seasonal-naive, naive, or mixed: naive at origins without a year behind), MAPE of
the model and of the benchmark, the 80 % interval's coverage for both, and the backtest's origins
and points. Then two fixture series of
tests/core/test_forecast.py. Last, for the demo workbooks: the median time of the whole report
(parse + compute, the workbook already read) with the forecast and with it switched off, over
TURNS (default 15) interleaved turns.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout that is not pip-installed
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from funnel_kpi import SeriesForecast, analyse, forecast_series  # noqa: E402
from funnel_kpi.report import build  # noqa: E402
from sheets_sync.connect import open_backend  # noqa: E402
from sheets_sync.render import DEFAULT_OUTPUT_TABS  # noqa: E402

BOOKS = ("demo_ru", "demo_en", "funnel_summary_ru", "funnel_summary_en", "deal_log_ru",
         "deal_log_en")
HEAD = ("input", "series", "months", "model", "shown", "benchmark", "MAPE", "MAPE bench",
        "cover 80", "cover 80 bench", "origins", "points")


def pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f} %"


def row(name: str, series: str, months: int, s: SeriesForecast) -> list[str]:
    b = s.backtest
    return [name, series, str(months), s.model or "—", s.shown or f"none ({s.why})",
            b.benchmark if b else "—",
            pct(b.mape if b else None), pct(b.mape_seasonal_naive if b else None),
            pct(b.coverage_80 if b else None), pct(b.coverage_80_seasonal_naive if b else None),
            str(b.origins if b else 0), str(b.points if b else 0)]


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |"
             for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def read(book: str) -> tuple[Any, str | None]:
    snapshot = open_backend(str(ROOT / "templates" / f"{book}.xlsx")).read(DEFAULT_OUTPUT_TABS)
    return snapshot.tabs, snapshot.layout.locale


def fixtures() -> dict[str, list[float]]:
    rng = np.random.default_rng(1)
    return {
        "fixture: trend + season + noise (30)":
            [float(100 + 2 * t + 15 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 4))
             for t in range(30)],
        "fixture: one year three times (36)":
            [50.0, 40.0, 60.0, 80.0, 70.0, 90.0, 100.0, 60.0, 50.0, 70.0, 80.0, 120.0] * 3,
    }


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(turns: int = 15) -> None:
    today = date.today()
    rows = [list(HEAD)]
    for book in BOOKS:
        tabs, locale = read(book)
        report = analyse(tabs, locale=locale, today=today).report
        fc = report.forecast
        if fc is None:
            rows.append([book, "—", "0", "—", "none (no complete month)", *["—"] * 5, "0", "0"])
            continue
        for measure, s in fc.series.items():
            used = sum(1 for p in report.periods if p.complete and p.period <= (fc.last or ""))
            rows.append(row(book, measure, used, s))
    for name, y in fixtures().items():
        rows.append(row(name, "values", len(y), forecast_series(y)))
    print(f"Backtest, {today.isoformat()}: "
          "origins over the last 12 months (8 behind each at least), horizons 1-3\n")
    print(table(rows))

    print(f"\nWhole report (parse + compute), median of {turns} turns:\n")
    timing = [["input", "with forecast", "without", "difference"]]
    real = build._series_forecast
    for book in ("demo_ru", "demo_en"):
        tabs, locale = read(book)

        def run() -> None:
            analyse(tabs, locale=locale, today=today)  # noqa: B023 - called in this turn

        run()
        on, off = [], []
        for _ in range(turns):
            build._series_forecast = real  # type: ignore[assignment]
            on.append(timed(run))
            build._series_forecast = lambda *a: None  # type: ignore[assignment]
            off.append(timed(run))
        build._series_forecast = real  # type: ignore[assignment]
        a, b = statistics.median(on) * 1000, statistics.median(off) * 1000
        timing.append([book, f"{a:.1f} ms", f"{b:.1f} ms", f"{a - b:+.1f} ms"])
    print(table(timing))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
