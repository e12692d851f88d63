"""The demo as a new user meets it (issue 20, item 5): the workbook folder the add-job form
names exists while the demo runs and goes with it, and a token made with the command the demo
prints signs in to that demo (real processes, real HTTP on loopback)."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import requests

from tests.service.test_demo import REPO, read_until


def test_the_demo_folder_and_a_token_made_for_it() -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for name in ("SHEETS_EMULATOR_HOST", "SHEETS_SYNC_DATABASE_URL", "SHEETS_SYNC_INSTANCE_PATH"):
        env.pop(name, None)
    proc = subprocess.Popen([sys.executable, "-m", "sheets_sync.demo", "--port", "0"], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        out = read_until(proc, "More tokens")
        folder = Path(out["Workbook folder"].split("  ")[0])
        assert folder.is_dir() and (folder / "demo_en.xlsx").is_file()
        base = out["Dashboard"].split("/jobs/")[0]
        *assignments, _, _, _, _ = shlex.split(out["More tokens"])
        made = subprocess.run(
            [str(REPO / ".venv/bin/sheets-sync"), "tokens", "create", "second"], cwd=REPO,
            env={**env, **dict(a.split("=", 1) for a in assignments)},
            capture_output=True, text=True, timeout=120, check=True)
        second = made.stdout.strip().splitlines()[0]
        resp = requests.get(f"{base}/api/v1/jobs", timeout=30,
                            headers={"Authorization": f"Bearer {second}"})
        assert resp.status_code == 200 and resp.json()["jobs"], resp.text
        # and the add-job form's folder takes a workbook job
        add = requests.post(f"{base}/api/v1/jobs", json={"spreadsheet": "demo_en.xlsx"},
                            headers={"Authorization": f"Bearer {second}"}, timeout=30)
        assert add.status_code == 201, add.text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
    assert not folder.exists()  # the demo's files go with it
