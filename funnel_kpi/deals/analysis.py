"""Deal-log analytics: cohorts, segments, win rate, times, money and forecast of a ``DealLog``.

``analyse_deals(log, funnel, today)`` returns a ``DealAnalysis`` (funnel_kpi.deals.types): the
same ``DealStats`` computation for the whole log, each created-month cohort, each channel and
each manager. What every figure means:

Stages and counts
    The tracked stages are the log's stages in funnel order, always ending with the funnel's
    last stage (paid/won). A deal reached a stage when it has a date for it; the lead stage is
    reached by every deal on its created date, and a **won status means the deal reached the
    last stage** even without a paid date (paid date = the deal's ``paid_date``, else its date
    for the last stage). Reaching a stage implies every earlier tracked stage: ``counts[s]`` is
    the deals whose furthest stage is s or later (a paid date or a won status makes it the
    last stage). ``implied_passages`` counts the passages counted without a date for them
    because a later stage was reached (a won deal's last stage, reached by its status, is not
    one of them).
Cohorts and segments
    ``by_month``: deals grouped by the first day of their created month, sorted. ``by_channel``
    and ``by_manager``: sorted by name; a deal without one goes under "—" (listed last), so the
    segments add up to the whole log; when no deal has a channel (manager) the mapping is empty.
Win and loss
    ``win_rate`` = won / (won + lost), open deals left out, with n and a Wilson 95% interval
    (undefined ``no_closed_deals``). ``lost_deals`` = lost count. ``lost_by_stage``: lost deals by
    the furthest stage reached; ``lost_by_reason``: by stripped reason, "" for a blank one,
    most frequent first.
Times (whole days; a negative duration, dates out of order, is left out: the parser reports it)
    ``stage_times``: for each pair of consecutive tracked stages, days between the two dates over
    the deals that have both (mean and median, n). ``sales_cycle_days`` = mean of paid date -
    created date over won deals; ``first_response_days`` = mean of first response - created;
    ``proposal_prep_days`` / ``contract_prep_days`` = mean days to reach the proposals /
    contracts stage from the tracked stage before it (meetings and proposals in the default
    funnel); undefined ``missing_input`` when that stage is not tracked. Undefined
    ``no_durations`` when no deal has both dates. ``median_cycle_days`` = median sales cycle of
    the whole log.
Money
    A won deal's money is its paid amount, else its amount. ``revenue`` = sum over won deals
    (0 when the set has no won deal with money; undefined ``missing_input`` when the log has no
    amounts at all). ``average_deal`` = revenue / won deals with money; ``ltv_historical`` =
    revenue / distinct customers among them (customer id, else the deal id): what a customer
    paid over the log. Both undefined ``no_won_deals`` when no won deal has money; a sum that
    overflows (or a NaN amount) is undefined ``not_finite``.
Forecast
    p(s) = won deals that reached s / closed deals that reached s, from the **whole log** (the
    history) for every set. ``forecast_revenue`` = sum over open deals of amount x p(furthest
    stage reached); an open deal without an amount is priced at the whole log's average deal
    (formulas.forecast_revenue: undefined rather than smaller when a price or p is unknown).
    ``pipeline_velocity`` = open deals x win rate x average deal / median sales cycle days, all
    of the set (money per day; undefined with the reason of the missing input).
Pending cohorts
    A month cohort is ``pending`` when its first day is fewer than ``median_cycle_days`` days
    before ``today``: its deals have not had a typical cycle's time to close, so its open deals
    are not yet lost. Its figures are computed all the same and flagged; statuses are never
    rewritten. Without a median cycle no cohort is pending; only month cohorts can be.
    ``today`` defaults to the latest date found in the log (the day of the export), so the result
    does not depend on the clock.

Speed (a 500,000-row log is the target): the log's columns (numpy arrays) become per-deal
codes and measures with array operations (funnel_kpi.deals.tally); each kind of set counts them
in one numpy pass per measure (funnel_kpi.deals.sets); each set's figures come from those
histograms (funnel_kpi.deals.stats). No per-deal Python object is made.
"""

from __future__ import annotations

from datetime import date

from funnel_kpi import formulas
from funnel_kpi.deals.sets import SetData, fold
from funnel_kpi.deals.stats import History, deal_stats, total_money, win_probabilities
from funnel_kpi.deals.tally import NO_SEGMENT, tally
from funnel_kpi.deals.types import DealAnalysis, DealStats
from funnel_kpi.inputs import DealLog
from funnel_kpi.model import Funnel

__all__ = ["analyse_deals"]


def _segment_order(name: str) -> tuple[bool, str, str]:
    return name == NO_SEGMENT, name.casefold(), name


def analyse_deals(log: DealLog, funnel: Funnel, today: date | None = None) -> DealAnalysis:
    """Analyse a deal log: whole log, month cohorts, channels, managers (see module docstring).

    Never raises on the content of ``log``: missing figures are undefined values with reasons.
    """
    t = tally(log, funnel)
    sets = fold(t)
    stages = t.stages
    whole = sets.overall
    average = formulas.average_deal(total_money(whole.money).value, len(whole.money)).value
    history = History(win_probabilities(whole.codes, stages), average)
    median_cycle = formulas.median_of_counts(whole.cycles)
    as_of = today.toordinal() if today is not None else t.latest

    def stats(data: SetData, pending: bool = False) -> DealStats:
        return deal_stats(data, stages, history, has_money=t.has_money, pending=pending)

    def is_pending(month: int) -> bool:
        return median_cycle is not None and as_of is not None and as_of - month < median_cycle

    overall = stats(whole)
    implied = sum(overall.counts.values()) - log.size - t.dated_passages - t.won_undated
    return DealAnalysis(
        overall=overall,
        by_month={date.fromordinal(m): stats(data, is_pending(m))
                  for m, data in sorted(sets.months.items())},
        by_channel={c: stats(sets.channels[c]) for c in sorted(sets.channels, key=_segment_order)},
        by_manager={m: stats(sets.managers[m]) for m in sorted(sets.managers, key=_segment_order)},
        median_cycle_days=median_cycle,
        implied_passages=implied,
    )
