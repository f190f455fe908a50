"""Sign-in hardening: wrong passwords, throttling, deactivated users, CSRF, cookies, error pages,
API tokens and redirects after sign-in."""
import os
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import abort, g

from scheduler.auth import services as auth_services
from scheduler.auth.models import ApiToken, LoginAttempt, LoginThrottle, User
from scheduler.config import DefaultConfig, env_flag
from scheduler.core.access import require
from scheduler.extensions import db
from tests.conftest import count

WRONG = "Tên đăng nhập hoặc mật khẩu không đúng."
THROTTLED = "Đăng nhập sai quá nhiều lần"


def text(response) -> str:
    return response.get_data(as_text=True)


def signed_in(client) -> bool:
    """Whether the client's session reaches the home page instead of the sign-in page."""
    # The app fixture keeps one app context (and so one `g`) across the client's requests;
    # in production each request starts without Flask-Login's cached user, so drop it here.
    g.pop("_login_user", None)
    return client.get("/").status_code == 200


# -- passwords and throttling -----------------------------------------------------------------
def test_wrong_password_shows_vietnamese_error_and_opens_no_session(tree, client, auth):
    response = auth.login("vp_phucxa", "saimatkhau")
    assert response.status_code == 401
    assert WRONG in text(response)
    assert not signed_in(client)


def test_unknown_user_gets_the_same_message(tree, client, auth):
    response = auth.login("khongco", "matkhau123")
    assert response.status_code == 401
    assert WRONG in text(response)


def test_username_is_case_insensitive(tree, client, auth):
    assert auth.login("VP_PhucXa").status_code == 302
    assert signed_in(client)


def _age_attempts(minutes: int) -> None:
    """Move the throttle's windows into the past, as if `minutes` had gone by."""
    for counter in db.session.scalars(sa.select(LoginThrottle)):
        counter.window_start -= timedelta(minutes=minutes)
    db.session.commit()


def test_too_many_failures_lock_the_username_until_the_window_passes(app, tree, client, auth):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for _ in range(limit):
        assert auth.login("vp_phucxa", "saimatkhau").status_code == 401
    response = auth.login("vp_phucxa")  # the right password, but too late
    assert response.status_code == 429
    assert THROTTLED in text(response)
    assert not signed_in(client)

    # another user is not locked by someone else's failures
    assert auth.login("vp_badinh").status_code == 302
    auth.logout()

    _age_attempts(app.config["LOGIN_FAILURE_WINDOW_MINUTES"] - 1)
    assert auth.login("vp_phucxa").status_code == 429
    _age_attempts(2)
    assert auth.login("vp_phucxa").status_code == 302
    assert signed_in(client)


def test_many_failures_from_one_address_lock_every_username(app, tree, client, auth):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for i in range(limit * 4):
        assert auth.login(f"doan{i}", "saimatkhau").status_code == 401
    assert auth.login("admin").status_code == 429


def test_a_stopped_address_leaves_no_trace_of_new_names_and_old_counters_go(app, tree, client, auth):
    limit = app.config["LOGIN_MAX_FAILURES"]
    for i in range(limit * 4):
        auth.login(f"doan{i}", "saimatkhau")
    rows = count(LoginThrottle)
    for i in range(10):
        assert auth.login(f"ten-moi-{i}", "saimatkhau").status_code == 429
    assert count(LoginThrottle) == rows  # no row per name tried while stopped
    _age_attempts(app.config["LOGIN_FAILURE_WINDOW_MINUTES"] + 1)
    assert auth.login("vp_phucxa").status_code == 302
    # the expired counters are gone; what is left is this sign-in's address (given back to 0)
    remaining = db.session.scalars(sa.select(LoginThrottle)).all()
    assert [(c.scope, c.failures) for c in remaining] == [("address", 0)]


def test_deactivated_user_cannot_sign_in(tree, client, auth):
    tree.users.ward_staff.active = False
    db.session.commit()
    response = auth.login("vp_phucxa")
    assert response.status_code == 401
    assert WRONG in text(response)
    assert not signed_in(client)


def test_open_session_of_a_deactivated_user_ends(tree, client, auth):
    auth.login("vp_phucxa")
    assert signed_in(client)
    tree.users.ward_staff.active = False
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_open_session_ends_when_an_admin_resets_the_password(tree, client, auth):
    auth.login("vp_phucxa")
    assert signed_in(client)
    auth_services.reset_password(tree.users.ward_admin, tree.users.ward_staff, "matkhaumoi456")
    db.session.commit()
    assert not signed_in(client)
    assert auth.login("vp_phucxa").status_code == 401
    assert auth.login("vp_phucxa", "matkhaumoi456").status_code == 302


def test_changing_own_password_keeps_this_session(tree, client, auth):
    auth.login("vp_phucxa")
    response = client.post("/account/password", data={
        "current": "matkhau123", "new": "matkhaumoi456", "confirm": "matkhaumoi456"})
    assert response.status_code == 302
    assert signed_in(client)


# -- CSRF -------------------------------------------------------------------------------------
class TestCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def login(self, client, username="vp_phucxa"):
        page = text(client.get("/login"))
        token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        return client.post("/login", data={"username": username, "password": "matkhau123",
                                           "csrf_token": token})

    def test_login_without_token_is_refused(self, tree, client):
        response = client.post("/login", data={"username": "vp_phucxa", "password": "matkhau123"})
        assert response.status_code == 400
        assert not signed_in(client)
        assert count(LoginAttempt) == 0

    def test_form_post_without_token_changes_nothing(self, tree, client):
        assert self.login(client).status_code == 302
        response = client.post("/account/password", data={
            "current": "matkhau123", "new": "matkhaumoi456", "confirm": "matkhaumoi456"})
        assert response.status_code == 400
        assert "Yêu cầu không hợp lệ." in text(response)
        db.session.expire_all()
        assert tree.users.ward_staff.check_password("matkhau123")
        assert client.post("/logout").status_code == 400
        assert signed_in(client)

    def test_api_write_with_session_cookie_needs_the_header(self, app, tree, client):
        # a throwaway API route stands for every write route of the blueprint
        app.add_url_rule("/api/v1/_probe", "api.probe", lambda: {"ok": True}, methods=["POST"])
        assert self.login(client).status_code == 302
        response = client.post("/api/v1/_probe", json={})
        assert response.status_code == 400
        assert response.get_json()["error"]["code"] == "bad_request"
        home = text(client.get("/"))
        token = re.search(r'name="csrf_token" value="([^"]+)"', home).group(1)
        assert client.post("/api/v1/_probe", json={}, headers={"X-CSRFToken": token}).status_code == 200

    def test_bearer_clients_need_no_csrf_token(self, app, tree, client):
        app.add_url_rule("/api/v1/_probe", "api.probe", lambda: {"ok": True}, methods=["POST"])
        created = client.post("/api/v1/tokens", json={"username": "vp_phucxa", "password": "matkhau123"})
        assert created.status_code == 201
        response = app.test_client().post(
            "/api/v1/_probe", json={}, headers={"Authorization": "Bearer " + created.get_json()["token"]})
        assert response.status_code == 200

    def test_a_bearer_header_beside_the_session_cookie_waives_nothing(self, app, tree, client):
        # a page that makes the browser send some Authorization header must not skip the check
        app.add_url_rule("/api/v1/_probe", "api.probe", lambda: {"ok": True}, methods=["POST"])
        created = app.test_client().post("/api/v1/tokens", json={"username": "vp_phucxa",
                                                                 "password": "matkhau123"})
        assert self.login(client).status_code == 302
        for header in ("Bearer khong-phai-ma-that", "Bearer " + created.get_json()["token"]):
            response = client.post("/api/v1/_probe", json={}, headers={"Authorization": header})
            assert response.status_code == 400
            assert response.get_json()["error"]["code"] == "bad_request"
        # without the cookie an invalid token signs nobody in, and writes nothing
        g.pop("_login_user", None)  # the app fixture shares one `g` across requests
        anonymous = app.test_client().post("/api/v1/meetings", json={},
                                           headers={"Authorization": "Bearer khong-phai-ma-that"})
        assert anonymous.status_code == 401


# -- cookies ----------------------------------------------------------------------------------
def _session_cookie(response) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie was set"
    return cookies[0]


def test_session_cookie_is_httponly_and_samesite_lax(tree, client, auth):
    cookie = _session_cookie(auth.login("vp_phucxa"))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_session_cookie_is_secure_unless_switched_off(database_url, tree, monkeypatch):
    from scheduler import create_app
    from tests.conftest import make_config

    if "SESSION_COOKIE_SECURE" in os.environ:
        pytest.skip("SESSION_COOKIE_SECURE is set in this environment")
    assert DefaultConfig.SESSION_COOKIE_SECURE is True
    config = make_config(database_url)
    del config["SESSION_COOKIE_SECURE"], config["REMEMBER_COOKIE_SECURE"]
    secure_app = create_app(config)
    response = secure_app.test_client().post("/login", data={"username": "vp_phucxa",
                                                             "password": "matkhau123"})
    assert "Secure" in _session_cookie(response)
    with secure_app.app_context():
        db.engine.dispose()
    # run.sh switches it off for the plain-HTTP development server
    monkeypatch.setenv("SESSION_COOKIE_SECURE", "0")
    assert env_flag("SESSION_COOKIE_SECURE", True) is False


# -- error pages ------------------------------------------------------------------------------
def test_unknown_page_is_a_vietnamese_404(client):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Không tìm thấy trang hoặc dữ liệu yêu cầu." in text(response)


def test_forbidden_pages_are_vietnamese_html(app, tree, client, auth):
    app.add_url_rule("/_probe/admin-only", "probe_admin", lambda: require("administer") or "ok")
    app.add_url_rule("/_probe/abort", "probe_abort", lambda: abort(403))
    auth.login("vp_phucxa")
    for path in ("/_probe/admin-only", "/_probe/abort"):
        response = client.get(path)
        assert response.status_code == 403
        assert response.mimetype == "text/html"
        assert "Bạn không có quyền thực hiện thao tác này." in text(response)


def test_api_404_is_json(tree, client, auth):
    auth.login("vp_phucxa")
    for path in ("/api/v1/khong-co", "/api/v1/units/99999"):
        response = client.get(path)
        assert response.status_code == 404
        error = response.get_json()["error"]
        assert error["code"] == "not_found"
        assert error["message"] and "details" in error


def test_unexpected_exception_yields_the_vietnamese_500_page(app, client):
    def broken():
        raise RuntimeError("boom")

    app.add_url_rule("/_probe/broken", "probe_broken", broken)
    app.add_url_rule("/api/v1/_probe/broken", "api.probe_broken", broken)
    response = client.get("/_probe/broken")
    assert response.status_code == 500
    assert "Đã có lỗi xảy ra. Vui lòng thử lại sau." in text(response)
    assert "boom" not in text(response)
    response = client.get("/api/v1/_probe/broken")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "server_error"


def test_error_page_follows_the_language(client):
    client.post("/language/en")
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404
    assert "Không tìm thấy" not in text(response)


# -- API tokens -------------------------------------------------------------------------------
def test_token_works_as_bearer(tree, client):
    response = client.post("/api/v1/tokens", json={"username": "vp_phucxa", "password": "matkhau123"})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert response.get_json()["token_type"] == "Bearer"
    fresh = client.application.test_client()  # no session cookie, only the token
    units = fresh.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"})
    assert units.status_code == 200
    assert "00001" in {u["code"] for u in units.get_json()["units"]}
    stored = db.session.scalars(sa.select(ApiToken)).one()
    assert stored.token_hash != token  # only the hash is kept


def test_bad_token_credentials_are_a_json_422(tree, client):
    response = client.post("/api/v1/tokens", json={"username": "vp_phucxa", "password": "sai"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "invalid" and error["message"] == WRONG
    assert client.post("/api/v1/tokens", json={"username": "vp_phucxa"}).status_code == 422
    assert client.post("/api/v1/tokens", data="not json").status_code == 422
    assert count(ApiToken) == 0


def test_token_requests_are_throttled(app, tree, client):
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/api/v1/tokens", json={"username": "vp_phucxa", "password": "sai"})
    response = client.post("/api/v1/tokens", json={"username": "vp_phucxa", "password": "matkhau123"})
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "too_many_requests"
    assert count(ApiToken) == 0


def test_unknown_revoked_or_deactivated_tokens_are_refused(tree, client):
    raw, token = auth_services.issue_token(tree.users.ward_staff)
    db.session.commit()
    fresh = client.application.test_client()
    headers = {"Authorization": "Bearer khong-hop-le"}
    response = fresh.get("/api/v1/units", headers=headers)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "unauthorized"
    token.revoked = True
    db.session.commit()
    assert fresh.get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"}).status_code == 401
    token.revoked = False
    db.session.get(User, tree.users.ward_staff.id).active = False
    db.session.commit()
    assert fresh.get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


# -- redirects after sign-in ------------------------------------------------------------------
@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example/", "/\\evil.example",
                                    "\\\\evil.example", "javascript:alert(1)"])
def test_sign_in_never_redirects_off_site(tree, client, target):
    response = client.post("/login", query_string={"next": target},
                           data={"username": "vp_phucxa", "password": "matkhau123"})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
    assert "javascript" not in response.headers["Location"]


def test_sign_in_returns_to_the_page_asked_for(tree, client):
    response = client.get("/units")
    assert response.status_code == 302
    login_url = response.headers["Location"]
    response = client.post(login_url, data={"username": "vp_phucxa", "password": "matkhau123"})
    assert response.headers["Location"].endswith("/units")


def test_language_switch_does_not_redirect_off_site(client):
    response = client.post("/language/en", data={"next": "//evil.example"})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]



def test_a_sign_in_takes_the_throttle_rows_in_one_order(app, tree):
    """Counting an attempt locks the address's counter, then the account's; giving the
    attempt back after a correct password must take them in that same order, or two sign-ins
    of one user at once wait for each other (a deadlock on PostgreSQL under the load test)."""
    from scheduler.extensions import db

    scopes = []

    def on_statement(conn, cursor, statement, parameters, context, executemany):
        if "login_throttle" in statement and not statement.lstrip().upper().startswith("SELECT"):
            values = parameters.values() if isinstance(parameters, dict) else parameters
            scope = next((v for v in values if v in ("address", "account")), None)
            if scope:  # not the clean-up of expired counters, which names none
                scopes.append(scope)

    sa.event.listen(db.engine, "before_cursor_execute", on_statement)
    try:
        auth_services.authenticate("vp_phucxa", tree.password, "127.0.0.9")
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", on_statement)
    # counted (address, account), then given back in the same order
    assert scopes == ["address", "account", "address", "account"]
