"""Sign-in against a real server on 127.0.0.1: the client address behind a reverse proxy
(PROXY_HOPS), throttling that nobody can turn against another client, and a parallel burst of
guesses that never gets more than the limit checked — on SQLite and PostgreSQL alike.

Each request runs in the server's own threads, application contexts and database sessions, as
in production; the test's `app` fixture only creates the data and reads the results.
"""
import json
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import request

from scheduler import create_app
from scheduler.audit.models import AuditEntry
from scheduler.auth import throttle
from scheduler.auth.models import LoginAttempt
from scheduler.extensions import db
from tests.conftest import count, make_config, serving

PROXY = {"PROXY_HOPS": 1}
CLIENT_A, CLIENT_B = "127.0.113.7", "127.0.100.9"  # header values only: nothing connects to them


def _where():
    return {"address": request.remote_addr, "scheme": request.scheme, "host": request.host}


@contextmanager
def served(database_url, **config):
    app = create_app(make_config(database_url, SERVER_NAME=None, **config))
    app.add_url_rule("/_probe/where", "probe_where", _where)  # what the application sees
    with serving(app, "signin-server") as base:
        yield base


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_opener = urllib.request.build_opener(NoRedirect)


def post(url: str, *, form: dict | None = None, body: dict | None = None,
         forwarded_for: str | None = None) -> tuple[int, bytes]:
    headers = {}
    if forwarded_for:
        headers["X-Forwarded-For"] = forwarded_for
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    else:
        data = urllib.parse.urlencode(form or {}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


def login(base, username, password="matkhau123", client=None) -> int:
    return post(f"{base}/login", form={"username": username, "password": password},
                forwarded_for=client)[0]


def test_failures_of_one_client_behind_the_proxy_never_lock_out_another(app, tree, database_url):
    limit = app.config["LOGIN_MAX_FAILURES"]
    with served(database_url, **PROXY) as base:
        # A sprays made-up names until its address is stopped...
        for i in range(limit * throttle.ADDRESS_LIMIT_FACTOR):
            assert login(base, f"bia{i}", "sai", CLIENT_A) == 401
        assert login(base, "admin", client=CLIENT_A) == 429
        # ...forging an address in front of the proxy's entry changes nothing...
        assert login(base, "admin", client=f"127.9.9.9, {CLIENT_A}") == 429
        # ...and B, elsewhere, signs in: the proxy's own address is nobody's
        assert login(base, "admin", client=CLIENT_B) == 302
        assert login(base, "vp_phucxa", client="192.0.2.44") == 302


def test_guessing_one_password_locks_that_username_for_the_guesser_only(app, tree, database_url):
    limit = app.config["LOGIN_MAX_FAILURES"]
    with served(database_url, **PROXY) as base:
        for _ in range(limit):
            assert login(base, "admin", "doan-mat-khau", CLIENT_A) == 401
        assert login(base, "admin", client=CLIENT_A) == 429  # the right one, too late
        assert login(base, "admin", client=CLIENT_B) == 302  # the real admin is not locked out
        assert login(base, "vp_phucxa", client=CLIENT_A) == 302  # nor A's other colleagues


def test_audit_log_records_the_forwarded_client(app, tree, database_url):
    with served(database_url, **PROXY) as base:
        status, body = post(f"{base}/api/v1/tokens", body={"username": "vp_phucxa",
                                                           "password": "matkhau123"},
                            forwarded_for=CLIENT_B)
        assert status == 201
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "token.create")).one()
    assert entry.address == CLIENT_B
    attempt = db.session.scalars(sa.select(LoginAttempt)).one()
    assert attempt.address == CLIENT_B and attempt.success


FORWARDED = {"X-Forwarded-For": f"127.1.1.1, {CLIENT_B}", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "lichhop.hanoi.gov.vn"}


def where(base) -> dict:
    request_ = urllib.request.Request(f"{base}/_probe/where", headers=FORWARDED)
    with urllib.request.urlopen(request_, timeout=30) as response:
        return json.loads(response.read())


def test_address_scheme_and_host_come_from_the_trusted_proxy_only(app, database_url):
    with served(database_url, **PROXY) as base:
        # one hop trusted: the entry the proxy added, not the one the client wrote before it
        assert where(base) == {"address": CLIENT_B, "scheme": "https",
                               "host": "lichhop.hanoi.gov.vn"}
    with served(database_url) as base:
        seen = where(base)
        assert seen["address"] == "127.0.0.1" and seen["scheme"] == "http"
        assert seen["host"].startswith("127.0.0.1:")


def test_without_proxy_hops_forwarded_headers_are_ignored(app, tree, database_url):
    limit = app.config["LOGIN_MAX_FAILURES"]
    with served(database_url) as base:
        status, _body = post(f"{base}/api/v1/tokens", body={"username": "vp_phucxa",
                                                            "password": "matkhau123"},
                             forwarded_for=CLIENT_B)
        assert status == 201
        # a client cannot escape its lock by claiming to be someone else
        for i in range(limit):
            assert login(base, "admin", "sai", client=f"192.0.2.{i}") == 401
        assert login(base, "admin", client="192.0.2.200") == 429
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "token.create")).one()
    assert entry.address == "127.0.0.1"


@pytest.mark.parametrize("route", ["form", "api"])
def test_a_parallel_burst_gets_at_most_the_limit_checked(app, tree, database_url, route):
    limit = app.config["LOGIN_MAX_FAILURES"]
    burst = 50
    barrier = threading.Barrier(burst)
    statuses: list = [None] * burst

    def guess(index, base):
        try:
            barrier.wait(timeout=30)
            if route == "form":
                statuses[index] = login(base, "admin", f"doan-{index}", CLIENT_A)
            else:
                statuses[index] = post(f"{base}/api/v1/tokens", forwarded_for=CLIENT_A, body={
                    "username": "admin", "password": f"doan-{index}"})[0]
        except BaseException as err:  # noqa: B036  (reported by the assertions below)
            statuses[index] = err

    with served(database_url, **PROXY) as base:
        threads = [threading.Thread(target=guess, args=(i, base)) for i in range(burst)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(t.is_alive() for t in threads)
        assert login(base, "admin", client=CLIENT_A) == 429
        assert login(base, "admin", client=CLIENT_B) == 302

    assert all(isinstance(s, int) for s in statuses), statuses
    checked = statuses.count(401) if route == "form" else statuses.count(422)
    assert checked + statuses.count(429) == burst, statuses  # no 500, no other answer
    assert 1 <= checked <= limit, statuses
    db.session.expire_all()
    # every password checked left its record; no more than the limit were
    assert count(LoginAttempt) == checked + 1  # and B's successful sign-in


def test_unknown_users_are_checked_against_a_hash_like_real_ones(app, tree, monkeypatch):
    """The same work, and so the same time, for a made-up username as for a real one: the
    password is checked against a dummy hash of the configured method."""
    checked = []
    original = throttle.check_password_hash

    def spy(pwhash, password):
        checked.append(pwhash.split("$", 1)[0])
        return original(pwhash, password)

    monkeypatch.setattr(throttle, "check_password_hash", spy)
    client = app.test_client()
    assert client.post("/login", data={"username": "khongco", "password": "sai"}).status_code == 401
    assert client.post("/login", data={"username": "admin", "password": "sai"}).status_code == 401
    method = app.config["PASSWORD_HASH_METHOD"]
    assert checked == [method, method]
