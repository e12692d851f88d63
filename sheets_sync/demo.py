"""The README's `make run`: a working service on a laptop, with no Google account and no internet.

Starts the Google Sheets emulator seeded with templates/demo_ru.xlsx (a Russian funnel: 24 months
and a deal log), the service on a fresh SQLite database with the scheduler in the same process,
registers a scheduled sync job for the demo spreadsheet through the API, runs the first sync, and
prints the dashboard URL and a sign-in token. Ctrl-C stops everything and removes the temp files.

    python -m sheets_sync.demo [--port 8000] [--once]
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import waitress

from sheets_emulator.testing import running_emulator
from sheets_sync.app import create_app
from sheets_sync.app.store_ext import get_store, start_scheduler
from sheets_sync.cli_errors import fail_cleanly
from sheets_sync.errors import InputError
from sheets_sync.process import sigterm_as_interrupt
from sheets_sync.store.tokens import create_token

DEMO_ID = "demo-funnel-ru"  # the seeded spreadsheet's id (the Google backend wants >= 10 chars)
DEMO_SCHEDULE = {"cron": "*/15 * * * *", "timezone": "Europe/Moscow"}
REPO = Path(__file__).resolve().parent.parent


def demo_workbook() -> Path:
    path = REPO / "templates" / "demo_ru.xlsx"
    if not path.exists():
        raise InputError.say("error.demo_missing", path=str(path))
    return path


def register_demo_job(app: Any, token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The job and its first run, made through the service's own API."""
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    resp = client.post("/api/v1/jobs", headers=headers, json={
        "name": "Демо-воронка", "spreadsheet": f"https://docs.google.com/spreadsheets/d/{DEMO_ID}/edit",
        "schedule": DEMO_SCHEDULE})
    if resp.status_code != 201:
        raise InputError.say("error.demo_job", answer=str(resp.get_json()))
    job: dict[str, Any] = resp.get_json()
    run: dict[str, Any] = client.post(f"/api/v1/jobs/{job['id']}/run", headers=headers).get_json()
    return job, run


def run_demo(host: str = "127.0.0.1", port: int = 8000, once: bool = False,
             echo: Callable[[str], None] = click.echo) -> None:
    book = demo_workbook()
    sigterm_as_interrupt()  # the emulator child and the temp folder go away on SIGTERM too
    workdir = Path(tempfile.mkdtemp(prefix="sheets-sync-demo-"))
    workbooks = workdir / "workbooks"  # the add-job form's folder: it must exist to be used
    workbooks.mkdir()
    for name in ("demo_ru.xlsx", "demo_en.xlsx"):  # a file job to try, beside the Google one
        shutil.copy(book.with_name(name), workbooks / name)
    try:
        with running_emulator(seeds=[f"{book}={DEMO_ID}@ru_RU"]) as emu:
            os.environ["SHEETS_EMULATOR_HOST"] = emu.host
            app = create_app({"INSTANCE_PATH": str(workdir / "instance"),
                              "DATABASE_URL": f"sqlite:///{workdir / 'demo.db'}",
                              "XLSX_ROOT": str(workbooks)})
            sched = start_scheduler(app)
            try:
                with get_store(app).session() as s:
                    token, _ = create_token(s, "demo")
                job, run = register_demo_job(app, token)
                try:
                    server = None if once else waitress.create_server(
                        app, host=host, port=port, threads=4, ident="sheets-sync")
                except OSError as e:
                    raise InputError.say("error.demo_listen", host=host, port=port,
                                         why=e.strerror) from e
                real_port = port if server is None else int(server.effective_port)
                base = f"http://{host}:{real_port}"
                echo(f"Sheets emulator:  http://{emu.host}  (spreadsheet {DEMO_ID})")
                echo(f"Demo job:         {job['name']}, cron {DEMO_SCHEDULE['cron']} "
                     f"({DEMO_SCHEDULE['timezone']})")
                status = run["status"] + (f": {run['error']}" if run.get("error") else "")
                echo(f"First sync:       {status}, {run['api_calls']} API calls, "
                     f"{run['cells_read']} cells read, {run['cells_written']} written")
                echo(f"Dashboard:        {base}/jobs/{job['id']}"
                     + ("  (not served: --once)" if server is None else ""))
                echo(f"Sign-in token:    {token}")
                echo(f"API:              curl -H 'Authorization: Bearer {token}' "
                     f"{base}/api/v1/jobs")
                echo(f"Workbook folder:  {workbooks}  (.xlsx/.csv jobs; removed when the demo "
                     "stops)")
                # This demo's database is its own: a token made elsewhere is unknown here.
                echo(f"More tokens:      SHEETS_SYNC_INSTANCE_PATH={workdir / 'instance'} "
                     f"SHEETS_SYNC_DATABASE_URL=sqlite:///{workdir / 'demo.db'} "
                     ".venv/bin/sheets-sync tokens create NAME")
                if server is None:
                    return
                echo("Serving; Ctrl-C stops the demo.")
                try:
                    server.run()
                except KeyboardInterrupt:
                    echo("Stopped.")
                finally:
                    server.close()
            finally:
                sched.shutdown(wait=False)
                get_store(app).dispose()
    finally:
        os.environ.pop("SHEETS_EMULATOR_HOST", None)
        shutil.rmtree(workdir, ignore_errors=True)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="0: any free port.")
@click.option("--once", is_flag=True, help="Set up, sync once, print, and exit.")
@fail_cleanly
def main(host: str, port: int, once: bool) -> None:
    """Run the demo: emulator, service, scheduler and a scheduled job (no Google account)."""
    run_demo(host, port, once)


if __name__ == "__main__":
    main()
