"""The quota hook in the Google backend, through gspread and HTTP against the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from sheets_emulator.testing import EmulatorProcess, running_emulator
from sheets_sync.backends.google import GoogleBackend
from sheets_sync.errors import NotShared, SourceError
from sheets_sync.google_client import make_client
from sheets_sync.job import SyncOptions, run_sync
from sheets_sync.quota import MemoryLimiter, QuotaBusy, Quotas, ServiceAccount
from sheets_sync.quota.access import GoogleAccess
from sheets_sync.retry import RetryPolicy
from tests.scale.cluster import FUNNEL

FAST = RetryPolicy(attempts=4, base=0.01, cap=0.05, max_retry_after=2.0)
OPTIONS = SyncOptions(today=date(2025, 1, 15))


@pytest.fixture
def emulator() -> Iterator[EmulatorProcess]:
    with running_emulator() as emu:
        yield emu


def recording_backend(emu: EmulatorProcess, sid: str, kinds: list[str]) -> GoogleBackend:
    return GoogleBackend(make_client({"SHEETS_EMULATOR_HOST": emu.host}), sid, policy=FAST,
                         throttle=kinds.append)


def test_a_token_is_taken_before_every_request(emulator: EmulatorProcess) -> None:
    sid = emulator.create_from_values("quota", {"Funnel": FUNNEL})
    kinds: list[str] = []
    first = run_sync(recording_backend(emulator, sid, kinds), OPTIONS)
    assert kinds == ["read", "read", "write"]  # metadata, values, the KPI tab
    kinds.clear()
    make_client({"SHEETS_EMULATOR_HOST": emulator.host}).http_client.values_update(
        sid, "Funnel!B2", params={"valueInputOption": "RAW"}, body={"values": [[999]]})
    second = run_sync(recording_backend(emulator, sid, kinds), OPTIONS, first.state)
    assert kinds == ["read", "write"]  # steady state: layout known
    # a retried request is a request Google counts: it takes a token of its own
    kinds.clear()
    emulator.inject_fault("GET", "/v4/spreadsheets/*/values:batchGet", "429", count=1,
                          retry_after=0.01)
    outcome = run_sync(recording_backend(emulator, sid, kinds), OPTIONS, second.state)
    assert outcome.retries == 1 and kinds == ["read", "read"]  # unchanged input: no write


def test_the_emulator_counts_each_account_apart() -> None:
    # 2 reads per minute per user; an account's name is its bearer token
    with running_emulator(quotas=(2, None)) as emu:
        sid = emu.create_from_values("accounts", {"Funnel": FUNNEL})
        env = {"SHEETS_EMULATOR_HOST": emu.host}
        one = make_client(env, emulator_token="sa-1").http_client
        two = make_client(env, emulator_token="sa-2").http_client
        one.values_get(sid, "Funnel!A1")
        one.values_get(sid, "Funnel!A1")
        with pytest.raises(Exception, match="Quota exceeded"):
            one.values_get(sid, "Funnel!A1")
        assert two.values_get(sid, "Funnel!A1")["values"] == [["Month"]]


def test_the_limiter_stops_a_sync_before_google_says_429() -> None:
    # The emulator allows 2 reads a minute per account; so does the limiter. The first sync
    # takes both; the second would get a 429, but the limiter sees its slot is a minute away,
    # past max_wait, and stops it with a clear message instead.
    with running_emulator(quotas=(2, 10)) as emu:
        sid = emu.create_from_values("busy", {"Funnel": FUNNEL})
        env = {"SHEETS_EMULATOR_HOST": emu.host}
        limiter = MemoryLimiter(Quotas(account_reads=2, account_writes=10, burst=2),
                                max_wait=5.0)
        access = GoogleAccess([ServiceAccount("sa-1", "emulator")], limiter, env)
        account = access.accounts[0]
        first = run_sync(access.open_backend(sid, account), OPTIONS)
        assert first.status == "written"
        with pytest.raises(QuotaBusy, match="read quota of sa-1 is booked more than 5 s"):
            run_sync(access.open_backend(sid, account), OPTIONS, first.state)
        # no 429; the Drive version calls (sync's stale check) count against Drive's quota
        assert [e["status"] for e in emu.request_log()
                if not e["path"].startswith("/drive/")] == [200, 200, 200]


def test_not_shared_names_the_jobs_account(emulator: EmulatorProcess) -> None:
    sid = emulator.create_from_values("private", {"Funnel": FUNNEL})
    emulator.unshare(sid)
    backend = GoogleBackend(make_client({"SHEETS_EMULATOR_HOST": emulator.host}), sid,
                            policy=FAST, account_email="sync-b@funnel-prod.iam.gserviceaccount.com")
    with pytest.raises(NotShared, match=r"add sync-b@funnel-prod\.iam\.gserviceaccount\.com as"):
        run_sync(backend, OPTIONS)


def test_clients_are_kept_per_account_and_thread(emulator: EmulatorProcess) -> None:
    env = {"SHEETS_EMULATOR_HOST": emulator.host}
    access = GoogleAccess([ServiceAccount("sa-1", "emulator"), ServiceAccount("sa-2", "e")],
                          None, env)
    one, two = access.accounts
    assert access.client(one) is access.client(one)
    assert access.client(one) is not access.client(two)
    assert access.client(two).http_client.session.headers["Authorization"] == "Bearer sa-2"


def test_a_broken_key_is_one_clear_error_that_does_not_quote_it(tmp_path: Path) -> None:
    key = tmp_path / "sa.json"
    key.write_text('{"type": "service_account", "client_email": "x@p.iam.gserviceaccount.com",'
                   ' "private_key": "SECRET-PART", "token_uri": "https://oauth2.googleapis.com/t"}')
    access = GoogleAccess([ServiceAccount("x@p.iam.gserviceaccount.com", "p", str(key))], None,
                          env={})
    with pytest.raises(SourceError, match=r"x@p\.iam\.gserviceaccount\.com .*sa\.json\) cannot "
                                          r"be used \(\w+\)") as e:
        access.open_backend("a" * 20, access.accounts[0])
    assert "SECRET" not in str(e.value)
