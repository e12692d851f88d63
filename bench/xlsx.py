"""``sheets-sync compute FILE.xlsx`` on a big deal log against a short polars script that reads
the same file and computes the core KPIs.

    python bench/xlsx.py [ROWS] [PAIRS]

Writes (once; cached under the temp folder) a deterministic deal log of ROWS deals (default
500,000): ids, created date (some with a time of day), pipeline stage, status won/lost/open,
amount, manager, channel, close date, some blanks; shared strings and date formats as Excel
saves them (xlsxwriter). Then runs, PAIRS times (default 3), in interleaved turns, each in a
child process of its own:

- the product: ``sheets-sync compute FILE --today ...`` (the CLI's own entry point);
- the reference: polars' ``read_excel`` (fastexcel/calamine underneath) and the KPIs a head of
  sales reads first (deals, won, lost, open, revenue, win rate, average deal, sales cycle, per
  manager, per channel, per month of creation).

and prints wall seconds and peak RSS of each turn, and the ratios product/reference of each
pair (min / median / max). Goal (issue 19): time at most 1.5x, peak memory at most 1.2x.

Both children run with the garbage collector as the product has it (bench/fair.py: the product
is probed once in this process, on a smaller log that takes the same column path).

The product's packages are compiled to bytecode first, as ``pip install`` does (polars comes
installed so): where PYTHONDONTWRITEBYTECODE is set, a checkout's modules would otherwise be
compiled from source in every child (about 0.2 s here), which no installed product does.
"""

from __future__ import annotations

import compileall
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from a checkout that is not pip-installed
    sys.path.insert(0, str(ROOT))

from bench.fair import GcSwitch, spread  # noqa: E402

ROWS = 500_000
TAB = "Deals"
TODAY = date(2025, 6, 1)
HEADER = ["Deal ID", "Created", "Stage", "Status", "Amount", "Manager", "Channel",
          "Close date"]
# HubSpot's default sales pipeline, as its export labels the stages
STAGES = ["Appointment scheduled", "Qualified to buy", "Presentation scheduled",
          "Decision maker bought-in", "Contract sent"]
MANAGERS = [f"Manager {i:02d}" for i in range(1, 21)]
CHANNELS = ["Paid search", "SEO", "Referrals", "Events", "Social", "Email", "Partners", "Direct"]
FIRST_DAY = datetime(2023, 6, 1)
DAYS = 700

REFERENCE = '''
import sys
import polars as pl

path, tab = sys.argv[1], sys.argv[2]
df = pl.read_excel(path, sheet_name=tab, engine="calamine")
won, lost = pl.col("Status") == "Won", pl.col("Status") == "Lost"
total = df.select(
    deals=pl.len(), won=won.sum(), lost=lost.sum(), open=(~won & ~lost).sum(),
    revenue=pl.col("Amount").filter(won).sum(),
    average_deal=pl.col("Amount").filter(won).mean(),
    cycle_days=(pl.col("Close date") - pl.col("Created")).dt.total_days().filter(won).mean(),
).with_columns(win_rate=pl.col("won") / (pl.col("won") + pl.col("lost")))
parts = [total]
for key in ("Manager", "Channel"):
    parts.append(df.group_by(key).agg(deals=pl.len(), won=won.sum(),
                                      revenue=pl.col("Amount").filter(won).sum()).sort(key))
parts.append(df.group_by(pl.col("Created").dt.truncate("1mo").alias("month"))
             .agg(leads=pl.len(), won=won.sum()).sort("month"))
for part in parts:
    print(part)
'''


def log_path(rows: int, seed: int = 42) -> Path:
    folder = Path(tempfile.gettempdir()) / "funnel-kpi-bench"
    folder.mkdir(exist_ok=True)
    return folder / f"deals-{rows}-{seed}-v2.xlsx"


def write_log(rows: int, seed: int = 42) -> Path:
    """The deal log, written once (xlsxwriter: shared strings, date formats)."""
    import xlsxwriter

    path = log_path(rows, seed)
    if path.exists():
        return path
    rng = random.Random(seed)
    tmp = path.with_suffix(".tmp.xlsx")
    book = xlsxwriter.Workbook(str(tmp))
    ws = book.add_worksheet(TAB)
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    stamp = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
    ws.write_row(0, 0, HEADER)
    for i in range(rows):
        r = i + 1
        created = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
        if rng.random() < 0.3:  # some CRMs export the time of day too
            created += timedelta(minutes=rng.randrange(8 * 60, 20 * 60))
        roll = rng.random()
        status = "Won" if roll < 0.18 else "Lost" if roll < 0.55 else "Open"
        stage = ("Closed won" if status == "Won" else "Closed lost" if status == "Lost"
                 else rng.choice(STAGES))
        ws.write_string(r, 0, f"HS-{100000 + i}")
        ws.write_datetime(r, 1, created, stamp if created.hour else day)
        ws.write_string(r, 2, stage)
        ws.write_string(r, 3, status)
        if status == "Won" or rng.random() < 0.7:
            ws.write_number(r, 4, round(rng.lognormvariate(10.5, 0.6), -2))
        if rng.random() < 0.97:
            ws.write_string(r, 5, rng.choice(MANAGERS))
        ws.write_string(r, 6, rng.choice(CHANNELS))
        if status != "Open":
            closed = created + timedelta(days=rng.randrange(1, 90))
            if closed.date() < TODAY:
                ws.write_datetime(r, 7, closed.replace(hour=0, minute=0), day)
    book.close()
    os.replace(tmp, path)
    return path


def child(code: str, args: list[str], pause_gc: bool) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process running ``code``."""
    prefix = "import gc; gc.disable()\n" if pause_gc else ""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", prefix + code, *args],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode() if proc.stderr else ""
    if proc.returncode not in (0, 3):  # compute: 3 is a report to check, still a report
        raise SystemExit(f"child failed ({proc.returncode}): {err[-2000:]}")
    return seconds, usage.ru_maxrss / 1024


PRODUCT = "import sys\nfrom sheets_sync.cli import main\nsys.argv[0] = 'sheets-sync'\nmain()\n"


def probe_product(rows: int) -> GcSwitch:
    """The product once in this process, on a log long enough to be read by column."""
    from funnel_kpi.api import analyse
    from sheets_sync.backends.xlsx import XlsxBackend
    from sheets_sync.render import DEFAULT_OUTPUT_TABS
    from sheets_sync.text_report import text_report

    small = write_log(rows)

    def once() -> None:
        snapshot = XlsxBackend(small).read(DEFAULT_OUTPUT_TABS)
        report = analyse(snapshot.tabs, locale=snapshot.layout.locale, today=TODAY).report
        text_report(report, snapshot.layout.lang)

    return GcSwitch.probe(once)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else ROWS
    pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    started = time.perf_counter()
    path = write_log(rows)
    print(f"deal log: {path} ({path.stat().st_size / 1e6:.1f} MB, {rows:,} deals; "
          f"{time.perf_counter() - started:.1f} s to have it)")
    for package in ("funnel_kpi", "sheets_sync", "excel_udfs", "sheets_emulator"):
        compileall.compile_dir(ROOT / package, quiet=1)  # as an install does (see docstring)
    switch = probe_product(30_000)
    print(switch.describe())
    product_args = ["compute", str(path), "--today", TODAY.isoformat()]
    times: list[tuple[float, float]] = []
    rss: list[tuple[float, float]] = []
    child(REFERENCE, [str(path), TAB], switch.paused)  # warm the page cache and imports
    for turn in range(pairs):
        first_product = turn % 2 == 1  # ABAB... then BABA..., so neither always goes first
        runs = {}
        for who in (("product", "reference") if first_product else ("reference", "product")):
            with switch.turn():
                runs[who] = (child(PRODUCT, product_args, switch.paused) if who == "product"
                             else child(REFERENCE, [str(path), TAB], switch.paused))
        (pt, pm), (rt, rm) = runs["product"], runs["reference"]
        times.append((pt, rt))
        rss.append((pm, rm))
        print(f"pair {turn + 1}: product {pt:.2f} s {pm:.0f} MB | polars {rt:.2f} s {rm:.0f} MB"
              f" | time x{pt / rt:.2f}, memory x{pm / rm:.2f}")
    print(f"product wall: median {statistics.median(t for t, _ in times):.2f} s; "
          f"polars: median {statistics.median(t for _, t in times):.2f} s")
    print(f"time ratio (goal <= 1.5):   {spread([p / r for p, r in times])}")
    print(f"memory ratio (goal <= 1.2): {spread([p / r for p, r in rss])}")


if __name__ == "__main__":
    main()
