"""Node's test runner on the add-ons' JavaScript functions (sheets_addon/test/functions.test.js,
office_addin/test/functions.test.js): the cases of tests/addon/cases.json, with the real service
on a loopback port for the functions it computes (a real token, real HTTP from Node's fetch).
Skipped only where node is missing (CI installs Debian's nodejs)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

from tests.conftest import REPO

NODE = shutil.which("node")
TESTS = ["sheets_addon/test/functions.test.js", "office_addin/test/functions.test.js"]


@pytest.mark.skipif(NODE is None, reason="node is not installed (apt-get install nodejs)")
def test_the_javascript_functions_give_the_python_answers(live: str, token: str) -> None:
    env = {**os.environ, "FUNNEL_SERVICE_URL": live, "FUNNEL_TOKEN": token}
    proc = subprocess.run([str(NODE), "--test", "--test-reporter=tap", *TESTS], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=600)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-6000:]
    counts = dict(re.findall(r"^# (tests|pass|fail|skipped) (\d+)$", proc.stdout, re.M))
    assert counts.get("fail") == "0" and counts.get("skipped") == "0", out[-3000:]
    assert int(counts["pass"]) >= 13, counts
