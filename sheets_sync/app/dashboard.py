"""The dashboard: server-rendered pages that work without JavaScript.

Forms post back with a CSRF token (Flask-WTF); the API's validation and job functions are reused,
so a job made here is the same as one made through the API.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup, escape
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from funnel_kpi import FunnelReport, report_view, text, textfmt
from funnel_kpi.catalogue import has
from sheets_sync.app.auth import require_sign_in, sign_in
from sheets_sync.app.errors import ApiError
from sheets_sync.app.form_errors import form_errors
from sheets_sync.app.i18n import LANGS, current_lang, t
from sheets_sync.app.jobs import (
    MAX_ID,
    check_spreadsheet,
    create_job,
    default_name,
    job_out,
    last_runs,
    run_out,
    update_job,
)
from sheets_sync.app.ratelimit import check_failed_auth, failed_auth_blocked, too_many
from sheets_sync.app.report_view import chart, stored_view
from sheets_sync.app.schemas import JobIn, JobOut, JobPatch, RunOut
from sheets_sync.app.security import insecure_sign_in
from sheets_sync.app.store_ext import db, jobs_changed, runner
from sheets_sync.app.trends import trends
from sheets_sync.notify.jobs import notify_form, slack_lines, unhint_slack
from sheets_sync.number_formats import state_currency
from sheets_sync.plan_view import plan_head
from sheets_sync.store.models import Job, JobNotify, JobReport, Run
from sheets_sync.store.tokens import verify_token
from sheets_sync.text_report import VERDICT_HEAD

bp = Blueprint("dashboard", __name__)
PROBLEMS_SHOWN = 100
RUNS_SHOWN = 20


def safe_next(target: str | None) -> str:
    """Only a local path: a sign-in link must not send anyone to another site."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("dashboard.jobs")


@bp.get("/")
def index() -> Any:
    return redirect(url_for("dashboard.jobs"))


@bp.route("/signin", methods=["GET", "POST"])
def signin() -> Any:
    error = None
    if request.method == "POST":
        wait = failed_auth_blocked()
        if wait is not None:  # this address has guessed too often: no more tries for now
            raise too_many(wait)
        if insecure_sign_in():
            return render_template("signin.html", error=t("needs_https")), 403
        token = verify_token(db(), request.form.get("token", ""))
        if token is None:
            check_failed_auth()
        else:
            lang = session.get("lang")
            sign_in(token)
            if lang in LANGS:
                session["lang"] = lang
            return redirect(safe_next(request.args.get("next")))
        error = t("bad_token")
    status = 401 if error else 200
    return render_template("signin.html", error=error), status


@bp.post("/signout")
def signout() -> Any:
    lang = session.get("lang")
    session.clear()
    if lang in LANGS:
        session["lang"] = lang
    return redirect(url_for("dashboard.signin"))


@bp.get("/lang/<code>")
def switch_lang(code: str) -> Any:
    if code in LANGS:
        session["lang"] = code
    return redirect(safe_next(request.args.get("next")))


@bp.get("/jobs")
@require_sign_in
def jobs() -> Any:
    s = db()
    rows = list(s.scalars(select(Job).order_by(Job.id)))
    last = last_runs(s, [j.id for j in rows])
    return render_template("jobs.html", jobs=[job_out(j, last.get(j.id)) for j in rows])


def form_to_job(form: Any) -> dict[str, Any]:
    """The form's fields as the API's job body (empty fields left out)."""
    data: dict[str, Any] = {"spreadsheet": form.get("spreadsheet", "").strip(),
                            "enabled": form.get("enabled") == "on"}
    if form.get("name", "").strip():
        data["name"] = form["name"].strip()
    tabs = [x.strip() for x in form.get("input_tabs", "").split(",") if x.strip()]
    if tabs:
        data["input_tabs"] = tabs
    if form.get("output_tab", "").strip():
        data["output_tab"] = form["output_tab"].strip()
    config = mapping_config(form.get("mapping", ""))
    if config:
        data["funnel"] = config
    cron, minutes = form.get("cron", "").strip(), form.get("interval_minutes", "").strip()
    if cron or minutes:
        sched: dict[str, Any] = {"timezone": form.get("timezone", "").strip() or "UTC"}
        if cron:
            sched["cron"] = cron
        if minutes:
            try:
                sched["interval_seconds"] = round(float(minutes.replace(",", ".")) * 60)
            except ValueError:
                sched["interval_seconds"] = -1  # validation says what a good value is
        data["schedule"] = sched
    notify = notify_form(form)  # sheets_sync/notify/jobs.py
    if notify:
        data["notify"] = notify
    return data


PIPELINE_LINES = ("pipeline", "won", "lost")  # "pipeline = A, B, C": the stage order


def mapping_config(text: str) -> dict[str, Any]:
    """The form's column mapping ("Header = role" per line) as a job's funnel config
    (funnel_kpi.parse.pins); a line without "=" is kept for validation to reject."""
    columns: dict[str, str] = {}
    pipeline: dict[str, list[str]] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        header, eq, role = line.rpartition("=")
        if not eq:
            header, role = line, ""
        name = header.strip()
        if name.casefold() in PIPELINE_LINES:
            key = "order" if name.casefold() == "pipeline" else name.casefold()
            pipeline[key] = [v.strip() for v in role.split(",") if v.strip()]
        else:
            columns[name] = role.strip()
    config: dict[str, Any] = {}
    if columns:
        config["columns"] = columns
    if pipeline:
        config["pipeline"] = pipeline
    return config


def mapping_text(config: dict[str, Any] | None) -> str:
    """A job's funnel config back as the form's lines."""
    if not config:
        return ""
    lines = [f"{h} = {r}" for h, r in config.get("columns", {}).items()]
    for key, values in config.get("pipeline", {}).items():
        lines.append(f"{'pipeline' if key == 'order' else key} = {', '.join(values)}")
    return "\n".join(lines)


@bp.route("/jobs/new", methods=["GET", "POST"])
@require_sign_in
def new_job() -> Any:
    if request.method == "GET":
        return render_template("job_form.html", form={"enabled": "on", "timezone": "UTC"},
                               errors=())
    try:
        job = create_job(db(), JobIn.model_validate(form_to_job(request.form)))
    except (ValidationError, ApiError) as e:  # said per field, in the page's language
        return render_template("job_form.html", form=request.form,
                               errors=form_errors(e, request.form, current_lang())), 422
    jobs_changed()
    flash(t("job_added"), "ok")
    return redirect(url_for("dashboard.inspect", job_id=job.id))  # how its columns are read


def job_form_values(job: Job, prefs: JobNotify | None) -> dict[str, Any]:
    """A job as the form's fields: the edit page starts from what the job is now."""
    values: dict[str, Any] = {
        "name": job.name, "spreadsheet": job.spreadsheet,
        "input_tabs": ", ".join(job.input_tabs or ()), "output_tab": job.output_tab or "",
        "mapping": mapping_text(job.funnel), "cron": job.schedule_cron or "",
        "interval_minutes": f"{job.schedule_interval / 60:g}" if job.schedule_interval else "",
        "timezone": job.timezone or "UTC", "enabled": "on" if job.enabled else ""}
    if prefs is not None:
        hooks = prefs.webhooks or []
        values |= {
            "notify_emails": ", ".join(prefs.emails or ()), "notify_lang": prefs.lang,
            "notify_slack": slack_lines(prefs),  # masked: the URL's path is its key
            "notify_telegram": ", ".join(h["chat_id"] for h in hooks
                                         if h.get("kind") == "telegram"),
            "notify_events": list(prefs.events or ()),
            "digest_weekday": "" if prefs.digest_weekday is None else str(prefs.digest_weekday),
            "digest_hour": str(prefs.digest_hour if prefs.digest_hour is not None else 9)}
    return values


def save_edit(s: Session, job: Job, data: JobIn) -> None:
    """Make the job what the edit form says: every field is set, so a field left empty clears
    what it held (the API's PATCH, by contrast, changes only the fields it is given)."""
    ref = check_spreadsheet(data.spreadsheet)  # before anything changes
    patch = JobPatch.model_validate({
        "spreadsheet": ref, "input_tabs": data.input_tabs, "funnel": data.funnel,
        "output_tab": data.output_tab, "enabled": data.enabled,
        "schedule": data.schedule.model_dump() if data.schedule else None,
        "notify": data.notify})
    job.name = (data.name or "").strip() or default_name(ref)
    update_job(s, job, patch)


@bp.route("/jobs/<int:job_id>/edit", methods=["GET", "POST"])
@require_sign_in
def edit_job(job_id: int) -> Any:
    """Everything the create form sets, checked by the same schema (JobIn)."""
    s = db()
    row = load_job(job_id)
    if request.method == "GET":
        return render_template("job_form.html", editing=row, errors=(),
                               form=job_form_values(row, s.get(JobNotify, job_id)))
    form = request.form.copy()
    form["notify_slack"] = unhint_slack(form.get("notify_slack", ""), s.get(JobNotify, job_id))
    try:
        save_edit(s, row, JobIn.model_validate(form_to_job(form)))
    except (ValidationError, ApiError) as e:
        s.rollback()
        return render_template("job_form.html", editing=row, form=request.form,
                               errors=form_errors(e, request.form, current_lang())), 422
    jobs_changed()
    flash(t("job_saved"), "ok")
    return redirect(url_for("dashboard.job", job_id=job_id))


def load_job(job_id: int) -> Job:
    job = db().get(Job, job_id) if 0 < job_id <= MAX_ID else None
    if job is None:
        abort(404)
    return job


@bp.get("/jobs/<int:job_id>")
@require_sign_in
def job(job_id: int) -> Any:
    s = db()
    row = load_job(job_id)
    runs = list(s.scalars(select(Run).where(Run.job_id == job_id).order_by(Run.id.desc())
                          .limit(RUNS_SHOWN)))
    rep = s.get(JobReport, job_id)
    lang = current_lang()
    parsed = FunnelReport.from_dict(rep.report) if rep else None
    view = stored_view(rep.report, lang, state_currency(row.state), parsed) if rep else None
    month = request.args.get("month")  # the month picker (a GET form): any month the report has
    # the view's currency: the input's own, else the spreadsheet's guess, never on a mix
    trend = trends(parsed, month, lang, view.currency) if parsed and view else None
    return render_template(
        "job.html", job=job_out(row, runs[0] if runs else None),
        runs=[run_out(r) for r in runs], report=view, view=view,
        chart=chart(view) if view else None, problems_shown=PROBLEMS_SHOWN,
        mapping=mapping_text(row.funnel), verdicts_head=[text(k, lang) for k in VERDICT_HEAD],
        plan_head=plan_head(lang), trends=trend)


@bp.route("/jobs/<int:job_id>/inspect", methods=["GET", "POST"])
@require_sign_in
def inspect(job_id: int) -> Any:
    """Read the job's spreadsheet now and show how every column is read; nothing is written
    (read-only, so a GET too: a new job lands here). A spreadsheet that cannot be read is
    flashed on the job's page (app/errors.py)."""
    row = load_job(job_id)
    readout = report_view(runner().inspect(job_id).report, current_lang())
    return render_template("inspect.html", job=job_out(row, None), readout=readout)


@bp.post("/jobs/<int:job_id>/run")
@require_sign_in
def run(job_id: int) -> Any:
    load_job(job_id)
    # AlreadyRunning is flashed on the job's page, JobNotFound is a 404 (app/errors.py)
    result = runner().run(job_id, "manual", force=request.form.get("force") == "on")
    if result is not None and result.status == "failed":
        flash(escape(f"{t('run_failed')}: ") + run_error(job_id, run_out(result)), "error")
    elif result is not None:  # a stale run is a warning: the tab may show older input
        flash(t(f"run_{result.status}"), "error" if result.status == "stale" else "ok")
    return redirect(url_for("dashboard.job", job_id=job_id))


OUTPUT_TAB_HINT = "the job's output tab"  # the sync's errors that a new output tab fixes


def run_error(job_id: int, run: RunOut) -> Markup:
    """A failed run's error as the page shows it, in the page's language (``error_ru``: said
    again from its catalogue key). A Russian page on a run recorded before runs kept their key
    shows its kind from the catalogue ([run_error]) and the English sentence as details. An
    error that a new output tab fixes links to where it is changed."""
    code, error = run.error_code, run.error
    message = escape(error or "")
    if current_lang() == "ru" and run.error_ru:
        message = escape(run.error_ru)
    elif current_lang() == "ru" and code and has(f"run_error.{code}"):
        message = escape(t(f"run_error.{code}")) + Markup(' <span class="muted">{}</span>').format(
            t("run_error.details", text=error or ""))
    if OUTPUT_TAB_HINT in (error or ""):
        link = url_for("dashboard.edit_job", job_id=job_id, _anchor="output_tab")
        message += Markup(' <a href="{}">{}</a>').format(link, t("change_output_tab"))
    return message


@bp.post("/jobs/<int:job_id>/<any(pause, resume):action>")
@require_sign_in
def pause_resume(job_id: int, action: str) -> Any:
    update_job(db(), load_job(job_id), JobPatch.model_validate({"enabled": action == "resume"}))
    jobs_changed()
    return redirect(url_for("dashboard.job", job_id=job_id))


@bp.post("/jobs/<int:job_id>/delete")
@require_sign_in
def delete(job_id: int) -> Any:
    s = db()
    s.delete(load_job(job_id))
    s.commit()
    jobs_changed()
    flash(t("job_deleted"), "ok")
    return redirect(url_for("dashboard.jobs"))


def local_time(when: datetime | None, zone: str | None, seconds: bool = False) -> str:
    """A stored UTC time in the job's time zone, named as people there name it ("07:00 MSK")."""
    if when is None:
        return "—"
    try:
        tz = ZoneInfo(zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):  # a zone the machine lost since it was saved
        tz = ZoneInfo("UTC")
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    local = aware.astimezone(tz)
    return f"{local:%Y-%m-%d %H:%M{':%S' if seconds else ''}} {local.tzname()}"


def duration(seconds: float | None, lang: str) -> str:
    """A run's time: "0.63 s" / "0,63 с"."""
    if seconds is None:
        return "—"
    return f"{textfmt.number(seconds, lang, 2)}{textfmt.NBSP}{'с' if lang == 'ru' else 's'}"


def month_name(period: str, lang: str) -> str:
    """"2026-10" as the findings write it: "October 2026" / "Октябрь 2026"; "total" as itself."""
    try:
        start = date.fromisoformat(f"{period}-01")
    except ValueError:
        return t("total") if period == "total" else period
    return textfmt.month(start, lang).capitalize()


def template_globals() -> dict[str, Any]:
    lang = current_lang()
    return {"t": t, "lang": lang, "token": g.get("token"), "local_time": local_time,
            "duration": lambda x: duration(x, lang),
            "count": lambda x: textfmt.count(x, lang) if x is not None else "—",
            "month_name": lambda p: month_name(p, lang), "run_error": run_error,
            "paused_text": lambda job: paused_text(job, lang)}


def paused_text(job: JobOut, lang: str) -> str:
    """Why a job is paused, in the page's language where it was said by key."""
    return (job.paused_reason_ru if lang == "ru" and job.paused_reason_ru
            else job.paused_reason or "")
