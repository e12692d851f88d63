"""The add-on's endpoints: the job of the spreadsheet the add-on is open in, found by its id.

    GET  /api/v1/addon/job?spreadsheet=<id>     {"job": ...} (as GET /jobs/<id>), or 404 not_found
    POST /api/v1/addon/job                      create it (201), or the one there is (200)
    POST /api/v1/addon/sync                     run it now (as POST /jobs/<id>/run)
    GET  /api/v1/addon/runs?spreadsheet=<id>    its runs, newest first
    POST /api/v1/addon/inspect                  how its input's columns are read (as /inspect)

The same jobs, runner and token rules as the rest of the API; the add-on only names a job by
its spreadsheet instead of its number. A job stored with the spreadsheet's URL is found by the id
too. CORS (``cors``): only for the origins in ADDON_ALLOWED_ORIGINS (the Office add-in's page;
Apps Script's UrlFetchApp calls from Google's servers and needs none), on these endpoints and
the function endpoint only.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, jsonify, request
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sheets_sync.app.api import MAX_LIMIT, api, body, int_arg
from sheets_sync.app.auth import require_token
from sheets_sync.app.errors import ApiError, invalid
from sheets_sync.app.jobs import create_job, dump, job_out, last_runs, run_out
from sheets_sync.app.schemas import AddonJobIn, AddonRef, JobIn
from sheets_sync.app.store_ext import db, jobs_changed, runner
from sheets_sync.backends.google import spreadsheet_id
from sheets_sync.errors import InputError, JobNotFound
from sheets_sync.files import is_xlsx
from sheets_sync.inspect_view import inspect_dict
from sheets_sync.store.models import Job, JobReport, Run

CORS_PATHS = ("/api/v1/addon/", "/api/v1/functions/")
OUTPUT_TAB = {"ru": "Показатели", "en": "KPI"}


def google_id(ref: str) -> str:
    """The spreadsheet id of a reference the add-on sends; a 422 for anything else (the add-on
    lives in a Google spreadsheet: a workbook path is not one)."""
    ref = ref.strip()
    try:
        if is_xlsx(ref):
            raise InputError.say("error.addon_workbook", ref=ref)
        return spreadsheet_id(ref)
    except InputError as e:
        raise ApiError(422, "invalid_request", "error.api_addon_ref", {"why": e},
                       [{"field": "spreadsheet", "message": str(e)}]) from None


def _reads(job: Job, sid: str) -> bool:
    if is_xlsx(job.spreadsheet):
        return False
    try:
        return spreadsheet_id(job.spreadsheet) == sid
    except InputError:  # a bad reference stored around the API: it reads nothing
        return False


def find_job(s: Session, sid: str) -> Job | None:
    """The first job (lowest id) that reads this spreadsheet."""
    candidates = s.scalars(select(Job).where(Job.spreadsheet.contains(sid)).order_by(Job.id))
    return next((j for j in candidates if _reads(j, sid)), None)


def job_of(s: Session, ref: str) -> Job:
    sid = google_id(ref)
    job = find_job(s, sid)
    if job is None:
        raise ApiError(404, "not_found", "error.api_addon_no_job", {"id": sid})
    return job


def _query_ref() -> str:
    ref = request.args.get("spreadsheet", "")
    if not ref.strip():
        raise ApiError(400, "bad_parameter", "error.api_addon_no_spreadsheet")
    return ref


def job_json(s: Session, job: Job) -> dict[str, Any]:
    return {"job": dump(job_out(job, last_runs(s, [job.id]).get(job.id)))}


@api.get("/addon/job")
@require_token
def addon_job() -> Any:
    s = db()
    return jsonify(job_json(s, job_of(s, _query_ref())))


def job_in(data: AddonJobIn, sid: str) -> JobIn:
    fields: dict[str, Any] = {"spreadsheet": sid, "input_tabs": data.tabs}
    output = data.output_tab or (OUTPUT_TAB[data.lang] if data.lang else None)
    if output:
        fields["output_tab"] = output
    if data.schedule and data.schedule.strip():
        fields["schedule"] = {"cron": data.schedule, "timezone": data.timezone or "UTC"}
    try:
        return JobIn.model_validate(fields)
    except ValidationError as e:
        raise invalid(e) from None


@api.post("/addon/job")
@require_token
def addon_create_job() -> Any:
    data: AddonJobIn = body(AddonJobIn)
    s = db()
    sid = google_id(data.spreadsheet)
    existing = find_job(s, sid)
    if existing is not None:
        return jsonify(job_json(s, existing))
    job = create_job(s, job_in(data, sid))
    jobs_changed()
    return jsonify(job_json(s, job)), 201


def run_json(s: Session, run: Run) -> dict[str, Any]:
    """The run as GET /runs/<id> gives it, with the report's status reasons when this run made
    the job's report."""
    out = dump(run_out(run))
    rep = s.get(JobReport, run.job_id)
    report = rep.report if rep is not None and rep.run_id == run.id else {}
    out["status_reasons"] = list(report.get("status_reasons", ()))
    out["status_reasons_ru"] = list(report.get("status_reasons_ru", ()))
    return out


@api.post("/addon/sync")
@require_token
def addon_sync() -> Any:
    s = db()
    job_id = job_of(s, body(AddonRef).spreadsheet).id
    run = runner().run(job_id, "api")  # AlreadyRunning: a 409 (app/errors.py)
    if run is None:  # deleted while it ran
        raise JobNotFound(job_id, "error.job_deleted")
    s.expire_all()  # the runner wrote the report in its own session
    return jsonify(run_json(s, run)), 201


@api.get("/addon/runs")
@require_token
def addon_runs() -> Any:
    s = db()
    job = job_of(s, _query_ref())
    limit = int_arg("limit", 10, 1, MAX_LIMIT)
    runs = s.scalars(select(Run).where(Run.job_id == job.id).order_by(Run.id.desc())
                     .limit(limit))
    return jsonify({"runs": [dump(run_out(r)) for r in runs]})


@api.post("/addon/inspect")
@require_token
def addon_inspect() -> Any:
    job_id = job_of(db(), body(AddonRef).spreadsheet).id
    return jsonify(inspect_dict(runner().inspect(job_id)))


def allowed_origins() -> list[str]:
    """ADDON_ALLOWED_ORIGINS: a list, or one text of origins separated by commas (as an
    environment variable gives it)."""
    raw = current_app.config.get("ADDON_ALLOWED_ORIGINS") or []
    items = raw.split(",") if isinstance(raw, str) else raw
    return [str(o).strip().rstrip("/") for o in items if str(o).strip()]


def cors(resp: Response) -> Response:
    """CORS headers for an allowed origin on the add-on's paths, preflights included (Flask
    answers OPTIONS itself; this adds the headers). Any other origin gets none: the browser
    then keeps the answer from the page."""
    origin = request.headers.get("Origin")
    if not origin or not request.path.startswith(CORS_PATHS):
        return resp
    resp.vary.add("Origin")
    if origin.rstrip("/") not in allowed_origins():
        return resp
    resp.headers["Access-Control-Allow-Origin"] = origin
    if request.method == "OPTIONS":
        resp.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        resp.headers["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        resp.headers["Access-Control-Max-Age"] = "600"
    return resp


api.after_request(cors)
