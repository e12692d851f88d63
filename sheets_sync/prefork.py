"""Serve one port from several processes (``sheets-sync serve --processes N``): the parent binds
the socket, forks N children and waits; each child makes its own app and serves the shared
socket with waitress (``serve(sockets=[...])``), so the kernel hands each connection to one of
them. One process holds the interpreter's lock on one core at a time; a report is pure Python,
so N processes are what uses N cores.

Written by hand rather than with gunicorn: waitress stays the one server (the same one the
single-process serve and the benches use), and the whole of it is a fork loop. POSIX only
(``os.fork``); on Windows ``--processes`` must stay 1.

The children share nothing in memory: a ``memory://`` rate limit or quota counts per process
(``serve`` says so when it starts; docs/deploy.md).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
import traceback
from collections.abc import Callable
from typing import Any

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _interrupt(*_: Any) -> None:
    raise KeyboardInterrupt


def bound_socket(host: str, port: int, backlog: int = 1024) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.create_server((host, port), family=family, backlog=backlog)
    sock.set_inheritable(True)
    return sock


def serve_forked(processes: int, child: Callable[[int, socket.socket], None],
                 sock: socket.socket) -> int:
    """Fork ``processes`` children, each running ``child(index, sock)`` until it returns or a
    stop signal; the parent forwards SIGINT/SIGTERM to them and waits. When one child ends on
    its own (a crash), the others are stopped too: a half-served port is worse than a clear
    stop that a supervisor restarts. Returns the exit status for the parent."""
    pids: list[int] = []
    for index in range(processes):
        pid = os.fork()
        if pid == 0:  # the child: its own app and server, never back into the parent's code
            code = 0
            try:
                signal.signal(signal.SIGINT, signal.default_int_handler)
                signal.signal(signal.SIGTERM, _interrupt)  # unwinds, so cleanup runs
                child(index, sock)
            except KeyboardInterrupt:
                pass
            except BaseException:  # said on stderr; the exit status tells the parent
                traceback.print_exc()
                code = 1
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        pids.append(pid)
    sock.close()  # the children hold it

    def forward(signum: int, _frame: Any) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)

    for sig in STOP_SIGNALS:
        signal.signal(sig, forward)
    status = 0
    left = set(pids)
    while left:
        try:
            pid, raw = os.wait()
        except ChildProcessError:
            break
        left.discard(pid)
        code = os.waitstatus_to_exitcode(raw)
        if code not in (0, -signal.SIGTERM, -signal.SIGINT) and status == 0:
            status = 1
            forward(signal.SIGTERM, None)  # one died: stop the rest
    return status
