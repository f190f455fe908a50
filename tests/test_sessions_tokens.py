"""Sessions end on the server side (sign-out, password change or reset, deactivation, "sign out
everywhere"), remember-me lasts 30 days at most, and API tokens are listed, revocable and die
with a password change."""
import re
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient

from scheduler.audit.models import AuditEntry
from scheduler.auth.models import ApiToken
from scheduler.extensions import db


class Browser(FlaskClient):
    """A test client whose every request starts as in production, without the user that
    Flask-Login cached in `g` for another client (the app fixture's one app context, and so one
    `g`, is shared by every client of a test)."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _browsers(app):
    app.test_client_class = Browser


def home(client) -> int:
    """The status of the home page for this browser: 200 signed in, 302 to the sign-in page."""
    return client.get("/").status_code


def sign_in(app, username="vp_phucxa", remember=False):
    browser = app.test_client()
    data = {"username": username, "password": "matkhau123"}
    if remember:
        data["remember"] = "y"
    assert browser.post("/login", data=data).status_code == 302
    return browser


def copy_of(app, browser, *names):
    """Another browser holding copies of `browser`'s cookies (a stolen cookie, or the same
    cookie kept by a second window)."""
    other = app.test_client()
    for name in names:
        cookie = browser.get_cookie(name)
        assert cookie is not None, name
        other.set_cookie(name, cookie.value, domain="localhost")
    return other


def remembered_only(app, browser):
    """A browser restarted: the session cookie is gone, the remember-me cookie stays."""
    return copy_of(app, browser, "remember_token")


def new_token(client, username="vp_phucxa", password="matkhau123") -> str:
    response = client.post("/api/v1/tokens", json={"username": username, "password": password})
    assert response.status_code == 201
    return response.get_json()["token"]


def api_status(client, token) -> int:
    return client.get("/api/v1/units", headers={"Authorization": f"Bearer {token}"}).status_code


def test_old_cookies_fail_after_sign_out(app, tree):
    browser = sign_in(app, remember=True)
    stolen = copy_of(app, browser, "session")
    restarted = remembered_only(app, browser)
    assert home(stolen) == 200 and home(restarted) == 200  # the copies work while signed in
    browser.post("/logout")
    assert home(browser) == 302
    assert home(stolen) == 302, "the old session cookie still works after sign-out"
    assert home(restarted) == 302, "the remember-me cookie still works after sign-out"


def lifetime(cookie: str) -> timedelta:
    """How long from now a Set-Cookie header's cookie lives, to the day."""
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", cookie).group(1))
    return timedelta(days=round((expires - datetime.now(timezone.utc)) / timedelta(days=1)))


def test_remember_me_lasts_thirty_days(app, tree):
    browser = app.test_client()
    response = browser.post("/login", data={"username": "vp_phucxa", "password": "matkhau123",
                                            "remember": "y"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert lifetime(cookie) == timedelta(days=30)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


@pytest.mark.parametrize("app_config", [{"REMEMBER_COOKIE_DURATION": timedelta(days=7)}])
def test_remember_me_duration_is_configurable(app, tree):
    response = app.test_client().post("/login", data={
        "username": "vp_phucxa", "password": "matkhau123", "remember": "y"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
    assert lifetime(cookie) == timedelta(days=7)


def test_password_change_ends_other_sessions_and_tokens_but_keeps_this_one(app, tree):
    other_window = sign_in(app, remember=True)
    restarted = remembered_only(app, other_window)
    token = new_token(app.test_client())
    browser = sign_in(app)
    response = browser.post("/account/password", data={
        "current": "matkhau123", "new": "matkhaumoi456", "confirm": "matkhaumoi456"})
    assert response.status_code == 302
    assert home(browser) == 200
    assert home(other_window) == 302 and home(restarted) == 302
    assert api_status(app.test_client(), token) == 401


def test_password_reset_ends_sessions_and_tokens(app, tree):
    browser = sign_in(app, remember=True)
    restarted = remembered_only(app, browser)
    token = new_token(app.test_client())
    assert api_status(app.test_client(), token) == 200
    admin = sign_in(app, "qt_phucxa")
    assert admin.post(f"/users/{tree.users.ward_staff.id}/password",
                      data={"password": "matkhaumoi456", "confirm": "matkhaumoi456"}).status_code == 302
    assert home(browser) == 302 and home(restarted) == 302
    assert api_status(app.test_client(), token) == 401
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.reset_password")).one()
    assert entry.changes == {"tokens_revoked": 1}


def test_deactivation_ends_sessions_for_good(app, tree):
    browser = sign_in(app, remember=True)
    restarted = remembered_only(app, browser)
    admin = sign_in(app, "qt_phucxa")
    user_id = tree.users.ward_staff.id
    admin.post(f"/users/{user_id}/active", data={"active": "0"})
    assert home(browser) == 302 and home(restarted) == 302
    admin.post(f"/users/{user_id}/active", data={"active": "1"})
    # reactivating does not bring the old cookies back
    assert home(browser) == 302 and home(restarted) == 302
    assert home(sign_in(app)) == 200


def test_admin_signs_a_user_out_everywhere(app, tree):
    browser = sign_in(app, remember=True)
    restarted = remembered_only(app, browser)
    token = new_token(app.test_client())
    admin = sign_in(app, "qt_badinh")
    users_page = admin.get("/users").get_data(as_text=True)
    assert f"/users/{tree.users.ward_staff.id}/sessions/end" in users_page
    response = admin.post(f"/users/{tree.users.ward_staff.id}/sessions/end")
    assert response.status_code == 302
    assert home(browser) == 302 and home(restarted) == 302
    assert api_status(app.test_client(), token) == 401
    assert home(admin) == 200  # the administrator's own session is untouched
    entry = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "user.end_sessions")).one()
    assert entry.user_id == tree.users.district_admin.id and entry.object_id == str(tree.users.ward_staff.id)
    assert home(sign_in(app)) == 200  # the password still works


def test_sign_out_everywhere_is_limited_to_the_subtree(app, tree):
    outsider = sign_in(app, "vp_hangbac")
    ward_admin = sign_in(app, "qt_phucxa")
    assert ward_admin.post(f"/users/{tree.users.other_ward_staff.id}/sessions/end").status_code == 403
    assert ward_admin.post(f"/users/{tree.users.admin.id}/sessions/end").status_code == 403
    staff = sign_in(app, "vp_phucxa")
    assert staff.post(f"/users/{tree.users.ward_admin.id}/sessions/end").status_code == 403
    assert home(outsider) == 200 and home(ward_admin) == 200


def test_signing_oneself_out_everywhere(app, tree):
    laptop = sign_in(app, remember=True)
    phone = sign_in(app)
    token = new_token(app.test_client())
    response = phone.post("/account/sessions/end")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert home(phone) == 302 and home(laptop) == 302 and home(remembered_only(app, laptop)) == 302
    assert api_status(app.test_client(), token) == 401


# -- API tokens on the account page -----------------------------------------------------------
def test_account_page_lists_and_revokes_tokens(app, tree):
    first = new_token(app.test_client())
    second = new_token(app.test_client())
    new_token(app.test_client(), "vp_hangbac")  # someone else's
    assert api_status(app.test_client(), first) == 200
    browser = sign_in(app)
    page = browser.get("/account").get_data(as_text=True)
    rows = re.findall(r'<tr data-token="(\d+)">(.*?)</tr>', page, re.S)
    assert len(rows) == 2  # only one's own
    used = {token_id: re.search(r'data-testid="last-used">([^<]*)<', row).group(1).strip()
            for token_id, row in rows}
    first_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.token_hash == ApiToken.hash(first)))
    second_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.token_hash == ApiToken.hash(second)))
    assert used[str(second_id)] == "Chưa dùng"
    assert re.match(r"\d{2}:\d{2} \d{2}/\d{2}/\d{4}", used[str(first_id)])  # last used, local time
    assert "Hết hạn" in page and "Tạo lúc" in page

    assert browser.post(f"/account/tokens/{first_id}/revoke").status_code == 302
    assert api_status(app.test_client(), first) == 401
    assert api_status(app.test_client(), second) == 200
    page = browser.get("/account").get_data(as_text=True)
    assert f'data-token="{first_id}"' not in page and f'data-token="{second_id}"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "token.revoke")) == 1


def test_nobody_revokes_another_users_token(app, tree):
    theirs = new_token(app.test_client(), "vp_hangbac")
    their_id = db.session.scalar(sa.select(ApiToken.id).where(ApiToken.token_hash == ApiToken.hash(theirs)))
    browser = sign_in(app)
    assert browser.post(f"/account/tokens/{their_id}/revoke").status_code == 404
    assert api_status(app.test_client(), theirs) == 200


def test_delete_current_token_revokes_the_token_used(app, tree):
    used = new_token(app.test_client())
    kept = new_token(app.test_client())
    client = app.test_client()
    response = client.delete("/api/v1/tokens/current", headers={"Authorization": f"Bearer {used}"})
    assert response.status_code == 200 and response.get_json()["revoked"] is True
    assert api_status(client, used) == 401 and api_status(client, kept) == 200
    again = client.delete("/api/v1/tokens/current", headers={"Authorization": f"Bearer {used}"})
    assert again.status_code == 401 and again.get_json()["error"]["code"] == "unauthorized"
    assert client.delete("/api/v1/tokens/current").status_code == 401
