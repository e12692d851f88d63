"""A failed sync said in the reader's language, end to end (issue 20, item 4): real jobs on real
workbook files and on the Google Sheets emulator over HTTP, run through the service's runner and
stored in a real SQLite database, then shown on the Russian and the English job page, answered by
the API (message / message_ru, error / error_ru), printed by the CLI and mailed to a real SMTP
server in the job's language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from sheets_emulator.testing import EmulatorProcess, running_emulator
from sheets_sync.app.store_ext import get_store
from sheets_sync.cli import main
from sheets_sync.store.models import Run
from tests.service.test_dashboard import sign_in
from tests.service.test_dashboard_ru import job, run, visible

NO_TAB = "Нет такой"


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> Iterator[EmulatorProcess]:
    with running_emulator() as emulator:
        monkeypatch.setenv("SHEETS_EMULATOR_HOST", emulator.host)
        yield emulator


def notes_book(folder: Path) -> str:
    """A workbook with no funnel header at all: one tab of notes."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Заметки"
    ws.append(["Встреча с клиентом", "перенесена"])
    ws.append(["Позвонить", "в пятницу"])
    wb.save(folder / "notes.xlsx")
    return "notes.xlsx"


def pages(client: FlaskClient, token: str, job_id: int) -> dict[str, str]:
    """The job page after "Run now" (its flash and run history) in Russian, then in English."""
    sign_in(client, token)
    client.get("/lang/ru")
    ru = visible(run(client, job_id))
    client.get("/lang/en")
    en = visible(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    return {"ru": ru, "en": en}


def test_a_missing_tab_is_said_in_each_language(client: FlaskClient, token: str,
                                                auth: dict[str, str]) -> None:
    job_id = job(client, auth, spreadsheet="demo_ru.xlsx", name="Воронка", input_tabs=[NO_TAB])
    seen = pages(client, token, job_id)
    assert f"В файле demo_ru.xlsx нет вкладки «{NO_TAB}»; его вкладки:" in seen["ru"]
    assert f"ошибка: В файле demo_ru.xlsx нет вкладки «{NO_TAB}»" in seen["ru"]  # the flash
    assert "на английском" not in seen["ru"] and "has no tab" not in seen["ru"]
    assert f"demo_ru.xlsx has no tab '{NO_TAB}'; its tabs:" in seen["en"]
    assert "нет вкладки" not in seen["en"]
    # "Inspect columns" on that job: the error flashed on the job's page, in Russian
    client.get("/lang/ru")
    flashed = client.get(f"/jobs/{job_id}/inspect", follow_redirects=True)
    assert f"ошибка: В файле demo_ru.xlsx нет вкладки «{NO_TAB}»" in visible(
        flashed.get_data(as_text=True))

    runs = client.get(f"/api/v1/jobs/{job_id}/runs", headers=auth).get_json()["runs"]
    assert runs[0]["error_code"] == "bad_input"
    assert runs[0]["error"].startswith(f"demo_ru.xlsx has no tab '{NO_TAB}'")  # as always
    assert runs[0]["error_ru"].startswith(f"В файле demo_ru.xlsx нет вкладки «{NO_TAB}»")


def test_a_sheet_not_shared_is_said_in_each_language(
        google: EmulatorProcess, client: FlaskClient, token: str,
        auth: dict[str, str]) -> None:
    sid = google.create_from_values("Воронка", {"Воронка": [["Месяц", "Лиды", "Встречи"],
                                                            ["2026-01", 100, 20]]},
                                    locale="ru_RU")
    google.unshare(sid)
    job_id = job(client, auth, spreadsheet=sid, name="Чужая таблица")
    seen = pages(client, token, job_id)
    assert f"Доступ к таблице {sid} не открыт для сервисного аккаунта" in seen["ru"]
    assert "Настройки доступа" in seen["ru"] and "is not shared" not in seen["ru"]
    assert f"Spreadsheet {sid} is not shared with the service account" in seen["en"]

    # the API: the run's error in both languages, and an error answer in both
    answer = client.post(f"/api/v1/jobs/{job_id}/run", headers=auth).get_json()
    assert answer["error_code"] == "not_shared"
    assert answer["error"].startswith(f"Spreadsheet {sid} is not shared")
    assert answer["error_ru"].startswith(f"Доступ к таблице {sid} не открыт")
    inspect = client.post("/api/v1/addon/inspect", headers=auth, json={"spreadsheet": sid})
    assert inspect.status_code == 403
    err = inspect.get_json()["error"]
    assert err["code"] == "not_shared" and err["message"].startswith(f"Spreadsheet {sid}")
    assert err["message_ru"].startswith(f"Доступ к таблице {sid} не открыт")


def test_no_funnel_header_is_said_in_each_language(client: FlaskClient, token: str,
                                                   auth: dict[str, str], books: Path) -> None:
    job_id = job(client, auth, spreadsheet=notes_book(books), name="Заметки")
    seen = pages(client, token, job_id)
    assert "Вкладка воронки не найдена (вкладки: 'Заметки')" in seen["ru"]
    assert "Вкладку показателей не трогали." in seen["ru"]
    assert "No funnel tab found among the tabs 'Заметки'" in seen["en"]
    assert "The KPI tab was left as it was." in seen["en"]


def test_the_api_says_its_own_refusals_in_both_languages(client: FlaskClient,
                                                         auth: dict[str, str]) -> None:
    gone = client.get("/api/v1/jobs/987", headers=auth)
    assert gone.status_code == 404
    assert gone.get_json()["error"] == {
        "code": "job_not_found",
        "message": "There is no job 987: list the jobs with GET /api/v1/jobs.",
        "message_ru": "Задания 987 нет: список заданий — GET /api/v1/jobs."}
    nowhere = client.get("/api/v1/nowhere", headers=auth).get_json()["error"]
    assert nowhere["code"] == "not_found" and nowhere["message_ru"].startswith("По этому адресу")
    csv = client.post("/api/v1/compute", headers={**auth, "Content-Type": "text/csv"},
                      data="Заметка;Кто\nПозвонить;Анна\n".encode())
    assert csv.status_code == 422
    said = csv.get_json()["error"]
    assert said["message"].startswith("No funnel tab found among the tabs")
    assert said["message_ru"].startswith("Вкладка воронки не найдена")
    bad = client.post("/api/v1/jobs", headers=auth, json={
        "spreadsheet": "demo_ru.xlsx", "schedule": {"cron": "61 * * * *"}}).get_json()["error"]
    assert bad["message"].startswith("Field 'schedule': Value error, '61 * * * *' is not a cron")
    assert bad["message_ru"].startswith("Поле 'schedule': «61 * * * *» — не cron-выражение (")
    assert bad["details"][0]["message"].startswith("Value error, '61 * * * *'")  # as before
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    assert "message_ru" in schema["ErrorDetail"]["properties"]
    assert "error_ru" in schema["RunOut"]["properties"]


def test_a_run_recorded_before_keeps_the_old_display(app: Flask, client: FlaskClient,
                                                     token: str, auth: dict[str, str]) -> None:
    job_id = job(client, auth, spreadsheet="demo_ru.xlsx", name="Воронка", input_tabs=[NO_TAB])
    client.post(f"/api/v1/jobs/{job_id}/run", headers=auth)
    with get_store(app).session() as s:  # as a run of before migration 0006 is stored
        s.execute(update(Run).values(error_key=None, error_params=None))
        s.commit()
    sign_in(client, token)
    client.get("/lang/ru")
    page = visible(client.get(f"/jobs/{job_id}").get_data(as_text=True))
    assert "Данные или вкладки таблицы нельзя использовать в таком виде." in page
    assert f"Подробности (на английском): demo_ru.xlsx has no tab '{NO_TAB}'" in page
    runs = client.get(f"/api/v1/jobs/{job_id}/runs", headers=auth).get_json()["runs"]
    assert runs[0]["error_ru"] is None


def test_the_cli_says_it_in_russian(books: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = str(books / notes_book(books))
    runner = CliRunner()
    ru = runner.invoke(main, ["compute", book, "--lang", "ru"])
    assert ru.exit_code == 2
    assert ru.stderr.startswith("ошибка: Вкладка воронки не найдена (вкладки: 'Заметки')")
    en = runner.invoke(main, ["compute", book, "--lang", "en"])
    assert en.stderr.startswith("error: No funnel tab found among the tabs 'Заметки'")
    # a command without --lang: the locale's language
    for name in ("LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "ru_RU.UTF-8")
    missing = runner.invoke(main, ["sync", str(books / "gone.xlsx")])
    assert missing.exit_code == 2
    assert re.match(r"ошибка: Файла .*gone\.xlsx нет: проверьте путь\.", missing.stderr)
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    missing = runner.invoke(main, ["sync", str(books / "gone.xlsx")])
    assert re.match(r"error: There is no file .*gone\.xlsx: check the path\.", missing.stderr)



@pytest.mark.parametrize(("tab", "en", "ru"), [
    ("a/b", "must not contain '/'", "не может быть '/'"),
    ("x" * 40, "at most 31 characters, not 40", "не больше 31, а здесь 40"),
    ("History", "keeps the tab name 'History'", "Excel оставляет себе"),
])
def test_a_refused_tab_name_says_its_rule_in_each_language(
        client: FlaskClient, auth: dict[str, str], tab: str, en: str, ru: str) -> None:
    made = client.post("/api/v1/jobs", headers=auth,
                       json={"spreadsheet": "demo_en.xlsx", "output_tab": tab})
    assert made.status_code == 422
    err = made.get_json()["error"]
    assert en in err["message"] and ru in err["message_ru"], err
    job_id = client.post("/api/v1/jobs", headers=auth,
                         json={"spreadsheet": "demo_en.xlsx"}).get_json()["id"]
    patched = client.patch(f"/api/v1/jobs/{job_id}", headers=auth, json={"output_tab": tab})
    assert patched.status_code == 422
    err = patched.get_json()["error"]
    assert en in err["message"] and ru in err["message_ru"], err
    assert en in err["details"][0]["message"]


@pytest.mark.parametrize(("body", "field", "en", "ru"), [
    ({}, "spreadsheet", "Field required", "обязательное поле"),
    ({"spreadsheet": 5}, "spreadsheet", "Input should be a valid string", "нужна строка"),
    ({"spreadsheet": "demo_en.xlsx", "name": ""}, "name", "at least 1 character",
     "длина строки — не меньше 1"),
    ({"spreadsheet": "demo_en.xlsx", "enabled": "perhaps"}, "enabled", "valid boolean",
     "нужно true или false"),
    ({"spreadsheet": "demo_en.xlsx", "colour": "red"}, "colour", "Extra inputs are not permitted",
     "такого поля нет"),
    ({"spreadsheet": "demo_en.xlsx", "notify": {"emails": ["a@example.com"],
                                                "digest": {"weekday": 9, "hour": 9}}},
     "notify.digest.weekday", "less than or equal to 6", "не больше 6"),
    ({"spreadsheet": "demo_en.xlsx", "input_tabs": ["T"] * 51}, "input_tabs",
     "at most 50 items", "не больше 50, а здесь 51"),
])
def test_a_field_pydantic_refuses_is_said_in_russian_too(
        client: FlaskClient, auth: dict[str, str], body: dict[str, object], field: str,
        en: str, ru: str) -> None:
    resp = client.post("/api/v1/jobs", headers=auth, json=body)
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["details"][0]["field"] == field, err
    assert en in err["message"] and en in err["details"][0]["message"], err  # pydantic's English
    assert ru in err["message_ru"], err
    said = err["message_ru"].replace(field, "")
    assert not re.search(r"\b(Input|should|Field|required|valid|least|most)\b", said), said
