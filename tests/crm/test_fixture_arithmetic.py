"""The hand-worked figures of every CRM fixture agree with the same rules applied by code to
the deals' truth (tests.crm.model.reference), and the rows say what the truth says."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from tests.crm.exports import FIXTURES
from tests.crm.model import Figures, Fixture, reference


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def _check(where: str, hand: Figures, code: Figures) -> None:
    for name in ("won", "lost", "open", "counts"):
        assert getattr(hand, name) == getattr(code, name), f"{where}.{name}"
    for name in ("revenue", "win_rate", "average_deal", "cycle_mean"):
        assert _same(getattr(hand, name), getattr(code, name)), f"{where}.{name}"


@pytest.mark.parametrize("build", FIXTURES, ids=lambda b: b.__name__)
def test_hand_figures_match_the_rules(build: Callable[[], Fixture]) -> None:
    fx = build()
    ref = reference(fx)
    hand = fx.expected
    _check("total", hand.total, ref.total)
    assert len(hand.steps) == len(ref.steps) == len(hand.total.counts)
    steps = zip(hand.steps, ref.steps, strict=True)
    assert all(_same(a, b) for a, b in steps), (hand.steps, ref.steps)
    assert _same(hand.cycle_median, ref.cycle_median)
    assert hand.by_manager.keys() == ref.by_manager.keys()
    assert hand.by_channel.keys() == ref.by_channel.keys()
    for name, figs in hand.by_manager.items():
        _check(f"manager {name}", figs, ref.by_manager[name])
    for name, figs in hand.by_channel.items():
        _check(f"channel {name}", figs, ref.by_channel[name])
    assert len(hand.stages) == len(fx.open_stages)


@pytest.mark.parametrize("build", FIXTURES, ids=lambda b: b.__name__)
def test_fixture_shape(build: Callable[[], Fixture]) -> None:
    fx = build()
    assert 12 <= len(fx.deals) <= 25
    assert len(fx.rows) == len(fx.deals) + 1
    assert all(len(r) == len(fx.rows[0]) for r in fx.rows)
    assert len(fx.expected.by_manager) >= 2 and len(fx.expected.by_channel) >= 2
    statuses = {d.status for d in fx.deals}
    assert statuses == {"won", "lost", "open"}
    assert len({d.stage for d in fx.deals if d.status == "open"}) >= 2
    months = {(d.created.year, d.created.month) for d in fx.deals}
    assert 2 <= len(months) <= 3
    # every open stage of the pipeline holds a deal, so the funnel does not depend on whether
    # the product lists a known pipeline's stages or only the ones the data shows
    assert set(fx.open_stages) <= {d.stage for d in fx.deals}
    if fx.csv is not None:
        assert fx.csv_bytes()
