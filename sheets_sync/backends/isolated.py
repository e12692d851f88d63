"""Read a workbook the service did not make in a child process, under a memory limit.

calamine is native code: on a workbook it cannot allocate for it aborts the whole process, which
in the service is the API, the dashboard and the in-process scheduler at once. The bounds check
(xlsx_bounds.py) refuses the workbooks we know of; this is for the ones we do not. Each read is a
child forked from multiprocessing's fork server (a clean single-threaded process that imported
the readers once, so a read pays no interpreter start and no imports, and no threaded server is
forked). The child limits its own address space, reads with the ordinary backend and sends the
Snapshot, or the SyncError, back pickled. Any death of the child becomes a SourceError: a failed
run, not a dead server. Writing stays in the service process; it reads only what this read has
bounded.

The CLI reads in its own process: there an abort only ends the command.
"""

from __future__ import annotations

import gc
import io
import multiprocessing
import os
import pickle  # nosec B403: only our own child's answer is unpickled
import resource
import signal
import threading
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from sheets_sync.backends.base import Layout, Snapshot
from sheets_sync.errors import SourceError, SyncError

# Settings from the environment, as the service's: SHEETS_SYNC_READ_MEMORY_LIMIT (bytes of address
# space for one read), SHEETS_SYNC_READ_TIMEOUT (seconds) and SHEETS_SYNC_XLSX_MAX_CELLS (the
# largest sheet grid read, xlsx_bounds.MAX_CELLS).
MEMORY_LIMIT = 4 << 30
TIMEOUT = 600.0
# "__main__" first: the fork server imports the program's main module once, so that a child
# does not import it again before each read (multiprocessing does unless it is there already).
PRELOAD = ["__main__", "sheets_sync.backends.isolated", "sheets_sync.backends.xlsx",
           "sheets_sync.backends.csv_file"]
_started = threading.Lock()


def _env_number(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, "") or default)
    except ValueError:
        return default


def _context() -> Any:
    ctx = multiprocessing.get_context("forkserver")
    with _started:  # the preload is read when the fork server starts, on the first read
        ctx.set_forkserver_preload(PRELOAD)
    return ctx


class Isolated:
    """A file backend (XlsxBackend, CsvBackend) whose ``read`` runs in a child process;
    ``write`` and everything else are the wrapped backend's."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self.stats = backend.stats
        self.memory_limit = int(_env_number("SHEETS_SYNC_READ_MEMORY_LIMIT", MEMORY_LIMIT))
        self.timeout = _env_number("SHEETS_SYNC_READ_TIMEOUT", TIMEOUT)
        if hasattr(backend, "max_cells") and os.environ.get("SHEETS_SYNC_XLSX_MAX_CELLS"):
            backend.max_cells = int(_env_number("SHEETS_SYNC_XLSX_MAX_CELLS", backend.max_cells))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.backend, name)

    def read(self, outputs: Sequence[str], layout: Layout | None = None,
             tab_names: Sequence[str] | None = None) -> Snapshot:
        name = Path(self.backend.path).name
        ctx = _context()
        receive, send = ctx.Pipe(duplex=False)
        child = ctx.Process(target=_child, name=f"read {name}", daemon=True, args=(
            send, self.backend, tuple(outputs), layout,
            tuple(tab_names) if tab_names is not None else None, self.memory_limit))
        child.start()
        send.close()
        try:
            if not receive.poll(self.timeout):
                child.kill()
                child.join()
                raise SourceError.say("error.read_too_long", name=name,
                                      seconds=round(self.timeout))
            answer: bytes | None = receive.recv_bytes()
        except (EOFError, OSError):
            answer = None  # the child died before it answered
        finally:
            receive.close()
        child.join()
        if answer is None:
            raise death_error(name, child.exitcode, self.memory_limit)
        # No gc pause here: gc.disable() would stop collection in every thread of the service.
        status, payload, stats = pickle.loads(answer)  # nosec B301: our child's answer
        self.stats.requests += stats[0]
        self.stats.bytes_in += stats[1]
        if status == "error":
            raise payload
        snapshot: Snapshot = payload
        return snapshot


def death_error(name: str, code: int | None, limit: int) -> SourceError:
    if code in (-signal.SIGABRT, -signal.SIGKILL, -signal.SIGSEGV):
        return SourceError.say("error.reader_out_of_memory", name=name, how=signal_name(code),
                               gb=round(limit / (1 << 30), 1))
    return SourceError.say("error.reader_stopped", name=name, how=signal_name(code))


def signal_name(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return signal.Signals(-code).name
        except ValueError:
            pass
    return f"exit code {code}"


def _child(send: Connection, backend: Any, outputs: tuple[str, ...], layout: Layout | None,
           tab_names: tuple[str, ...] | None, limit: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    gc.disable()  # its own process, one thread: the rows hold no cycles to collect
    name = Path(backend.path).name
    answer: tuple[str, object, tuple[int, int]]
    try:
        snapshot = backend.read(outputs, layout, tab_names)
        answer = ("ok", snapshot, (backend.stats.requests, backend.stats.bytes_in))
    except SyncError as e:
        answer = ("error", e, (backend.stats.requests, backend.stats.bytes_in))
    except MemoryError:
        answer = ("error", death_error(name, -signal.SIGABRT, limit), (0, 0))
    except Exception as e:  # a bug or an unmapped outside error: said, not lost
        answer = ("error", SourceError.say("error.could_not_read", name=name,
                                                   kind=type(e).__name__, why=e),
                  (0, 0))
    pickler_out = _dumps(answer)
    send.send_bytes(pickler_out)
    send.close()


def _dumps(answer: object) -> bytes:
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.fast = True  # no memo: rows are a tree, and the memo costs half the time
    pickler.dump(answer)
    return buf.getvalue()
