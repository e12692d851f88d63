"""Helpers for tests and demos: the emulator as a subprocess (`running_emulator`) or in a thread
(`serve_in_thread`, re-exported), with small wrappers over the control API.

    with running_emulator(seeds=["templates/demo_ru.xlsx"]) as emu:
        client = make_client({"SHEETS_EMULATOR_HOST": emu.host})
        book_id = emu.create_from_values("Funnel", {"Data": [["Month", "Leads"], ["Jan", 10]]})
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import requests

from .server import InProcessEmulator, serve_in_thread

__all__ = ["ControlClient", "EmulatorProcess", "InProcessEmulator", "running_emulator",
           "serve_in_thread"]


class EmulatorError(RuntimeError):
    pass


class ControlClient:
    """Calls to /__emulator/... on an emulator at `url`."""

    url: str

    def _call(self, method: str, path: str, json: Any = None) -> Any:
        r = requests.request(method, f"{self.url}/__emulator/{path}", json=json, timeout=30)
        if not r.ok:
            raise EmulatorError(f"{method} /__emulator/{path}: {r.status_code} {r.text}")
        return r.json()

    def request_log(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "log")["requests"])

    def clear_log(self) -> None:
        self._call("DELETE", "log")

    def reset(self) -> None:
        self._call("POST", "reset")

    def inject_fault(self, method: str, path_pattern: str, kind: str, count: int = 1,
                     retry_after: float | None = None, hang_seconds: float | None = None) -> None:
        self._call("POST", "faults", {"method": method, "path": path_pattern, "kind": kind,
                                      "count": count, "retryAfter": retry_after,
                                      "hangSeconds": hang_seconds})

    def clear_faults(self) -> None:
        self._call("DELETE", "faults")

    def set_quotas(self, reads_per_minute: int | None, writes_per_minute: int | None) -> None:
        self._call("POST", "quotas", {"readsPerMinute": reads_per_minute,
                                      "writesPerMinute": writes_per_minute})

    def unshare(self, spreadsheet_id: str) -> None:
        self._call("POST", f"spreadsheets/{spreadsheet_id}/unshare")

    def share(self, spreadsheet_id: str) -> None:
        self._call("POST", f"spreadsheets/{spreadsheet_id}/share")

    def set_locale(self, spreadsheet_id: str, locale: str, time_zone: str | None = None) -> None:
        self._call("POST", f"spreadsheets/{spreadsheet_id}/locale",
                   {"locale": locale, "timeZone": time_zone})

    def spreadsheets(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "spreadsheets")["spreadsheets"])

    def create_from_values(self, title: str, sheets: Mapping[str, Sequence[Sequence[Any]]],
                           locale: str = "en_US", *, spreadsheet_id: str | None = None,
                           value_input_option: str = "RAW") -> str:
        body = {"title": title, "sheets": {k: [list(r) for r in v] for k, v in sheets.items()},
                "locale": locale, "id": spreadsheet_id, "valueInputOption": value_input_option}
        return str(self._call("POST", "spreadsheets", body)["spreadsheetId"])


class EmulatorProcess(ControlClient):
    """`python -m sheets_emulator` running as a child process."""

    def __init__(self, process: subprocess.Popen[str], host: str, lines: list[str]) -> None:
        self.process = process
        self.host = host
        self.url = f"http://{host}"
        self.startup_lines = lines

    def kill(self) -> None:
        """Kill the process at once (no clean shutdown), e.g. to test a restart."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def running_emulator(*, data_dir: str | os.PathLike[str] | None = None,
                     seeds: Iterable[str | os.PathLike[str]] = (),
                     quotas: tuple[int | None, int | None] | Mapping[str, int | None] | None = None,
                     extra_args: Iterable[str] = (),
                     startup_timeout: float = 20.0) -> Iterator[EmulatorProcess]:
    """Start the emulator as a subprocess on a free port, wait until it answers, stop it on
    exit. `quotas` is (reads, writes) per minute or {"reads": N, "writes": N}."""
    cmd = [sys.executable, "-m", "sheets_emulator", "--host", "127.0.0.1", "--port", "0"]
    if data_dir is not None:
        cmd += ["--data", str(data_dir)]
    for seed in seeds:
        cmd += ["--seed", str(seed)]
    if quotas is not None:
        reads, writes = (quotas.get("reads"), quotas.get("writes")) if isinstance(
            quotas, Mapping) else quotas
        if reads is not None:
            cmd += ["--read-quota", str(reads)]
        if writes is not None:
            cmd += ["--write-quota", str(writes)]
    cmd += list(extra_args)
    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = package_root + os.pathsep + env.get("PYTHONPATH", "")
    process = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env)
    emu = None
    try:
        emu = _wait_ready(process, startup_timeout)
        yield emu
    finally:
        if emu is not None:
            emu.stop()
        elif process.poll() is None:
            process.kill()
            process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _wait_ready(process: subprocess.Popen[str], timeout: float) -> EmulatorProcess:
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    host = None
    while host is None:
        try:
            line = lines.get(timeout=max(0.05, deadline - time.monotonic()))
        except queue.Empty:
            raise EmulatorError(f"emulator printed no address within {timeout:.0f} s "
                                f"(seeds too big or stuck?): {' '.join(seen)}") from None
        if line is None:
            process.wait(timeout=10)
            err = process.stderr.read() if process.stderr else ""
            raise EmulatorError(f"emulator exited with {process.returncode}: {err.strip()}")
        seen.append(line)
        if "listening on http://" in line:
            host = line.rsplit("http://", 1)[1].strip()
    emu = EmulatorProcess(process, host, seen)
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{emu.url}/__emulator/health", timeout=2).ok:
                time.sleep(0.05)  # let the seed lines arrive
                while not lines.empty():
                    item = lines.get_nowait()
                    if item is not None:
                        seen.append(item)
                return emu
        except requests.ConnectionError:
            time.sleep(0.05)
    raise EmulatorError("emulator did not answer in time")
