"""The weekly digest: when it is due (hand-worked times in the job's zone), what it says in both
languages, and that the scheduler sends it on its schedule, once, to a real SMTP server."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from zoneinfo import ZoneInfo

from flask import Flask
from flask.testing import FlaskClient

from funnel_kpi import Tab, compute_report
from sheets_sync.app.store_ext import get_store, make_scheduler
from sheets_sync.notify.digest import DigestFacts, due_at, render
from sheets_sync.notify.notifier import Notifier
from sheets_sync.store.models import JobNotify
from tests.helpers import wait_for
from tests.service import test_notify
from tests.service.test_notify import Inbox, body_text, new_job, notifier, run

# the service with a real SMTP server and webhook receiver (test_notify.py's fixtures)
app, notify_config, smtp, hooks = (test_notify.app, test_notify.notify_config,
                                   test_notify.smtp, test_notify.hooks)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_a_digest_is_due_at_its_weekday_and_hour_in_the_jobs_zone() -> None:
    monday_5 = utc(2026, 12, 7, 5, 0)  # a Monday; 08:00 in Moscow (UTC+3)
    # Monday 07:00 Moscow = 04:00 UTC: passed an hour ago
    assert due_at(monday_5, 0, 7, "Europe/Moscow") == utc(2026, 12, 7, 4)
    # Monday 09:00 Moscow is still ahead: the one due is a week before, 30 Nov 06:00 UTC
    assert due_at(monday_5, 0, 9, "Europe/Moscow") == utc(2026, 11, 30, 6)
    # Friday 18:00 in New York (UTC-5 in December) = Friday 23:00 UTC
    assert due_at(monday_5, 4, 18, "America/New_York") == utc(2026, 12, 4, 23)
    # Sunday 23:00 in UTC: yesterday
    assert due_at(monday_5, 6, 23, "UTC") == utc(2026, 12, 6, 23)
    # exactly at the hour: due now
    assert due_at(utc(2026, 12, 7, 4), 0, 7, "Europe/Moscow") == utc(2026, 12, 7, 4)
    # a summer Monday 09:00 in Berlin is 07:00 UTC (CEST, UTC+2), a winter one 08:00 UTC
    assert due_at(utc(2026, 7, 6, 12), 0, 9, "Europe/Berlin") == utc(2026, 7, 6, 7)
    assert due_at(utc(2026, 12, 7, 12), 0, 9, "Europe/Berlin") == utc(2026, 12, 7, 8)


def sole_mail(inbox: Inbox) -> EmailMessage:
    [mail] = inbox.messages
    return mail


def test_the_digest_in_both_languages(app: Flask, client: FlaskClient, auth: dict[str, str],
                                      smtp: tuple[Inbox, int]) -> None:
    inbox = smtp[0]
    for lang in ("en", "ru"):
        job = new_job(client, auth, f"demo_{lang}.xlsx", {
            "emails": [f"{lang}@example.com"], "lang": lang,
            "digest": {"weekday": 0, "hour": 9}})
        assert run(client, auth, job["id"])["status"] == "written"
        notifier(app).send_digest(job["id"])
    by_to = {m["To"]: m for m in inbox.messages}
    en, ru = by_to["en@example.com"], by_to["ru@example.com"]
    for mail in (en, ru):
        assert mail.get_content_type() == "multipart/alternative"
        assert [p.get_content_type() for p in mail.iter_parts()] == ["text/plain", "text/html"]
    assert en["Subject"] == ru["Subject"].replace(
        "Еженедельная сводка по воронке", "Weekly funnel digest") == (
        "Weekly funnel digest: Sales funnel")
    en_text, en_html = body_text(en, "plain"), body_text(en, "html")
    ru_text, ru_html = body_text(ru, "plain"), body_text(ru, "html")
    # the demo's latest complete month, 2026-10: 1,148 leads, 493 briefs (42.9 %)
    assert "Funnel, 2026-10" in en_text and "Воронка, 2026-10" in ru_text
    assert "1,148" in en_text and "42.9%" in en_text
    assert "1\u00a0148" in ru_text and "42,9\u00a0%" in ru_text
    assert "Runs in the last 7 days: 1 succeeded, 0 failed." in en_text
    assert "Запуски за 7 дней: успешных 1, неудачных 0." in ru_text
    assert "KPIs, 2026-10" in en_text and "Показатели, 2026-10" in ru_text
    assert "https://kpi.example.com/jobs/" in en_html and "Открыть задание" in ru_html
    # the chart is bars of table cells, one per stage, widths on a log scale: no image, no SVG
    for html in (en_html, ru_html):
        assert "<svg" not in html and "<img" not in html and "<script" not in html
        assert html.count('height="16" bgcolor=') == 8
    assert 'width="260"' in en_html  # the largest stage (traffic) has the longest bar
    assert "◀ bottleneck" in en_text and "◀ узкое место" in ru_text


def test_the_digest_without_a_report_says_so() -> None:
    facts = DigestFacts(7, "New job", "new.xlsx", False, "3 failed runs", 0, 3)
    ru = render(facts, None, "ru", None)
    assert "Отчёта пока нет" in ru.text and "Задание приостановлено: 3 failed runs" in ru.text
    assert "неудачных 3" in ru.html and "<a href" not in ru.html
    en = render(facts, None, "en", "https://x.example/jobs/7")
    assert "No report yet" in en.text and 'href="https://x.example/jobs/7"' in en.html


def test_the_digest_puts_the_job_pages_currency_on_money_and_says_it_was_guessed() -> None:
    """A report whose input names no currency: the digest writes money as the job page does
    (the spreadsheet's currency) and says it is a guess, instead of bare numbers."""
    rows: list[list[object]] = [["Month", "Leads", "Paid", "Revenue"],
                                ["2026-01-01", 100, 10, 100000], ["2026-02-01", 120, 12, 150000]]
    report = compute_report([Tab("Funnel", rows)], today=date(2026, 6, 1))
    assert report.currency is None
    facts = DigestFacts(7, "Sales", "sales.xlsx", True, None, 2, 0, "RUB")
    ru = render(facts, report.to_dict(), "ru", None)
    assert "Выручка: 150\xa0000\xa0₽" in ru.text
    assert "валюта не указана" in ru.text and "валюта не указана" in ru.html
    bare = render(replace(facts, currency=None), report.to_dict(), "ru", None)
    assert "₽" not in bare.text


def back_a_day(app: Flask, job_id: int) -> None:
    """As if the settings were saved a day ago (the scheduler tests' way to move its clock)."""
    with get_store(app).session() as s:
        prefs = s.get(JobNotify, job_id)
        assert prefs is not None
        prefs.updated_at -= timedelta(days=1)
        s.commit()


def test_the_scheduler_sends_the_digest_on_its_schedule_once(
        app: Flask, client: FlaskClient, auth: dict[str, str], smtp: tuple[Inbox, int]) -> None:
    inbox = smtp[0]
    moscow = datetime.now(ZoneInfo("Europe/Moscow"))
    job = new_job(client, auth, "demo_en.xlsx", {
        "emails": ["weekly@example.com"], "digest": {"weekday": moscow.weekday(),
                                                     "hour": moscow.hour}},
        schedule={"cron": "0 7 * * 1-5", "timezone": "Europe/Moscow"})
    due = due_at(datetime.now(UTC), moscow.weekday(), moscow.hour, "Europe/Moscow")
    app.config["SCHEDULER_RECONCILE_SECONDS"] = 0.2
    sched = make_scheduler(app)
    sched.start()
    try:
        time.sleep(0.8)  # a few passes
        # saved after this hour's digest time: that one is not sent, next week's will be
        assert inbox.messages == []
        back_a_day(app, job["id"])
        wait_for(lambda: inbox.messages, timeout=15, what="the digest")
        assert notifier(app).drain(20)
        time.sleep(0.8)  # more passes: nothing more to send until next week
    finally:
        sched.shutdown()
    mail = sole_mail(inbox)
    assert mail["Subject"] == "Weekly funnel digest: Sales funnel"
    assert "No report yet" in body_text(mail, "plain")  # the job never ran
    with get_store(app).session() as s:
        prefs = s.get(JobNotify, job["id"])
        assert prefs is not None and prefs.last_digest_at == due
    sent = client.get(f"/api/v1/jobs/{job['id']}/notifications", headers=auth).get_json()
    assert [(n["event"], n["outcome"]) for n in sent["notifications"]] == [("digest", "sent")]
    assert sent["settings"]["last_digest_at"] == due.isoformat()


def test_two_processes_send_a_digest_once(app: Flask, client: FlaskClient,
                                          auth: dict[str, str], smtp: tuple[Inbox, int]) -> None:
    now = datetime.now(UTC)  # the job's zone is UTC: its digest is due this hour
    job = new_job(client, auth, "demo_en.xlsx", {
        "emails": ["weekly@example.com"], "digest": {"weekday": now.weekday(),
                                                     "hour": now.hour}})
    back_a_day(app, job["id"])
    store = get_store(app)
    one, other = (Notifier(store, notifier(app).settings) for _ in range(2))
    assert one.send_due_digests(now) == [job["id"]]
    assert other.send_due_digests(now) == []  # claimed by the first
    assert one.send_due_digests(now + timedelta(days=1)) == []  # the same week's
    assert other.send_due_digests(now + timedelta(days=7)) == [job["id"]]  # next week's
    assert one.drain(30) and other.drain(30)
    sent = client.get(f"/api/v1/jobs/{job['id']}/notifications", headers=auth).get_json()
    assert [n["outcome"] for n in sent["notifications"]] == ["sent", "sent"], sent
    assert len(smtp[0].messages) == 2
