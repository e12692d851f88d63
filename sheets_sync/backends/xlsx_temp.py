"""The temporary file an .xlsx sync writes beside the workbook before it replaces it.

Its name says what it is (``.~sheets-sync-<stem>-<random>.xlsx.tmp``). It gets the workbook's
mode, and its owner and group where the process may set them, before it replaces the workbook:
``os.replace`` keeps the new file's, not the old one's. While it is written the process holds an
``flock`` on it; a process killed mid-write (even by SIGKILL) loses the lock, so the next sync can
tell a stale file from one being written and removes the stale ones. Earlier versions named it
``.<stem>-<8 random>.xlsx`` (``tempfile.mkstemp``); the workbook's own such files go too.
"""

from __future__ import annotations

import contextlib
import glob
import os
import re
import secrets
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there, which is guard enough
    fcntl = None  # type: ignore[assignment]

PREFIX = ".~sheets-sync-"
SUFFIX = ".tmp"
STALE_AFTER_SECONDS = 300  # older than any write; a younger file may still be being created


def temp_name(workbook: Path) -> Path:
    return workbook.with_name(f"{PREFIX}{workbook.stem}-{secrets.token_hex(4)}"
                              f"{workbook.suffix}{SUFFIX}")


def _lock(fd: int) -> bool:
    if fcntl is None:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def remove_stale(workbook: Path, *, now: float | None = None) -> list[Path]:
    """Remove the temporary files of killed syncs beside ``workbook``: older than
    ``STALE_AFTER_SECONDS`` and locked by no process. Returns those removed."""
    now = time.time() if now is None else now
    folder = workbook.parent
    legacy = re.compile(rf"\.{re.escape(workbook.stem)}-[a-z0-9_]{{8}}\.xlsx")
    candidates = [*folder.glob(f"{PREFIX}*{SUFFIX}"),
                  *(p for p in folder.glob(f".{glob.escape(workbook.stem)}-*.xlsx")
                    if legacy.fullmatch(p.name))]
    removed = []
    for path in candidates:
        try:
            if now - path.lstat().st_mtime < STALE_AFTER_SECONDS or not path.is_file():
                continue
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except OSError:
            continue  # gone already, or not ours to open
        try:
            if _lock(fd):
                path.unlink()
                removed.append(path)
        except OSError:
            pass  # still open elsewhere (Windows) or not ours to delete: leave it
        finally:
            os.close(fd)
    return removed


def _copy_owner_and_mode(fd: int, like: os.stat_result) -> None:
    if hasattr(os, "fchown"):
        for uid, gid in ((like.st_uid, like.st_gid), (-1, like.st_gid)):
            try:
                os.fchown(fd, uid, gid)
                break
            except OSError:
                continue  # only root may give a file away; a member may still set the group
    if hasattr(os, "fchmod"):
        os.fchmod(fd, like.st_mode & 0o7777)  # after chown, which may clear set-id bits


@contextlib.contextmanager
def temp_beside(workbook: Path) -> Iterator[tuple[IO[bytes], Path]]:
    """A new locked file beside ``workbook`` with its owner and mode; removed on the way out
    unless the caller has renamed it over the workbook."""
    like = workbook.stat()
    tmp = temp_name(workbook)
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        _lock(fd)
        _copy_owner_and_mode(fd, like)
        with os.fdopen(fd, "w+b", closefd=False) as f:
            yield f, tmp
    finally:
        try:
            if tmp.exists():
                tmp.unlink()
        finally:
            os.close(fd)
