"""The smaller points of the clerk's day: the monthly-repeat choices say "lần 2", never the
"thứ hai" that also means Monday; an endpoint clash explains the connection test; the printed
weekly schedule carries the state heading and every participant; the site has a favicon."""
import re

import pytest

from scheduler.core.errors import Conflict
from scheduler.extensions import db
from scheduler.meetings import services
from tests.booking_helpers import at, request_for


def test_the_monthly_repeat_choices_cannot_be_read_as_weekdays(tree, client, auth):
    auth.login("vp_phucxa")
    page = client.get("/meetings/new").get_data(as_text=True)
    setpos = re.search(r'<select[^>]*name="setpos"[^>]*>(.*?)</select>', page, re.S).group(1)
    labels = re.findall(r">([^<]+)</option>", setpos)
    assert labels == ["Lần đầu tiên trong tháng", "Lần 2 trong tháng", "Lần 3 trong tháng",
                      "Lần 4 trong tháng", "Lần cuối cùng trong tháng"]
    assert not any(re.search(r"thứ (hai|ba|tư|2|3|4)", label, re.I) for label in labels)


def test_an_endpoint_clash_explains_the_connection_test(tree):
    services.book_meeting(tree.users.district_staff, request_for(
        tree.ba_dinh, at(4, 14), mode="online", participants=["00001"], title="Quận họp"))
    db.session.commit()
    with pytest.raises(Conflict) as info:
        # starts 15 minutes after the other ends: only the connection test overlaps
        services.book_meeting(tree.users.ward_staff, request_for(
            tree.phuc_xa, at(4, 15, 15), mode="online", title="Phường họp"))
    db.session.rollback()
    assert "30 phút trước giờ họp để kết nối thử" in info.value.message


def test_the_printed_schedule_has_the_state_heading_and_every_participant(tree, client, auth,
                                                                           create_unit):
    wards = [create_unit(f"9{n:04d}", f"Phường Thử {n:02d}", "ward", tree.ba_dinh) for n in range(12)]
    db.session.commit()
    services.book_meeting(tree.users.district_staff, request_for(
        tree.ba_dinh, at(3, 9), participants=[w.code for w in wards], title="Họp toàn quận"))
    db.session.commit()
    auth.login("vp_badinh")
    page = client.get(f"/meetings/schedule?date={at(3, 9).date().isoformat()}").get_data(as_text=True)
    heading = re.search(r'data-testid="official-heading">(.*?)</div>\s*</div>', page, re.S).group(1)
    assert "Cộng hòa xã hội chủ nghĩa Việt Nam" in heading
    assert "Độc lập - Tự do - Hạnh phúc" in heading
    assert "Thành phố Hà Nội" in heading and "Quận Ba Đình" in heading  # the issuing body
    printed = re.search(r'data-testid="all-participants">([^<]*)<', page).group(1)
    assert all(f"Phường Thử {n:02d}" in printed for n in range(12))


def test_the_site_has_a_favicon(client):
    page = client.get("/login").get_data(as_text=True)
    href = re.search(r'<link rel="icon"[^>]*href="([^"]+)"', page).group(1)
    response = client.get(href)
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    response.close()
