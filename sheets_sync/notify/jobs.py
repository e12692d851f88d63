"""A job's notification settings: stored on create (API and form), shown with secrets masked.

    add_notify(s, job, data)   the new job's settings row (the schema checked them)
    replace_notify(s, job, data)  the edit form's and the API PATCH's: new settings, or none
    settings_view(row)         the settings as the API and the job page show them
    notify_form(form)          the create form's fields as the API's ``notify`` body
    slack_lines(prefs) / unhint_slack(text, prefs)
                               the edit form's webhook URLs shown masked, and put back on save
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from funnel_kpi.errors import said_again
from sheets_sync.notify.mask import form_hint
from sheets_sync.notify.notifier import channel_targets, shown_target
from sheets_sync.notify.schema import NotificationOut, NotifyIn, NotifyOut
from sheets_sync.store.models import Job, JobNotify, utcnow
from sheets_sync.store.notifications import recent

SHOWN = 50  # notifications on the job page and in the API's answer


def add_notify(s: Session, job: Job, data: NotifyIn | None) -> JobNotify | None:
    """Add a new job's notification settings to the session (nothing when ``data`` is None)."""
    if data is None:
        return None
    row = JobNotify(job=job, lang=data.lang, events=list(data.events), emails=data.emails,
                    webhooks=[h.model_dump(exclude_none=True) for h in data.webhooks],
                    digest_weekday=data.digest.weekday if data.digest else None,
                    digest_hour=data.digest.hour if data.digest else None,
                    updated_at=utcnow())
    s.add(row)
    return row


def replace_notify(s: Session, job: Job, data: NotifyIn | None) -> None:
    """Make the job's settings ``data`` (None removes them). The last digest's time is kept, so
    a digest already sent this week is not sent again because the settings changed."""
    prefs = s.get(JobNotify, job.id)
    last_digest = prefs.last_digest_at if prefs is not None else None
    if prefs is not None:
        s.delete(prefs)
        s.flush()  # the new row takes the same key
    renewed = add_notify(s, job, data)
    if renewed is not None:
        renewed.last_digest_at = last_digest


def settings_view(prefs: JobNotify | None) -> dict[str, Any] | None:
    """A job's settings as shown: webhook URLs without their key."""
    if prefs is None:
        return None
    targets = [{"channel": c, "target": shown_target(c, t)} for c, t in channel_targets(prefs)]
    digest = ({"weekday": prefs.digest_weekday, "hour": prefs.digest_hour}
              if prefs.digest_weekday is not None and prefs.digest_hour is not None else None)
    return {"lang": prefs.lang, "events": list(prefs.events or ()), "targets": targets,
            "digest": digest,
            "last_digest_at": prefs.last_digest_at.isoformat() if prefs.last_digest_at else None}


def job_notifications(s: Session, job_id: int) -> NotifyOut:
    rows = [NotificationOut(id=n.id, created_at=n.created_at, event=n.event,
                            channel=n.channel, target=n.target,
                            outcome=n.outcome,  # type: ignore[arg-type]
                            attempts=n.attempts, run_id=n.run_id, detail=n.detail,
                            detail_ru=said_again(n.detail_key, n.detail_params, "ru"))
            for n in recent(s, job_id, SHOWN)]
    return NotifyOut(settings=settings_view(s.get(JobNotify, job_id)), notifications=rows)


def _split(text: str) -> list[str]:
    return [x for x in text.replace(",", " ").replace(";", " ").split() if x]


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return -1  # validation says what a good value is


def slack_lines(prefs: JobNotify | None) -> str:
    """The edit form's webhook field: each stored URL as its hint (mask.form_hint), never whole."""
    hooks = (prefs.webhooks or []) if prefs is not None else []
    return "\n".join(form_hint(h["url"]) for h in hooks if h.get("kind") == "slack")


def unhint_slack(text: str, prefs: JobNotify | None) -> str:
    """The edit form's webhook field as saved: a line still showing a stored URL's hint stands
    for that URL; a line the user typed is taken as it is (and checked by the schema)."""
    hooks = (prefs.webhooks or []) if prefs is not None else []
    stored = {form_hint(h["url"]): h["url"] for h in hooks if h.get("kind") == "slack"}
    return "\n".join(stored.get(line.strip(), line.strip()) for line in text.splitlines()
                     if line.strip())


def notify_form(form: Any) -> dict[str, Any] | None:
    """The create form's notification fields as the API's ``notify`` body; None when the
    form names no channel."""
    emails = _split(form.get("notify_emails", ""))
    hooks: list[dict[str, Any]] = [{"kind": "slack", "url": u}
                                   for u in form.get("notify_slack", "").split()]
    hooks += [{"kind": "telegram", "chat_id": c} for c in _split(form.get("notify_telegram", ""))]
    if not emails and not hooks:
        return None
    getlist = getattr(form, "getlist", None)
    events = getlist("notify_events") if getlist else list(form.get("notify_events", []))
    out: dict[str, Any] = {"emails": emails, "webhooks": hooks, "events": events,
                           "lang": form.get("notify_lang") or "en"}
    weekday = form.get("digest_weekday", "")
    if weekday != "":
        out["digest"] = {"weekday": _int(weekday), "hour": _int(form.get("digest_hour", "9"))}
    return out


__all__ = ["SHOWN", "add_notify", "job_notifications", "notify_form", "replace_notify",
           "settings_view", "slack_lines", "unhint_slack"]
