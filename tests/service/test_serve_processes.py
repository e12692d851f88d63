"""`sheets-sync serve --processes N`: one port served by N forked processes (sheets_sync/
prefork.py), each with its own app; SIGTERM to the parent stops them all; a child that dies
stops the rest, so a supervisor sees the service down rather than half of it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.service.test_cli_service import REPO, free_port

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="--processes needs os.fork")


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if stat[1] == str(pid):
                out.append(int(entry.name))
    return out


def alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return stat[0] != "Z"


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {"SHEETS_SYNC_DATABASE_URL": db_url,
            "SHEETS_SYNC_INSTANCE_PATH": str(tmp_path / "instance")}


@pytest.fixture
def served(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str, str]]:
    run_env = {**os.environ, **env, "PYTHONPATH": str(REPO)}
    made = subprocess.run([sys.executable, "-m", "sheets_sync", "tokens", "create", "p"],
                          env=run_env, capture_output=True, text=True, check=True, timeout=60)
    token = made.stdout.splitlines()[0]
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "sheets_sync", "serve", "--port", str(port),
                             "--processes", "2", "--threads", "2"], cwd=REPO, env=run_env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            requests.get(f"{url}/healthz", timeout=2)
            break
        except requests.ConnectionError:
            assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[0]
            time.sleep(0.1)
    try:
        yield proc, url, token
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


def test_two_processes_serve_one_port_and_stop_together(
        served: tuple[subprocess.Popen[str], str, str]) -> None:
    proc, url, token = served
    kids = children(proc.pid)
    assert len(kids) == 2
    body = {"values": [["Month", "Leads", "Paid"], ["2026-01", 100, 10], ["2026-02", 120, 15]],
            "today": "2026-06-01"}
    for _ in range(20):  # the kernel hands connections to either child; each answers alike
        resp = requests.post(f"{url}/api/v1/compute", json=body, timeout=30,
                             headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200, resp.text
        assert resp.json()["total"]["stages"][1]["count"] == 25  # paid: 10 + 15
    assert requests.get(f"{url}/healthz", timeout=5).json()["scheduler"] == "not_in_this_process"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(20) == 0
    assert not any(alive(k) for k in kids)
    assert "from 2 processes" in (proc.stdout.read() if proc.stdout else "")


def test_a_child_that_dies_stops_the_other(
        served: tuple[subprocess.Popen[str], str, str]) -> None:
    proc, _, _ = served
    first, second = children(proc.pid)
    os.kill(first, signal.SIGKILL)
    assert proc.wait(20) == 1
    deadline = time.monotonic() + 10
    while alive(second) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(second)
