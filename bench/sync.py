"""How much a sync costs over bare gspread doing the same I/O, through the emulator.

    .venv/bin/python bench/sync.py [--rows 100000]

Seeds a spreadsheet with a deal log of --rows rows in the emulator (a separate process), then
prints for a steady-state sync (layout known, input changed): wall time, API calls and bytes
moved; the time of the same one read plus one write (the KPI cells as plain values) done by
bare gspread with no computation; their ratio (goal: at most 1.5); and how many API calls the
common naive approach (get_all_records per tab, then one update per KPI row) makes for the
same work. Prints, never asserts.

Fair turns: before each timed turn, of the sync or of bare gspread, one input cell changes, so
the emulator builds its answer afresh for both (it caches the answer of an unchanged tab); the
turns alternate, so drift in the machine's speed hits both; both times include freeing what was
read; both run with the garbage collector as the product has it (bench/fair.py: the first sync
is watched, and when it pauses the collector every turn of both runs with it paused).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.compute import generate
from bench.fair import GcSwitch, spread
from sheets_emulator.testing import running_emulator
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.backends.sheets_requests import write_requests
from sheets_sync.google_client import make_client
from sheets_sync.job import SyncOptions, run_sync
from sheets_sync.render import render


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    body = generate(args.rows)
    values = body["values"]
    with running_emulator() as emu:
        sid = emu.create_from_values("bench", {"Deals": values}, locale="en_US")
        client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
        options = SyncOptions(today=date(2025, 1, 15))
        firsts = []
        switch = GcSwitch.probe(  # first sync: 3 calls
            lambda: firsts.append(run_sync(GoogleBackend(client, sid), options)))
        first = firsts[0]
        state = first.state
        grid = render(first.report, lang="en", title="KPI", synced_at=_now())
        # bare gspread writes the same cells, as plain values, to a tab of its own
        client.open_by_key(sid).add_worksheet("KPI bare", rows=grid.height, cols=grid.width)
        bare_values = [[_plain(v) for v in row] for row in grid.rows]

        ours, bare, calls, moved = [], [], 0, 0
        for i in range(args.repeat):
            # Both change one input cell first, so the emulator rebuilds its answer for both
            # (an unchanged tab's answer is cached there); turns alternate against drift.
            _touch(client, sid, f"D-{i}")
            emu.clear_log()
            with switch.turn():
                t = time.perf_counter()
                outcome = run_sync(GoogleBackend(client, sid), options, state)
                ours.append(time.perf_counter() - t)
            state = outcome.state
            log = emu.request_log()
            calls = len(log)
            sent = len(json.dumps({"requests": write_requests(
                grid, state.layout, state.layout.sheet_ids.get("KPI"))}))  # type: ignore[union-attr]
            moved = sum(int(r.get("response_bytes") or 0) for r in log) + sent

            _touch(client, sid, f"E-{i}")
            with switch.turn():
                t = time.perf_counter()
                got = client.http_client.values_batch_get(
                    sid, ["'Deals'"], params={"valueRenderOption": "UNFORMATTED_VALUE",
                                              "dateTimeRenderOption": "SERIAL_NUMBER"})
                got["valueRanges"][0]["values"]
                client.http_client.values_update(
                    sid, "'KPI bare'!A1", params={"valueInputOption": "RAW"},
                    body={"values": bare_values})
                del got  # inside the time, as a sync frees what it read before it returns
                bare.append(time.perf_counter() - t)

        emu.clear_log()
        book = client.open_by_key(sid)
        for ws in book.worksheets():
            if ws.title not in ("KPI", "KPI bare"):
                ws.get_all_records()
        naive_tab = book.add_worksheet("KPI naive", rows=grid.height + 10, cols=grid.width + 2)
        for r, row in enumerate(grid.rows, start=1):
            if row:
                naive_tab.update([list(row)], f"A{r}")
        naive = len(emu.request_log())

    best_ours, best_bare = min(ours), min(bare)
    ratios = sorted(o / b for o, b in zip(ours, bare, strict=True))
    print(f"deal log rows:            {args.rows:,}")
    print(f"garbage collector:        {switch.describe()}")
    print(f"sync (steady state):      {best_ours:.3f} s, {calls} API calls, "
          f"{moved / 1e6:.1f} MB moved")
    print(f"bare gspread read+write:  {best_bare:.3f} s")
    print(f"ratio sync / bare:        {best_ours / best_bare:.2f} of the best runs, "
          f"{ratios[len(ratios) // 2]:.2f} median of pairs  (goal <= 1.5)")
    print(f"ratio per pair:           {spread(ratios)}")
    print(f"naive approach:           {naive} API calls for the same work "
          f"(get_all_records per tab + one update per KPI row)")
    return 0


def _touch(client: object, sid: str, text: str) -> None:
    client.http_client.values_update(  # type: ignore[attr-defined]
        sid, "Deals!A2", params={"valueInputOption": "RAW"}, body={"values": [[text]]})


def _plain(value: object) -> object:
    """A grid cell as bare gspread would send it: JSON values, dates as text."""
    return value if value is None or isinstance(value, str | int | float) else str(value)


def _now():  # type: ignore[no-untyped-def]
    from datetime import datetime

    return datetime.now(UTC)


if __name__ == "__main__":
    sys.exit(main())
