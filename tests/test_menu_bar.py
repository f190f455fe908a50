"""The menu bar is rendered once per user, page and counts in each process
(core/navigation.py:menu_bar); what changes on every request, the CSRF token and the page's own
address, is written into it each time, and a change of anything it shows shows at once."""
import re
from contextlib import contextmanager

import pytest
from flask import template_rendered
from markupsafe import escape

from scheduler.auth.models import User
from scheduler.extensions import db
from scheduler.notifications.models import Notification
from tests.query_helpers import fresh_request


@pytest.fixture
def app_config():
    return {"WTF_CSRF_ENABLED": True}  # the bar's forms carry a working token


@contextmanager
def bars_rendered(app):
    seen = []

    def on_render(sender, template, context, **extra):
        if template.name == "_menu_bar.html":
            seen.append(context["bar"])

    template_rendered.connect(on_render, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(on_render, app)


def sign_in(client, username):
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": username, "password": "matkhau123", "csrf_token": token})
    fresh_request()


def bar_of(html: str) -> str:
    return html[html.index("<nav"):html.index("</nav>")]


def test_the_bar_is_kept_and_still_shows_each_change(app, client, tree):
    user_id = tree.users.district_admin.id
    sign_in(client, "qt_badinh")
    with bars_rendered(app) as rendered:
        first = client.get("/meetings/week").get_data(as_text=True)
        fresh_request()
        again = client.get("/meetings/week").get_data(as_text=True)
    assert len(rendered) == 1  # the second page used the kept bar
    assert 'data-testid="whoami"' in again and "qt_badinh" in bar_of(again)
    assert 'data-testid="unread-badge"' not in again

    # a new notice: the bell counts it on the very next page
    db.session.add(Notification(user_id=user_id, kind="reminder", title="Nhắc"))
    db.session.get(User, user_id).full_name = "Nguyễn Văn Quản"
    db.session.commit()
    fresh_request()
    with bars_rendered(app) as rendered:
        page = client.get("/meetings/week").get_data(as_text=True)
    assert len(rendered) == 1
    assert 'data-testid="unread-badge">1<' in page and "Nguyễn Văn Quản" in bar_of(page)
    assert bar_of(first) != bar_of(page)


def test_each_user_and_page_gets_its_own_bar(app, client, tree):
    sign_in(client, "vp_phucxa")
    staff_page = client.get("/meetings/week").get_data(as_text=True)
    client.post("/logout", data={"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', staff_page).group(1)})
    fresh_request()
    sign_in(client, "admin")
    admin_page = client.get("/meetings/week").get_data(as_text=True)
    assert "vp_phucxa" in bar_of(staff_page) and "vp_phucxa" not in bar_of(admin_page)
    assert 'data-testid="menu-admin"' in admin_page and 'data-testid="menu-admin"' not in staff_page
    fresh_request()
    # the page's own entry is the active one
    schedule = bar_of(client.get("/meetings/schedule").get_data(as_text=True))
    assert re.search(r'active" aria-current="page"\s+href="/meetings/schedule"', schedule)
    assert not re.search(r'active" aria-current="page"\s+href="/meetings/schedule"', bar_of(admin_page))


def test_the_kept_bar_carries_this_requests_token_and_address(app, client, tree):
    sign_in(client, "vp_phucxa")
    client.get("/meetings/week?unit=00001&date=2026-03-02")
    fresh_request()
    page = client.get("/meetings/week?unit=00001&date=2026-03-02&x=<b>").get_data(as_text=True)
    nav = bar_of(page)
    assert "csrf-" not in nav and "next-" not in nav  # no slot left unfilled
    assert f'name="next" value="{escape("/meetings/week?unit=00001&date=2026-03-02&x=<b>")}"' in nav
    token = re.search(r'action="/logout"[^>]*>\s*<input type="hidden" name="csrf_token" value="([^"]+)"',
                      nav).group(1)
    fresh_request()
    # the token of the kept bar signs this user out: it is the session's own
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    fresh_request()
    assert client.get("/meetings/week").status_code == 302  # signed out: back to the sign-in
