"""A weekly series across public holidays can skip them: the sittings on holidays are listed
before booking, then left out as skipped dates (which can be taken back one by one)."""
import re
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g

from scheduler.auth import services as auth_services
from scheduler.core.timeutil import LOCAL_TZ
from scheduler.extensions import db
from scheduler.meetings.models import Meeting
from scheduler.meetings.rules import holiday_name
from tests.booking_helpers import booking_form, holiday_ahead, request_for


def _series_start(holiday):
    first = holiday - timedelta(days=7)
    return datetime(first.year, first.month, first.day, 8, 0, tzinfo=LOCAL_TZ)


def test_the_api_skips_public_holidays(tree, client):
    holiday = holiday_ahead()
    token = auth_services.issue_token(tree.users.ward_staff)[0]
    db.session.commit()
    g.pop("_login_user", None)
    response = client.post("/api/v1/meetings", headers={"Authorization": f"Bearer {token}"},
                           json=request_for(tree.phuc_xa, _series_start(holiday),
                                            rrule="FREQ=WEEKLY;COUNT=3", skip_holidays=True))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    days = [datetime.fromisoformat(o["start"]).astimezone(LOCAL_TZ).date() for o in body["occurrences"]]
    assert holiday not in days and len(days) == 2
    assert [datetime.fromisoformat(s).astimezone(LOCAL_TZ).date() for s in body["skipped"]] == [holiday]


def _form(first, **values):
    return booking_form(first, **{
        "title": "Giao ban tuần", "chair": "", "start": "08:00", "end": "09:00", "agenda": "",
        "rrule": "weekly", "weekdays": [["MO", "TU", "WE", "TH", "FR"][first.weekday()]],
        "count": "3", **values})


def test_the_form_lists_the_holidays_before_booking_and_skips_them(tree, client, auth):
    holiday = holiday_ahead()
    first = holiday - timedelta(days=7)
    auth.login("vp_phucxa")
    response = client.post("/meetings/new", data=_form(first, skip_holidays="y"))
    page = response.get_data(as_text=True)
    assert 'data-testid="series-holidays"' in page
    listed = re.findall(r'data-testid="holiday-date">([^<]+)<', page)
    assert listed == [f"{holiday:%d/%m/%Y} — {holiday_name(holiday)}"]
    assert db.session.scalars(sa.select(Meeting)).all() == []  # nothing booked yet

    response = client.post("/meetings/new", data=_form(first, skip_holidays="y", holidays="skip"))
    assert response.status_code == 302
    meeting = db.session.scalars(sa.select(Meeting)).one()
    assert len(meeting.occurrences) == 2 and len(meeting.exdates) == 1
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert holiday.strftime("%d/%m/%Y") in detail  # the skipped date, which can be taken back


def test_keeping_the_holidays_books_them(tree, client, auth):
    holiday = holiday_ahead()
    auth.login("vp_phucxa")
    response = client.post("/meetings/new", data=_form(holiday - timedelta(days=7), holidays="keep"))
    assert response.status_code == 302
    assert len(db.session.scalars(sa.select(Meeting)).one().occurrences) == 3
