"""The job page's trends in real headless Chromium (Debian's, driven by playwright): a real synced
job on the live app (werkzeug on loopback, a real SQLite file), at 1280 px and at 390 px (a
phone). The charts are there, nothing overflows sideways, the Delete button is whole, and the
month picker works with JavaScript off. Screenshots are kept in test-artifacts/dashboard/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import serving

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"
ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="no /usr/bin/chromium (apt-get install chromium)")

OVERFLOW = """() => {
  // inside a box that scrolls sideways is fine: the box scrolls, the page does not
  const inScrollBox = e => {
    for (let a = e.parentElement; a; a = a.parentElement) {
      if (['auto', 'scroll'].includes(getComputedStyle(a).overflowX)) return true;
    }
    return false;
  };
  const width = document.documentElement.clientWidth;
  const wide = [...document.querySelectorAll('main *')].filter(e => {
    const r = e.getBoundingClientRect();
    return r.right > width + 1 && !inScrollBox(e);
  }).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className);
  return {page: document.documentElement.scrollWidth, width, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def live_url(app: Flask) -> Iterator[str]:
    with serving(app) as url:
        yield url


def synced_job(client: FlaskClient, auth: dict[str, str]) -> int:
    job = client.post("/api/v1/jobs", json={
        "name": "Воронка RU", "spreadsheet": "demo_ru.xlsx",
        "schedule": {"cron": "0 7 * * 1-5", "timezone": "Europe/Moscow"}}, headers=auth).get_json()
    assert client.post(f"/api/v1/jobs/{job['id']}/run", headers=auth).get_json()["status"] == \
        "written"
    return int(job["id"])


def sign_in(page: Any, base: str, token: str) -> None:
    page.goto(f"{base}/signin")
    page.fill("#token", token)
    page.click("form button[type=submit]")


def check_page(page: Any, width: int, name: str) -> None:
    from playwright.sync_api import expect

    funnel = page.locator("svg#funnel-chart")
    expect(funnel).to_be_visible()
    assert funnel.locator("rect").count() >= 8
    expect(funnel.locator(".bottleneck")).to_have_count(1)
    assert page.locator("#step-trends svg").count() >= 7  # one per step of the demo funnel
    assert page.locator("#step-trends .bar.marked").count() >= 1  # bottleneck months marked
    assert page.locator("#kpi-trends svg polyline").count() >= 3
    assert page.locator("#plan-trend svg line.reference").count() == 1
    sizes = page.evaluate(OVERFLOW)
    assert sizes["page"] <= sizes["width"] and not sizes["wide"], (width, sizes)
    box = page.locator("button.danger").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width, box
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    for part in ("month-funnel", "by-month"):  # the charts alone, to look at closely
        page.locator(f"#{part}").screenshot(path=str(ARTIFACTS / f"{name}-{part}.png"))


def test_trends_at_desktop_and_phone_width(live_url: str, client: FlaskClient,
                                           auth: dict[str, str], token: str,
                                           db_url: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not db_url.startswith("sqlite"):
        pytest.skip("one database is enough for the pictures")
    job_id = synced_job(client, auth)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            for width, lang in ((1280, "en-US"), (390, "ru-RU")):
                context = browser.new_context(locale=lang, viewport={"width": width,
                                                                     "height": 900})
                page = context.new_page()
                sign_in(page, live_url, token)
                page.goto(f"{live_url}/jobs/{job_id}")
                check_page(page, width, f"job-{width}-{lang[:2]}")
                context.close()

            # the month picker is a plain GET form: it works with JavaScript off
            context = browser.new_context(locale="en-US", java_script_enabled=False,
                                          viewport={"width": 390, "height": 900})
            page = context.new_page()
            sign_in(page, live_url, token)
            page.goto(f"{live_url}/jobs/{job_id}")
            options = page.locator("#month option")
            assert options.count() >= 12
            older = options.nth(6)
            value, label = older.get_attribute("value"), older.inner_text()
            page.select_option("#month", value)
            page.click(".month-picker button")
            assert f"month={value}" in page.url
            expect(page.locator("#month-funnel h2")).to_contain_text(label)
            expect(page.locator("#by-month h2")).to_contain_text(label)
            check_page(page, 390, "job-390-en-older-month-no-js")
            context.close()
        finally:
            browser.close()
