"""A job's notifications on the API and the job page (sheets_sync/notify does the sending):

    GET /api/v1/jobs/<id>/notifications    its settings (secrets masked) and latest messages
    job_notifications(job_id)              the same, for job.html's "Notifications" section
"""

from __future__ import annotations

from typing import Any

from flask import jsonify

from sheets_sync.app.api import api
from sheets_sync.app.auth import require_token
from sheets_sync.app.jobs import dump, get_job
from sheets_sync.app.store_ext import db
from sheets_sync.notify import jobs
from sheets_sync.notify.schema import NotifyOut


@api.get("/jobs/<int:job_id>/notifications")
@require_token
def job_notifications_(job_id: int) -> Any:
    get_job(db(), job_id)
    return jsonify(dump(jobs.job_notifications(db(), job_id)))


@api.app_template_global("job_notifications")
def job_notifications(job_id: int) -> NotifyOut:
    return jobs.job_notifications(db(), job_id)
