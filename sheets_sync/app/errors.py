"""The one place the API's errors become output: ``{"error": {"code", "message", "message_ru",
"details"?}}``.

Every message says what to do, in English (``message``, as it always was) and in Russian
(``message_ru``): both from the catalogue's ``[error]`` table, so a client shows the one its user
reads (the API answers both rather than choosing by a header: a cached or logged answer is the
same for everyone, as the plan's ``status_reasons``/``status_reasons_ru`` are). The dashboard
says it in the page's language. Handlers, registered once by ``register_error_handlers``:

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
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, flash, jsonify, redirect, render_template, request, url_for
from pydantic import ValidationError
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from funnel_kpi import FunnelError
from funnel_kpi.catalogue import has as catalogue_has
from funnel_kpi.errors import Param, Said, error_text, phrase
from sheets_sync.app.i18n import current_lang, t
from sheets_sync.errors import AlreadyRunning, JobNotFound, SheetsSyncError

log = logging.getLogger(__name__)

# Flask's own refusals: the code the API answers and its sentence, "error.http_<status>".
HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
              405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type",
              429: "rate_limited"}
PAGE_STATUSES = (403, 404, 405, 413)  # "error.page_<status>"; the others as the API says them


class ApiError(Said):
    """The API's own refusal: its status, code and sentence (a key of the catalogue's [error]
    table, like every error a user sees)."""

    def __init__(self, status: int, code: str, key: str,
                 params: Mapping[str, Param] | None = None, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(key=key, params=params)
        self.status, self.code, self.message = status, code, str(self)
        self.details, self.headers = details, headers or {}


def error_body(code: str, said: BaseException, details: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"code": code, "message": error_text(said, "en"),
                           "message_ru": error_text(said, "ru")}
    if details is not None:
        err["details"] = details
    return {"error": err}


def error_response(status: int, code: str, said: BaseException, details: Any = None,
                   headers: dict[str, str] | None = None) -> Response:
    resp = jsonify(error_body(code, said, details))
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
    more = phrase("error.api_and_more", n=len(details) - 1) if len(details) > 1 else ""
    errors = e.errors(include_url=False, include_input=False)
    cause = (errors[0].get("ctx") or {}).get("error") if errors else None
    message: Param = first["message"]  # pydantic's own words, English
    if isinstance(cause, Said) and cause.key is not None:  # a validator's, said by key
        message = phrase("error.api_value_error", what=cause)
    elif errors and catalogue_has(f"validation.{errors[0]['type']}"):  # Russian by its type
        ctx = {k: v for k, v in (errors[0].get("ctx") or {}).items()
               if isinstance(v, str | int | float) and k != "msg"}
        message = phrase(f"validation.{errors[0]['type']}", msg=first["message"], **ctx)
    return ApiError(422, "invalid_request", "error.api_field",
                    {"field": first["field"], "message": message, "more": more}, details)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/healthz"


FUNNEL_ERROR_STATUS = 422  # the core refused the input: the request was understood


def page_error(e: SheetsSyncError | FunnelError, status: int) -> Any:
    """A dashboard request's error: flashed on the job's page when it came from an action on a
    job (never from that page itself: no redirect loop), else the error page."""
    lang = current_lang()
    if isinstance(e, JobNotFound):
        return render_template("error.html", status=404,
                               message=Said.say("error.page_404").text(lang)), 404
    job_id = (request.view_args or {}).get("job_id")
    if job_id is not None and request.endpoint != "dashboard.job":
        message = t("already_running") if isinstance(e, AlreadyRunning) \
            else f"{t('run_failed')}: {e.text(lang)}"
        flash(message, "error")
        return redirect(url_for("dashboard.job", job_id=job_id))
    return render_template("error.html", status=status, message=e.text(lang)), status


def http_said(e: HTTPException) -> Said:
    """Flask's refusal in the catalogue's words; an unknown status keeps werkzeug's."""
    status = e.code or 500
    if status == 400 and e.description and "CSRF" in e.description:
        return Said.say("error.csrf", why=e.description)
    if status in HTTP_CODES:
        return Said.say(f"error.http_{status}")
    return Said(e.description or e.name)


def page_said(e: HTTPException) -> Said:
    """The same on a dashboard page: words for a person at a browser, not for a client."""
    status = e.code or 500
    if status in PAGE_STATUSES:
        return Said.say(f"error.page_{status}")
    return http_said(e)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(SheetsSyncError)
    def sheets_sync_error(e: SheetsSyncError) -> Any:
        if not wants_json():
            return page_error(e, e.http_status)
        return error_response(e.http_status, e.code, e)

    @app.errorhandler(FunnelError)
    def funnel_error(e: FunnelError) -> Any:
        if not wants_json():
            return page_error(e, FUNNEL_ERROR_STATUS)
        return error_response(FUNNEL_ERROR_STATUS, e.code, e)

    @app.errorhandler(ApiError)
    def api_error(e: ApiError) -> Any:
        if not wants_json():  # e.g. a dashboard page over its rate limit
            return render_template("error.html", status=e.status,
                                   message=e.text(current_lang())), e.status, e.headers
        return error_response(e.status, e.code, e, e.details, e.headers)

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException) -> Any:
        status = e.code or 500
        said = http_said(e)
        if not wants_json():
            return render_template("error.html", status=status,
                                   message=page_said(e).text(current_lang())), status
        headers = None
        if isinstance(e, MethodNotAllowed) and e.valid_methods:
            headers = {"Allow": ", ".join(e.valid_methods)}
        return error_response(status, HTTP_CODES.get(status, "http_error"), said,
                              headers=headers)

    @app.errorhandler(Exception)
    def unexpected(e: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.path)
        said = Said.say("error.internal")
        if not wants_json():
            return render_template("error.html", status=500,
                                   message=said.text(current_lang())), 500
        return error_response(500, "internal_error", said)
