"""Fixtures of the scale tests: the machine's real Redis and PostgreSQL (started when they are
not running; skipped, with the reason, only when they can be neither reached nor started).

The 200-job test is marked ``slow`` (two minutes of Google-sized quota windows) and left out of
the default run: ``.venv/bin/pytest tests/scale -m slow -s`` runs it and prints its figures.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import redis

from tests.scale.cluster import postgres_schema
from tests.scale.services import postgres_url, redis_url


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if "slow" in (config.getoption("markexpr") or ""):
        return
    skip = pytest.mark.skip(reason="slow: run with -m slow (tests/scale/conftest.py)")
    for item in items:
        if item.get_closest_marker("slow") is not None and "tests/scale/" in item.nodeid:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def redis_base() -> str:
    url, why = redis_url()
    if why:
        pytest.skip(why)
    return url


@pytest.fixture(scope="session")
def postgres_base() -> str:
    url, why = postgres_url()
    if why:
        pytest.skip(why)
    return url


@pytest.fixture
def prefix(redis_base: str) -> Iterator[str]:
    """A key prefix of this test's own in Redis (quota buckets, queue, markers), removed after."""
    value = f"test-{uuid.uuid4().hex[:10]}:"
    yield value
    client = redis.Redis.from_url(redis_base)
    keys = list(client.scan_iter(match=f"{value}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def redis_client(redis_base: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_base)
    yield client
    client.close()


@pytest.fixture
def pg_url(postgres_base: str) -> Iterator[str]:
    with postgres_schema(postgres_base) as url:
        yield url
