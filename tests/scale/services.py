"""The real Redis and PostgreSQL of this machine for the scale tests: reached, or started with
the machine's own commands when they are not running, or skipped with the reason."""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import subprocess
import time
from pathlib import Path

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

REDIS_ENV = "SHEETS_SYNC_TEST_REDIS_URL"
PG_ENV = "SHEETS_SYNC_TEST_POSTGRES_URL"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_START = ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "-::1", "--port",
               "6379", "--save", "", "--appendonly", "no", "--dir", "/var/lib/redis",
               "--logfile", "/var/log/redis/ci.log"]


def _redis_answers(url: str) -> str | None:
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as e:
        return f"{e.__class__.__name__}: {e}"
    return None


def _pg_answers(url: str) -> str | None:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as e:
        return str(e).splitlines()[0]
    finally:
        engine.dispose()
    return None


def _wait(check: functools.partial[str | None], seconds: float = 15.0) -> str | None:
    deadline = time.monotonic() + seconds
    error = check()
    while error and time.monotonic() < deadline:
        time.sleep(0.3)
        error = check()
    return error


@functools.cache
def redis_url() -> tuple[str, str | None]:
    """(URL, why it cannot be used or None)."""
    url = os.environ.get(REDIS_ENV, DEFAULT_REDIS)
    error = _redis_answers(url)
    if error and REDIS_ENV not in os.environ and shutil.which("redis-server"):
        with contextlib.suppress(OSError):
            Path("/var/lib/redis").mkdir(parents=True, exist_ok=True)
            Path("/var/log/redis").mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(REDIS_START, capture_output=True, timeout=20, check=False)
        error = _wait(functools.partial(_redis_answers, url))
    return url, (f"Redis at {url} cannot be reached or started ({error})" if error else None)


@functools.cache
def postgres_url() -> tuple[str, str | None]:
    url = os.environ.get(PG_ENV, DEFAULT_PG)
    error = _pg_answers(url)
    if error and PG_ENV not in os.environ and shutil.which("pg_ctlcluster"):
        versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir(
            "/etc/postgresql") else []
        for version in versions:
            with contextlib.suppress(OSError, subprocess.SubprocessError):
                subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main",
                                "start"], capture_output=True, timeout=60, check=False)
        error = _wait(functools.partial(_pg_answers, url), 30.0)
    return url, (f"PostgreSQL at {url} cannot be reached or started ({error})" if error
                 else None)
