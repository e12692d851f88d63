"""The one place the API's errors become output: ``{"error": {"code", "message", "details"?}}``.

Every message says what to do. Handlers, registered once by ``register_error_handlers``:

    ApiError            the view's own refusal (validation, limits, auth): its status and code
    SheetsSyncError     any of sheets_sync's (sheets_sync/errors.py): ``e.http_status``, ``e.code``
    FunnelError         the core's: 422, ``e.code`` ("cannot_compute", "cannot_plan")
    HTTPException       Flask's own (unknown URL, wrong method, body too large)
    Exception           anything else: logged, a 500 that says so

Under /api/ (and /healthz) the answer is JSON; on the dashboard it is a page: an error of an
action on a job (run, inspect) is flashed on the job's page, anything else is the error page.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, flash, jsonify, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from funnel_kpi import FunnelError
from sheets_sync.app.i18n import t
from sheets_sync.errors import AlreadyRunning, JobNotFound, SheetsSyncError

log = logging.getLogger(__name__)

HTTP_MESSAGES = {
    400: ("bad_request", "The request could not be read: check its syntax."),
    401: ("unauthorized", "Send a token: 'Authorization: Bearer <token>' (make one with "
                          "`sheets-sync tokens create NAME`)."),
    403: ("forbidden", "This token may not do that."),
    404: ("not_found", "There is nothing at this URL: see /api/v1/openapi.json for the API."),
    405: ("method_not_allowed", "This URL does not take that method: see /api/v1/openapi.json."),
    413: ("too_large", "The request body is too large: send less data at once."),
    415: ("unsupported_media_type", "Send JSON (Content-Type: application/json)."),
    429: ("rate_limited", "Too many requests: wait a little and try again."),
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.details, self.headers = details, headers or {}


def error_body(code: str, message: str, details: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": message}
    if details is not None:
        err["details"] = details
    return {"error": err}


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    resp = jsonify(error_body(code, message, details))
    resp.status_code = status
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


def validation_details(e: ValidationError) -> list[dict[str, str]]:
    out = []
    for err in e.errors(include_url=False, include_input=False):
        field = ".".join(str(p) for p in err["loc"]) or "body"
        out.append({"field": field, "message": err["msg"]})
    return out


def invalid(e: ValidationError) -> ApiError:
    details = validation_details(e)
    first = details[0] if details else {"field": "body", "message": "invalid"}
    more = f" (and {len(details) - 1} more)" if len(details) > 1 else ""
    return ApiError(422, "invalid_request",
                    f"Field '{first['field']}': {first['message']}{more}. Fix the field and "
                    "send the request again.", details)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


FUNNEL_ERROR_STATUS = 422  # the core refused the input: the request was understood


def page_error(e: SheetsSyncError | FunnelError, status: int) -> Any:
    """A dashboard request's error: flashed on the job's page when it came from an action on a
    job (never from that page itself: no redirect loop), else the error page."""
    if isinstance(e, JobNotFound):
        return render_template("error.html", status=404, message=NotFound.description), 404
    job_id = (request.view_args or {}).get("job_id")
    if job_id is not None and request.endpoint != "dashboard.job":
        message = t("already_running") if isinstance(e, AlreadyRunning) \
            else f"{t('run_failed')}: {e}"
        flash(message, "error")
        return redirect(url_for("dashboard.job", job_id=job_id))
    return render_template("error.html", status=status, message=str(e)), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(SheetsSyncError)
    def sheets_sync_error(e: SheetsSyncError) -> Any:
        if not wants_json():
            return page_error(e, e.http_status)
        return error_response(e.http_status, e.code, str(e))

    @app.errorhandler(FunnelError)
    def funnel_error(e: FunnelError) -> Any:
        if not wants_json():
            return page_error(e, FUNNEL_ERROR_STATUS)
        return error_response(FUNNEL_ERROR_STATUS, e.code, str(e))

    @app.errorhandler(ApiError)
    def api_error(e: ApiError) -> Any:
        if not wants_json():  # e.g. a dashboard page over its rate limit
            return render_template("error.html", status=e.status, message=e.message), \
                e.status, e.headers
        return error_response(e.status, e.code, e.message, e.details, e.headers)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        status = e.code or 500
        if not wants_json():
            return render_template("error.html", status=status, message=e.description), status
        code, message = HTTP_MESSAGES.get(status, ("http_error", e.description or e.name))
        if status == 400 and e.description and "CSRF" in e.description:
            message = e.description
        headers = None
        if isinstance(e, MethodNotAllowed) and e.valid_methods:
            headers = {"Allow": ", ".join(e.valid_methods)}
        return error_response(status, code, message, headers=headers)

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        message = ("Something went wrong on the server; it was logged. Try again, and report "
                   "it if it persists.")
        if not wants_json():
            return render_template("error.html", status=500, message=message), 500
        return error_response(500, "internal_error", message)
