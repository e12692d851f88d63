"""`sheets-sync worker` and the scheduler's executor, as the commands set them up."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sheets_sync.app import create_app
from sheets_sync.app.store_ext import get_store, google_access
from sheets_sync.cli import main
from sheets_sync.cli_service import start_sync_scheduler
from sheets_sync.executor.enqueue import CeleryExecutor
from sheets_sync.executor.inprocess import InProcessExecutor


def invoke(tmp_path: Path, *args: str, **settings: str) -> tuple[int, str]:
    env = {"SHEETS_SYNC_INSTANCE_PATH": str(tmp_path / "instance"),
           "SHEETS_SYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
           "SHEETS_EMULATOR_HOST": "",
           **{f"SHEETS_SYNC_{k}": v for k, v in settings.items()}}
    result = CliRunner().invoke(main, list(args), env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize(("settings", "message"), [
    ({}, "Workers run syncs that the scheduler enqueues, which it does only with "
         "SHEETS_SYNC_EXECUTOR=celery"),
    ({"EXECUTOR": "celery", "CELERY_BROKER_URL": "redis://:pw@127.0.0.1:1/0"},
     "The broker at redis://:***@127.0.0.1:1/0 does not answer"),
    ({"EXECUTOR": "celery", "CELERY_BROKER_URL": "amqp://127.0.0.1//"},
     "CELERY_BROKER_URL must be a Redis URL"),
    ({"EXECUTOR": "celery", "SERVICE_ACCOUNTS": '["/no/such/key.json"]'},
     "Service account key '/no/such/key.json' is not a file"),
    ({"EXECUTOR": "cluster"}, "is not an executor: use 'inprocess'"),
])
def test_worker_refuses_a_setup_it_cannot_serve(tmp_path: Path, settings: dict[str, str],
                                                message: str) -> None:
    code, output = invoke(tmp_path, "worker", **settings)
    assert code == 2
    assert output.startswith("error: ") and message in output
    assert "Traceback" not in output


def test_the_scheduler_command_picks_the_executor(tmp_path: Path, redis_base: str,
                                                  prefix: str) -> None:
    config = {"INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path / 'db'}",
              "SECRET_KEY": "x"}
    for extra, kind in (({}, InProcessExecutor),
                        ({"EXECUTOR": "celery", "CELERY_BROKER_URL": redis_base,
                          "REDIS_KEY_PREFIX": prefix}, CeleryExecutor)):
        app = create_app({**config, **extra})
        sched = start_sync_scheduler(app)
        try:
            assert isinstance(sched.executor, kind)
            access = google_access(app)  # in the app, for its runners: no process global
            assert access is not None and access.limiter is not None
            assert sched.runner.access is access
        finally:
            sched.shutdown()
            get_store(app).dispose()
