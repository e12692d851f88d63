"""The one switch every bench uses for the garbage collector: the baseline gets what the product
gets, or the ratio means nothing.

The product pauses the cyclic collector in two places only, both in the Excel functions:
``excel_udfs.adapters.excel_function`` around a call and ``excel_udfs.arrays.write_spill``
around writing a spilled result (one context manager, ``excel_udfs.arrays.collector_paused``).
Reading a deal log and a sync no longer pause it (commit 18fa0b7). Whether the product pauses
is decided in the product, not here, so the bench finds out: ``GcSwitch.probe`` runs the
product once with ``gc.disable`` watched. Then every timed turn, of the product and of its
baseline alike, runs under ``switch.turn()``: the collector paused for the whole turn when the
product pauses it anywhere, left running when it does not. A baseline that does less than the
product is thus never slowed by collections the product avoids, nor the other way round.

``BENCH_GC=paused`` or ``BENCH_GC=enabled`` in the environment overrides the probe (to see what
the pause is worth); the benches print which setting they ran with.
"""

from __future__ import annotations

import gc
import os
import statistics
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass


def product_pauses_gc(run: Callable[[], object]) -> bool:
    """Whether ``run`` (the product, once) disables the collector at any point."""
    real = gc.disable
    called = False

    def watched() -> None:
        nonlocal called
        called = True
        real()

    was_enabled = gc.isenabled()
    gc.disable = watched  # type: ignore[assignment]  # the product calls gc.disable() by name
    try:
        run()
    finally:
        gc.disable = real  # type: ignore[assignment]
        if was_enabled:
            gc.enable()
    return called


@dataclass(frozen=True)
class GcSwitch:
    paused: bool
    why: str

    @staticmethod
    def probe(run_product_once: Callable[[], object]) -> GcSwitch:
        forced = os.environ.get("BENCH_GC", "").strip().lower()
        if forced in ("paused", "enabled"):
            run_product_once()  # the warm-up the probe would have been
            return GcSwitch(forced == "paused", f"BENCH_GC={forced}")
        paused = product_pauses_gc(run_product_once)
        return GcSwitch(paused, "the product pauses it" if paused else
                        "the product does not pause it")

    def describe(self) -> str:
        state = "paused" if self.paused else "enabled"
        return f"gc {state} for every turn, product and baseline alike ({self.why})"

    @contextmanager
    def turn(self) -> Iterator[None]:
        """One timed turn: a full collection first (outside the time, by the caller's clock
        starting inside), then the collector as the product has it."""
        gc.collect()
        was_enabled = gc.isenabled()
        if self.paused:
            gc.disable()
        else:
            gc.enable()
        try:
            yield
        finally:
            if was_enabled:
                gc.enable()
            else:
                gc.disable()


def spread(ratios: Sequence[float], digits: int = 2) -> str:
    """min / median / max of paired ratios, as the benches print them."""
    return (f"min {min(ratios):.{digits}f}  median {statistics.median(ratios):.{digits}f}  "
            f"max {max(ratios):.{digits}f}  ({len(ratios)} pairs)")
