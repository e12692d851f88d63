"""A running run's lease: its process pushes ``lease_until`` ahead every few seconds, so another
process can tell a run whose process died (the lease runs out) from a long one (it is renewed).
Each process renews by its own beat and sets its own lease length, so processes with different
settings still judge each other's runs right."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from types import TracebackType

from sqlalchemy import update

from sheets_sync.settings import BEATS_PER_LEASE
from sheets_sync.store import Store
from sheets_sync.store.models import Run, utcnow

log = logging.getLogger(__name__)


class Heartbeat:
    """``with Heartbeat(store, run_id, every):`` renews the run's lease in a thread until the
    block ends."""

    def __init__(self, store: Store, run_id: int, every: timedelta) -> None:
        self.store = store
        self.run_id = run_id
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"heartbeat-run-{run_id}",
                                        daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while not self._stop.wait(self.every.total_seconds()):
            try:
                with self.store.session() as s:
                    s.execute(update(Run).where(Run.id == self.run_id, Run.status == "running")
                              .values(lease_until=utcnow() + self.every * BEATS_PER_LEASE))
                    s.commit()
            except Exception:  # the database may be away for a moment; the next beat retries
                log.warning("run %s: lease not renewed", self.run_id, exc_info=True)
