"""What every response carries and where the client's address comes from.

- `PROXY_HOPS` trusted reverse proxies: with it set, Werkzeug's ProxyFix takes the client's
  address, the scheme and the host from that many `X-Forwarded-*` entries (counted from the
  right, so a client cannot forge its way past the proxy); without it those headers are
  ignored. Sign-in throttling and the audit log read `request.remote_addr` after this.
- Security headers on every response, pages, API and feeds alike. A small after-request hook
  rather than Flask-Talisman: the application needs a fixed policy and no per-view options,
  and Talisman's HTTPS redirect would fight the reverse proxy that terminates TLS.
"""
from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .settings import settings

# Every script and style is a file under static/ (or Bootstrap-Flask's bundled copy, served by
# the application too); Bootstrap's own CSS draws a few icons as data: SVG images.
CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HSTS_SECONDS = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    hops = settings(app).proxy_hops
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    secure_cookies = settings(app).session_cookie_secure

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        if secure_cookies:
            # cookies that only travel over HTTPS mean the site is only meant to be reached so
            headers.setdefault("Strict-Transport-Security", f"max-age={HSTS_SECONDS}")
        return response
