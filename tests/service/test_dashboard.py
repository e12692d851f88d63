"""The dashboard through Flask's test client: sign-in, CSRF, languages, the job page."""

from __future__ import annotations

import re

from flask.testing import FlaskClient


def csrf(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def sign_in(client: FlaskClient, token: str) -> None:
    page = client.get("/signin").get_data(as_text=True)
    resp = client.post("/signin", data={"token": token, "csrf_token": csrf(page)})
    assert resp.status_code == 302, resp.get_data(as_text=True)


def test_pages_need_a_sign_in(client: FlaskClient) -> None:
    resp = client.get("/jobs")
    assert resp.status_code == 302 and "/signin?next=/jobs" in resp.headers["Location"]


def test_sign_in_with_a_token(client: FlaskClient, token: str) -> None:
    page = client.get("/signin").get_data(as_text=True)
    bad = client.post("/signin", data={"token": "wrong", "csrf_token": csrf(page)})
    assert bad.status_code == 401 and "unknown or revoked" in bad.get_data(as_text=True)
    resp = client.post("/signin?next=/jobs/new",
                       data={"token": token, "csrf_token": csrf(page)})
    assert resp.headers["Location"] == "/jobs/new"
    assert client.get("/jobs").status_code == 200


def test_sign_in_never_redirects_off_site(client: FlaskClient, token: str) -> None:
    page = client.get("/signin").get_data(as_text=True)
    resp = client.post("/signin?next=//evil.example/x",
                       data={"token": token, "csrf_token": csrf(page)})
    assert resp.headers["Location"] == "/jobs"


def test_forms_without_the_csrf_token_are_refused(client: FlaskClient, token: str) -> None:
    assert client.post("/signin", data={"token": token}).status_code == 400
    sign_in(client, token)
    resp = client.post("/jobs/new", data={"spreadsheet": "demo_ru.xlsx"})
    assert resp.status_code == 400 and "CSRF" in resp.get_data(as_text=True)


def test_language_from_the_browser_then_the_switch(client: FlaskClient) -> None:
    ru = client.get("/signin", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert '<html lang="ru">' in ru.get_data(as_text=True) and "Войти" in ru.get_data(
        as_text=True)
    en = client.get("/signin", headers={"Accept-Language": "de-DE,en;q=0.5"})
    assert '<html lang="en">' in en.get_data(as_text=True)
    client.get("/lang/en?next=/signin", headers={"Accept-Language": "ru"})
    again = client.get("/signin", headers={"Accept-Language": "ru"}).get_data(as_text=True)
    assert '<html lang="en">' in again and "Sign in" in again


def test_add_a_job_with_the_form(client: FlaskClient, token: str) -> None:
    sign_in(client, token)
    form = client.get("/jobs/new").get_data(as_text=True)
    bad = client.post("/jobs/new", data={"csrf_token": csrf(form), "spreadsheet": "x.xlsx",
                                         "cron": "not cron"})
    assert bad.status_code == 422 and "cron expression" in bad.get_data(as_text=True)
    assert 'value="x.xlsx"' in bad.get_data(as_text=True)  # the form keeps what was typed
    resp = client.post("/jobs/new", data={
        "csrf_token": csrf(form), "name": "Form job", "spreadsheet": "demo_en.xlsx",
        "interval_minutes": "30", "timezone": "Europe/London", "enabled": "on"})
    assert resp.status_code == 302
    assert resp.headers["Location"].endswith("/inspect")  # a new job shows its read-out first
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Form job" in page and "Job added." in page and 'id="readout"' in page
    page = client.get(resp.headers["Location"].removesuffix("/inspect")).get_data(as_text=True)
    assert "every 1800 s" in page and "No report yet" in page
    jobs = client.get("/jobs").get_data(as_text=True)
    assert "Form job" in jobs and "never" in jobs


def new_job_page(client: FlaskClient, token: str, spreadsheet: str = "demo_ru.xlsx"
                 ) -> tuple[str, str]:
    """Signed in, a job made through the add-job form: its page's path and HTML."""
    sign_in(client, token)
    form = client.get("/jobs/new").get_data(as_text=True)
    loc = client.post("/jobs/new", data={"csrf_token": csrf(form), "spreadsheet": spreadsheet,
                                         "enabled": "on"}).headers["Location"]
    loc = loc.removesuffix("/inspect")
    return loc, client.get(loc).get_data(as_text=True)


def test_the_job_page_shows_the_report(client: FlaskClient, token: str) -> None:
    loc, page = new_job_page(client, token)
    resp = client.post(f"{loc}/run", data={"csrf_token": csrf(page)})
    assert resp.status_code == 302
    client.get("/lang/ru")
    page = client.get(loc).get_data(as_text=True)
    assert "успешно: записано" in page
    svg = page[page.index('<svg id="funnel-chart"'):page.index("</svg>")]
    assert svg.count("<rect") >= 8  # a bar per stage of the demo funnel
    assert svg.count('class="stage marketing') >= 1 and svg.count('class="stage sales') >= 1
    assert svg.count(' bottleneck"') == 1 and svg.count("◀ узкое место") == 1  # one bar
    assert 'id="kpis"' in page and ("▲" in page or "▼" in page)
    assert 'id="findings"' in page and 'id="runs"' in page
