"""The emulator answers like Google: gspread's recorded traffic replayed, >= 98 % matching.

The cassettes (tests/emulator/cassettes/README.md) are real Google answers. Interactions that
cannot apply offline (Drive permissions naming real accounts, OAuth) are excluded by
`replay.EXCLUDED`, counted and printed.
"""

from __future__ import annotations

from .replay import rates, replay_all

TARGET = 0.98


def test_replayed_cassettes_match_google(capsys: object) -> None:
    outcomes, excluded = replay_all()
    assert outcomes, "no cassettes found"
    lines = [f"{family:40} {good:3}/{total:<3}"
             for family, (good, total) in rates(outcomes).items()]
    matched = sum(o.matched for o in outcomes)
    rate = matched / len(outcomes)
    lines.append(f"{'overall':40} {matched:3}/{len(outcomes):<3} = {rate:.1%}; excluded {excluded}")
    misses = [f"  {o.cassette}#{o.index} {o.family}: {o.detail}" for o in outcomes if not o.matched]
    print("\n".join(lines + misses))
    assert rate >= TARGET, "\n".join(["match rate below 98 %:", *lines, *misses])
