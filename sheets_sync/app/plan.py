"""POST /api/v1/plan: the body of /compute (JSON) with {"target": ..., "month": ...}; the answer
is what ``sheets-sync plan --format json`` prints: the last planned month's gap split and what
the month planned needs (sheets_sync.plan_view). Stateless, like /compute."""

from __future__ import annotations

from typing import Any

from sheets_sync.app.api import api, body
from sheets_sync.app.auth import require_token
from sheets_sync.app.compute import analyse_request
from sheets_sync.app.limits import report_response
from sheets_sync.app.schemas import PlanIn
from sheets_sync.plan_view import plan_dict


@api.post("/plan")
@require_token
def plan() -> Any:
    """No plan, or no month to learn from, is the core's PlanError: a 422 "cannot_plan"
    (app/errors.py)."""
    data: PlanIn = body(PlanIn)
    analysis = analyse_request(data)
    paid = data.target_paid is not None
    result = plan_dict(analysis, target=data.target_paid if paid else data.target,
                       month=data.month, target_of="paid" if paid else "revenue")
    return report_response(result)
