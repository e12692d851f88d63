"""What the request handlers need of the emulator: its store, faults, quotas and request log.

A protocol, so that routes and control take the running emulator without importing app.py,
which imports them to dispatch.
"""

from __future__ import annotations

from typing import Protocol

from .faults import Faults, Quotas, RequestLog
from .store import Store


class EmulatorState(Protocol):
    store: Store
    faults: Faults
    quotas: Quotas
    log: RequestLog

    def reset(self) -> None: ...
