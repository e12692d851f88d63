"""Access and secrets: tokens on every route, tokens kept hashed, CSRF, cookie flags, headers,
no secret in logs, answers or pages, request size limits, rate limits per token."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sheets_sync.app import create_app
from sheets_sync.app.store_ext import get_store
from sheets_sync.store import tokens as tokens_module
from sheets_sync.store.models import ApiToken
from sheets_sync.store.tokens import create_token, revoke_token

OPEN = {"/healthz", "/static/<path:filename>", "/signin", "/signout", "/lang/<code>", "/",
        "/api/v1/openapi.json"}
KEY_MATERIAL = "TOPSECRETKEYMATERIALxyz"


def urls(app: Flask) -> list[tuple[str, str, str]]:
    """Every (rule, method, url) of the app, with sample values for the path's variables."""
    out = []
    for rule in app.url_map.iter_rules():
        url = rule.rule
        for name, conv in rule._converters.items():
            sample = "pause" if "pause" in repr(getattr(conv, "items", "")) else "1"
            url = re.sub(rf"<[^>]*\b{name}>", sample, url)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.rule, method, url))
    return out


def test_every_route_but_the_open_ones_needs_a_token(app: Flask, client: FlaskClient) -> None:
    checked = 0
    for rule, method, url in urls(app):
        if rule in OPEN:
            continue
        resp = client.open(url, method=method, json={} if method != "GET" else None)
        if rule.startswith("/api/"):
            assert resp.status_code == 401, (method, url, resp.status_code)
            assert resp.headers["WWW-Authenticate"].startswith("Bearer")
        elif method == "GET":
            assert resp.status_code == 302 and "/signin" in resp.headers["Location"], (url,)
        else:  # dashboard forms: refused before anything runs (no CSRF token, no session)
            assert resp.status_code in (302, 400), (method, url, resp.status_code)
        checked += 1
    assert checked >= 18
    assert client.get("/healthz").status_code == 200


def test_a_revoked_or_wrong_token_is_refused(app: Flask, client: FlaskClient, token: str,
                                             auth: dict[str, str]) -> None:
    assert client.get("/api/v1/jobs", headers=auth).status_code == 200
    for bad in (token[:-1], token + "x", token.upper(), "Bearer", "", "x" * 500):
        resp = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {bad}"})
        assert resp.status_code == 401
    with get_store(app).session() as s:
        revoke_token(s, token[:12])
    assert client.get("/api/v1/jobs", headers=auth).status_code == 401


def test_tokens_are_stored_hashed_and_compared_in_constant_time(
        app: Flask, config: dict[str, Any], token: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with get_store(app).session() as s:
        row = s.query(ApiToken).one()
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
        assert token not in (row.prefix, row.name) and len(row.prefix) == 12
    db_file = Path(config["DATABASE_URL"].removeprefix("sqlite:///"))
    raw = b"".join(p.read_bytes() for p in db_file.parent.glob(db_file.name + "*"))
    assert token.encode() not in raw and token[12:].encode() not in raw

    compared: list[tuple[str, str]] = []
    real = hmac.compare_digest

    def spy(a: Any, b: Any) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(tokens_module.hmac, "compare_digest", spy)
    with get_store(app).session() as s:
        assert tokens_module.verify_token(s, token) is not None
    assert compared and all(len(a) == len(b) == 64 for a, b in compared)


def sign_in(client: FlaskClient, token: str, base_url: str = "http://localhost") -> Any:
    page = client.get("/signin", base_url=base_url).get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert csrf, page
    # Over HTTPS Flask-WTF also checks that the form came from this site (the Referer).
    return client.post("/signin", data={"token": token, "csrf_token": csrf.group(1)},
                       base_url=base_url, headers={"Referer": f"{base_url}/signin"})


def test_forms_need_the_csrf_token(app: Flask, client: FlaskClient, token: str,
                                   auth: dict[str, str]) -> None:
    job = client.post("/api/v1/jobs", json={"spreadsheet": "demo_ru.xlsx"}, headers=auth)
    job_id = job.get_json()["id"]
    # without a CSRF token even the sign-in form is refused
    assert client.post("/signin", data={"token": token}).status_code == 400
    assert sign_in(client, token).status_code == 302
    for path in ("/jobs/new", f"/jobs/{job_id}/run", f"/jobs/{job_id}/pause",
                 f"/jobs/{job_id}/resume", f"/jobs/{job_id}/delete", "/signout"):
        resp = client.post(path, data={"spreadsheet": "demo_en.xlsx"})
        assert resp.status_code == 400, path
        assert "CSRF" in resp.get_data(as_text=True)
    # nothing happened: the job is there, never ran, still enabled
    got = client.get(f"/api/v1/jobs/{job_id}", headers=auth).get_json()
    assert got["last_run"] is None and got["enabled"] is True
    assert len(client.get("/api/v1/jobs", headers=auth).get_json()["jobs"]) == 1


def session_cookie(resp: Any) -> str:
    cookies = [v for k, v in resp.headers.items() if k == "Set-Cookie" and
               v.startswith("session=")]
    assert cookies, resp.headers
    return str(cookies[0])


def test_session_cookie_flags(app: Flask, client: FlaskClient, token: str) -> None:
    # Loopback over plain HTTP (the demo, a laptop): HttpOnly and SameSite, not Secure.
    local = session_cookie(sign_in(client, token))
    assert "HttpOnly" in local and "SameSite=Lax" in local and "Secure" not in local
    # Behind HTTPS: Secure too.
    remote = app.test_client()
    resp = sign_in(remote, token, base_url="https://kpi.example.com")
    cookie = session_cookie(resp)
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    # Plain HTTP to a host that is not loopback: no sign-in over an unencrypted link.
    plain = app.test_client()
    resp = sign_in(plain, token, base_url="http://kpi.example.com")
    assert resp.status_code == 403 and "HTTPS" in resp.get_data(as_text=True)
    assert "token_id" not in str(resp.headers)


def test_security_headers(client: FlaskClient, auth: dict[str, str]) -> None:
    for resp in (client.get("/signin"), client.get("/api/v1/jobs", headers=auth),
                 client.get("/healthz")):
        h = resp.headers
        assert h["X-Content-Type-Options"] == "nosniff" and h["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in h["Content-Security-Policy"]
        assert h["Cache-Control"] == "no-store"


def test_request_size_limits(app: Flask, client: FlaskClient, auth: dict[str, str]) -> None:
    limit = app.config["MAX_CONTENT_LENGTH"]
    big = b"a" * (limit + 1)
    resp = client.post("/api/v1/compute", data=big, headers={**auth,
                                                              "Content-Type": "text/csv"})
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_large"
    # under the byte limit but over the cells the service computes at once
    cells = app.config["COMPUTE_MAX_CELLS"]
    rows = [[1] * 1000 for _ in range(cells // 1000 + 1)]
    resp = client.post("/api/v1/compute", json={"values": rows}, headers=auth)
    assert resp.status_code == 413 and resp.get_json()["error"]["code"] == "too_many_cells"
    # JSON nested past the recursion limit is a 400, not a crash
    deep = "[" * 100_000 + "]" * 100_000
    resp = client.post("/api/v1/compute", data=deep, headers={
        **auth, "Content-Type": "application/json"})
    assert resp.status_code == 400 and "nested" in resp.get_json()["error"]["message"]
    # a big form on the dashboard is cut off too
    resp = client.post("/signin", data={"token": "x" * (limit + 1)})
    assert resp.status_code == 413


def limited_app(config: dict[str, Any], **limits: str) -> Flask:
    return create_app({**config, **limits})


def test_rate_limit_per_token(config: dict[str, Any]) -> None:
    app = limited_app(config, RATE_LIMIT="5/minute", RATE_LIMIT_FAILED_AUTH="")
    try:
        with get_store(app).session() as s:
            first, _ = create_token(s, "first")
            second, _ = create_token(s, "second")
        client = app.test_client()
        one = {"Authorization": f"Bearer {first}"}
        assert [client.get("/api/v1/jobs", headers=one).status_code for _ in range(5)] == \
            [200] * 5
        over = client.get("/api/v1/jobs", headers=one)
        assert over.status_code == 429 and over.get_json()["error"]["code"] == "rate_limited"
        assert 1 <= int(over.headers["Retry-After"]) <= 60
        # another token has a bucket of its own; /healthz is never limited
        assert client.get("/api/v1/jobs", headers={
            "Authorization": f"Bearer {second}"}).status_code == 200
        assert all(client.get("/healthz").status_code == 200 for _ in range(10))
    finally:
        get_store(app).dispose()


def test_failed_authentication_is_limited_per_address(config: dict[str, Any]) -> None:
    app = limited_app(config, RATE_LIMIT="", RATE_LIMIT_FAILED_AUTH="3/minute")
    try:
        with get_store(app).session() as s:
            good, _ = create_token(s, "good")
        client = app.test_client()
        codes = [client.get("/api/v1/jobs", headers={"Authorization": f"Bearer guess{i}"})
                 .status_code for i in range(5)]
        assert codes == [401, 401, 401, 429, 429]
        # once blocked, even a right guess is not told apart from a wrong one
        assert client.get("/api/v1/jobs", headers={
            "Authorization": f"Bearer {good}"}).status_code == 429
        # the dashboard's sign-in shares the count
        page = client.get("/signin").get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf is not None
        resp = client.post("/signin", data={"token": good, "csrf_token": csrf.group(1)})
        assert resp.status_code == 429
        # another address is not affected
        other = client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {good}"},
                           environ_base={"REMOTE_ADDR": "127.0.0.2"})
        assert other.status_code == 200
    finally:
        get_store(app).dispose()


def test_a_bad_rate_limit_setting_is_a_clear_error(config: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="RATE_LIMIT='lots' is not a rate limit"):
        create_app({**config, "RATE_LIMIT": "lots"})


def test_no_secret_in_logs_answers_or_pages(app: Flask, client: FlaskClient, token: str,
                                            auth: dict[str, str], tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch,
                                            caplog: pytest.LogCaptureFixture) -> None:
    key = tmp_path / "service-account.json"
    key.write_text(json.dumps({
        "type": "service_account", "project_id": "p", "private_key_id": "k1",
        "private_key": f"-----BEGIN PRIVATE KEY-----\n{KEY_MATERIAL}\n-----END PRIVATE KEY-----\n",
        "client_email": "sync@p.iam.gserviceaccount.com", "client_id": "1",
        "token_uri": "https://oauth2.googleapis.com/token"}), "utf-8")
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(key))
    monkeypatch.delenv("SHEETS_EMULATOR_HOST", raising=False)
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []

    def keep(resp: Any) -> Any:
        seen.append(resp.get_data(as_text=True) + str(resp.headers))
        return resp

    # A Google job whose key is broken: the run fails with a clear message, no key in it.
    job = keep(client.post("/api/v1/jobs", json={"spreadsheet": "1AbcdefghijKLMNOPqrs"},
                           headers=auth)).get_json()
    run = keep(client.post(f"/api/v1/jobs/{job['id']}/run", headers=auth)).get_json()
    assert run["status"] == "failed" and run["error_code"] == "source_error"
    assert "service-account key" in run["error"] and "GOOGLE_APPLICATION_CREDENTIALS" in \
        run["error"]
    for path in ("/api/v1/jobs", f"/api/v1/jobs/{job['id']}/runs", "/api/v1/runs",
                 "/api/v1/openapi.json", "/healthz"):
        keep(client.get(path, headers=auth))
    keep(client.get("/api/v1/jobs", headers={"Authorization": f"Bearer {token}x"}))
    keep(client.post("/api/v1/compute", data="[" * 50_000, headers={
        **auth, "Content-Type": "application/json"}))
    sign_in(client, token)
    for path in ("/jobs", f"/jobs/{job['id']}", "/jobs/new", "/signin"):
        keep(client.get(path))
    everything = "\n".join(seen) + caplog.text
    for secret in (token, token[12:], KEY_MATERIAL, "BEGIN PRIVATE KEY", app.secret_key):
        assert str(secret) not in everything, secret


def test_behind_an_https_proxy(config: dict[str, Any]) -> None:
    app = create_app({**config, "PROXIES": 1, "RATE_LIMIT_FAILED_AUTH": "2/minute"})
    try:
        with get_store(app).session() as s:
            token, _ = create_token(s, "proxy")
        client = app.test_client()
        forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kpi.example.com",
                     "X-Forwarded-For": "203.0.113.7"}
        page = client.get("/signin", headers=forwarded).get_data(as_text=True)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert csrf is not None
        resp = client.post("/signin", data={"token": token, "csrf_token": csrf.group(1)},
                           headers={**forwarded, "Referer": "https://kpi.example.com/signin"})
        assert resp.status_code == 302 and "Secure" in session_cookie(resp)
        # failed tokens are counted per client behind the proxy, not for the proxy itself
        for _ in range(3):
            client.get("/api/v1/jobs", headers={**forwarded, "Authorization": "Bearer bad"})
        other = {**forwarded, "X-Forwarded-For": "203.0.113.8",
                 "Authorization": f"Bearer {token}"}
        assert client.get("/api/v1/jobs", headers=other).status_code == 200
        assert client.get("/api/v1/jobs", headers={
            **forwarded, "Authorization": f"Bearer {token}"}).status_code == 429
    finally:
        get_store(app).dispose()
