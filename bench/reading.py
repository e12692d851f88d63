"""Reading a 1,000,000-row deal log: this checkout's core against the core of an earlier commit.

    python bench/reading.py [--base REV] [--rows N] [--pairs K]

The goal of "Read what users really bring": recognising CRM exports (pipeline stages, close
dates by status, flags, the read-out) costs at most 1.2x the reading before it (REV, default
9fa29e5, the last commit before that work). The earlier core is checked out with ``git worktree``
into a temporary folder; each turn is a child process that generates the same log
(bench/compute.py's generator, seed 42), then times ``funnel_kpi.parse.tabs.read_tabs`` alone, with
the garbage collector as each core ships it (a full collection first; no pause switched on by
the bench: the base core paused inside read_deal_log, the current one does not). Turns
alternate base, current, base, ... in one process tree, and the ratio of the medians is printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BASE = "9fa29e5"

CHILD = r"""
import gc, json, sys, time
sys.path.insert(0, sys.argv[1])  # the core under test
sys.path.insert(1, sys.argv[2])  # this checkout, for the generator
from bench.compute import TAB, generate
from funnel_kpi import Tab
from funnel_kpi import read_tabs
import funnel_kpi
assert funnel_kpi.__file__.startswith(sys.argv[1]), funnel_kpi.__file__
rows = generate(int(sys.argv[3]))["values"]
tab = Tab(TAB, rows)
gc.collect()  # the collector as each core ships it: neither pauses it now (the base core did,
# inside read_deal_log; a pause switched on here would time the current core with one it lacks)
start = time.perf_counter()
parsed = read_tabs([tab])
seconds = time.perf_counter() - start
print(json.dumps({"seconds": seconds, "deals": parsed.deals.size}))
"""


def turn(core: Path, rows: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", CHILD, str(core), str(ROOT), str(rows)],
                         capture_output=True, text=True, check=True, timeout=1200)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base", default=BASE)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pairs", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(base),
                        args.base], check=True, capture_output=True)
        try:
            times: dict[str, list[float]] = {"base": [], "current": []}
            for _ in range(args.pairs):
                for name, core in (("base", base), ("current", ROOT)):
                    r = turn(core, args.rows)
                    times[name].append(r["seconds"])
                    print(f"{name:8} {r['seconds']:.2f} s  ({int(r['deals'])} deals)",
                          flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False, capture_output=True)
    b, c = statistics.median(times["base"]), statistics.median(times["current"])
    print(f"read_tabs, {args.rows} rows: base {args.base} {b:.2f} s, current {c:.2f} s; "
          f"ratio {c / b:.2f} (goal <= 1.2)")


if __name__ == "__main__":
    main()
