"""End to end: the README's `make run` demo (emulator + service + scheduler), driven over HTTP.

The demo talks to the Google Sheets emulator through gspread exactly as it would to Google; this
test reads the result back from the emulator the same way.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from sheets_sync.demo import DEMO_ID

REPO = Path(__file__).resolve().parents[2]


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 60) -> dict[str, str]:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while marker not in seen:
        line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        assert line is not None, f"the demo stopped early: {seen}"
        key, _, value = line.partition(":")
        seen[key.strip()] = value.strip()
    return seen


def test_the_demo_serves_a_synced_spreadsheet() -> None:
    from sheets_sync.google_client import make_client

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("SHEETS_EMULATOR_HOST", None)
    env.pop("SHEETS_SYNC_DATABASE_URL", None)
    emulator = ""
    proc = subprocess.Popen([sys.executable, "-m", "sheets_sync.demo", "--port", "0"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out = read_until(proc, "Sign-in token")
        # metadata, read, write; and the Drive version before the read and after the write
        assert out["First sync"].startswith("written, 5 API calls"), out
        dashboard, token = out["Dashboard"], out["Sign-in token"]
        base = dashboard.split("/jobs/")[0]
        headers = {"Authorization": f"Bearer {token}"}

        health = requests.get(f"{base}/healthz", timeout=10).json()
        assert health == {"status": "ok", "database": "ok", "scheduler": "running"}
        jobs = requests.get(f"{base}/api/v1/jobs", headers=headers, timeout=10).json()["jobs"]
        assert len(jobs) == 1
        job = jobs[0]
        assert job["schedule"]["cron"] == "*/15 * * * *" and job["next_run_at"] is not None
        assert job["last_run"]["status"] == "written"
        report = requests.get(f"{base}/api/v1/jobs/{job['id']}/report", headers=headers,
                              timeout=10).json()["report"]
        assert report["sources"] == {"summary": "Воронка", "deal_log": "Сделки"}
        assert len([p for p in report["periods"] if p["period"] != "total"]) >= 24

        # a second sync of the unchanged sheet: one read, no write (steady state of Google),
        # and the Drive version asked before the read
        run = requests.post(f"{base}/api/v1/jobs/{job['id']}/run", headers=headers,
                            timeout=60).json()
        assert (run["status"], run["api_calls"], run["cells_written"]) == ("unchanged", 2, 0)

        emulator = out["Sheets emulator"].split()[0].removeprefix("http://")
        book = make_client({"SHEETS_EMULATOR_HOST": emulator}).open_by_key(DEMO_ID)
        titles = [w.title for w in book.worksheets()]
        assert titles[:2] == ["Воронка", "Сделки"] and "Показатели" in titles

        page = requests.get(dashboard, timeout=10)
        assert page.status_code == 200 and "/signin" in page.url  # the dashboard asks to sign in
    finally:
        proc.send_signal(signal.SIGTERM)  # a service manager's stop: cleaned up like Ctrl-C
        assert proc.wait(20) == 0
    if emulator:  # the demo's emulator went with it
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://{emulator}/__emulator/health", timeout=5)
