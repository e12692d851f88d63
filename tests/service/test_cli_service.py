"""The service's commands: tokens create|list|revoke, serve, scheduler (via click's runner)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
import requests
from click.testing import CliRunner

from sheets_sync.cli_service import register

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def cli() -> click.Group:
    @click.group()
    def group() -> None:
        pass

    register(group)
    return group


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {"SHEETS_SYNC_DATABASE_URL": db_url,
            "SHEETS_SYNC_INSTANCE_PATH": str(tmp_path / "instance")}


def test_tokens_commands(cli: click.Group, env: dict[str, str]) -> None:
    runner = CliRunner()
    made = runner.invoke(cli, ["tokens", "create", "laptop"], env=env)
    assert made.exit_code == 0, made.output
    secret = made.stdout.splitlines()[0]
    assert secret.startswith("sst_")
    listed = runner.invoke(cli, ["tokens", "list"], env=env)
    assert "laptop" in listed.output and secret[:12] in listed.output
    assert secret not in listed.output  # only the prefix is ever shown again
    assert "live" in listed.output
    gone = runner.invoke(cli, ["tokens", "revoke", secret[:12]], env=env)
    assert gone.exit_code == 0 and "revoked" in gone.output
    missing = runner.invoke(cli, ["tokens", "revoke", "999"], env=env)
    assert missing.exit_code == 2 and "tokens list" in missing.output


def test_a_bad_database_is_one_line_not_a_traceback(cli: click.Group, tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["tokens", "list"], env={
        "SHEETS_SYNC_DATABASE_URL": "nosuchdb://x", "SHEETS_SYNC_INSTANCE_PATH": str(tmp_path)})
    assert result.exit_code == 2
    assert result.output.startswith("error: No database driver") and "Traceback" not in \
        result.output


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_runs_under_waitress_with_the_scheduler(env: dict[str, str]) -> None:
    port = free_port()
    code = ("import click; from sheets_sync.cli_service import register\n"
            "g = click.Group('x'); register(g); g()")
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "serve", "--port", str(port), "--with-scheduler"],
        cwd=REPO, env={**os.environ, **env, "PYTHONPATH": str(REPO)},
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                resp = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.1)
        assert resp.json() == {"status": "ok", "database": "ok", "scheduler": "running"}
        assert resp.headers["Server"] == "sheets-sync"  # waitress, not Flask's dev server
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(10)


def test_an_unmapped_error_is_one_line_and_exit_2() -> None:
    """A library error nothing maps (EOFError from a workbook another program is rewriting)
    reaches the user as one sentence, never a traceback or a bare "Aborted!"."""
    import click
    from click.testing import CliRunner

    from sheets_sync.cli_service import fail_cleanly

    @click.command()
    @fail_cleanly
    def broken() -> None:
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")

    result = CliRunner().invoke(broken)
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: unexpected EOFError: Compressed file")
    assert "Traceback" not in result.output and "Aborted" not in result.output
