"""The funnel report: an immutable result with a JSON form that round-trips.

Every number is a ``Value``; in JSON a defined value is a number and an undefined one is
``null``, with its reason code next to it (``kpi_details``, a stage row's ``details``, a
change's ``reason``). NaN and infinities never reach JSON. ``from_dict(to_dict())`` rebuilds the
report that gives the same JSON again.

    FunnelError
    └── ReportFormatError   a dict that is not a report of this version (from_dict)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Literal

import msgspec

from funnel_kpi.deals.types import PipelineStage, StageTime
from funnel_kpi.errors import FunnelError
from funnel_kpi.inputs import Problem
from funnel_kpi.model import Stage
from funnel_kpi.parse.readout import ColumnReading
from funnel_kpi.report.forecast import Forecast
from funnel_kpi.report.verdicts import NO_VERDICTS, Verdicts
from funnel_kpi.values import Value, num

VERSION = 1

Status = Literal["ok", "check"]
REASON_CELLS_SHOWN = 3  # cells named per reason; the rest are counted
REPORT_FIELDS = ("version", "status", "status_reasons", "status_reasons_ru", "funnel",
                 "funnel_inferred", "sources", "periods", "total", "segments", "deal_log",
                 "seasonal_index", "findings", "findings_ru", "problems", "unknown_columns",
                 "notes", "notes_ru", "columns",
                 "forecast", "verdicts", "currency")  # the top-level keys of to_dict(), in order
NA = Value(None)  # not applicable (e.g. the step conversion of the first stage): no reason


class ReportFormatError(FunnelError):
    pass


def _currency(code: Any) -> str | None:
    if code is None:
        return None
    if not isinstance(code, str) or not (code.isascii() and code.isalpha() and len(code) == 3):
        raise ReportFormatError.say("error.report_currency", code=repr(code))
    return code.upper()


def frozen_map(d: Mapping[Any, Any]) -> Mapping[Any, Any]:
    return MappingProxyType(dict(d))


_isfinite = math.isfinite


def _has_details(v: Value) -> bool:
    """``bool(v.details())`` without making the dict (most values have none)."""
    return (v.reason is not None or v.n is not None
            or (v.low is not None and v.high is not None))


def _ci(v: Value) -> list[float] | None:
    return [v.low, v.high] if v.low is not None and v.high is not None else None


def _from_ci(ci: Any) -> tuple[float | None, float | None]:
    return (float(ci[0]), float(ci[1])) if ci else (None, None)


def _value(x: float | None, details: Mapping[str, Any] | None) -> Value:
    """The inverse of (num(v.value), v.details())."""
    det = details or {}
    low, high = _from_ci(det.get("ci"))
    return Value(x, det.get("reason"), det.get("n"), low, high)


class Change(msgspec.Struct, frozen=True, gc=False):  # see values.Value
    """Change against an earlier period: absolute and relative (None when the earlier is 0)."""

    abs: Value
    rel: Value

    def to_dict(self) -> dict[str, Any]:
        a, r = self.abs.value, self.rel.value
        d: dict[str, Any] = {"abs": a if a is not None and _isfinite(a) else None,
                             "rel": r if r is not None and _isfinite(r) else None}
        reason = self.abs.reason if a is None else self.rel.reason
        if reason:
            d["reason"] = reason
        return d

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> Change:
        reason = d.get("reason")
        a, r = d["abs"], d["rel"]
        return Change(Value(a, None if a is not None else reason),
                      Value(r, None if r is not None else reason))


class StageRow(msgspec.Struct, frozen=True, gc=False):  # see values.Value
    key: str
    label: str
    label_ru: str
    owner: str
    count: Value
    step_conversion: Value  # NA for the first stage
    cumulative_conversion: Value
    drop_off: Value  # lost on the way INTO this stage; NA for the first stage
    drop_off_rate: Value
    cost_per_stage_unit: Value
    avg_days_in_stage: Value | None = None  # with a deal log: days from this stage to the next
    median_days_in_stage: Value | None = None
    count_mom: Change | None = None  # periods only
    count_yoy: Change | None = None

    _VALUES = ("count", "step_conversion", "cumulative_conversion", "drop_off", "drop_off_rate",
               "cost_per_stage_unit")
    _DAYS = ("avg_days_in_stage", "median_days_in_stage")
    _FIELDS = _VALUES + _DAYS

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"key": self.key, "label": self.label, "label_ru": self.label_ru,
                             "owner": self.owner}
        details: dict[str, Any] = {}
        for name in self._FIELDS:  # num() and _has_details() inline: 200 rows a report
            v: Value | None = getattr(self, name)
            if v is None:
                continue
            x = v.value
            d[name] = x if x is not None and _isfinite(x) else None
            if v.reason is not None or v.n is not None or (
                    v.low is not None and v.high is not None):
                details[name] = v.details()
        step = self.step_conversion
        d["step_n"] = step.n
        d["step_ci"] = [step.low, step.high] if step.low is not None and step.high is not None \
            else None
        if self.count_mom is not None:
            d["count_mom"] = self.count_mom.to_dict()
        if self.count_yoy is not None:
            d["count_yoy"] = self.count_yoy.to_dict()
        if details:
            d["details"] = details  # reason, n and interval of each value that has them
        return d

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> StageRow:
        details = d.get("details") or {}
        vals = {name: _value(d[name], details.get(name))
                for name in StageRow._VALUES + StageRow._DAYS if name in d}
        return StageRow(
            d["key"], d["label"], d["label_ru"], d["owner"], **vals,
            count_mom=Change.from_dict(d["count_mom"]) if "count_mom" in d else None,
            count_yoy=Change.from_dict(d["count_yoy"]) if "count_yoy" in d else None,
        )


class BottleneckStep(msgspec.Struct, frozen=True, gc=False):  # see values.Value
    """One step (from -> to), its owner (of the stage it ends in) and its value: the step
    conversion or the absolute loss; the change is against the previous month's same step."""

    from_key: str
    to_key: str
    owner: str
    value: Value
    change_vs_previous: Value

    def to_dict(self, value_key: str) -> dict[str, Any]:
        d: dict[str, Any] = {"from": self.from_key, "to": self.to_key, "owner": self.owner,
                             value_key: num(self.value.value),
                             "change_vs_previous": num(self.change_vs_previous.value)}
        d.update(self.value.details())  # n and ci of a conversion
        if self.change_vs_previous.reason:
            d["change_reason"] = self.change_vs_previous.reason
        return d

    @staticmethod
    def from_dict(d: Mapping[str, Any], value_key: str) -> BottleneckStep:
        return BottleneckStep(d["from"], d["to"], d["owner"], _value(d[value_key], d),
                              Value(d["change_vs_previous"], d.get("change_reason")))


class Bottleneck(msgspec.Struct, frozen=True, gc=False):  # see values.Value
    lowest_conversion: BottleneckStep | None
    largest_loss: BottleneckStep | None

    def to_dict(self) -> dict[str, Any]:
        lc, ll = self.lowest_conversion, self.largest_loss
        return {"lowest_conversion": lc.to_dict("conversion") if lc else None,
                "largest_loss": ll.to_dict("lost") if ll else None}

    @staticmethod
    def from_dict(d: Mapping[str, Any] | None) -> Bottleneck | None:
        if d is None:
            return None
        lc, ll = d.get("lowest_conversion"), d.get("largest_loss")
        return Bottleneck(BottleneckStep.from_dict(lc, "conversion") if lc else None,
                          BottleneckStep.from_dict(ll, "lost") if ll else None)


def _kpis_to_dict(kpis: Mapping[str, Value]) -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {}
    details: dict[str, Any] = {}
    for k, v in kpis.items():
        x = v.value
        values[k] = x if x is not None and _isfinite(x) else None
        if v.reason is not None or v.n is not None or (v.low is not None and v.high is not None):
            details[k] = v.details()
    return values, details


def _kpis_from_dict(values: Mapping[str, Any], details: Mapping[str, Any]) -> Mapping[str, Value]:
    return frozen_map({k: _value(x, details.get(k)) for k, x in values.items()})


@dataclass(frozen=True, slots=True)
class SegmentReport:
    """A channel or manager over all periods."""

    stages: tuple[StageRow, ...]
    kpis: Mapping[str, Value]
    bottleneck: Bottleneck | None

    def to_dict(self) -> dict[str, Any]:
        values, details = _kpis_to_dict(self.kpis)
        return {"stages": [s.to_dict() for s in self.stages], "kpis": values,
                "kpi_details": details,
                "bottleneck": self.bottleneck.to_dict() if self.bottleneck else None}

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> SegmentReport:
        return SegmentReport(tuple(StageRow.from_dict(s) for s in d["stages"]),
                             _kpis_from_dict(d["kpis"], d.get("kpi_details", {})),
                             Bottleneck.from_dict(d.get("bottleneck")))


def _changes_to_dict(changes: Mapping[str, Change]) -> dict[str, Any]:
    """Changes as JSON values; report.comparisons.Changes writes them from the numbers."""
    as_json = getattr(changes, "as_json", None)
    if as_json is not None:
        return as_json()  # type: ignore[no-any-return]
    return {k: c.to_dict() for k, c in changes.items()}


@dataclass(frozen=True, slots=True)
class PeriodReport:
    """One month (or the total). ``mom``/``yoy`` hold a Change per KPI id and per stage count
    (key "stage_count.<stage key>"; the same changes are on the stage rows)."""

    period: str  # "YYYY-MM", or "total"
    in_progress: bool  # the month containing `today`: partial
    pending: bool  # a deal-log cohort younger than the median sales cycle
    stages: tuple[StageRow, ...]
    kpis: Mapping[str, Value]
    mom: Mapping[str, Change]
    yoy: Mapping[str, Change]
    bottleneck: Bottleneck | None

    @property
    def complete(self) -> bool:
        return not self.in_progress and not self.pending and self.period != "total"

    def stage(self, key: str) -> StageRow:
        for s in self.stages:
            if s.key == key:
                return s
        raise KeyError(f"no stage {key!r} in period {self.period}")

    def to_dict(self) -> dict[str, Any]:
        values, details = _kpis_to_dict(self.kpis)
        return {
            "period": self.period, "in_progress": self.in_progress, "pending": self.pending,
            "stages": [s.to_dict() for s in self.stages], "kpis": values, "kpi_details": details,
            "changes": {"mom": _changes_to_dict(self.mom), "yoy": _changes_to_dict(self.yoy)},
            "bottleneck": self.bottleneck.to_dict() if self.bottleneck else None,
        }

    @staticmethod
    def from_dict(d: Mapping[str, Any]) -> PeriodReport:
        changes = d.get("changes", {})
        return PeriodReport(
            d["period"], bool(d["in_progress"]), bool(d["pending"]),
            tuple(StageRow.from_dict(s) for s in d["stages"]),
            _kpis_from_dict(d["kpis"], d.get("kpi_details", {})),
            frozen_map({k: Change.from_dict(c) for k, c in changes.get("mom", {}).items()}),
            frozen_map({k: Change.from_dict(c) for k, c in changes.get("yoy", {}).items()}),
            Bottleneck.from_dict(d.get("bottleneck")))


@dataclass(frozen=True, slots=True)
class DealLogSection:
    lost_by_stage: Mapping[str, int]
    lost_by_reason: Mapping[str, int]
    stage_times: tuple[StageTime, ...]
    median_cycle_days: float | None
    implied_passages: int
    pipeline: tuple[PipelineStage, ...] = ()  # the parts of the total's forecast_revenue

    def to_dict(self) -> dict[str, Any]:
        times = []
        for t in self.stage_times:
            row: dict[str, Any] = {"stage": t.stage, "next_stage": t.next_stage,
                                   "mean_days": num(t.mean_days.value),
                                   "median_days": num(t.median_days.value),
                                   "n": t.mean_days.n if t.mean_days.n is not None
                                   else t.median_days.n}
            if t.mean_days.reason:
                row["reason"] = t.mean_days.reason
            times.append(row)
        return {"lost_by_stage": dict(self.lost_by_stage),
                "lost_by_reason": dict(self.lost_by_reason), "stage_times": times,
                "median_cycle_days": num(self.median_cycle_days),
                "implied_passages": self.implied_passages,
                "pipeline": [{"stage": p.stage, "open_deals": p.open_deals,
                              "amount": num(p.amount), "unpriced": p.unpriced,
                              "unpriced_price": num(p.unpriced_price),
                              "win_probability": num(p.win_probability),
                              "expected": num(p.expected)} for p in self.pipeline]}

    @staticmethod
    def from_dict(d: Mapping[str, Any] | None) -> DealLogSection | None:
        if d is None:
            return None
        times = tuple(StageTime(t["stage"], t["next_stage"],
                                Value(t["mean_days"], t.get("reason"), t.get("n")),
                                Value(t["median_days"], t.get("reason"), t.get("n")))
                      for t in d["stage_times"])
        pipeline = tuple(PipelineStage(p["stage"], int(p["open_deals"]), p["amount"],
                                       int(p["unpriced"]), p["unpriced_price"],
                                       p["win_probability"], p["expected"])
                         for p in d.get("pipeline", ()))
        return DealLogSection(frozen_map(d["lost_by_stage"]), frozen_map(d["lost_by_reason"]),
                              times, d["median_cycle_days"], int(d["implied_passages"]),
                              pipeline)


@dataclass(frozen=True, slots=True)
class FunnelReport:
    funnel: tuple[Stage, ...]
    funnel_inferred: bool
    sources: Mapping[str, str | None]  # "summary", "deal_log" -> tab name
    periods: tuple[PeriodReport, ...]  # sorted by month
    total: PeriodReport
    segments: Mapping[str, Mapping[str, SegmentReport]]  # "channel"/"manager" -> name -> ...
    deal_log: DealLogSection | None
    seasonal_index: Mapping[int, float | None] | None  # calendar month -> index
    findings: tuple[str, ...]
    findings_ru: tuple[str, ...]
    problems: tuple[Problem, ...]
    unknown_columns: tuple[str, ...]
    notes: tuple[str, ...]
    notes_ru: tuple[str, ...]
    version: int = VERSION
    columns: tuple[ColumnReading, ...] = ()  # how each input column was read
    forecast: Forecast | None = None  # the next months from the series (funnel_kpi.report.forecast)
    verdicts: Verdicts = NO_VERDICTS  # segments against the rest, steps against their limits
    currency: str | None = None  # ISO code the input's money is in; None: unknown or mixed

    # --- what a renderer needs -------------------------------------------------------------
    def shown_period(self) -> PeriodReport:
        """The period every surface shows (one rule: the KPI tab, the text report, the
        dashboard, the plan): the latest month neither in progress nor pending; else the latest
        month; else the total."""
        for p in reversed(self.periods):
            if p.complete:
                return p
        return self.periods[-1] if self.periods else self.total

    def period(self, name: str) -> PeriodReport:
        if name == "total":
            return self.total
        for p in self.periods:
            if p.period == name:
                return p
        raise KeyError(f"no period {name!r} in the report")

    def stage_rows(self, period: str | None = None) -> tuple[StageRow, ...]:
        """Stage rows of a period (the shown one by default), each with MoM/YoY of its count."""
        return (self.period(period) if period else self.shown_period()).stages

    @property
    def status(self) -> Status:
        """``ok`` only when nothing in the input was ignored or doubted; else ``check``."""
        return "check" if self.problems or self.unknown_columns else "ok"

    def status_reasons(self, lang: str = "en") -> tuple[str, ...]:
        """Why the status is ``check``: one line per kind of problem, naming its first cells."""
        by_code: dict[str, list[Problem]] = {}
        for p in self.problems:
            by_code.setdefault(p.code, []).append(p)
        out = []
        for found in by_code.values():
            cells = ", ".join(f"{p.tab}!{p.cell}" if p.cell else p.tab
                              for p in found[:REASON_CELLS_SHOWN])
            more = len(found) - REASON_CELLS_SHOWN
            if more > 0:
                cells += (f" и ещё {more}" if lang == "ru" else f" and {more} more")
            out.append(f"{found[0].reason(lang)}: {cells}")
        if self.unknown_columns:
            head = "не учтены столбцы" if lang == "ru" else "columns ignored"
            out.append(f"{head}: " + ", ".join(self.unknown_columns))
        return tuple(out)

    def findings_in(self, lang: str = "en") -> tuple[str, ...]:
        return self.findings_ru if lang == "ru" else self.findings

    def notes_in(self, lang: str = "en") -> tuple[str, ...]:
        return self.notes_ru if lang == "ru" else self.notes

    # --- JSON ------------------------------------------------------------------------------
    def to_dict(self, fields: Collection[str] | None = None) -> dict[str, Any]:
        """The report as JSON values; with ``fields`` (names from ``REPORT_FIELDS``), only
        those top-level keys, in the usual order, and only their work is done."""
        parts: dict[str, Callable[[], Any]] = {
            "version": lambda: self.version,
            "status": lambda: self.status,
            "status_reasons": lambda: list(self.status_reasons("en")),
            "status_reasons_ru": lambda: list(self.status_reasons("ru")),
            "funnel": lambda: [{"key": s.key, "en": s.en, "ru": s.ru, "owner": s.owner}
                               for s in self.funnel],
            "funnel_inferred": lambda: self.funnel_inferred,
            "sources": lambda: {"summary": self.sources.get("summary"),
                                "deal_log": self.sources.get("deal_log")},
            "periods": lambda: [p.to_dict() for p in self.periods],
            "total": lambda: self.total.to_dict(),
            "segments": lambda: {field: {name: seg.to_dict() for name, seg in by_name.items()}
                                 for field, by_name in self.segments.items()},
            "deal_log": lambda: self.deal_log.to_dict() if self.deal_log else None,
            "seasonal_index": lambda: ({str(m): num(x) for m, x in self.seasonal_index.items()}
                                       if self.seasonal_index is not None else None),
            "findings": lambda: list(self.findings),
            "findings_ru": lambda: list(self.findings_ru),
            "problems": lambda: [p.to_dict() for p in self.problems],
            "unknown_columns": lambda: list(self.unknown_columns),
            "notes": lambda: list(self.notes), "notes_ru": lambda: list(self.notes_ru),
            "columns": lambda: [c.to_dict() for c in self.columns],
            "forecast": lambda: self.forecast.to_dict() if self.forecast else None,
            "verdicts": lambda: self.verdicts.to_dict(),
            "currency": lambda: self.currency,
        }
        # "currency" only when known: a report of an input that names none answers as before
        return {k: part() for k, part in parts.items() if (fields is None or k in fields)
                and (k != "currency" or self.currency is not None)}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FunnelReport:
        """Rebuild a report from ``to_dict()`` output (e.g. after a JSON round trip)."""
        if not isinstance(d, Mapping):
            raise ReportFormatError.say("error.report_not_object")
        if d.get("version") != VERSION:
            raise ReportFormatError.say("error.report_version", version=repr(d.get("version")),
                                        expected=VERSION)
        try:
            return cls._from_dict(d)
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as e:
            raise ReportFormatError.say("error.report_invalid", kind=type(e).__name__,
                                        why=str(e)) from e

    @classmethod
    def _from_dict(cls, d: Mapping[str, Any]) -> FunnelReport:
        seasonal = d.get("seasonal_index")
        return cls(
            funnel=tuple(Stage(s["key"], s["en"], s["ru"], s["owner"]) for s in d["funnel"]),
            funnel_inferred=bool(d["funnel_inferred"]),
            sources=frozen_map(d["sources"]),
            periods=tuple(PeriodReport.from_dict(p) for p in d["periods"]),
            total=PeriodReport.from_dict(d["total"]),
            segments=frozen_map({f: frozen_map({n: SegmentReport.from_dict(s)
                                                for n, s in by.items()})
                                 for f, by in d["segments"].items()}),
            deal_log=DealLogSection.from_dict(d.get("deal_log")),
            seasonal_index=(frozen_map({int(m): x for m, x in seasonal.items()})
                            if seasonal is not None else None),
            findings=tuple(d["findings"]), findings_ru=tuple(d["findings_ru"]),
            problems=tuple(Problem(p["tab"], p["cell"], p["value"], p["code"])
                           for p in d["problems"]),
            unknown_columns=tuple(d["unknown_columns"]),
            notes=tuple(d.get("notes", ())), notes_ru=tuple(d.get("notes_ru", ())),
            version=int(d["version"]),
            columns=tuple(ColumnReading.from_dict(c) for c in d.get("columns", ())),
            forecast=Forecast.from_dict(d.get("forecast")),
            verdicts=Verdicts.from_dict(d.get("verdicts")),
            currency=_currency(d.get("currency")),
        )
