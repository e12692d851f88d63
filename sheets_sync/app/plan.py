"""POST /api/v1/plan: the body of /compute (JSON) with {"target": ..., "month": ...}; the answer
is what ``sheets-sync plan --format json`` prints: the last planned month's gap split and what
the month planned needs (sheets_sync.plan_view). Stateless, like /compute."""

from __future__ import annotations

from typing import Any

from funnel_kpi import FunnelError
from sheets_sync.app.api import api, body
from sheets_sync.app.auth import require_token
from sheets_sync.app.compute import analyse_request
from sheets_sync.app.errors import ApiError
from sheets_sync.app.limits import report_response
from sheets_sync.app.schemas import PlanIn


@api.post("/plan")
@require_token
def plan() -> Any:
    from sheets_sync.plan_view import plan_dict

    data: PlanIn = body(PlanIn)
    analysis = analyse_request(data)
    try:
        paid = data.target_paid is not None
        result = plan_dict(analysis, target=data.target_paid if paid else data.target,
                           month=data.month, target_of="paid" if paid else "revenue")
    except FunnelError as e:  # PlanError included: no plan, no month to learn from
        raise ApiError(422, "cannot_plan", str(e)) from None
    return report_response(result)
