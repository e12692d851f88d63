"""The notifier: after a run is recorded, tell the job's channels what needs attention; once a
week, send the job's digest. Every message sent or failed is recorded (notifications table).

The runner calls ``after_run`` once the run row is committed (scheduler/runner.py). It only
hands the work to this notifier's threads and returns: a slow or dead mail server or webhook
never holds up a sync, and nothing it does can fail one (each delivery is caught and recorded;
anything else is logged). The threads are not daemons: a process that exits (the CLI, a worker
being stopped) first finishes what was handed over, each delivery bounded by its tries and
timeouts. ``drain`` waits for them (tests, shutdown).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import datetime, timedelta
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from sheets_sync.errors import paused_text, run_error_text
from sheets_sync.notify.channels import (
    Delivery,
    host_allowed,
    mail,
    post_webhook,
    refused,
    send_mail,
    telegram_url,
)
from sheets_sync.notify.digest import DigestFacts, due_at, render
from sheets_sync.notify.mask import mask_url
from sheets_sync.notify.messages import Message, RunFacts, event_message, run_events
from sheets_sync.notify.settings import NotifySettings
from sheets_sync.number_formats import state_currency
from sheets_sync.store import Store
from sheets_sync.store.models import Job, JobNotify, JobReport, Run, utcnow
from sheets_sync.store.notifications import DIGEST, claim_digest, digest_jobs, record

log = logging.getLogger(__name__)
NOTIFIER_KEY = "sheets_sync.notifier"
WORKERS = 2
DIGEST_WEEK = timedelta(days=7)


def channel_targets(prefs: JobNotify) -> list[tuple[str, str]]:
    """(channel, target) of every channel a job set: e-mail addresses, Slack URLs, chat ids."""
    out = [("email", e) for e in prefs.emails or ()]
    for hook in prefs.webhooks or ():
        if hook.get("kind") == "slack" and hook.get("url"):
            out.append(("slack", str(hook["url"])))
        elif hook.get("kind") == "telegram" and hook.get("chat_id"):
            out.append(("telegram", str(hook["chat_id"])))
    return out


def shown_target(channel: str, target: str) -> str:
    """A target as recorded and shown: a webhook URL without its path (its key)."""
    if channel == "slack":
        return mask_url(target)
    if channel == "telegram":
        return f"chat {target}"
    return target


class Notifier:
    def __init__(self, store: Store, settings: NotifySettings, *,
                 workers: int = WORKERS) -> None:
        self.store = store
        self.settings = settings
        self.workers = workers
        self._pool: ThreadPoolExecutor | None = None
        self._pending: set[Future[Any]] = set()
        self._lock = threading.Lock()

    # --- the hooks ---------------------------------------------------------------------------
    def after_run(self, job_id: int, run_id: int, paused: bool) -> None:
        """Send what the finished run ``run_id`` has to tell, in the background. Never raises."""
        self._submit(self.notify_run, job_id, run_id, paused)

    def send_due_digests(self, now: datetime | None = None) -> list[int]:
        """Claim every weekly digest due at ``now`` and send them in the background; the ids
        of the jobs claimed. Never raises."""
        now = now or utcnow()
        claimed: list[int] = []
        try:
            with self.store.session() as s:
                for prefs in digest_jobs(s):
                    assert prefs.digest_weekday is not None and prefs.digest_hour is not None
                    due = due_at(now, prefs.digest_weekday, prefs.digest_hour,
                                 prefs.job.timezone)
                    if due <= prefs.updated_at or (prefs.last_digest_at is not None
                                                   and due <= prefs.last_digest_at):
                        continue
                    if claim_digest(s, prefs.job_id, due):
                        claimed.append(prefs.job_id)
        except Exception:  # the database may be down: the next pass claims it
            log.exception("could not look for due digests")
        for job_id in claimed:
            self._submit(self.send_digest, job_id)
        return claimed

    def drain(self, timeout: float = 60.0) -> bool:
        """Wait until everything handed over is done; False if ``timeout`` ran out first."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = [f for f in self._pending if not f.done()]
            if not pending:
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            wait(pending, timeout=left)

    def _submit(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            with self._lock:
                if self._pool is None:
                    self._pool = ThreadPoolExecutor(self.workers,
                                                    thread_name_prefix="notify")
                future = self._pool.submit(self._guarded, fn, *args)
                self._pending.add(future)
            future.add_done_callback(self._done)
        except Exception:  # e.g. submitted while the interpreter shuts down
            log.exception("could not hand over notifications (%s)", fn.__name__)

    def _done(self, future: Future[Any]) -> None:
        with self._lock:
            self._pending.discard(future)

    @staticmethod
    def _guarded(fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except Exception:  # a bug or the database gone: logged, never raised into a sync
            log.exception("notifications failed (%s%s)", fn.__name__, args)
            return None

    # --- the work (run in the notifier's threads; callable directly) ---------------------------
    def notify_run(self, job_id: int, run_id: int, paused: bool) -> list[Delivery]:
        with self.store.session() as s:
            prefs, job, run = s.get(JobNotify, job_id), s.get(Job, job_id), s.get(Run, run_id)
            if prefs is None or job is None or run is None:
                return []
            targets = channel_targets(prefs)
            rep = s.get(JobReport, job_id) if run.status != "failed" else None
            report = rep.report if rep is not None and rep.run_id == run_id else None
            events = run_events(status=run.status, data_status=run.data_status, paused=paused,
                                report=report, wanted=prefs.events or ())
            finished = run.finished_at or run.started_at
            lang = prefs.lang
            error = run_error_text(run.error_code, run.error, run.error_key, run.error_params,
                                   lang)
            facts = RunFacts(job.id, job.name, job.spreadsheet, run.id,
                             finished.strftime("%Y-%m-%d %H:%M"), error,
                             job.consecutive_failures, paused_text(job, lang))
        if not targets:
            return []
        out: list[Delivery] = []
        link = self.settings.job_url(job_id)
        for event in events:
            msg = event_message(event, facts, report, lang, link)
            for channel, target in targets:
                out.append(self._deliver(job_id, run_id, event, channel, target, msg))
        return out

    def send_digest(self, job_id: int) -> list[Delivery]:
        since = utcnow() - DIGEST_WEEK
        with self.store.session() as s:
            prefs, job = s.get(JobNotify, job_id), s.get(Job, job_id)
            if prefs is None or job is None:
                return []
            counts = dict(s.execute(
                select(Run.status, func.count()).where(
                    Run.job_id == job_id, Run.started_at >= since, Run.status != "running")
                .group_by(Run.status)).all())
            failed = int(counts.pop("failed", 0))
            rep = s.get(JobReport, job_id)
            facts = DigestFacts(job.id, job.name, job.spreadsheet, job.enabled,
                                paused_text(job, prefs.lang), int(sum(counts.values())),
                                failed, state_currency(job.state))
            report, lang, emails = (rep.report if rep else None), prefs.lang, list(prefs.emails)
        digest = render(facts, report, lang, self.settings.job_url(job_id))
        out = []
        for address in emails:
            msg = mail(self.settings, address, digest.subject, digest.text, digest.html)
            out.append(self._record(job_id, None, DIGEST, send_mail(self.settings, msg)))
        return out

    def _deliver(self, job_id: int, run_id: int | None, event: str, channel: str, target: str,
                 msg: Message) -> Delivery:
        cfg = self.settings
        shown = shown_target(channel, target)
        if channel == "email":
            result = send_mail(cfg, mail(cfg, target, msg.title, msg.text, msg.html))
        elif channel == "slack":
            result = (post_webhook(cfg, channel, target, shown, msg.slack())
                      if host_allowed(cfg, target) else
                      refused(channel, shown, "error.notify_host_not_allowed"))
        else:
            url = telegram_url(cfg)
            result = (post_webhook(cfg, channel, url, shown, msg.telegram(target)) if url else
                      refused(channel, shown, "error.notify_no_bot"))
        return self._record(job_id, run_id, event, result)

    def _record(self, job_id: int, run_id: int | None, event: str,
                result: Delivery) -> Delivery:
        outcome = "sent" if result.ok else "failed"
        if result.ok:
            log.info("job %s: %s notification sent by %s to %s", job_id, event, result.channel,
                     result.target)
        elif result.attempts == 0:  # refused before any try: a setting is missing
            log.warning("job %s: %s notification by %s to %s not sent: %s", job_id, event,
                        result.channel, result.target, result.detail)
        else:
            log.warning("job %s: %s notification by %s to %s failed after %s tries: %s", job_id,
                        event, result.channel, result.target, result.attempts, result.detail)
        with self.store.session() as s:
            if s.get(Job, job_id) is not None:  # not deleted meanwhile
                record(s, job_id=job_id, run_id=run_id, event=event, channel=result.channel,
                       target=result.target, outcome=outcome, attempts=result.attempts,
                       detail=result.detail, said=result.said)
                s.commit()
        return result


def notifier_for(app: Flask, store: Store) -> Notifier:
    """The one notifier of an app (its runners and scheduler share it), made on first use."""
    notifier: Notifier | None = app.extensions.get(NOTIFIER_KEY)
    if notifier is None:
        notifier = Notifier(store, NotifySettings.from_config(app.config))
        app.extensions[NOTIFIER_KEY] = notifier
    return notifier


__all__ = ["Notifier", "channel_targets", "notifier_for", "shown_target"]
