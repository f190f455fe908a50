"""Every page, API route, feed and report that shows or changes units' data answers "which
units may this user reach" through scheduler.core.access.reach — the one place — so that a new
rule (an inactive user, a new role) holds everywhere at once."""
import pytest
from flask import before_render_template

from scheduler.core import access
from scheduler.extensions import db
from scheduler.meetings import services
from tests.booking_helpers import at, request_for

# routes that decide nothing about units: sign-in and one's own password, static files, the
# API's description, the language switch, feeds whose secret token is the key, and the unit
# directory (every signed-in user sees the whole tree: it is what they invite from)
NO_UNIT_QUESTION = {
    "auth.login", "auth.logout", "auth.change_password", "auth.set_language", "static",
    "bootstrap.static", "api.openapi_document", "api.create_token", "calendar.unit_feed",
    "calendar.room_feed", "calendar.user_feed", "api.list_units", "api.get_unit",
    "units.tree",
    # the signed-in user's own notices and account (sessions, tokens): the user's, about no unit
    "api.list_notifications", "jobs.notifications", "auth.account",
}


class Asked(list):
    """The permissions asked of core.access.reach while a view decides, before its template
    starts rendering: the menu of every page asks too, which must not vouch for the page."""

    def __init__(self):
        super().__init__()
        self.rendering = False

    def reset(self):
        self.clear()
        self.rendering = False


@pytest.fixture
def asked(monkeypatch, app):
    calls = Asked()
    real = access.reach

    def recording(user, permission):
        if not calls.rendering:
            calls.append(permission)
        return real(user, permission)

    def started(sender, template, context, **extra):
        calls.rendering = True

    monkeypatch.setattr(access, "reach", recording)
    before_render_template.connect(started, app)
    yield calls
    before_render_template.disconnect(started, app)


def test_every_route_asks_the_one_access_function(app, tree, rooms, client, auth, asked):
    meeting = services.book_meeting(tree.users.ward_staff, request_for(
        tree.phuc_xa, at(3), rooms=[rooms["phuc_xa"].id]))
    db.session.commit()
    values = {"meeting_id": meeting.id, "occurrence_id": meeting.occurrences[0].id,
              "room_id": rooms["phuc_xa"].id, "code": "00001", "unit_id": tree.phuc_xa.id,
              "user_id": tree.users.ward_staff.id, "endpoint_id": 1, "year": 2026}
    auth.login("qt_badinh")
    silent = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in NO_UNIT_QUESTION or "GET" not in rule.methods:
            continue
        if any(arg not in values for arg in rule.arguments):
            continue
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **{a: values[a] for a in rule.arguments})
        asked.reset()
        status = client.get(url).status_code
        if status in (200, 403) and not asked:
            silent.append(f"{rule.endpoint} {url} ({status})")
    assert silent == [], "routes deciding access without core.access.reach:\n" + "\n".join(silent)


def test_a_lists_reach_worked_out_once_answers_as_allowed_does(tree):
    """The API's lists ask allowed_units once and then for each unit of each meeting: it must
    answer exactly what allowed() answers, for every role, permission and unit (an inactive
    user reaches nothing)."""
    from scheduler.units.models import Unit

    units = list(db.session.scalars(db.select(Unit)))
    tree.users.other_ward_staff.active = False
    for user in vars(tree.users).values():
        for permission in access.PERMISSIONS:
            sees = access.allowed_units(user, permission)
            assert {u.code for u in units if sees(u)} == \
                {u.code for u in units if access.allowed(user, permission, u)}, (user.username, permission)
