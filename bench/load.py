"""Load on loopback: drive /api/v1/compute and the dashboard from this process for --seconds.

    .venv/bin/python bench/load.py --seconds 60            # starts `sheets-sync serve` itself
    .venv/bin/python bench/load.py --url http://127.0.0.1:8000 --token sst_...  # a running one
    .venv/bin/python bench/load.py --ratio --seconds 10 --rounds 5   # /compute vs minimal Flask

With no --url the service is started as a second process (waitress, a fresh SQLite instance in
a temporary folder, the demo workbook as one job, synced once so its page has a report). Then
--workers threads here send, for --seconds, a mix of: POST /api/v1/compute with the demo's
funnel tab as JSON (half), GET /jobs and GET /jobs/<id> signed in to the dashboard (a quarter
each). It prints requests per second, p50 and p99 latency per kind and overall, and errors (any
answer but 2xx, or no answer); it exits 1 when there was an error. Traffic goes to loopback
addresses only. The started service's per-token rate limit is set above what the run can send
(--rate-limit), since one token here stands for many clients.

With --ratio it measures POST /api/v1/compute alone against its baseline: bench/minimal_app.py,
a minimal Flask app answering the same request with the very bytes and headers the service
answered (compressed or not, as the client asked), served the same way (waitress, --threads
threads, its own process, the garbage collector treated like the service's: both freeze what
they loaded at start with ``gc.freeze()`` and collect the rest as usual). --rounds turns of
--seconds each alternate service, baseline, service, baseline ...; it prints requests per second
of every turn and the ratio service/baseline of each pair, min/median/max (goal >= 1/3).
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.fair import spread  # noqa: E402

DEMO = REPO / "templates" / "demo_en.xlsx"


def loopback_only(url: str) -> str:
    host = urlsplit(url).hostname or ""
    ok = host == "localhost" or (host.replace(".", "").isdigit() and
                                 ipaddress.ip_address(host).is_loopback) or host == "::1"
    if not ok:
        raise SystemExit(f"load.py sends traffic to loopback addresses only, not {host!r}")
    return url.rstrip("/")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def started_service(threads: int, rate_limit: str) -> Iterator[tuple[str, str]]:
    """`sheets-sync serve` in a fresh instance; yields (url, token)."""
    tmp = Path(tempfile.mkdtemp(prefix="sheets-sync-load-"))
    books = tmp / "books"
    books.mkdir()
    shutil.copy(DEMO, books / "demo_en.xlsx")
    env = {**os.environ, "PYTHONPATH": str(REPO), "SHEETS_SYNC_INSTANCE_PATH": str(tmp),
           "SHEETS_SYNC_XLSX_ROOT": str(books), "SHEETS_SYNC_RATE_LIMIT": rate_limit}
    env.pop("SHEETS_EMULATOR_HOST", None)
    cmd = [sys.executable, "-m", "sheets_sync"]
    made = subprocess.run([*cmd, "tokens", "create", "load"], env=env, capture_output=True,
                          text=True, check=True, timeout=60)
    token = made.stdout.strip().splitlines()[-1]
    port = free_port()
    with _served([*cmd, "serve", "--port", str(port), "--threads", str(threads),
                  "--processes", str(PROCESSES[0])], port, tmp, "the service", env=env) as url:
        yield url, token


def demo_values() -> list[list[Any]]:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(str(DEMO)).get_sheet_by_name("Funnel").to_python()
    return [[v.isoformat() if hasattr(v, "isoformat") else v for v in r] for r in rows]


def prepare(url: str, token: str) -> int:
    """A job on the demo workbook, synced once; its id."""
    auth = {"Authorization": f"Bearer {token}"}
    jobs = requests.get(f"{url}/api/v1/jobs", headers=auth, timeout=30).json()["jobs"]
    job = jobs[0] if jobs else requests.post(f"{url}/api/v1/jobs", headers=auth, timeout=30,
                                             json={"spreadsheet": "demo_en.xlsx"}).json()
    requests.post(f"{url}/api/v1/jobs/{job['id']}/run", headers=auth, timeout=120)
    return int(job["id"])


def signed_in(url: str, token: str) -> requests.Session:
    s = requests.Session()
    page = s.get(f"{url}/signin", timeout=30).text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    if not csrf:
        raise SystemExit("no sign-in form at /signin")
    resp = s.post(f"{url}/signin", data={"token": token, "csrf_token": csrf.group(1)},
                  timeout=30, allow_redirects=False)
    if resp.status_code != 302:
        raise SystemExit(f"sign-in failed: HTTP {resp.status_code}")
    return s


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, seconds: float, ok: bool, why: str = "") -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            if not ok:
                self.errors[f"{kind}: {why}"] += 1


def worker(n: int, url: str, token: str, job_id: int, body: dict[str, Any], until: float,
           tally: Tally) -> None:
    api = requests.Session()
    api.headers["Authorization"] = f"Bearer {token}"
    page = signed_in(url, token)
    plan = [("compute", "post", api, "/api/v1/compute"), ("jobs_page", "get", page, "/jobs"),
            ("compute", "post", api, "/api/v1/compute"),
            ("job_page", "get", page, f"/jobs/{job_id}")]
    i = n
    while time.monotonic() < until:
        kind, method, session, path = plan[i % len(plan)]
        i += 1
        started = time.perf_counter()
        try:
            if method == "post":
                resp = session.post(url + path, json=body, timeout=30)
            else:
                resp = session.get(url + path, timeout=30, allow_redirects=False)
            ok = 200 <= resp.status_code < 300
            why = f"HTTP {resp.status_code}"
        except requests.RequestException as e:
            ok, why = False, type(e).__name__
        tally.add(kind, time.perf_counter() - started, ok, why)


def pct(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


def drive(url: str, token: str, seconds: float, workers: int) -> int:
    job_id = prepare(url, token)
    today = time.strftime("%Y-%m-%d")
    body = {"values": demo_values(), "locale": "en_US", "today": today}
    tally = Tally()
    until = time.monotonic() + seconds
    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(n, url, token, job_id, body, until, tally))
               for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    everything = [x for v in tally.latencies.values() for x in v]
    print(f"load: {url}, {workers} workers, {elapsed:.1f} s")
    print(f"{'kind':<10} {'requests':>9} {'rps':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for kind, lat in sorted(tally.latencies.items()):
        print(f"{kind:<10} {len(lat):>9} {len(lat) / elapsed:>8.1f} {pct(lat, 0.5) * 1000:>8.1f} "
              f"{pct(lat, 0.99) * 1000:>8.1f}")
    print(f"{'all':<10} {len(everything):>9} {len(everything) / elapsed:>8.1f} "
          f"{pct(everything, 0.5) * 1000:>8.1f} {pct(everything, 0.99) * 1000:>8.1f}")
    errors = sum(tally.errors.values())
    print(f"errors: {errors}" + (f" {dict(tally.errors)}" if errors else ""))
    return 1 if errors else 0


@contextmanager
def started_baseline(answer: bytes, headers: dict[str, str], threads: int) -> Iterator[str]:
    """bench/minimal_app.py answering ``answer`` with ``headers``; yields its URL."""
    tmp = Path(tempfile.mkdtemp(prefix="sheets-sync-baseline-"))
    (tmp / "answer").write_bytes(answer)
    port = free_port()
    cmd = [sys.executable, str(REPO / "bench" / "minimal_app.py"), "--port", str(port),
           "--threads", str(threads), "--processes", str(PROCESSES[0]),
           "--answer", str(tmp / "answer"),
           *(f"--header={k}:{v}" for k, v in headers.items())]
    with _served(cmd, port, tmp, "the baseline") as url:
        yield url


@contextmanager
def _served(cmd: list[str], port: int, tmp: Path, what: str,
            env: dict[str, str] | None = None) -> Iterator[str]:
    """``cmd`` as a server on ``port`` (its output to ``tmp``/serve.log): waits for /healthz,
    records its pid for cpu_seconds, yields its URL; then stops it and removes ``tmp``."""
    log = open(tmp / "serve.log", "wb")  # noqa: SIM115 (closed in finally)
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/healthz", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"{what} did not start: " +
                                 (tmp / "serve.log").read_text("utf-8", "replace"))
            time.sleep(0.1)
        PIDS[url] = proc.pid
        yield url
    finally:
        PIDS.pop(url, None)
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        shutil.rmtree(tmp, ignore_errors=True)


ANSWER_HEADERS = ("Content-Type", "Content-Encoding", "Vary")
PIDS: dict[str, int] = {}  # url -> pid of a server this bench started


PROCESSES = [1]  # --processes: serving processes of each server, the same for both


def _stat(pid: int | str) -> list[str] | None:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def cpu_seconds(url: str) -> float | None:
    """CPU time (user + system) of a server this bench started and of the processes it forked
    (--processes), from /proc (Linux)."""
    pid = PIDS.get(url)
    own = _stat(pid) if pid is not None else None
    if own is None:
        return None
    ticks = int(own[11]) + int(own[12])
    for entry in Path("/proc").iterdir():
        fields = _stat(entry.name) if entry.name.isdigit() else None
        if fields is not None and fields[1] == str(pid):  # fields[1]: the parent's pid
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


ENCODING: dict[str, str] = {}  # --identity: ask for the answer uncompressed


def raw_answer(url: str, token: str, body: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    """The service's answer to one compute request: the bytes as sent (not decompressed) and
    the headers that describe them."""
    resp = requests.post(f"{url}/api/v1/compute", json=body, stream=True, timeout=60,
                         headers={"Authorization": f"Bearer {token}", **ENCODING})
    if resp.status_code != 200:
        raise SystemExit(f"{url}: HTTP {resp.status_code}: {resp.text[:500]}")
    raw = resp.raw.read(decode_content=False)
    return raw, {k: resp.headers[k] for k in ANSWER_HEADERS if k in resp.headers}


def hammer(url: str, token: str, body: dict[str, Any], seconds: float, workers: int
           ) -> tuple[float, float | None]:
    """POST /api/v1/compute from ``workers`` threads for ``seconds``: (requests per second,
    server CPU seconds per request or None). Raises SystemExit on any answer but 200."""
    errors: list[str] = []
    done = [0] * workers
    until = time.monotonic() + seconds

    def work(n: int) -> None:
        s = requests.Session()
        s.headers["Authorization"] = f"Bearer {token}"
        s.headers.update(ENCODING)
        while time.monotonic() < until:
            resp = s.post(f"{url}/api/v1/compute", json=body, timeout=30)
            if resp.status_code != 200:
                errors.append(f"HTTP {resp.status_code}")
                return
            done[n] += 1

    started, cpu = time.monotonic(), cpu_seconds(url)
    threads = [threading.Thread(target=work, args=(n,)) for n in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{url}: {errors[0]}")
    cpu_after = cpu_seconds(url)
    per_request = (cpu_after - cpu) / sum(done) if cpu is not None and cpu_after is not None \
        else None
    return sum(done) / (time.monotonic() - started), per_request


def ratio(url: str, token: str, threads: int, seconds: float, workers: int, rounds: int) -> int:
    body = {"values": demo_values(), "locale": "en_US", "today": time.strftime("%Y-%m-%d")}
    answer, headers = raw_answer(url, token, body)
    with started_baseline(answer, headers, threads) as base:
        if raw_answer(base, token, body) != (answer, headers):
            raise SystemExit("the baseline does not answer the service's bytes")
        print(f"POST /api/v1/compute, the demo's 24-month funnel tab: {len(answer):,} bytes "
              f"as sent ({headers.get('Content-Encoding', 'identity')}); waitress, {threads} "
              f"threads each in {PROCESSES[0]} process(es) each; {workers} client threads; "
              f"{rounds} rounds of {seconds:g} s")
        hammer(url, token, body, min(seconds, 2.0), workers)  # warm-up of both
        hammer(base, token, body, min(seconds, 2.0), workers)
        pairs, cpu_pairs = [], []
        print(f"{'round':>5} {'service rps':>12} {'baseline rps':>13} {'ratio':>7}"
              f" {'service cpu ms/req':>19} {'baseline cpu ms/req':>20} {'cpu ratio':>10}")
        for n in range(rounds):
            ours, ours_cpu = hammer(url, token, body, seconds, workers)
            theirs, theirs_cpu = hammer(base, token, body, seconds, workers)
            pairs.append(ours / theirs)
            line = f"{n + 1:>5} {ours:>12.1f} {theirs:>13.1f} {ours / theirs:>7.3f}"
            if ours_cpu and theirs_cpu:
                cpu_pairs.append(theirs_cpu / ours_cpu)
                line += (f" {ours_cpu * 1000:>19.2f} {theirs_cpu * 1000:>20.2f}"
                         f" {theirs_cpu / ours_cpu:>10.3f}")
            print(line)
    print(f"ratio service/minimal Flask: {spread(pairs, 3)}  (goal >= 0.333)")
    if cpu_pairs:  # steadier than rps when other processes share the machine
        print(f"server CPU per request, minimal Flask/service (the rps ratio if both were bound "
              f"by their own CPU): {spread(cpu_pairs, 3)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument("--seconds", type=float, default=60.0)
    p.add_argument("--workers", type=int, default=8, help="client threads (default 8)")
    p.add_argument("--threads", type=int, default=8, help="waitress threads of a started service")
    p.add_argument("--processes", type=int, default=1,
                   help="serving processes of the started service and of the baseline alike "
                        "(serve --processes)")
    p.add_argument("--url", help="a running service on loopback (default: start one)")
    p.add_argument("--token", help="its API token (with --url)")
    p.add_argument("--rate-limit", default="100000/minute",
                   help="RATE_LIMIT of a started service (default 100000/minute)")
    p.add_argument("--ratio", action="store_true",
                   help="/compute only, against a minimal Flask app with the same answer")
    p.add_argument("--rounds", type=int, default=5, help="with --ratio: pairs of turns")
    p.add_argument("--identity", action="store_true",
                   help="with --ratio: Accept-Encoding: identity (default: gzip, as requests)")
    args = p.parse_args(argv)
    if args.identity:
        ENCODING["Accept-Encoding"] = "identity"
    PROCESSES[0] = args.processes
    if args.url:
        if not args.token:
            p.error("--url needs --token")
        if args.ratio:
            return ratio(loopback_only(args.url), args.token, args.threads, args.seconds,
                         args.workers, args.rounds)
        return drive(loopback_only(args.url), args.token, args.seconds, args.workers)
    with started_service(args.threads, args.rate_limit) as (url, token):
        if args.ratio:
            return ratio(loopback_only(url), token, args.threads, args.seconds, args.workers,
                         args.rounds)
        return drive(loopback_only(url), token, args.seconds, args.workers)


if __name__ == "__main__":
    sys.exit(main())
