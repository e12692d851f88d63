"""The scheduler's side of Celery, with no worker: what lands in the real Redis queue."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from unittest import mock

import pytest
import redis

from sheets_sync.executor import make_executor
from sheets_sync.executor.celery_app import WorkerContext, marker_key
from sheets_sync.executor.enqueue import CeleryExecutor
from sheets_sync.executor.inprocess import InProcessExecutor
from sheets_sync.scheduler import Runner
from sheets_sync.settings import ScaleSettings
from sheets_sync.store import Store


@pytest.fixture
def executor(redis_base: str, prefix: str) -> Iterator[CeleryExecutor]:
    settings = ScaleSettings.from_config({"EXECUTOR": "celery", "CELERY_BROKER_URL": redis_base,
                                          "REDIS_KEY_PREFIX": prefix,
                                          "CELERY_QUEUE": f"{prefix}syncs"})
    ex = make_executor(settings, mock.sentinel.runner)
    assert isinstance(ex, CeleryExecutor)
    yield ex
    ex.close()


def queued(client: redis.Redis, prefix: str) -> list[dict[str, object]]:
    """The messages waiting in the queue (kombu keeps a list under the prefixed queue name)."""
    return [json.loads(m) for m in client.lrange(f"{prefix}{prefix}syncs", 0, -1)]


def test_a_job_waits_in_the_queue_once(executor: CeleryExecutor, redis_client: redis.Redis,
                                       prefix: str) -> None:
    assert executor.submit(7, "schedule")
    assert not executor.submit(7, "schedule")  # still queued: skipped
    assert executor.submit(8, "schedule")
    messages = queued(redis_client, prefix)
    assert [m["headers"]["task"] for m in messages] == ["sheets_sync.run_job"] * 2  # type: ignore[index]
    task_ids = [m["headers"]["id"] for m in messages]  # type: ignore[index]
    marker = redis_client.get(marker_key(prefix, 7))
    assert marker is not None and marker.decode() in task_ids
    assert 0 < redis_client.ttl(marker_key(prefix, 7)) <= 900  # never older than a lost task
    # the worker drops the marker as the task starts: the job may be enqueued again
    context = WorkerContext(mock.sentinel.runner, redis_client, prefix)
    context.forget_marker(7, "some-other-task")  # not its marker: kept
    assert redis_client.exists(marker_key(prefix, 7))
    context.forget_marker(7, marker.decode())
    assert not redis_client.exists(marker_key(prefix, 7))
    assert executor.submit(7, "schedule")
    assert len(queued(redis_client, prefix)) == 3
    # forced past the marker (once=False), e.g. to retry by hand
    assert executor.submit(7, "manual", once=False)
    assert len(queued(redis_client, prefix)) == 4


def test_a_broker_away_is_logged_not_raised(prefix: str, caplog: pytest.LogCaptureFixture
                                            ) -> None:
    settings = ScaleSettings.from_config({"EXECUTOR": "celery",
                                          "CELERY_BROKER_URL": "redis://127.0.0.1:1/0",
                                          "REDIS_KEY_PREFIX": prefix})
    ex = CeleryExecutor.from_settings(settings)
    assert ex.submit(1, "schedule") is False
    assert "job 1 could not be queued" in caplog.text


def test_the_default_executor_runs_in_process(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'db.sqlite'}")
    runner = Runner(store)
    ex = make_executor(ScaleSettings.from_config({}), runner)
    assert isinstance(ex, InProcessExecutor) and ex.runner is runner
    store.dispose()
