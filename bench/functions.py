"""A batch of function calls in one request to the service against the same calls in process.

    python bench/functions.py [--calls 1000] [--rounds 30] [--function CONVERSION]

The product: the add-on's request, POST /api/v1/functions/<NAME> with ``--calls`` calls of
cells as Apps Script sends them (numbers, some as text, a few blanks), to the real service: the
Flask app from ``create_app`` under werkzeug on a loopback port (as ``sheets-sync serve``
without waitress's threads), a SQLite file, a token made as ``sheets-sync tokens create`` makes
one, checked on every request (hash, database, rate limit). The time is the client's: request
out, every result back and decoded.

The baseline: the same calls made in process, on the same cells, by the very code the endpoint
runs per call (``sheets_sync.app.functions.evaluate``: each cell read as the Excel function
reads it, the formula, the result): same input, same work, without HTTP, JSON and the token.
Printed beside it, for where the time goes: the Excel functions' own path in process
(``excel_udfs.adapters.run``, which checks every cell for a COM error code and pauses the
collector per call) and the formulas alone (``funnel_kpi.registry.call`` on cells read before
the timing). Turns are interleaved (product, baseline, ..., product, ...) and paired; every turn
runs under the same collector setting (bench/fair.py). Goal (issue 16): the product at most 3x
the baseline.
"""

from __future__ import annotations

import argparse
import logging
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgspec
import requests
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fair import GcSwitch, spread
from excel_udfs import adapters
from funnel_kpi import parse_number, registry
from sheets_sync.app import create_app
from sheets_sync.app.functions import evaluate
from sheets_sync.app.store_ext import get_store
from sheets_sync.store.tokens import create_token

GOAL = 3.0


def cells(name: str, n: int, text_share: float = 0.1, seed: int = 16) -> list[list[Any]]:
    """Each call's arguments as a sheet holds them: mostly numbers, ``text_share`` of them
    typed as text ("1 234"), one in fifty blank."""
    rng = random.Random(seed)
    width = sum(1 for a in registry.function(name).args if not a.optional)
    out = []
    for _ in range(n):
        args: list[Any] = []
        for _ in range(width):
            roll = rng.random()
            x = rng.randint(1, 5000)
            args.append("" if roll < 0.02 else f"{x:,}".replace(",", " ")
                        if roll < 0.02 + text_share else x)
        out.append(args)
    return out


def clean(args: list[Any]) -> list[float | None]:
    """The baseline's arguments: what the cells mean, read once before timing."""
    out: list[float | None] = []
    for x in args:
        n = parse_number(x)
        out.append(None if n is None or not isinstance(n, int | float) else float(n))
    return out


@contextmanager
def served() -> Iterator[tuple[str, str]]:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app({"DATABASE_URL": f"sqlite:///{tmp}/bench.db", "INSTANCE_PATH": tmp,
                          "SECRET_KEY": "bench"})
        with get_store(app).session() as s:
            token, _ = create_token(s, "bench")
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.port}", token
        finally:
            server.shutdown()
            thread.join(10)
            get_store(app).dispose()


def timed(fn: Callable[[], object], switch: GcSwitch) -> tuple[float, float]:
    """Wall seconds and CPU seconds of this process (client and server threads alike: both
    are the cost of the request; on a loaded machine the wall time of a thread hand-off also
    holds the time spent waiting for a core)."""
    with switch.turn():
        t0, c0 = time.perf_counter(), time.process_time()
        fn()
        return time.perf_counter() - t0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--rounds", type=int, default=30)
    p.add_argument("--function", default="CONVERSION")
    p.add_argument("--text-share", type=float, default=0.1,
                   help="share of the number cells typed as text, read by the service")
    args = p.parse_args(argv)
    name = registry.function(args.function).name
    raw = cells(name, args.calls, args.text_share)
    clean_args = [clean(a) for a in raw]
    body = {"calls": [{"args": a} for a in raw]}

    spec = registry.function(name)

    def baseline() -> list[Any]:
        return [evaluate(spec, a) for a in raw]

    def excel_path() -> list[Any]:
        return [adapters.run(name, *a) for a in raw]

    def formulas() -> list[Any]:
        return [registry.call(name, a) for a in clean_args]

    with served() as (url, token):
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {token}"
        endpoint = f"{url}/api/v1/functions/{name}"

        session.headers["Content-Type"] = "application/json"

        def product() -> list[Any]:
            # msgspec both ways, as the service does: the JSON library of the bench's client
            # (stdlib json: 3 ms of a 1,000-call turn) is not the service's cost
            resp = session.post(endpoint, data=msgspec.json.encode(body), timeout=60)
            resp.raise_for_status()
            results: list[Any] = msgspec.json.decode(resp.content)["results"]
            return results

        got, want, cells_out = product(), formulas(), excel_path()
        assert got == msgspec.json.decode(msgspec.json.encode(baseline()))
        assert len(got) == len(want) == len(cells_out) == args.calls
        for g, w, c in zip(got, want, cells_out, strict=True):  # same answers, or void
            assert g.get("value") == w.value and ("error" in g) == (w.value is None), (g, w)
            assert (c == w.value) if w.value is not None else not isinstance(c, float), (c, w)
        switch = GcSwitch.probe(product)
        for _ in range(3):  # warm both (connections, caches) outside the figures
            product()
            baseline()
        def empty() -> None:  # one authenticated request with no calls: the fixed part
            session.post(endpoint, data=b'{"calls": []}', timeout=60).raise_for_status()

        Turn = tuple[tuple[float, float], ...]
        turns: list[Turn] = []
        for _ in range(args.rounds):
            turns.append((timed(product, switch), timed(baseline, switch),
                          timed(empty, switch), timed(formulas, switch),
                          timed(excel_path, switch)))
    print(f"{args.calls} calls of {name} in one request ({args.text_share:.0%} of the number "
          f"cells as text) against the same calls in process; {switch.describe()}")
    for k, what in ((0, "wall"), (1, "CPU")):
        product_s = [t[0][k] for t in turns]
        baseline_s = [t[1][k] for t in turns]
        ratios = [a / b for a, b in zip(product_s, baseline_s, strict=True) if b > 0]
        med = statistics.median(ratios)
        print(f"{what} time:")
        print(f"  service (HTTP, token, cells read, JSON): median "
              f"{statistics.median(product_s) * 1000:.2f} ms")
        print(f"  of which one request with no calls:      median "
              f"{statistics.median(t[2][k] for t in turns) * 1000:.2f} ms")
        print(f"  in process, the endpoint's own evaluate: median "
              f"{statistics.median(baseline_s) * 1000:.2f} ms")
        print(f"  in process, the Excel functions' path:   median "
              f"{statistics.median(t[4][k] for t in turns) * 1000:.2f} ms")
        print(f"  of which the formulas (registry.call):   median "
              f"{statistics.median(t[3][k] for t in turns) * 1000:.2f} ms")
        print(f"  ratio {spread(ratios)}; goal <= {GOAL:g}: "
              f"{'met' if med <= GOAL else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
