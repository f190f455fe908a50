"""Search ignores case and Vietnamese marks ("ba dinh" finds "Ba Đình") on SQLite and
PostgreSQL alike, through one query module used by the search page and GET /api/v1/meetings?q=;
long result lists are paged."""
import re
from datetime import timedelta

import pytest
from flask import g

from scheduler.auth import services as auth_services
from scheduler.core.textsearch import fold
from scheduler.extensions import db
from scheduler.meetings import services
from tests.booking_helpers import at, request_for


def _book(tree, title, days=5, unit=None, user=None, **kw):
    meeting = services.book_meeting(user or tree.users.district_staff,
                                    request_for(unit or tree.ba_dinh, at(days, 9), title=title, **kw))
    db.session.commit()
    return meeting


def _found(client, query):
    page = client.get("/meetings/search?" + query).get_data(as_text=True)
    table = re.search(r'data-testid="search-results">(.*?)</table>', page, re.S)
    return set(re.findall(r'/meetings/\d+">([^<]+)</a>', table.group(1))) if table else set()


def test_fold_takes_off_marks_and_case():
    assert fold("Hội nghị TỔNG KẾT Quận Ba Đình") == "hoi nghi tong ket quan ba dinh"
    # the same text typed with combining marks (NFD) folds the same
    assert fold("To\u0302\u0309ng ke\u0302\u0301t") == "tong ket"


def test_the_search_page_ignores_marks_and_case(tree, client, auth):
    _book(tree, "Hội nghị tổng kết năm")
    _book(tree, "Họp giao ban tuần", days=6)
    _book(tree, "Tập huấn an toàn thông tin", days=7, unit=tree.phuc_xa, user=tree.users.ward_staff)
    auth.login("qt_badinh")
    assert _found(client, "q=tong+ket") == {"Hội nghị tổng kết năm"}
    assert _found(client, "q=TONG+KET") == {"Hội nghị tổng kết năm"}
    assert _found(client, "q=tổng+kết") == {"Hội nghị tổng kết năm"}
    # the host unit's name counts too: both of Quận Ba Đình's meetings
    assert _found(client, "q=ba+dinh") == {"Hội nghị tổng kết năm", "Họp giao ban tuần"}
    assert _found(client, "q=giao+ban+ba+dinh") == {"Họp giao ban tuần"}
    assert _found(client, "q=phuc+xa") == {"Tập huấn an toàn thông tin"}
    assert _found(client, "q=50%25") == set()  # LIKE's own characters are plain text


def test_the_api_filters_by_words(tree, client):
    _book(tree, "Hội nghị tổng kết năm")
    _book(tree, "Họp giao ban tuần", days=6)
    token = auth_services.issue_token(tree.users.district_staff)[0]
    db.session.commit()

    def listed(query):
        g.pop("_login_user", None)
        response = client.get("/api/v1/meetings?" + query,
                              headers={"Authorization": f"Bearer {token}"})
        return response
    titles = {m["title"] for m in listed("q=tong+ket").get_json()["meetings"]}
    assert titles == {"Hội nghị tổng kết năm"}
    assert len(listed("q=").get_json()["meetings"]) == 2
    too_long = listed("q=" + "a" * 201)
    assert too_long.status_code == 422 and "q" in too_long.get_json()["error"]["details"]["fields"]


def test_long_result_lists_are_paged(tree, client, auth):
    for n in range(30):
        _book(tree, f"Họp tổ công tác số {n:02d}", days=5 + n)
    auth.login("qt_badinh")
    first = client.get("/meetings/search?q=to+cong+tac").get_data(as_text=True)
    assert "Tìm thấy 30 cuộc họp." in first
    assert len(re.findall(r"Họp tổ công tác số", first)) == 25
    assert 'data-testid="pager"' in first and "page=2" in first
    second = client.get("/meetings/search?q=to+cong+tac&page=2").get_data(as_text=True)
    assert len(re.findall(r"Họp tổ công tác số", second)) == 5
    # newest first: the first page holds the latest meetings
    assert "số 29" in first and "số 00" in second


def test_rooms_are_paged_and_found_without_marks(tree, client, auth, create_room):
    for n in range(55):
        create_room(tree.phuc_xa, f"Phòng họp số {n:02d}")
    create_room(tree.truc_bach, "Hội trường Trúc Bạch")
    db.session.commit()
    auth.login("qt_badinh")
    first = client.get("/rooms").get_data(as_text=True)
    assert first.count("data-room=") == 50 and "56 phòng họp" in first and "page=2" in first
    assert client.get("/rooms?page=2").get_data(as_text=True).count("data-room=") == 6
    found = client.get("/rooms?q=hoi+truong+truc+bach").get_data(as_text=True)
    assert found.count("data-room=") == 1 and "Hội trường Trúc Bạch" in found


def test_units_are_found_without_marks(tree, client, auth):
    auth.login("vp_phucxa")
    body = client.get("/api/v1/units?q=truc+bach").get_json()
    assert [u["code"] for u in body["units"]] == ["00004"]
