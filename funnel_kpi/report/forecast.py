"""The next 3 months of payments and revenue from the monthly series, with an 80 % interval,
and a rolling-origin backtest against seasonal-naive that decides whether it is a headline.

The model is exponential smoothing in its additive-error state-space form (ETS, Hyndman et al. 2008,
"Forecasting with exponential smoothing", ch. 2 and 6): ETS(A,Ad,A): damped trend and a 12-month
season, when every backtest origin has 24 months behind it (36 months or more: the form shown is the
form backtested); otherwise, from 8 months, ETS(A,Ad,N); with fewer, nothing (``too_short``). For
each month t, with one-step error e_t = y_t - (l + phi b + s_(t-12)): l' = l + phi b + alpha e, b' =
phi b + beta e, s_t = s_(t-12) + gamma e. The smoothing parameters are the least-squares ones over a
fixed grid (statsmodels' Holt-Winters also fits by least squares); the 80 % interval is the analytic
one of the model: y_hat +- 1.2816 sigma_h with sigma_h^2 = sigma^2 (1 + sum_(j<h) (alpha + beta (phi
+ ... + phi^j))^2) and sigma^2 = SSE / n (for h <= 3 the season adds nothing). Starting states: the
trend from the first two years' means, the level one step before the first month on that line, the
season each month's deviation from the line, averaged over the two years; without a season, the
trend is the mean of the first three changes and the level the first month less one trend. phi = 1
(no damping) is on the grid too.

Why not statsmodels at run time: importing it takes ~1.7 s (pandas), and one seasonal fit
~0.35 s here, against a budget of ~50 ms for the whole forecast; tests/core/test_forecast.py
checks this recursion against statsmodels' ``ExponentialSmoothing`` with the same parameters.
Every origin of the backtest reuses one pass over the series: the smoothing of a prefix is the
prefix of the smoothing, so each grid point's states and running SSE are kept for every month.

Backtest: origins are the last 12 months with at least 8 behind them (each origin's fit sees
only the months before it, in the form the forecast shows); horizons 1..3; errors where the
actual is not 0. The benchmark is seasonal-naive (the same month a year before), or the last
value where no year before exists; the backtest records which. MAPE = mean |actual - forecast|
/ |actual|; coverage = share of actuals inside the 80 % interval. The model is the headline only
with at least ``MIN_BACKTEST_POINTS`` backtest points and a MAPE below the benchmark's;
otherwise the benchmark's forecast (with its own 80 % interval, sigma from its
backtest-free in-sample errors: sqrt(k + 1) sigma for seasonal-naive, sqrt(h) sigma for naive) is
shown, and the report says so.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from funnel_kpi.deals.types import PipelineStage
from funnel_kpi.report import textfmt
from funnel_kpi.report.months import month_after
from funnel_kpi.values import num

HORIZON = 3
SEASON = 12
MIN_MONTHS = 8  # fewer: not defined (too_short)
SEASONAL_MONTHS = 24  # two full years before a season is estimated
BACKTEST_ORIGINS = 12
MIN_BACKTEST_POINTS = 6  # fewer forecasts checked: no headline (one lucky month is not a test)
Z80 = 1.2815515655446004  # the 90th percentile of the standard normal

Measure = Literal["payments", "revenue"]
Shown = Literal["ets", "seasonal_naive", "naive"]
Arr = npt.NDArray[np.float64]

# Why a series has no forecast, or why the model is not the headline: ru/en texts.
WHY: dict[str, tuple[str, str]] = {
    "too_short": (f"fewer than {MIN_MONTHS} complete months in a row",
                  f"меньше {MIN_MONTHS} полных месяцев подряд"),
    "missing_input": ("no monthly values", "нет помесячных значений"),
    "too_large": ("the values are too large to forecast", "значения слишком велики для прогноза"),
    "no_backtest": (f"too few months to backtest the model (fewer than {MIN_BACKTEST_POINTS} "
                    "forecasts to check), so the simple forecast is shown",
                    f"месяцев мало для проверки модели (меньше {MIN_BACKTEST_POINTS} проверяемых "
                    "прогнозов), поэтому показан простой прогноз"),
    "all_zero": ("every month of the backtest is 0, so no MAPE: the simple forecast is shown",
                 "все месяцы проверки равны 0, MAPE не определена: показан простой прогноз"),
    "not_better": ("the model does not beat the simple forecast in the backtest, so the simple "
                   "forecast is shown",
                   "модель не точнее простого прогноза в проверке, поэтому показан простой"),
}


def _grid(seasonal: bool) -> Arr:
    """Rows (alpha, beta, gamma, phi) within the usual bounds: beta <= alpha, gamma <= 1 - alpha."""
    rows = [(a, b, g, p)
            for a in (0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95)
            for b in (0.0, 0.02, 0.05, 0.1, 0.2) if b <= a
            for g in ((0.0, 0.05, 0.1, 0.2, 0.3) if seasonal else (0.0,)) if g <= 1 - a
            for p in (0.8, 0.9, 0.98, 1.0)]
    return np.array(rows, dtype=np.float64)


GRID = {False: _grid(False), True: _grid(True)}


@dataclass(frozen=True, slots=True)
class Start:
    level: float
    trend: float
    season: tuple[float, ...]  # SEASON values for months 0..11 of the series, or () for none


def start_states(y: Sequence[float], seasonal: bool) -> Start:
    if seasonal:
        first, second = np.asarray(y[:SEASON], float), np.asarray(y[SEASON:2 * SEASON], float)
        m1, m2 = float(first.mean()), float(second.mean())
        trend = (m2 - m1) / SEASON
        line = (np.arange(SEASON) - 5.5) * trend  # each month's place on the year's trend
        season = tuple(float(x) for x in ((first - m1) + (second - m2)) / 2 - line)
        # the first year's mean sits at month 5.5; the state before month 0 is 6.5 months back
        return Start(m1 - 6.5 * trend, trend, season)
    trend = (float(y[3]) - float(y[0])) / 3
    return Start(float(y[0]) - trend, trend, ())  # the state before month 0


@dataclass(frozen=True, slots=True)
class Smoothing:
    """Every grid point smoothed over the whole series: running SSE and states after month t."""

    grid: Arr  # (K, 4)
    sse: Arr  # (K, n + 1): SSE of the first t one-step errors
    level: Arr  # (K, n + 1): state after t months
    trend: Arr
    season: Arr  # (K, n + SEASON) or (K, 0): s_t at index t + SEASON (first SEASON: the start)


def smooth(y: Sequence[float], seasonal: bool, start: Start | None = None,
           grid: Arr | None = None) -> Smoothing:
    g = GRID[seasonal] if grid is None else grid
    s0 = start or start_states(y, seasonal)
    k, n = len(g), len(y)
    # Kept month-major, (n + 1, K), so that each month's states are one contiguous row for the
    # recursion; Smoothing holds the transposed views, (K, n + 1), the same numbers.
    sse, lev, tr = np.zeros((n + 1, k)), np.empty((n + 1, k)), np.empty((n + 1, k))
    lev[0], tr[0] = s0.level, s0.trend
    sea = np.empty((n + SEASON if seasonal else 0, k))
    if seasonal:
        sea[:SEASON] = np.asarray(s0.season, dtype=np.float64)[:, None]
    with np.errstate(over="ignore", invalid="ignore"):  # huge money: inf/NaN, None in JSON
        _run_states(y, seasonal, (np.ascontiguousarray(g[:, 0]), np.ascontiguousarray(g[:, 1]),
                                  np.ascontiguousarray(g[:, 2]), np.ascontiguousarray(g[:, 3])),
                    sse, lev, tr, sea)
    return Smoothing(g, sse.T, lev.T, tr.T, sea.T)


def _run_states(y: Sequence[float], seasonal: bool, params: tuple[Arr, Arr, Arr, Arr],
                sse: Arr, lev: Arr, tr: Arr, sea: Arr) -> None:
    """The recursion over month-major arrays (row t: the states after t months), written into
    them in place; each step the same operations in the same order as the formulas in the
    module's docstring, so the numbers do not depend on this layout."""
    a, b, gam, phi = params
    mul, add, sub = np.multiply, np.add, np.subtract
    base, e, tmp = np.empty_like(a), np.empty_like(a), np.empty_like(a)
    for t in range(len(y)):
        add(lev[t], mul(phi, tr[t], out=tmp), out=base)  # l + phi b
        sub(y[t], base, out=e)
        if seasonal:
            sub(e, sea[t], out=e)  # (y - (l + phi b)) - s
        add(sse[t], mul(e, e, out=tmp), out=sse[t + 1])
        add(base, mul(a, e, out=tmp), out=lev[t + 1])
        add(mul(phi, tr[t], out=tr[t + 1]), mul(b, e, out=tmp), out=tr[t + 1])
        if seasonal:
            add(sea[t], mul(gam, e, out=tmp), out=sea[t + SEASON])


@dataclass(frozen=True, slots=True)
class Point:
    value: float
    low: float
    high: float


def ets_forecast(s: Smoothing, t: int, horizon: int = HORIZON) -> list[Point]:
    """The forecast after the first ``t`` months, from the grid point with the least SSE."""
    i = int(np.argmin(s.sse[:, t]))  # the first of equal ones: deterministic
    alpha, beta, _, phi = s.grid[i].tolist()
    sigma2 = float(s.sse[i, t]) / t
    level, trend = float(s.level[i, t]), float(s.trend[i, t])
    season = s.season[i].tolist() if s.season.shape[1] else None
    out, damp, spread = [], 0.0, 0.0
    for h in range(1, horizon + 1):
        damp += phi ** h
        value = level + damp * trend
        if season is not None:
            value += season[t + (h - 1) % SEASON]
        half = Z80 * math.sqrt(sigma2 * (1 + spread))
        out.append(Point(value, value - half, value + half))
        spread += (alpha + beta * damp) ** 2  # c_h, for the variance of h + 1
    return out


def benchmark(y: Sequence[float], t: int, horizon: int = HORIZON) -> tuple[Shown, list[Point]]:
    """Seasonal-naive after the first ``t`` months (the last value when no year is behind)."""
    seasonal = t > SEASON  # a year before, and at least one seasonal difference for sigma
    lag = SEASON if seasonal else 1
    diffs = [y[j] - y[j - lag] for j in range(lag, t)]
    sigma = math.sqrt(math.fsum(d * d for d in diffs) / len(diffs)) if diffs else math.nan
    out = []
    for h in range(1, horizon + 1):
        value = y[t + h - 1 - SEASON] if seasonal else y[t - 1]
        steps = (h - 1) // SEASON + 1 if seasonal else h
        half = Z80 * sigma * math.sqrt(steps)
        out.append(Point(value, value - half, value + half))
    return ("seasonal_naive" if seasonal else "naive"), out


@dataclass(frozen=True, slots=True)
class Backtest:
    mape: float | None
    mape_seasonal_naive: float | None
    coverage_80: float | None
    coverage_80_seasonal_naive: float | None
    origins: int
    points: int
    # what the model was tested against: "seasonal_naive", "naive" (no origin had a year behind
    # it) or "mixed" (the last value at the origins without a year behind them); the field
    # mape_seasonal_naive is the benchmark's MAPE whichever it was
    benchmark: str = "seasonal_naive"
    seasonal: bool = False  # the model form tested: ETS(A,Ad,A), else ETS(A,Ad,N)

    def to_dict(self) -> dict[str, Any]:
        return {"mape": num(self.mape), "mape_seasonal_naive": num(self.mape_seasonal_naive),
                "coverage_80": self.coverage_80,
                "coverage_80_seasonal_naive": self.coverage_80_seasonal_naive,
                "origins": self.origins, "points": self.points, "benchmark": self.benchmark,
                "seasonal": self.seasonal}

    @staticmethod
    def from_dict(d: dict[str, Any] | None) -> Backtest | None:
        return None if d is None else Backtest(
            d["mape"], d["mape_seasonal_naive"], d["coverage_80"],
            d.get("coverage_80_seasonal_naive"), int(d["origins"]), int(d["points"]),
            d.get("benchmark", "seasonal_naive"), bool(d.get("seasonal", False)))


def mape(pairs: Sequence[tuple[float, float]]) -> float | None:
    """mean |actual - forecast| / |actual| over (actual, forecast) with actual != 0."""
    errors = [abs(a - f) / abs(a) for a, f in pairs if a != 0]
    return math.fsum(errors) / len(errors) if errors else None


def coverage(pairs: Sequence[tuple[float, Point]]) -> float | None:
    """Share of actuals inside [low, high]."""
    inside = [p.low <= a <= p.high for a, p in pairs]
    return sum(inside) / len(inside) if inside else None


def first_origin(n: int) -> int:
    return max(MIN_MONTHS, n - BACKTEST_ORIGINS)


def seasonal_form(n: int) -> bool:
    """Whether ``n`` months are shown (and backtested) with a season: only when every backtest
    origin has the two years a season needs, so the form shown is the form tested."""
    return first_origin(n) >= SEASONAL_MONTHS


def backtest(y: Sequence[float], fits: dict[bool, Smoothing],
             seasonal: bool | None = None) -> Backtest:
    """Every origin forecasts with one form: ``seasonal`` (by default the form ``len(y)`` months
    are shown with)."""
    n = len(y)
    form = seasonal_form(n) if seasonal is None else seasonal
    model: list[tuple[float, Point]] = []
    bench: list[tuple[float, Point]] = []
    kinds: set[str] = set()
    origins = 0
    for t in range(first_origin(n), n):
        origins += 1
        ours = ets_forecast(fits[form], t, min(HORIZON, n - t))
        kind, theirs = benchmark(y, t, min(HORIZON, n - t))
        kinds.add(kind)
        for h, (p, q) in enumerate(zip(ours, theirs, strict=True)):
            model.append((y[t + h], p))
            bench.append((y[t + h], q))
    against = kinds.pop() if len(kinds) == 1 else "mixed" if kinds else "seasonal_naive"
    return Backtest(mape([(a, p.value) for a, p in model]),
                    mape([(a, p.value) for a, p in bench]),
                    coverage(model), coverage(bench), origins, len(model), against, form)


@dataclass(frozen=True, slots=True)
class SeriesForecast:
    """One series' next months: the model's, or the benchmark's when the model is no better."""

    shown: Shown | None  # None: not defined (see why)
    points: tuple[Point, ...]
    backtest: Backtest | None
    why: str | None  # a key of WHY: not defined, or why the model is not the headline
    model: str | None = None  # the model form fitted, e.g. "ETS(A,Ad,A)"

    @property
    def headline(self) -> bool:
        return self.shown == "ets"


def forecast_series(y: Sequence[float | None]) -> SeriesForecast:
    """The headline forecast of a series, or why there is none. A forecast with a value or a
    bound that overflowed (money near the float limit) is none at all: half a forecast, a value
    with no upper bound, would be shown as if it were one."""
    out = _forecast_series(y)
    if all(math.isfinite(x) for p in out.points for x in (p.value, p.low, p.high)):
        return out
    return SeriesForecast(None, (), out.backtest, "too_large", out.model)


def _forecast_series(y: Sequence[float | None]) -> SeriesForecast:
    if not y or any(v is None for v in y):
        return SeriesForecast(None, (), None, "missing_input")
    ys = [float(v) for v in y if v is not None]
    n = len(ys)
    if n < MIN_MONTHS:
        return SeriesForecast(None, (), None, "too_short")
    seasonal = seasonal_form(n)
    fits = {seasonal: smooth(ys, seasonal)}
    form = "ETS(A,Ad,A)" if seasonal else "ETS(A,Ad,N)"
    test = backtest(ys, fits, seasonal)
    if (test.points >= MIN_BACKTEST_POINTS and test.mape is not None
            and test.mape_seasonal_naive is not None and test.mape < test.mape_seasonal_naive):
        return SeriesForecast("ets", _floor(ets_forecast(fits[seasonal], n)), test, None, form)
    shown, points = benchmark(ys, n)
    why = ("no_backtest" if test.points < MIN_BACKTEST_POINTS else "all_zero"
           if test.mape is None or test.mape_seasonal_naive is None else "not_better")
    return SeriesForecast(shown, _floor(points), test, why, form)


def _floor(points: Sequence[Point]) -> tuple[Point, ...]:
    """Payments and revenue are not negative: a bound (or value) below 0 is 0."""
    return tuple(Point(max(p.value, 0.0), max(p.low, 0.0), max(p.high, 0.0)) for p in points)


MEASURES: tuple[Measure, ...] = ("payments", "revenue")
FORM_TEXT = {"ets": ("the model", "модель"),
             "seasonal_naive": ("seasonal-naive", "сезонно-наивный"),
             "naive": ("the last month's value", "значение прошлого месяца")}


BENCHMARK_TEXT = {"seasonal_naive": ("seasonal-naive", "сезонно-наивный"),
                  "naive": ("the last month's value", "значение прошлого месяца"),
                  "mixed": ("seasonal-naive (the last month's value where no year was behind)",
                            "сезонно-наивный (значение прошлого месяца, где года истории нет)")}


def _run(months: Sequence[tuple[str, float | None]]) -> list[float]:
    """The values of the last months in a row (no gap, none undefined) up to the last month."""
    out: list[float] = []
    after: str | None = None
    for period, v in reversed(months):
        if v is None or (after is not None and month_after(period, 1) != after):
            break
        out.append(v)
        after = period
    return out[::-1]


@dataclass(frozen=True, slots=True)
class Forecast:
    """The report's ``forecast``: the next months after ``last`` for payments and revenue."""

    last: str | None  # the last complete month the series end with
    periods: tuple[str, ...]  # the months forecast
    series: dict[Measure, SeriesForecast]

    @property
    def method(self) -> str | None:
        forms = {s.model for s in self.series.values() if s.model}
        return " / ".join(sorted(forms)) if forms else None

    def to_dict(self) -> dict[str, Any]:
        months = []
        for i, period in enumerate(self.periods):
            row: dict[str, Any] = {"period": period}
            for m, s in self.series.items():
                p = s.points[i] if i < len(s.points) else None
                row[m] = num(p.value) if p else None
                row[f"{m}_low"] = num(p.low) if p else None
                row[f"{m}_high"] = num(p.high) if p else None
            months.append(row)
        return {
            "method": self.method, "last_month": self.last, "months": months,
            "models": {m: s.model for m, s in self.series.items()},
            "shown": {m: s.shown for m, s in self.series.items()},
            "backtest": {m: s.backtest.to_dict() if s.backtest else None
                         for m, s in self.series.items()},
            "headline": {m: s.headline for m, s in self.series.items()},
            "why": {m: s.why for m, s in self.series.items()},
        }

    @staticmethod
    def from_dict(d: dict[str, Any] | None) -> Forecast | None:
        if d is None:
            return None
        series: dict[Measure, SeriesForecast] = {}
        for m in MEASURES:
            points = tuple(Point(r[m], r[f"{m}_low"], r[f"{m}_high"]) for r in d["months"]
                           if r.get(m) is not None and r.get(f"{m}_low") is not None
                           and r.get(f"{m}_high") is not None)
            series[m] = SeriesForecast(d["shown"][m], points, Backtest.from_dict(
                d["backtest"][m]), d["why"][m], d.get("models", {}).get(m))
        return Forecast(d["last_month"], tuple(r["period"] for r in d["months"]), series)

    def notes(self, lang: str = "en") -> tuple[str, ...]:
        """One sentence per series: what is shown and how it did against seasonal-naive."""
        ru = lang == "ru"
        out = []
        for m, s in self.series.items():
            what = ("Оплаты" if m == "payments" else "Выручка") if ru else m.capitalize()
            if s.shown is None or s.backtest is None or s.why in ("no_backtest", "all_zero"):
                why = WHY[s.why or "missing_input"][1 if ru else 0]
                out.append(f"{what}: {why}." if s.shown is not None
                           else f"{what}: прогноз не построен ({why})." if ru
                           else f"{what}: no forecast ({why}).")
                continue
            b = s.backtest
            errors = (f"MAPE {_pct(b.mape, lang)} против {_pct(b.mape_seasonal_naive, lang)}"
                      if ru else
                      f"MAPE {_pct(b.mape, lang)} vs {_pct(b.mape_seasonal_naive, lang)}")
            against = BENCHMARK_TEXT.get(b.benchmark, BENCHMARK_TEXT["seasonal_naive"])[ru]
            where = (f"в проверке на {b.origins} точках отсчёта ({b.points} прогнозов)" if ru
                     else f"in a backtest at {b.origins} origins ({b.points} points)")
            if s.headline:
                out.append(
                    f"{what}: прогноз на 3 месяца по {s.model} с 80 % интервалом; {where} он "
                    f"точнее, чем {against} ({errors})." if ru else
                    f"{what}: the 3-month forecast is {s.model} with an 80 % interval; {where} "
                    f"it beat {against} ({errors}).")
            else:
                shown = FORM_TEXT[s.shown][1 if ru else 0]
                out.append(
                    f"{what}: показан прогноз «{shown}», потому что экспоненциальное "
                    f"сглаживание ({s.model}) {where} не точнее, чем {against} ({errors})."
                    if ru else f"{what}: {shown} is shown as the forecast, because exponential "
                    f"smoothing ({s.model}) did not beat {against} {where} ({errors}).")
        return tuple(out)


def _pct(x: float | None, lang: str) -> str:
    return "—" if x is None else textfmt.percent(x, lang)


def forecast(months: Sequence[tuple[str, float | None, float | None]]) -> Forecast | None:
    """From (period "YYYY-MM", payments, revenue) of complete months in order; None without any."""
    months = list(months)
    while months and months[-1][1] is None and months[-1][2] is None:
        months.pop()  # a row not filled in yet (a month with no counts and no money)
    if not months:
        return None
    last = months[-1][0]
    series: dict[Measure, SeriesForecast] = {
        "payments": forecast_series(_run([(p, x) for p, x, _ in months])),
        "revenue": forecast_series(_run([(p, x) for p, _, x in months]))}
    return Forecast(last, tuple(month_after(last, h) for h in range(1, HORIZON + 1)), series)


def pipeline_notes(parts: Sequence[PipelineStage], total: float | None,
                   lang: str = "en") -> tuple[str, ...]:
    """What the pipeline forecast ``total`` (the report's forecast_revenue, the sum of the
    parts) is, and what it assumes for open deals without an amount."""
    if not parts:
        return ()
    ru = lang == "ru"
    out = []
    if total is not None:
        deals = sum(p.open_deals for p in parts)
        money = textfmt.money(total, lang)
        out.append(
            f"Прогноз выручки {money} — это открытые сделки сейчас ({deals}), их "
            f"суммы по стадиям, умноженные на историческую вероятность выигрыша с этой стадии; "
            f"это не выручка одного месяца." if ru else
            f"The revenue forecast {money} is today's open deals ({deals}): their "
            f"amounts by stage times the historical win probability from that stage; it is not "
            f"one month's revenue.")
    unpriced = sum(p.unpriced for p in parts)
    if unpriced:
        price = next((p.unpriced_price for p in parts if p.unpriced), None)
        out.append(
            (f"Открытых сделок без суммы: {unpriced}; каждая посчитана по среднему чеку "
             f"{textfmt.money(price, lang)}." if ru else
             f"{unpriced} open deals have no amount: each is counted at the average deal "
             f"{textfmt.money(price, lang)}.") if price is not None else
            (f"Открытых сделок без суммы: {unpriced}, а среднего чека нет: прогноз выручки не "
             f"определён." if ru else
             f"{unpriced} open deals have no amount and there is no average deal: the revenue "
             f"forecast is not defined."))
    return tuple(out)
