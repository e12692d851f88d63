"""Notifications end to end: real runs through the service's runner, a real SMTP server
(aiosmtpd) that receives the mails, a real HTTP server on loopback that receives the webhooks and
checks their signatures; timeouts and refusals; secrets kept out of logs and the database."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import html
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from sheets_sync.app.store_ext import get_store, make_scheduler
from sheets_sync.notify.notifier import Notifier, notifier_for
from sheets_sync.notify.sign import SIGNATURE_HEADER, TIMESTAMP_HEADER, headers, signature, verify
from sheets_sync.store.models import Notification, Run, utcnow
from tests.conftest import DEMO_EN
from tests.service.test_dashboard import sign_in

SMTP_USER = "kpi-bot"
SMTP_PASSWORD = "smtp-pw-Zq81"
WEBHOOK_SECRET = "whsec-Kd02-never-shown"
BOT_TOKEN = "123456:tg-token-Xy77"
SLACK_KEY = "T0001/B0002/slack-key-Pq55"
SECRETS = (SMTP_PASSWORD, WEBHOOK_SECRET, BOT_TOKEN, "tg-token-Xy77")
BASE_URL = "https://kpi.example.com"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --- a real SMTP server ------------------------------------------------------------------------
class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.logins: list[bytes] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        self.messages.append(msg)
        return "250 OK"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                     auth_data: Any) -> AuthResult:
        ok = (isinstance(auth_data, LoginPassword) and auth_data.login == SMTP_USER.encode()
              and auth_data.password == SMTP_PASSWORD.encode())
        self.logins.append(auth_data.login if isinstance(auth_data, LoginPassword) else b"")
        return AuthResult(success=ok)


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port,
                            authenticator=inbox.authenticate, auth_require_tls=False)
    controller.start()
    yield inbox, port
    controller.stop()


# --- a real webhook receiver on loopback -------------------------------------------------------
class Hooks:
    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.delay: dict[str, float] = {}  # path prefix -> seconds to wait before answering
        self.status: dict[str, int] = {}  # path prefix -> status to answer
        self.lock = threading.Lock()

    def rule(self, table: dict[str, Any], path: str, default: Any) -> Any:
        return next((v for p, v in table.items() if path.startswith(p)), default)


class HookHandler(BaseHTTPRequestHandler):
    server: Any

    def do_POST(self) -> None:
        hooks: Hooks = self.server.hooks
        body = self.rfile.read(int(self.headers["Content-Length"]))
        time.sleep(hooks.rule(hooks.delay, self.path, 0.0))
        signed = verify(WEBHOOK_SECRET, self.headers.get(TIMESTAMP_HEADER, ""),
                        self.headers.get(SIGNATURE_HEADER, ""), body)
        with hooks.lock:
            hooks.received.append({"path": self.path, "json": json.loads(body),
                                   "signed": signed, "type": self.headers["Content-Type"]})
        status = hooks.rule(hooks.status, self.path, 200)
        answer = b'{"ok": true}' if status == 200 else (
            b'{"ok": false, "description": "Bad Request: chat not found"}')
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args: Any) -> None:  # keep the test output clean
        pass


@pytest.fixture
def hooks() -> Iterator[tuple[Hooks, int]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), HookHandler)
    server.daemon_threads = True
    server.hooks = Hooks()  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.hooks, server.server_address[1]  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.fixture
def notify_config(config: dict[str, Any], smtp: tuple[Inbox, int],
                  hooks: tuple[Hooks, int]) -> dict[str, Any]:
    return {**config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp[1], "SMTP_STARTTLS": False,
            "SMTP_USER": SMTP_USER, "SMTP_PASSWORD": SMTP_PASSWORD,
            "SMTP_FROM": "kpi@example.com", "WEBHOOK_SECRET": WEBHOOK_SECRET,
            "WEBHOOK_ALLOWED_HOSTS": ["127.0.0.1"], "TELEGRAM_BOT_TOKEN": BOT_TOKEN,
            "TELEGRAM_API_URL": f"http://127.0.0.1:{hooks[1]}/tg", "BASE_URL": BASE_URL,
            # generous: a loaded machine must not make a healthy delivery time out
            "NOTIFY_TIMEOUT_SECONDS": 10.0, "NOTIFY_BACKOFF_SECONDS": 0.05,
            "MAX_CONSECUTIVE_FAILURES": 2}


@pytest.fixture
def app(notify_config: dict[str, Any]) -> Iterator[Flask]:
    from sheets_sync.app import create_app

    app = create_app(notify_config)
    yield app
    notifier_for(app, get_store(app)).drain()
    get_store(app).dispose()


def notifier(app: Flask) -> Notifier:
    return notifier_for(app, get_store(app))


def slack_url(port: int) -> str:
    return f"http://127.0.0.1:{port}/services/{SLACK_KEY}"


def new_job(client: FlaskClient, auth: dict[str, str], spreadsheet: str, notify: dict[str, Any],
            **fields: Any) -> dict[str, Any]:
    resp = client.post("/api/v1/jobs", headers=auth,
                       json={"spreadsheet": spreadsheet, "name": "Sales funnel",
                             "notify": notify, **fields})
    assert resp.status_code == 201, resp.get_json()
    job: dict[str, Any] = resp.get_json()
    return job


def run(client: FlaskClient, auth: dict[str, str], job_id: int) -> dict[str, Any]:
    resp = client.post(f"/api/v1/jobs/{job_id}/run", headers=auth)
    assert resp.status_code == 201, resp.get_json()
    out: dict[str, Any] = resp.get_json()
    return out


def notifications(client: FlaskClient, auth: dict[str, str], job_id: int) -> dict[str, Any]:
    resp = client.get(f"/api/v1/jobs/{job_id}/notifications", headers=auth)
    assert resp.status_code == 200, resp.get_json()
    out: dict[str, Any] = resp.get_json()
    return out


def body_text(msg: EmailMessage, subtype: str) -> str:
    part = msg.get_body(preferencelist=(subtype,))
    assert part is not None, f"no text/{subtype} part"
    content: str = part.get_content()  # type: ignore[attr-defined]
    return content


def edited_demo(books: Path, name: str, edit: Any) -> str:
    wb = openpyxl.load_workbook(DEMO_EN)
    edit(wb["Funnel"])
    wb.save(books / name)
    return name


def oct_2026_briefs(ws: Any) -> None:
    """Briefs (qualified) of 2026-10 from 493 to 440: leads -> qualified 38.3 %, below its
    limits 40.5-49.3 %, and qualified -> SAL 75.7 %, above 56.6-69.7 % (the demo's p-chart)."""
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == dt.datetime(2026, 10, 1):
            ws.cell(r, 4).value = 440


def comment_column(ws: Any) -> None:
    ws.cell(1, 17).value = "Comment"
    ws.cell(2, 17).value = "checked by Anna"


# --- the tests ---------------------------------------------------------------------------------
def test_a_failed_run_is_mailed_and_posted_signed_in_the_jobs_language(
        app: Flask, client: FlaskClient, auth: dict[str, str], smtp: tuple[Inbox, int],
        hooks: tuple[Hooks, int]) -> None:
    inbox, (server, port) = smtp[0], hooks
    job = new_job(client, auth, "gone.xlsx", {
        "emails": ["head-of-sales@example.com"], "lang": "ru",
        "webhooks": [{"kind": "slack", "url": slack_url(port)},
                     {"kind": "telegram", "chat_id": "-1001234567890"}]})
    result = run(client, auth, job["id"])
    assert result["status"] == "failed"
    assert notifier(app).drain(20)

    [mail] = inbox.messages
    assert mail["To"] == "head-of-sales@example.com" and mail["From"] == "kpi@example.com"
    assert mail["Subject"] == "Синхронизация не удалась: Sales funnel"
    plain, html = body_text(mail, "plain"), body_text(mail, "html")
    for part in (plain, html):
        assert "Таблица: gone.xlsx" in part and "Ошибка: " in part
        assert f"{BASE_URL}/jobs/{job['id']}" in part and "Открыть задание" in part
    # the error itself in the job's language too, from its catalogue key
    assert result["error_ru"] in plain and result["error_ru"].startswith("Файла ")
    assert result["error"] not in plain and "на английском" not in plain
    assert inbox.logins == [SMTP_USER.encode()]

    by_path = {r["path"]: r for r in server.received}
    slack = by_path[f"/services/{SLACK_KEY}"]
    assert slack["signed"] and slack["type"].startswith("application/json")
    assert slack["json"]["text"].startswith("Синхронизация не удалась: Sales funnel")
    kinds = [b["type"] for b in slack["json"]["blocks"]]
    assert kinds == ["header", "section", "context"]
    assert f"<{BASE_URL}/jobs/{job['id']}|Открыть задание>" in json.dumps(
        slack["json"]["blocks"][2], ensure_ascii=False)
    tg = by_path[f"/tg/bot{BOT_TOKEN}/sendMessage"]
    assert tg["signed"]
    assert tg["json"]["chat_id"] == "-1001234567890" and tg["json"]["parse_mode"] == "HTML"
    assert tg["json"]["text"].startswith("<b>Синхронизация не удалась: Sales funnel</b>")

    out = notifications(client, auth, job["id"])
    rows = {(n["channel"], n["target"]): n for n in out["notifications"]}
    assert set(rows) == {("email", "head-of-sales@example.com"),
                         ("slack", f"http://127.0.0.1:{port}/***"),
                         ("telegram", "chat -1001234567890")}
    assert all(n["outcome"] == "sent" and n["attempts"] == 1 and n["event"] == "failed"
               and n["run_id"] == result["id"] for n in rows.values())
    assert out["settings"]["events"] == ["failed", "paused"] and out["settings"]["lang"] == "ru"


def test_the_run_that_pauses_the_job_says_so(app: Flask, client: FlaskClient,
                                             auth: dict[str, str],
                                             smtp: tuple[Inbox, int]) -> None:
    inbox = smtp[0]
    job = new_job(client, auth, "gone.xlsx", {"emails": ["ops@example.com"]})
    run(client, auth, job["id"])
    run(client, auth, job["id"])  # MAX_CONSECUTIVE_FAILURES = 2: paused now
    assert notifier(app).drain(20)
    assert [m["Subject"] for m in inbox.messages] == ["Sync failed: Sales funnel",
                                                      "Job paused: Sales funnel"]
    paused = body_text(inbox.messages[1], "plain")
    assert "Paused after 2 failed runs in a row" in paused and "Last error: " in paused
    events = [n["event"] for n in notifications(client, auth, job["id"])["notifications"]]
    assert events == ["paused", "failed"]  # newest first


def test_a_paused_job_is_said_in_russian(app: Flask, client: FlaskClient, token: str,
                                         auth: dict[str, str],
                                         smtp: tuple[Inbox, int]) -> None:
    inbox = smtp[0]
    job = new_job(client, auth, "gone.xlsx", {"emails": ["ops@example.com"], "lang": "ru"})
    run(client, auth, job["id"])
    run(client, auth, job["id"])  # MAX_CONSECUTIVE_FAILURES = 2: paused now
    assert notifier(app).drain(20)
    paused = body_text(inbox.messages[1], "plain")
    assert inbox.messages[1]["Subject"] == "Задание приостановлено: Sales funnel"
    assert re.search(r"Последняя ошибка: Файла \S*gone\.xlsx нет: проверьте путь\.", paused)
    assert "There is no file" not in paused
    out = client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_json()
    assert out["paused_reason"].startswith("Paused after 2 failed runs in a row (last at ")
    assert out["paused_reason"].endswith("Fix the cause, then resume the job.")
    said = out["paused_reason_ru"]
    assert said.startswith("Приостановлено после неудачных запусков подряд (2, последний — ")
    assert re.search(r"UTC\): Файла \S*gone\.xlsx нет: проверьте путь\. Устраните", said)
    sign_in(client, token)
    client.get("/lang/ru")
    page = client.get(f"/jobs/{job['id']}").get_data(as_text=True)
    assert html.escape(said, quote=False) in page or said in html.unescape(page)


def test_a_run_whose_process_died_is_told_when_the_sweep_closes_it(
        app: Flask, client: FlaskClient, auth: dict[str, str], smtp: tuple[Inbox, int]) -> None:
    job = new_job(client, auth, "demo_en.xlsx", {"emails": ["ops@example.com"]})
    with get_store(app).session() as s:  # a run whose process stopped two hours ago
        s.add(Run(job_id=job["id"], trigger="schedule", status="running",
                  started_at=utcnow() - timedelta(hours=2), api_calls=0, retries=0,
                  cells_read=0, cells_written=0, problems=0))
        s.commit()
    [closed] = make_scheduler(app).sweep()  # the scheduler's pass, not started here
    assert closed.job_id == job["id"]
    assert notifier(app).drain(20)
    [mail] = smtp[0].messages
    assert mail["Subject"] == "Sync failed: Sales funnel"
    assert "interrupted" in body_text(mail, "plain").lower()


def test_a_run_whose_data_needs_checking(app: Flask, client: FlaskClient, auth: dict[str, str],
                                         books: Path, smtp: tuple[Inbox, int]) -> None:
    inbox = smtp[0]
    name = edited_demo(books, "commented.xlsx", comment_column)
    job = new_job(client, auth, name, {"emails": ["a@example.com"], "events": ["check"]})
    first = run(client, auth, job["id"])
    assert first["status"] == "written" and first["data_status"] == "check"
    again = run(client, auth, job["id"])
    assert again["status"] == "unchanged"  # nothing new to tell
    assert notifier(app).drain(20)
    [mail] = inbox.messages
    assert mail["Subject"] == "Check the data: Sales funnel"
    assert "- columns ignored: Funnel: Comment" in body_text(mail, "plain")


def test_a_step_outside_its_control_limits(app: Flask, client: FlaskClient,
                                           auth: dict[str, str], books: Path,
                                           smtp: tuple[Inbox, int],
                                           hooks: tuple[Hooks, int]) -> None:
    inbox, (server, port) = smtp[0], hooks
    name = edited_demo(books, "dip.xlsx", oct_2026_briefs)
    job = new_job(client, auth, name, {"emails": ["a@example.com"], "lang": "ru",
                                       "events": ["out_of_control", "failed"],
                                       "webhooks": [{"kind": "slack", "url": slack_url(port)}]})
    assert run(client, auth, job["id"])["status"] == "written"
    assert notifier(app).drain(20)
    [mail] = inbox.messages
    assert mail["Subject"] == "Шаг воронки вышел за контрольные границы: Sales funnel"
    plain = body_text(mail, "plain")
    # Worked by hand from the demo: leads -> briefs, centre 0.44937 (12 months before), n =
    # 1148: 3 sqrt(0.44937 x 0.55063 / 1148) = 0.04404, limits 0.40533-0.49342; 440 / 1148 =
    # 0.38328. Briefs -> SAL, centre 0.63134, n = 440: 3 sqrt(0.63134 x 0.36866 / 440) =
    # 0.06900, limits 0.56234-0.70034; 333 / 440 = 0.75682.
    assert ("Лиды → Брифы / MQL, 2026-10: 38,3\u00a0%, ниже контрольных границ "
            "40,5\u00a0%–49,3\u00a0% (центр 44,9\u00a0%, по 12 предыдущим месяцам)") in plain
    assert ("Брифы / MQL → Принятые продажами (SAL), 2026-10: 75,7\u00a0%, выше контрольных "
            "границ 56,2\u00a0%–70,0\u00a0% (центр 63,1\u00a0%, по 12 предыдущим месяцам)") in plain
    [slack] = server.received
    assert slack["signed"] and "38,3" in slack["json"]["blocks"][1]["text"]["text"]


def test_a_notifier_that_times_out_or_refuses_never_fails_or_holds_up_the_sync(
        app: Flask, client: FlaskClient, auth: dict[str, str], token: str, books: Path,
        hooks: tuple[Hooks, int], notify_config: dict[str, Any]) -> None:
    server, port = hooks
    server.delay["/services/"] = 3.0  # longer than NOTIFY_TIMEOUT_SECONDS = 1
    server.status["/tg/"] = 400  # Telegram: "chat not found"
    app.config["SMTP_PORT"] = free_port()  # nothing listens there: refused
    app.config["NOTIFY_TIMEOUT_SECONDS"] = 1.0
    app.extensions.pop("sheets_sync.notifier", None)  # settings are read when it is made
    app.extensions.pop("sheets_sync.runner", None)
    name = edited_demo(books, "commented.xlsx", comment_column)
    job = new_job(client, auth, name, {
        "emails": ["a@example.com"], "events": ["check"],
        "webhooks": [{"kind": "slack", "url": slack_url(port)},
                     {"kind": "telegram", "chat_id": "-100999"}]})
    result = run(client, auth, job["id"])  # answered before the notifier is done (see below)
    assert result["status"] == "written" and result["data_status"] == "check"
    assert notifier(app).drain(30)
    rows = {n["channel"]: n for n in notifications(client, auth, job["id"])["notifications"]}
    assert rows["slack"]["outcome"] == "failed" and rows["slack"]["attempts"] == 3
    assert rows["slack"]["detail"] == f"http://127.0.0.1:{port}/*** did not answer within 1 s"
    assert rows["email"]["outcome"] == "failed" and rows["email"]["attempts"] == 3
    assert "could not be reached" in rows["email"]["detail"]
    # a refusal is final at once: no second try
    assert rows["telegram"]["outcome"] == "failed" and rows["telegram"]["attempts"] == 1
    assert rows["telegram"]["detail"] == (f"http://127.0.0.1:{port}/*** answered HTTP 400: "
                                          "Bad Request: chat not found")
    # said by key: in Russian too, on the API and on a Russian job page
    assert rows["slack"]["detail_ru"] == f"http://127.0.0.1:{port}/*** не ответил за 1 с"
    assert rows["email"]["detail_ru"].startswith(
        f"почтовый сервер 127.0.0.1:{app.config['SMTP_PORT']} недоступен (")
    assert rows["telegram"]["detail_ru"] == (f"http://127.0.0.1:{port}/*** ответил HTTP 400: "
                                             "Bad Request: chat not found")
    sign_in(client, token)
    page = client.get(f"/jobs/{job['id']}", headers={"Accept-Language": "ru"})
    assert page.status_code == 200
    log = page.get_data(as_text=True).split('id="notification-log"')[1]
    assert "не ответил за 1" in log and "did not answer" not in log


def test_the_sync_returns_before_a_slow_webhook_answers(
        app: Flask, client: FlaskClient, auth: dict[str, str], books: Path,
        hooks: tuple[Hooks, int]) -> None:
    server, port = hooks
    server.delay["/services/"] = 5.0  # answers within the timeout (10 s), but slowly
    job = new_job(client, auth, "gone.xlsx", {
        "webhooks": [{"kind": "slack", "url": slack_url(port)}]})
    run(client, auth, job["id"])
    # the run is recorded and answered while the webhook is still waiting
    assert server.received == []
    assert [r["status"] for r in client.get(f"/api/v1/jobs/{job['id']}/runs",
                                            headers=auth).get_json()["runs"]] == ["failed"]
    assert notifier(app).drain(20)
    assert len(server.received) == 1
    assert [n["outcome"] for n in
            notifications(client, auth, job["id"])["notifications"]] == ["sent"]


def test_secrets_never_reach_the_logs_the_database_or_the_api(
        app: Flask, client: FlaskClient, auth: dict[str, str], books: Path,
        hooks: tuple[Hooks, int], smtp: tuple[Inbox, int],
        caplog: pytest.LogCaptureFixture) -> None:
    server, port = hooks
    server.status["/tg/"] = 500  # retried, then recorded as failed
    caplog.set_level(logging.DEBUG)
    job = new_job(client, auth, "gone.xlsx", {
        "emails": ["a@example.com"],
        "webhooks": [{"kind": "slack", "url": slack_url(port)},
                     {"kind": "telegram", "chat_id": "-100777"}]})
    run(client, auth, job["id"])
    assert notifier(app).drain(20)
    assert len(smtp[0].messages) == 1 and len(server.received) == 1 + 3
    answers = [client.get(f"/api/v1/jobs/{job['id']}/notifications", headers=auth).get_data(
        as_text=True), client.get(f"/api/v1/jobs/{job['id']}", headers=auth).get_data(
        as_text=True)]
    logged = caplog.text + "".join(str(r.args) for r in caplog.records)
    assert "notification" in logged  # it did log its deliveries
    for secret in (*SECRETS, SLACK_KEY):
        assert secret not in logged, secret
        assert all(secret not in a for a in answers), secret
    dumped = dump_database(app)
    for secret in SECRETS:  # the service's config only
        assert secret not in dumped, secret
    with get_store(app).session() as s:  # the records keep no webhook key either
        records = " ".join(f"{n.target} {n.detail}" for n in s.scalars(select(Notification)))
    assert SLACK_KEY not in records and "/***" in records


def dump_database(app: Flask) -> str:
    engine = get_store(app).engine
    out = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            out += [repr(tuple(row)) for row in conn.execute(text(f'SELECT * FROM "{table}"'))]
    return "\n".join(out)


def test_the_job_page_shows_the_settings_and_what_was_sent(
        app: Flask, client: FlaskClient, auth: dict[str, str], token: str,
        hooks: tuple[Hooks, int]) -> None:
    from tests.service.test_dashboard import sign_in

    port = hooks[1]
    job = new_job(client, auth, "gone.xlsx", {
        "webhooks": [{"kind": "slack", "url": slack_url(port)}], "digest": None,
        "emails": ["a@example.com"]})
    run(client, auth, job["id"])
    assert notifier(app).drain(20)
    sign_in(client, token)
    for lang, words in (("en", ("Notifications", "failed run", "sent")),
                        ("ru", ("Уведомления", "неудачный запуск", "отправлено"))):
        client.get(f"/lang/{lang}")
        page = client.get(f"/jobs/{job['id']}").get_data(as_text=True)
        section = page[page.index('id="notifications"'):]
        for word in words:
            assert word in section, (lang, word)
        assert f"http://127.0.0.1:{port}/***" in section and SLACK_KEY not in page
        assert 'id="notification-log"' in section


def test_the_create_form_takes_the_notification_settings(
        app: Flask, client: FlaskClient, auth: dict[str, str], token: str) -> None:
    from tests.service.test_dashboard import sign_in

    sign_in(client, token)
    form = client.get("/jobs/new").get_data(as_text=True)
    assert 'id="notify-fields"' in form and 'value="failed" checked' in form
    csrf = form.split('name="csrf_token" value="')[1].split('"')[0]
    resp = client.post("/jobs/new", data={
        "csrf_token": csrf, "spreadsheet": "demo_en.xlsx", "enabled": "on",
        "notify_emails": "a@example.com, b@example.com", "notify_telegram": "-100123",
        "notify_events": ["failed", "check"], "notify_lang": "ru", "digest_weekday": "0",
        "digest_hour": "9"})
    assert resp.status_code == 302, resp.get_data(as_text=True)
    [job] = client.get("/api/v1/jobs", headers=auth).get_json()["jobs"]
    settings = notifications(client, auth, job["id"])["settings"]
    assert settings == {"lang": "ru", "events": ["failed", "check"],
                        "targets": [{"channel": "email", "target": "a@example.com"},
                                    {"channel": "email", "target": "b@example.com"},
                                    {"channel": "telegram", "target": "chat -100123"}],
                        "digest": {"weekday": 0, "hour": 9}, "last_digest_at": None}
    bad = client.post("/jobs/new", data={"csrf_token": csrf, "spreadsheet": "demo_en.xlsx",
                                         "notify_emails": "not-an-address"})
    assert bad.status_code == 422 and "not-an-address" in bad.get_data(as_text=True)


@pytest.mark.parametrize(("notify", "field", "words"), [
    ({"webhooks": [{"kind": "slack", "url": "https://evil.example.net/x"}]},
     "notify.webhooks.0", "WEBHOOK_ALLOWED_HOSTS"),
    ({"emails": ["nobody"]}, "notify.emails", "is not an e-mail address"),
    ({"webhooks": [{"kind": "telegram", "chat_id": "general"}]}, "notify.webhooks.0",
     "is not a Telegram chat"),
    ({"webhooks": [{"kind": "telegram", "url": "https://api.telegram.org/bot1:x/sendMessage",
                    "chat_id": "-1"}]}, "notify.webhooks.0", "no url"),
    ({"digest": {"weekday": 0, "hour": 9}}, "notify", "give 'emails' too"),
    ({"digest": {"weekday": 7, "hour": 9}, "emails": ["a@example.com"]},
     "notify.digest.weekday", "less than or equal to 6"),
    ({"events": ["everything"]}, "notify.events.0", "failed"),
])
def test_bad_notification_settings_are_a_422_naming_the_field(
        client: FlaskClient, auth: dict[str, str], notify: dict[str, Any], field: str,
        words: str) -> None:
    resp = client.post("/api/v1/jobs", headers=auth,
                       json={"spreadsheet": "demo_en.xlsx", "notify": notify})
    assert resp.status_code == 422, resp.get_json()
    err = resp.get_json()["error"]
    assert words in err["message"], err
    assert any(d["field"].startswith(field) for d in err["details"]), err
    assert client.get("/api/v1/jobs", headers=auth).get_json()["jobs"] == []


def test_no_job_no_notifications(client: FlaskClient, auth: dict[str, str]) -> None:
    assert client.get("/api/v1/jobs/99/notifications", headers=auth).status_code == 404
    assert client.get("/api/v1/jobs/1/notifications").status_code == 401


def test_the_notifications_endpoint_in_the_openapi_document(
        client: FlaskClient, auth: dict[str, str], hooks: tuple[Hooks, int]) -> None:
    doc = client.get("/api/v1/openapi.json").get_json()
    op = doc["paths"]["/api/v1/jobs/{job_id}/notifications"]["get"]
    assert op["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/NotifyOut"}
    job = new_job(client, auth, "gone.xlsx", {
        "webhooks": [{"kind": "slack", "url": slack_url(hooks[1])}], "emails": ["a@b.example"]})
    run(client, auth, job["id"])
    assert notifier(client.application).drain(20)
    answer = notifications(client, auth, job["id"])
    schemas = doc["components"]["schemas"]
    assert set(answer) == set(schemas["NotifyOut"]["properties"])
    assert len(answer["notifications"]) == 2
    for row in answer["notifications"]:
        assert set(row) == set(schemas["NotificationOut"]["properties"])
        assert row["outcome"] in schemas["NotificationOut"]["properties"]["outcome"]["enum"]


def test_the_signature_is_an_hmac_of_the_timestamp_and_the_body() -> None:
    body = b'{"text": "hi"}'
    # worked with: printf '1765080000.{"text": "hi"}' | openssl dgst -sha256 -hmac k
    assert signature("k", "1765080000", body) == (
        "sha256=ffe89e0ea1d1be085dbcd1f1faa3863df026ac237092501c05ca0edf3c1f4bd3")
    sent = headers("k", body, now=1765080000)
    assert sent == {TIMESTAMP_HEADER: "1765080000",
                    SIGNATURE_HEADER: signature("k", "1765080000", body)}
    assert verify("k", "1765080000", sent[SIGNATURE_HEADER], body, now=1765080100)
    assert not verify("k", "1765080000", sent[SIGNATURE_HEADER], body + b" ", now=1765080100)
    assert not verify("other", "1765080000", sent[SIGNATURE_HEADER], body, now=1765080100)
    # a replay ten minutes later is refused
    assert not verify("k", "1765080000", sent[SIGNATURE_HEADER], body, now=1765080600)



def test_the_api_patch_replaces_or_removes_the_notification_settings(
        app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    job = new_job(client, auth, "demo_en.xlsx", {"emails": ["a@example.com"],
                                                  "digest": {"weekday": 0, "hour": 9}})
    sent_at = utcnow().replace(microsecond=0)
    with get_store(app).session() as s:  # a digest went out this week
        s.execute(text("UPDATE notify_settings SET last_digest_at = :t WHERE job_id = :j"),
                  {"t": sent_at, "j": job["id"]})
        s.commit()

    resp = client.patch(f"/api/v1/jobs/{job['id']}", headers=auth, json={"notify": {
        "emails": ["b@example.com"], "webhooks": [{"kind": "telegram", "chat_id": "-100777"}],
        "events": ["failed", "paused"], "lang": "ru", "digest": {"weekday": 4, "hour": 8}}})
    assert resp.status_code == 200, resp.get_json()
    settings = notifications(client, auth, job["id"])["settings"]
    assert settings["targets"] == [{"channel": "email", "target": "b@example.com"},
                                   {"channel": "telegram", "target": "chat -100777"}]
    assert (settings["events"], settings["lang"]) == (["failed", "paused"], "ru")
    assert settings["digest"] == {"weekday": 4, "hour": 8}
    assert settings["last_digest_at"] == sent_at.isoformat()  # not sent twice this week

    # a PATCH that does not name notify leaves them; a bad one is a 422 that changes nothing
    assert client.patch(f"/api/v1/jobs/{job['id']}", headers=auth,
                        json={"name": "Renamed"}).status_code == 200
    bad = client.patch(f"/api/v1/jobs/{job['id']}", headers=auth,
                       json={"notify": {"emails": ["nobody"]}})
    assert bad.status_code == 422
    assert any(d["field"].startswith("notify.emails") for d in bad.get_json()["error"]["details"])
    assert notifications(client, auth, job["id"])["settings"]["targets"][0]["target"] == \
        "b@example.com"

    assert client.patch(f"/api/v1/jobs/{job['id']}", headers=auth,
                        json={"notify": None}).status_code == 200
    assert notifications(client, auth, job["id"])["settings"] is None
