"""POST /api/v1/plan: the body of /compute (JSON) with {"target": ..., "month": ...}; the answer
is what ``sheets-sync plan --format json`` prints: the last planned month's gap split and what
the month planned needs (sheets_sync.plan_view). Stateless, like /compute."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app

from funnel_kpi import DEFAULT_FUNNEL, FunnelError, Tab
from funnel_kpi.api import analyse
from funnel_kpi.pins import NO_PINS, config_from_dict
from sheets_sync.app.api import api, body
from sheets_sync.app.auth import require_token
from sheets_sync.app.errors import ApiError
from sheets_sync.app.limits import check_input, report_response
from sheets_sync.app.schemas import PlanIn


@api.post("/plan")
@require_token
def plan() -> Any:
    from sheets_sync.plan_view import plan_dict

    data: PlanIn = body(PlanIn)
    tabs = ([Tab(t.name, t.values) for t in data.tabs] if data.tabs is not None
            else [Tab("Sheet1", data.values or [])])
    cells = sum(len(r) for t in tabs for r in t.rows)
    limit = int(current_app.config["COMPUTE_MAX_CELLS"])
    if cells > limit:
        raise ApiError(413, "too_many_cells", f"{cells} cells is more than this service computes "
                                              f"at once ({limit}): send fewer rows.")
    check_input(tabs, data.funnel)
    try:
        funnel, pins = (config_from_dict(data.funnel) if data.funnel
                        else (DEFAULT_FUNNEL, NO_PINS))
        analysis = analyse(tabs, funnel, locale=data.locale, today=data.today or date.today(),
                           pins=pins)
        paid = data.target_paid is not None
        result = plan_dict(analysis, target=data.target_paid if paid else data.target,
                           month=data.month, target_of="paid" if paid else "revenue")
    except FunnelError as e:  # PlanError included: no plan, no month to learn from
        raise ApiError(422, "cannot_plan", str(e)) from None
    return report_response(result)
