"""How the long-running commands (serve, scheduler, worker, demo) live as processes: logging to
stderr, and SIGTERM (a service manager's stop) unwinding like Ctrl-C."""

from __future__ import annotations

import logging
import signal
import threading
from typing import Any


def log_to_stderr() -> None:
    """Long-running commands log runs, skips and errors; the default would show warnings only."""
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)  # a line per plugin on every start


def sigterm_as_interrupt() -> None:
    """SIGTERM unwinds like Ctrl-C, so cleanup code runs."""
    def interrupt(*_: Any) -> None:
        raise KeyboardInterrupt

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, interrupt)


def wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
