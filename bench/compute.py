"""How long the deal-log report takes on 500,000 deals, against decoding the same rows.

    python bench/compute.py [ROWS] [PAIRS]

Generates a realistic deal log with ``random.Random(42)`` shaped as a Google Sheets
``values.get`` response (UNFORMATTED_VALUE, dates as serial numbers), then prints:

- seconds of ``json.loads`` of that body (the floor: the service must decode it anyway);
- seconds to compute the report from the decoded rows, and the ratio (goal <= 1.0), over PAIRS
  (default 3) interleaved turns (json.loads, compute, json.loads, compute, ...);
- seconds of ``analyse_deals`` alone;
- tracemalloc peak during the compute against the size of the decoded rows (goal <= 3x).

Every timed turn, json.loads's as the compute's, runs with the garbage collector as the product
has it (bench/fair.py: paused for every turn when the product pauses it anywhere).

"The report" is the most complete path the core offers when this runs, said in the output:
``funnel_kpi.api.compute_report`` or ``funnel_kpi.report.build``; else
``funnel_kpi.parse.tabs.read_deal_log``
+ ``analyse_deals``; else rows turned into ``Deal`` objects here + ``analyse_deals``.
"""

from __future__ import annotations

import gc
import importlib
import json
import random
import sys
import time
import tracemalloc
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout that is not pip-installed
    sys.path.insert(0, str(ROOT))

from bench.fair import GcSwitch, spread  # noqa: E402
from funnel_kpi import (  # noqa: E402
    DEFAULT_FUNNEL,
    Deal,
    DealLog,
    Tab,
    analyse_deals,
)

R = TypeVar("R")
ROWS = 500_000
TAB = "Deals"
HEADER = ["Deal ID", "Created", "Channel", "Manager", "Status", "Lost reason", "Amount",
          "Paid amount", "Paid date", "Customer ID", "Meeting date", "Proposal date",
          "Contract date", "First response"]
CHANNELS = ["Paid search", "SEO", "Referrals", "Events", "Social", "Email", "Partners", "Direct"]
CHANNEL_WEIGHTS = [30, 20, 12, 6, 10, 8, 9, 5]
MANAGERS = [f"Manager {i:02d}" for i in range(1, 21)]
REASONS = ["Too expensive", "Chose a competitor", "No budget", "No response", "Not a fit", ""]
FIRST_DAY = date(2023, 1, 1)
DAYS = 730  # two years of leads
SERIAL_EPOCH = date(1899, 12, 30).toordinal()  # Google/Excel date serial 0


def generate(rows: int, seed: int = 42) -> dict[str, Any]:
    """A values.get response: header + one row per deal, trailing blanks omitted like Google's."""
    rng = random.Random(seed)
    first = FIRST_DAY.toordinal() - SERIAL_EPOCH
    last = first + DAYS - 1
    values: list[list[Any]] = [HEADER]
    for i in range(rows):
        day = first + rng.randrange(DAYS)
        created = day + round(rng.random(), 4)  # a creation time of day: a float serial
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        dates: list[Any] = ["", "", ""]
        reached, at = 0, day
        for step, p in enumerate((0.45, 0.65, 0.5)):
            at += rng.randint(1, 6 + 5 * step)
            if at > last or rng.random() > p:
                break
            dates[step] = at
            reached = step + 1
        amount: Any = round(rng.uniform(20_000, 250_000), -2) if reached >= 2 else ""
        status, reason, customer = "Open", "", ""
        paid_amount: Any = ""
        paid_date: Any = ""
        if reached == 3:
            paid_at = at + rng.randint(2, 20)
            if paid_at <= last and rng.random() < 0.85:
                status, paid_date = "Won", paid_at
                paid_amount = amount if rng.random() < 0.9 else round(amount * 0.5, -2)
                customer = f"C{rng.randrange(60_000):05d}"
        if status == "Open" and last - day > 60 and rng.random() < 0.95:
            status, reason = "Lost", rng.choice(REASONS)
        response: Any = day + rng.choice((0, 0, 1, 1, 2, 3)) if rng.random() < 0.9 else ""
        row = [f"D{i + 1:07d}", created, channel, rng.choice(MANAGERS), status, reason, amount,
               paid_amount, paid_date, customer, *dates, response]
        while row and row[-1] == "":
            row.pop()
        values.append(row)
    return {"range": f"{TAB}!A1:N{rows + 1}", "majorDimension": "ROWS", "values": values}


def _serial_date(cell: Any) -> date | None:
    if isinstance(cell, int | float) and not isinstance(cell, bool):
        return date.fromordinal(SERIAL_EPOCH + int(cell))
    return None


def _money(cell: Any) -> float | None:
    return float(cell) if isinstance(cell, int | float) and not isinstance(cell, bool) else None


def deals_from_rows(rows: Sequence[Sequence[Any]]) -> DealLog:
    """The bench's own minimal reading of its own columns, for when the parser is not there."""
    statuses = {"Open": "open", "Won": "won", "Lost": "lost"}
    deals = []
    for number, raw in enumerate(rows[1:], start=2):
        row = list(raw) + [""] * (len(HEADER) - len(raw))
        created = _serial_date(row[1])
        if created is None:
            continue
        paid = _serial_date(row[8])
        stage_dates = {"leads": created}
        for key, cell in zip(("meetings", "proposals", "contracts"), row[10:13], strict=True):
            if (d := _serial_date(cell)) is not None:
                stage_dates[key] = d
        if paid is not None:
            stage_dates["paid"] = paid
        deals.append(Deal(
            id=str(row[0]), created=created, status=statuses.get(row[4], "open"),  # type: ignore[arg-type]
            stage_dates=stage_dates, channel=row[2] or None, manager=row[3] or None,
            lost_reason=row[5] or None, amount=_money(row[6]), paid_amount=_money(row[7]),
            paid_date=paid, customer_id=row[9] or None, first_response=_serial_date(row[13]),
            row=number,
        ))
    return DealLog.from_deals(TAB, ("leads", "meetings", "proposals", "contracts", "paid"), deals)


def _parser() -> Callable[[Tab], DealLog] | None:
    try:
        read = importlib.import_module("funnel_kpi.parse.tabs").read_deal_log
    except (ImportError, AttributeError):
        return None
    return lambda tab: read(tab, DEFAULT_FUNNEL)


def pick_compute() -> tuple[str, Callable[[list[list[Any]]], object]]:
    """The most complete compute path available now, and what to call it in the output."""
    for module, name in (("funnel_kpi.api", "compute_report"), ("funnel_kpi", "compute")):
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        if callable(fn):
            return f"{module}.{name}([Tab]) (full report)", lambda rows, fn=fn: fn([Tab(TAB, rows)])
    read = _parser()
    if read is None:
        return ("bench.deals_from_rows + analyse_deals (parser not there yet; NOT the full report)",
                lambda rows: analyse_deals(deals_from_rows(rows), DEFAULT_FUNNEL))
    return ("funnel_kpi.parse.tabs.read_deal_log + analyse_deals (no report wiring yet)",
            lambda rows: analyse_deals(read(Tab(TAB, rows)), DEFAULT_FUNNEL))


def read_log(rows: list[list[Any]]) -> tuple[str, DealLog]:
    """The DealLog analyse_deals is timed on: the real parser's when there is one."""
    read = _parser()
    if read is None:
        return "bench.deals_from_rows", deals_from_rows(rows)
    return "funnel_kpi.parse.tabs.read_deal_log", read(Tab(TAB, rows))


SWITCH = GcSwitch(paused=False, why="not probed yet")  # set by main() from the product


def timed(fn: Callable[[], R]) -> tuple[float, float, R]:
    """(wall seconds, CPU seconds of this process, result). CPU time is the steadier figure on
    a shared machine. The collector as the product has it, for every turn (bench/fair.py)."""
    with SWITCH.turn():
        start, cpu = time.perf_counter(), time.process_time()
        out = fn()
        return time.perf_counter() - start, time.process_time() - cpu, out


def traced_peak(fn: Callable[[], object]) -> tuple[int, int]:
    """(bytes still held by fn's result, peak bytes during fn), by tracemalloc."""
    gc.collect()
    tracemalloc.start()
    try:
        out = fn()
        held, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    del out
    return held, peak


def main(argv: list[str]) -> int:
    global SWITCH
    rows_wanted = int(argv[0]) if argv else ROWS
    pairs = int(argv[1]) if len(argv) > 1 else 3
    print(f"generating {rows_wanted:,} deals (random.Random(42)) ...", flush=True)
    body = json.dumps(generate(rows_wanted), ensure_ascii=False)
    print(f"values.get body: {len(body) / 1e6:.1f} MB")
    label, compute = pick_compute()

    SWITCH = GcSwitch.probe(lambda: compute(json.loads(body)["values"]))  # also the warm-up
    print(SWITCH.describe())

    turns: list[tuple[float, float, float, float]] = []
    for turn in range(pairs):  # interleaved, so drift in the machine's speed hits both
        decode_s, decode_cpu, decoded = timed(lambda: json.loads(body))
        rows: list[list[Any]] = decoded["values"]
        compute_s, compute_cpu, _ = timed(lambda rows=rows: compute(rows))  # type: ignore[misc]
        turns.append((decode_s, decode_cpu, compute_s, compute_cpu))
        if turn < pairs - 1:  # the next turns start with only the body alive, like the first
            del decoded, rows
    decode_s, decode_cpu = min(t[0] for t in turns), min(t[1] for t in turns)
    compute_s, compute_cpu = min(t[2] for t in turns), min(t[3] for t in turns)
    parse_s, parse_cpu, (parser, log) = timed(lambda: read_log(rows))
    analyse_s, analyse_cpu, analysis = timed(lambda: analyse_deals(log, DEFAULT_FUNNEL))

    def line(name: str, wall: float, cpu: float, goal: str = "") -> None:
        print(f"{name:42s}{wall:7.2f} s (cpu {cpu:5.2f} s)   ratio {wall / decode_s:5.2f}"
              f" (cpu {cpu / decode_cpu:5.2f}){goal}")

    print(f"measured compute: {label}")
    line("json.loads", decode_s, decode_cpu)
    line("compute", compute_s, compute_cpu, "  goal <= 1.0 (best turns)")
    print(f"{'  compute / json.loads per pair (wall)':42s}"
          f"{spread([t[2] / t[0] for t in turns])}")
    print(f"{'  compute / json.loads per pair (cpu)':42s}"
          f"{spread([t[3] / t[1] for t in turns])}")
    line(f"  {parser} alone", parse_s, parse_cpu)
    line("  analyse_deals alone", analyse_s, analyse_cpu)

    del decoded, rows, analysis
    rows_bytes, _ = traced_peak(lambda: json.loads(body)["values"])
    rows = json.loads(body)["values"]
    _, compute_peak = traced_peak(lambda: compute(rows))
    _, analyse_peak = traced_peak(lambda: analyse_deals(log, DEFAULT_FUNNEL))
    mb = 1e6
    print(f"{'decoded rows':42s}{rows_bytes / mb:7.0f} MB")
    print(f"{'compute peak':42s}{compute_peak / mb:7.0f} MB   ratio "
          f"{compute_peak / rows_bytes:.2f}  (goal <= 3.0)")
    print(f"{'  analyse_deals alone peak':42s}{analyse_peak / mb:7.0f} MB   ratio "
          f"{analyse_peak / rows_bytes:.2f}  (its DealLog built before, not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
