"""The Russian dashboard is Russian (issue 20, item 4): the job page of a real synced job, its
trends for another month, a failed run, the add and edit forms with refused fields: no English
validation wording, no "->", no UTC for a job in Moscow. And money carries its currency: ₽ for
the Russian workbook, $ for the English one in the English UI. Flask's test client, real SQLite,
real syncs of the demo workbooks."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient

from tests.service.test_dashboard import csrf, sign_in

# Words that must not reach a Russian page: pydantic's wording, the old notices, the old arrow.
DENY = ("Field", "Value error", "Input should", "String should", "value_error", "no report",
        "No report", "UTC", "->", "Check the form", "Traceback", "Job saved", "failed:")
MOSCOW = {"cron": "0 7 * * 1-5", "timezone": "Europe/Moscow"}


def visible(page: str) -> str:
    """The text a person reads: no tags, no attribute values, entities decoded."""
    page = re.sub(r"<(style|script)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<title>.*?</title>", " ", page, count=1, flags=re.S)  # the tab's title
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def english_left(page: str) -> list[str]:
    text = visible(page)
    # the sync's own sentence is English and is labelled so: "Подробности (на английском): ..."
    text = re.sub(r"Подробности \(на английском\):[^\n<]*", " ", text)
    return [w for w in DENY if w in text]


def job(client: FlaskClient, auth: dict[str, str], **fields: Any) -> int:
    resp = client.post("/api/v1/jobs", json={"schedule": MOSCOW, **fields}, headers=auth)
    assert resp.status_code == 201, resp.get_json()
    return int(resp.get_json()["id"])


def run(client: FlaskClient, job_id: int) -> str:
    page = client.get(f"/jobs/{job_id}").get_data(as_text=True)
    resp = client.post(f"/jobs/{job_id}/run", data={"csrf_token": csrf(page)})
    return client.get(resp.headers["Location"]).get_data(as_text=True)


def test_the_russian_pages_hold_no_english(client: FlaskClient, token: str,
                                           auth: dict[str, str]) -> None:
    good = job(client, auth, spreadsheet="demo_ru.xlsx", name="Воронка")
    bad = job(client, auth, spreadsheet="gone.xlsx", name="Пропавшая")
    sign_in(client, token)
    client.get("/lang/ru")
    pages = {"good job": run(client, good), "failed job": run(client, bad),
             "jobs": client.get("/jobs").get_data(as_text=True)}
    month = re.findall(r'<option value="(\d{4}-\d\d)"', pages["good job"])[5]
    pages["older month"] = client.get(f"/jobs/{good}?month={month}").get_data(as_text=True)
    assert "₽" in visible(pages["good job"])  # the Russian workbook's money
    assert "Последний запуск (" in visible(pages["failed job"])
    # the sync's own sentence, in Russian (its catalogue key was kept with the run)
    assert re.search(r"Файла \S*gone\.xlsx нет: проверьте путь\.", visible(pages["failed job"]))
    assert " MSK" in visible(pages["good job"])

    form = client.get("/jobs/new").get_data(as_text=True)
    pages["new form"] = form
    refused = {"cron": ({"cron": "каждый день"}, "Cron-выражение: «каждый день» не подходит"),
               "zone": ({"cron": "0 7 * * *", "timezone": "Moscow"},
                        "Часовой пояс: «Moscow» не найден"),
               "both": ({"cron": "0 7 * * *", "interval_minutes": "5"}, "не оба"),
               "interval": ({"interval_minutes": "ноль"}, "Интервал: число минут"),
               "email": ({"notify_emails": "не-почта"}, "«не-почта» — не адрес"),
               "same tab": ({"input_tabs": "Воронка", "output_tab": "Воронка"},
                            "не может быть одной из исходных вкладок"),
               "bad tab": ({"output_tab": "a/b"}, "«a/b» не может быть названием вкладки"),
               "outside": ({"spreadsheet": "../x.xlsx"}, "файл должен лежать в папке"),
               "mapping": ({"mapping": "просто заголовок"}, "Сопоставление столбцов: по строке"),
               "sheet id": ({"spreadsheet": "not a sheet"}, "Таблица: укажите ID")}
    for name, (fields, said) in refused.items():
        body = {"csrf_token": csrf(form), "spreadsheet": "demo_ru.xlsx", **fields}
        resp = client.post("/jobs/new", data=body)
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422 and "Проверьте форму:" in visible(page), name
        assert said in visible(page), (name, visible(page).split("Проверьте форму:")[1][:400])
        pages[f"new: {name}"] = page
        edit = client.post(f"/jobs/{good}/edit", data=body)
        assert edit.status_code == 422 and said in visible(edit.get_data(as_text=True)), name
        pages[f"edit: {name}"] = edit.get_data(as_text=True)
    pages["edit form"] = client.get(f"/jobs/{good}/edit").get_data(as_text=True)
    pages["after edit"] = client.get(client.post(f"/jobs/{good}/edit", data={
        "csrf_token": csrf(form), "spreadsheet": "demo_ru.xlsx", "name": "Воронка", **MOSCOW,
        "enabled": "on"}).headers["Location"]).get_data(as_text=True)
    assert "Задание сохранено." in visible(pages["after edit"])

    left = {name: english_left(page) for name, page in pages.items()}
    assert not any(left.values()), {k: v for k, v in left.items() if v}


def test_english_money_has_its_currency(client: FlaskClient, token: str,
                                        auth: dict[str, str]) -> None:
    en = job(client, auth, spreadsheet="demo_en.xlsx")
    sign_in(client, token)
    client.get("/lang/en")
    page = visible(run(client, en))
    kpis = page.split("KPIs,")[1].split("Findings")[0]
    revenue = re.search(r"Revenue\s+(\S+)", kpis)
    assert revenue and revenue.group(1).startswith("$"), kpis[:600]
    assert re.search(r"CAC\s+\$[\d,.]+", kpis)
    trend = page.split("By month, up to")[1]
    assert re.search(r"Revenue\s+\$[\d,]+", trend)
    findings = page.split("Findings")[1].split("Plan,")[0]
    assert re.search(r"of plan \(\$[\d,]+ of \$[\d,]+\)", findings), findings[:800]


def test_russian_findings_have_their_currency(client: FlaskClient, token: str,
                                              auth: dict[str, str]) -> None:
    ru = job(client, auth, spreadsheet="demo_ru.xlsx")
    sign_in(client, token)
    client.get("/lang/ru")
    findings = visible(run(client, ru)).split("Выводы")[1].split("План,")[0]
    assert re.search(r"плана \([\d\xa0]+\xa0₽ из [\d\xa0]+\xa0₽\)", findings), findings[:800]
