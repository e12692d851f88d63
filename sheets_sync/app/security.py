"""Browser-facing safety: the session cookie's flags and the security headers of every answer.

SESSION_COOKIE_SECURE is "auto" by default: the cookie is marked Secure (sent over HTTPS only)
unless the request came over plain HTTP to a loopback address, which is the demo and a laptop.
So a deployment behind a TLS proxy gets Secure cookies without setup, and a plain-HTTP address
that is not loopback cannot sign in by accident over an unencrypted link: the sign-in page says
to use HTTPS (or to set SHEETS_SYNC_SESSION_COOKIE_SECURE=false, knowingly). True or false in
the config override "auto". The cookie is always HttpOnly and SameSite=Lax (config.py).
"""

from __future__ import annotations

import ipaddress

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": CSP,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def is_loopback_host(host: str) -> bool:
    name = host.strip().lower()
    if name.startswith("["):  # [::1]:8000
        name = name[1:].partition("]")[0]
    elif name.count(":") == 1:  # 127.0.0.1:8000, localhost:8000
        name = name.partition(":")[0]
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def cookie_must_be_secure(app: Flask) -> bool:
    setting = app.config.get("SESSION_COOKIE_SECURE", "auto")
    if isinstance(setting, bool):
        return setting
    if str(setting).lower() in ("false", "0", "no", "off"):
        return False
    if str(setting).lower() in ("true", "1", "yes", "on"):
        return True
    if not request:  # outside a request nothing is sent; be strict
        return True
    return request.is_secure or not is_loopback_host(request.host)


def insecure_sign_in() -> bool:
    """True when a cookie set now would be Secure but the browser talks plain HTTP: it would
    drop the cookie, so the sign-in could never hold."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    return cookie_must_be_secure(app) and not request.is_secure


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        return cookie_must_be_secure(app)


def add_security_headers(resp: Response) -> Response:
    for name, value in HEADERS.items():
        resp.headers.setdefault(name, value)
    if request.is_secure:
        resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # Pages and API answers carry jobs, runs and reports: no shared cache may keep them.
    if not request.path.startswith("/static/"):
        resp.headers.setdefault("Cache-Control", "no-store")
    return resp


def init_security(app: Flask) -> None:
    app.session_interface = SessionInterface()
    app.after_request(add_security_headers)
    proxies = int(app.config.get("PROXIES") or 0)
    if proxies > 0:
        # Behind N trusted reverse proxies (TLS ends there): take the client's address, scheme
        # and host from their X-Forwarded-* headers, so the cookie is Secure and the rate limit
        # counts per client. Never set it without such a proxy: clients could forge them.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies,  # type: ignore[method-assign]
                                x_proto=proxies, x_host=proxies)
