"""A person's path through the dashboard in real headless Chromium (Debian's, via playwright):
sign in with a token, see the funnel chart, add a job with the form, run it, see it succeed.
The final page is kept as test-artifacts/dashboard-<db>.png."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import serving

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


def test_sign_in_see_the_chart_add_and_run_a_job(live_url: str, client: FlaskClient,
                                                 auth: dict[str, str], token: str,
                                                 db_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    job = client.post("/api/v1/jobs", json={"name": "Воронка RU", "spreadsheet": "demo_ru.xlsx"},
                      headers=auth).get_json()
    assert client.post(f"/api/v1/jobs/{job['id']}/run", headers=auth).get_json()["status"] == \
        "written"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=[
            "--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking"])
        try:
            page = browser.new_page(locale="en-US", viewport={"width": 1200, "height": 900})
            page.goto(f"{live_url}/jobs")
            expect(page).to_have_url(f"{live_url}/signin?next=/jobs")
            page.fill("#token", token)
            page.click("button[type=submit]")
            expect(page.locator("#jobs")).to_contain_text("Воронка RU")

            page.click("text=Воронка RU")
            chart = page.locator("svg#funnel-chart")
            expect(chart).to_be_visible()
            assert chart.locator("rect").count() >= 8
            expect(chart.locator(".bottleneck")).to_have_count(1)

            page.click("text=Add a job")
            page.fill("#name", "English demo")
            page.fill("#spreadsheet", "demo_en.xlsx")
            page.fill("#cron", "30 6 * * 1")
            page.fill("#timezone", "Europe/London")
            page.click("#job-form button[type=submit]")
            # a new job shows how its columns are read, then its page
            expect(page.locator("#readout")).to_be_visible()
            expect(page.locator("#data-status")).to_contain_text("Every column understood")
            page.click("text=← English demo")
            expect(page.locator("h1")).to_have_text("English demo")
            expect(page.locator("#no-report")).to_be_visible()

            page.click("#run-now")
            expect(page.locator("#runs .status").first).to_have_text("succeeded: written")
            expect(page.locator("svg#funnel-chart")).to_be_visible()
            expect(page.locator("#kpis")).to_be_visible()
            ARTIFACTS.mkdir(exist_ok=True)
            name = "sqlite" if db_url.startswith("sqlite") else "postgresql"
            page.screenshot(path=str(ARTIFACTS / f"dashboard-{name}.png"), full_page=True)
        finally:
            browser.close()
