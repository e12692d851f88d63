"""Request and response bodies of the JSON API (pydantic), which also make the OpenAPI schemas.

Requests are checked here, once, for the API and the dashboard form alike: a bad field becomes a
422 whose message names the field and says what a good value is.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from funnel_kpi import FunnelError, config_from_dict
from funnel_kpi.errors import Said, phrase
from sheets_sync.errors import ScheduleError
from sheets_sync.notify.schema import NotifyIn
from sheets_sync.scheduler.triggers import MAX_INTERVAL, make_schedule
from sheets_sync.tab_names import tab_name_problem

Cell = StrictBool | StrictInt | StrictFloat | StrictStr | None
Row = list[Cell]
TabName = Annotated[str, Field(min_length=1, max_length=100)]


class FieldError(Said, ValueError):
    """A validator's refusal said by a catalogue key: pydantic shows its English (the
    ValidationError's details), the API's message_ru its Russian (app/errors.invalid)."""


def _no_nul(value: Any) -> Any:
    """Databases refuse NUL characters in text; refuse them first, with a message."""
    if isinstance(value, str):
        if "\x00" in value:
            raise FieldError.say("error.field_nul")
    elif isinstance(value, dict):
        for k, v in value.items():
            _no_nul(k)
            _no_nul(v)
    elif isinstance(value, list):
        for v in value:  # a cell's text checked here: a call per cell cost more than the check
            if isinstance(v, str):
                if "\x00" in v:
                    raise FieldError.say("error.field_nul")
            elif isinstance(v, (dict, list)):
                _no_nul(v)
    return value


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _text_is_storable(cls, data: Any) -> Any:
        return _no_nul(data)


class ScheduleIn(Strict):
    """Exactly one of ``cron`` (five fields) and ``interval_seconds``, in ``timezone``."""

    cron: str | None = Field(None, max_length=200, examples=["0 7 * * 1-5"])
    interval_seconds: int | None = Field(None, ge=1, le=MAX_INTERVAL, examples=[3600])
    timezone: str = Field("UTC", min_length=1, max_length=64, examples=["Europe/Moscow"])

    @model_validator(mode="after")
    def _valid(self) -> ScheduleIn:
        try:
            make_schedule(self.cron, self.interval_seconds, self.timezone)
        except ScheduleError as e:
            raise FieldError.like(e) from None
        return self


def _lone_surrogate(value: Any) -> bool:
    """Whether a JSON value holds a lone surrogate ("\\ud800"): JSON can carry one, no database
    or UTF-8 answer can (pydantic refuses it in str fields; a dict field takes anything)."""
    try:
        msgspec.json.encode(value)
    except UnicodeEncodeError:
        return True
    return False


def _check_funnel(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is not None:
        if _lone_surrogate(value):
            raise FieldError.say("error.field_funnel_surrogate")
        try:
            config_from_dict(value)
        except FunnelError as e:
            raise FieldError.say("error.field_not_funnel", why=e) from None
    return value


# A funnel config in a request (a job's, a compute's), checked as funnel.toml would be.
FunnelConfig = Annotated[dict[str, Any] | None, AfterValidator(_check_funnel)]


class JobFields(Strict):
    name: str | None = Field(None, min_length=1, max_length=200)
    input_tabs: list[TabName] | None = Field(
        None, max_length=50, description="Input tabs to read; default: every tab whose headers "
                                         "are recognised.")
    funnel: FunnelConfig = Field(
        None, description='A custom funnel and the pinned reading of the columns, as in '
                          'funnel.toml: {"stage": [{"key", "en", "ru", "owner"}, ...], '
                          '"columns": {"Визиты на сайт": "traffic"}, "pipeline": {"order": '
                          '[...], "won": [...], "lost": [...]}}, each part optional; default: '
                          "the standard eight stages, columns recognised by their headers.")
    output_tab: str | None = Field(None, min_length=1, max_length=100,
                                   description='Default "KPI", or "Показатели" in ru_RU.')
    schedule: ScheduleIn | None = Field(None, description="null: runs only when asked.")
    enabled: bool | None = None

    @model_validator(mode="after")
    def _output_is_not_input(self) -> JobFields:
        if self.output_tab and self.input_tabs and self.output_tab in self.input_tabs:
            raise FieldError.say("error.field_output_is_input")
        return self


class JobIn(JobFields):
    spreadsheet: str = Field(min_length=1, max_length=1000, description=(
        "A Google spreadsheet id or https://docs.google.com/spreadsheets/d/... URL, or an .xlsx, "
        ".csv or .tsv path inside the service's XLSX_ROOT folder (a CSV's KPI tab goes to "
        "<stem>.kpi.xlsx beside it)."))
    notify: NotifyIn | None = Field(None, description="Who is told what: e-mail, webhooks, "
                                    "events, a weekly digest (sheets_sync/notify).")

    @model_validator(mode="after")
    def _output_fits_backend(self) -> JobIn:
        problem = tab_name_problem(self.output_tab, self.spreadsheet) if self.output_tab else None
        if problem:
            raise FieldError.say("error.field_output_tab", tab=self.output_tab, problem=problem)
        return self


def output_tab_problem(output_tab: str | None, spreadsheet: str) -> dict[str, Any] | None:
    """Why the job's output tab cannot be written to that spreadsheet (its rules differ by
    backend: Excel's are stricter), as a phrase of the catalogue, or None; checked on create and
    on every update."""
    if not output_tab:
        return None
    problem = tab_name_problem(output_tab, spreadsheet)
    return phrase("error.field_output_tab", tab=output_tab, problem=problem) if problem else None


class JobPatch(JobFields):
    spreadsheet: str | None = Field(None, min_length=1, max_length=1000)
    notify: NotifyIn | None = Field(None, description="The job's notification settings, "
                                    "replaced whole when given; null removes them.")
    reset_state: bool = Field(False, description="Forget the remembered layout and columns, to "
                                                 "accept a changed input layout.")


class TabIn(Strict):
    name: TabName
    values: list[Row] = Field(max_length=100_000)


class ComputeIn(Strict):
    """Give ``values`` (one tab, as Sheets' values.get returns it) or ``tabs``."""

    values: list[Row] | None = Field(None, max_length=100_000)
    tabs: list[TabIn] | None = Field(None, min_length=1, max_length=20)
    funnel: FunnelConfig = None
    locale: str | None = Field(None, pattern=r"^[a-z]{2}(_[A-Z]{2})?$", examples=["ru_RU"])
    today: date | None = Field(None, description="Compute as of this date (default: today).")

    @model_validator(mode="after")
    def _one_input(self) -> ComputeIn:
        if (self.values is None) == (self.tabs is None):
            raise FieldError.say("error.field_one_input")
        return self


# --- responses -------------------------------------------------------------------------------
RunStatus = Literal["running", "written", "unchanged", "stale", "failed"]


class ScheduleOut(BaseModel):
    cron: str | None
    interval_seconds: int | None
    timezone: str


class RunOut(BaseModel):
    id: int
    job_id: int
    trigger: Literal["schedule", "manual", "api"]
    status: RunStatus
    started_at: datetime
    finished_at: datetime | None
    seconds: float | None
    api_calls: int
    retries: int
    cells_read: int
    cells_written: int
    input_hash: str | None
    problems: int
    data_status: Literal["ok", "check"] | None = Field(
        None, description='"check" when the input had anything ignored or doubted (the '
                          "report's status_reasons say what); None when the run made no report.")
    error_code: str | None
    error: str | None
    error_ru: str | None = Field(
        None, description="The error in Russian (error is the English); None for a run "
                          "recorded before the service said its errors in Russian.")


class JobOut(BaseModel):
    id: int
    name: str
    spreadsheet: str
    input_tabs: list[str] | None
    funnel: dict[str, Any] | None
    output_tab: str | None
    schedule: ScheduleOut | None
    enabled: bool
    paused_reason: str | None
    paused_reason_ru: str | None = Field(
        None, description="The reason in Russian (paused_reason is the English); None for a "
                          "job paused before the service said it in Russian.")
    consecutive_failures: int
    next_run_at: datetime | None
    last_run: RunOut | None
    created_at: datetime
    updated_at: datetime


class JobList(BaseModel):
    jobs: list[JobOut]


class RunList(BaseModel):
    runs: list[RunOut]


class ReportOut(BaseModel):
    job_id: int
    run_id: int
    computed_at: datetime
    report: dict[str, Any] = Field(description="The FunnelReport JSON (as POST /compute).")


class ErrorDetail(BaseModel):
    code: str
    message: str = Field(description="What went wrong and what to do, in English.")
    message_ru: str = Field(
        description="The same in Russian. Both languages come in every error (no "
                    "Accept-Language or lang= switch): show the one your user reads.")
    details: Any = None


class ErrorOut(BaseModel):
    error: ErrorDetail


class HealthOut(BaseModel):
    status: Literal["ok", "unavailable"]
    database: Literal["ok", "unavailable"]
    scheduler: Literal["running", "not_in_this_process"]


class PlanIn(ComputeIn):
    target: float | None = Field(None, gt=0, allow_inf_nan=False,
                                 description="Revenue the month needs (default: the sheet's "
                                             "plan of that month).")
    target_paid: float | None = Field(None, gt=0, allow_inf_nan=False,
                                      description="Or a target in payments (a count).")
    month: str | None = Field(None, pattern=r"^\d{4}-(0[1-9]|1[0-2])$", examples=["2026-01"],
                              description="The month to plan (default: the one after the last "
                                          "complete month).")

    @model_validator(mode="after")
    def _one_target(self) -> PlanIn:
        if self.target is not None and self.target_paid is not None:
            raise FieldError.say("error.field_one_target")
        return self


# --- the add-on's endpoints (app/addon.py) ---

class AddonRef(Strict):
    spreadsheet: str = Field(min_length=1, max_length=1000,
                             description="The Google spreadsheet's id (or its URL).")


class AddonJobIn(AddonRef):
    tabs: list[TabName] | None = Field(None, max_length=50)
    output_tab: str | None = Field(None, min_length=1, max_length=100)
    schedule: str | None = Field(None, max_length=200, description="A cron line, e.g. "
                                                                   "'0 7 * * 1-5'.")
    timezone: str | None = Field(None, min_length=1, max_length=64)
    lang: Literal["ru", "en"] | None = None
