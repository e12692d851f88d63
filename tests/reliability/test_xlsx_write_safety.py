"""An .xlsx sync writes safely: the workbook keeps its mode, owner and group; a sync killed by
SIGKILL mid-write leaves a named temporary file that the next sync removes; and with another
process rewriting the workbook, every sync either writes or reports the conflict.

Figures go to test-artifacts/reliability/xlsx_write_safety.json; the slow run does more:
``pytest tests/reliability/test_xlsx_write_safety.py -m slow -s``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.backends.xlsx_temp import PREFIX, STALE_AFTER_SECONDS
from sheets_sync.errors import SyncError, WriteConflict
from sheets_sync.job import SyncOptions, run_sync
from tests.sync.conftest import TEMPLATES, tab_hashes

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "reliability"
INPUTS = ["Funnel", "Deals"]

# A sync in a loop, as the CLI or the service would run it, until it is killed.
SYNC_FOREVER = """
import sys
from sheets_sync.backends.xlsx import XlsxBackend
from sheets_sync.job import SyncOptions, run_sync
while True:
    run_sync(XlsxBackend(sys.argv[1]), SyncOptions(force=True))
"""

# Another program saving the workbook over and over, in turns two versions of it: as Excel and
# LibreOffice save (a new file renamed over the old), or in place.
WRITER = """
import os, random, sys, time
path, count, pause, how = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
versions = [open(p, "rb").read() for p in sys.argv[5:7]]
deadline = time.monotonic() + 120
for i in range(count):
    if time.monotonic() > deadline:
        break
    if how == "rename":
        with open(path + ".other-app", "wb") as f:
            f.write(versions[i % 2])
        os.replace(path + ".other-app", path)
    else:
        with open(path, "wb") as f:
            f.write(versions[i % 2])
    time.sleep(random.uniform(0, 2 * pause))
"""


def record(name: str, figures: dict[str, object]) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    out = ARTIFACTS / "xlsx_write_safety.json"
    data = json.loads(out.read_text()) if out.exists() else {}
    data[name] = figures
    out.write_text(json.dumps(data, indent=1))
    print(name, figures)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    path = tmp_path / "funnel.xlsx"
    shutil.copy(TEMPLATES / "demo_en.xlsx", path)
    return path


def hidden(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.startswith("."))


def test_the_workbook_keeps_its_mode_owner_and_group(book: Path) -> None:
    os.chmod(book, 0o664)
    root = os.geteuid() == 0
    if root:
        os.chown(book, 4321, 4322)
    assert run_sync(XlsxBackend(book), SyncOptions()).status == "written"
    st = book.stat()
    assert stat.S_IMODE(st.st_mode) == 0o664
    if root:
        assert (st.st_uid, st.st_gid) == (4321, 4322)


def test_a_linked_workbook_stays_a_link(book: Path, tmp_path: Path) -> None:
    link = tmp_path / "link.xlsx"
    link.symlink_to(book)
    assert run_sync(XlsxBackend(link), SyncOptions()).status == "written"
    assert link.is_symlink()
    assert "KPI" in openpyxl.load_workbook(book, read_only=True).sheetnames


def kill_during_writes(book: Path, kills: int) -> dict[str, int]:
    inputs = tab_hashes(book, INPUTS)
    hit = 0
    for _ in range(kills):
        before = set(hidden(book.parent))
        child = subprocess.Popen([sys.executable, "-c", SYNC_FOREVER, str(book)], cwd=ROOT)
        deadline = time.monotonic() + 60
        try:
            while time.monotonic() < deadline:
                if set(hidden(book.parent)) - before:
                    break  # its temporary file is there: the write is under way
                time.sleep(0.0005)
            else:
                pytest.fail("the sync never started writing")
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(10)
        hit += len(set(hidden(book.parent)) - before) > 0
        # the workbook is whole: one version or the other, its input tabs as they were
        assert tab_hashes(book, INPUTS) == inputs
    return {"kills": kills, "temp_files_left": len(hidden(book.parent)),
            "killed_with_temp_file": hit}


def test_a_sync_killed_mid_write_leaves_files_the_next_sync_removes(book: Path) -> None:
    figures = kill_during_writes(book, 5)
    left = hidden(book.parent)
    assert left and all(p.name.startswith(f"{PREFIX}funnel-") for p in left)
    # files younger than a write could be are left: another sync may be creating one
    run_sync(XlsxBackend(book), SyncOptions(force=True))
    assert hidden(book.parent) == left
    # one still being written (locked by a live process) is left, however old it is
    import fcntl

    held = book.parent / f"{PREFIX}funnel-held.xlsx.tmp"
    with open(held, "wb") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        old = time.time() - STALE_AFTER_SECONDS - 60
        for p in [*left, held]:
            os.utime(p, (old, old))
        assert run_sync(XlsxBackend(book), SyncOptions(force=True)).status == "written"
        left_after = [p for p in hidden(book.parent) if p != held]
        assert hidden(book.parent) == [held]
    record("kill", figures | {"left_after_next_sync": len(left_after)})


def test_temp_files_of_earlier_versions_are_removed_too(book: Path) -> None:
    """Before, a killed sync left ``.<stem>-<8 random>.xlsx`` (tempfile.mkstemp's name)."""
    old = time.time() - STALE_AFTER_SECONDS - 60
    litter = [book.with_name(".funnel-k3x_9a0b.xlsx"), book.with_name(".funnel-q1w2e3r4.xlsx")]
    kept = [book.with_name(".funnel-notes.xlsx"), book.with_name(".other-k3x_9a0b.xlsx"),
            book.with_name(".funnel-k3x_9a0c.xlsx")]
    for p in [*litter, *kept]:
        p.write_bytes(b"PK")
        os.utime(p, (old, old))
    os.utime(kept[-1], None)  # young: it may be being written
    assert run_sync(XlsxBackend(book), SyncOptions()).status == "written"
    assert hidden(book.parent) == sorted(kept)


@pytest.mark.slow
def test_thirty_kills(book: Path) -> None:
    figures = kill_during_writes(book, 30)
    for p in hidden(book.parent):
        os.utime(p, (0, 0))
    run_sync(XlsxBackend(book), SyncOptions(force=True))
    assert hidden(book.parent) == []
    record("kill_slow", figures | {"left_after_next_sync": 0})


def versions(book: Path) -> tuple[Path, Path]:
    other = book.with_name("other.xlsx")
    wb = openpyxl.load_workbook(book)
    wb["Funnel"]["C2"] = (wb["Funnel"]["C2"].value or 0) + 1
    wb.save(other)
    a = book.with_name("a.xlsx")
    shutil.copy(book, a)
    return a, other


def race(book: Path, syncs: int, cli_syncs: int, how: str) -> dict[str, object]:
    a, b = versions(book)
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(book), "100000", "0.15", how,
                               str(a), str(b)], cwd=ROOT)
    outcomes: Counter[str] = Counter()
    cli: Counter[str] = Counter()
    try:
        for _ in range(syncs):
            try:
                outcomes[run_sync(XlsxBackend(book), SyncOptions(force=True)).status] += 1
            except WriteConflict as e:
                assert "Run the sync again" in str(e)
                outcomes[e.code] += 1
            except SyncError as e:
                outcomes[f"{e.code}: {e}"] += 1
            except Exception as e:  # counted, so that the figures say what escaped
                outcomes[f"{type(e).__name__}: {e}"] += 1
        state = book.with_name("state.json")
        for _ in range(cli_syncs):
            done = subprocess.run([sys.executable, "-m", "sheets_sync", "sync", str(book),
                                   "--force", "--state", str(state), "--format", "json"],
                                  cwd=ROOT, capture_output=True, text=True, timeout=120,
                                  check=False)
            if done.returncode == 0:
                cli[json.loads(done.stdout)["status"]] += 1
            elif done.returncode == 2 and "Run the sync again" in done.stderr:
                cli["write_conflict"] += 1
            else:
                cli[f"exit {done.returncode}: {done.stderr.strip()[-300:]}"] += 1
    finally:
        writer.kill()
        writer.wait(10)
    return {"writer": how, "syncs": dict(outcomes), "cli_syncs": dict(cli)}


def check_race(figures: dict[str, object]) -> None:
    outcomes = Counter(figures["syncs"]) + Counter(figures["cli_syncs"])  # type: ignore[arg-type]
    assert set(outcomes) <= {"written", "write_conflict"}, outcomes
    assert outcomes["write_conflict"] > 0  # the race was run, not dodged


def test_a_concurrent_writer_only_ever_gives_a_conflict(book: Path) -> None:
    figures = race(book, syncs=25, cli_syncs=5, how="rename")
    record("concurrent_rename", figures)
    check_race(figures)


@pytest.mark.slow
def test_a_concurrent_writer_many_syncs(book: Path) -> None:
    figures = race(book, syncs=100, cli_syncs=15, how="rename")
    record("concurrent_rename_slow", figures)
    check_race(figures)
