"""values.get of a 200,000 x 15 sheet through gspread: how much of the wall time is the emulator's.

The emulator runs as its own process (as in product tests). For each read the server time is the
request log's `duration_ms` (routing, reading the grid, rendering, JSON encoding); the rest of the
client's wall time is transfer, json.loads and gspread. Three reads per render option: the first
after a write to the sheet, a repeat (served from the sheet's answer cache), and one after a write
to another tab (the sync's steady state: the input tab's cache survives). Prints ratios only.

    .venv/bin/python bench/emulator.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sheets_emulator.testing import running_emulator
from sheets_sync.google_client import make_client

COLS = 15


def make_rows(n: int) -> list[list[object]]:
    rnd = random.Random(7)
    channels = ["Organic", "Ads", "Referral", "Email", "Партнёры"]
    managers = ["Anna", "Boris", "Chen", "Dmitry", "Elena"]
    rows: list[list[object]] = [[f"col{j}" for j in range(COLS)]]
    for i in range(n - 1):
        rows.append([
            f"D{i:07d}", f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}", rnd.choice(channels),
            rnd.choice(managers), rnd.randint(0, 500), round(rnd.random() * 10000, 2),
            rnd.choice(["won", "lost", "open"]), rnd.randint(1, 90), f"note {i % 97}",
            rnd.random(), rnd.randint(0, 1), "ru" if i % 2 else "en", rnd.randint(0, 10**6),
            f"c{i % 1000}", round(rnd.random() * 100, 1),
        ])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args(argv)
    rows = make_rows(args.rows)
    with running_emulator() as emu:
        client = make_client({"SHEETS_EMULATOR_HOST": emu.host}, timeout=(5, 300))
        book = client.create("bench")
        ws = book.add_worksheet("Big", args.rows, COLS)
        t0 = time.perf_counter()
        step = 20_000
        emu.clear_log()
        for start in range(0, len(rows), step):
            ws.update(rows[start : start + step], f"A{start + 1}")
        wall = time.perf_counter() - t0
        server = sum(e["duration_ms"] for e in emu.request_log()) / 1000
        print(f"wrote {args.rows} x {COLS} in {wall:.1f} s ({step}-row values.update calls); "
              f"emulator {server:.1f} s = {100 * server / wall:.0f}% (writes also pre-render "
              "and pre-encode each row for reads)")
        kpi = book.add_worksheet("KPI", 100, 10)
        print("read               when                     wall  emulator  share   MB  "
              "emulator/json.loads")
        for render in ("FORMATTED_VALUE", "UNFORMATTED_VALUE"):
            ws.update([["touch"]], "A1")  # a write to the sheet: its cached answers are void
            for label in ("first after a write", "repeat", "after a KPI-tab write"):
                if label.startswith("after"):
                    kpi.update([[1, 2, 3]], "A1")
                emu.clear_log()
                t0 = time.perf_counter()
                values = ws.get(value_render_option=render)
                wall = time.perf_counter() - t0
                entry = [e for e in emu.request_log() if "/values/" in e["path"]][-1]
                server = entry["duration_ms"] / 1000
                payload = json.dumps({"values": values}).encode()
                t1 = time.perf_counter()
                json.loads(payload)
                parse = time.perf_counter() - t1
                print(f"{render:18} {label:22} {wall:5.2f} s {server:6.2f} s "
                      f"{100 * server / wall:5.1f}% {entry['response_bytes'] / 1e6:4.0f}  "
                      f"{server / parse:5.2f}")
                assert len(values) == args.rows
    return 0


if __name__ == "__main__":
    sys.exit(main())
