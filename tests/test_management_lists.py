"""Rooms, endpoints and users are managed through one pattern (units/management.py and
templates/_manage.html): the same filter bar, row button, count and pager, and the same
form-save path. A unit's thousands of endpoints page like its rooms and users do."""
import re

import pytest

from scheduler.extensions import db

LISTS = ["/rooms", "/endpoints", "/users"]


def _rows(page: str, attribute: str) -> list[str]:
    return re.findall(r'<tr %s="([^"]+)"' % attribute, page)


@pytest.mark.parametrize("path", LISTS)
def test_each_list_has_the_shared_filter_bar_button_count_and_pager(tree, client, auth, path,
                                                                     create_room):
    create_room(tree.phuc_xa, "Phòng họp tầng 2")
    db.session.commit()
    auth.login("qt_badinh")
    page = client.get(path).get_data(as_text=True)
    bar = re.search(r'<form method="get"[^>]*data-testid="filters">.*?</form>', page, re.S).group(0)
    assert 'name="unit"' in bar and 'name="q"' in bar and "Lọc" in bar
    assert 'data-testid="list-count"' in page
    assert re.search(r'action="/[a-z]+/\d+/active"', page)
    assert 'name="active" value="0"' in page


def test_the_endpoint_list_pages_by_fifty_and_finds_by_name(tree, client, auth, create_endpoint):
    for n in range(60):
        create_endpoint(tree.phuc_xa, name=f"Điểm cầu tổ dân phố {n:02d}")
    db.session.commit()
    auth.login("qt_badinh")
    first = client.get("/endpoints?unit=00001").get_data(as_text=True)
    assert len(_rows(first, "data-endpoint")) == 50
    assert 'data-testid="pager"' in first and "page=2" in first
    second = client.get("/endpoints?unit=00001&page=2").get_data(as_text=True)
    shown = _rows(first, "data-endpoint") + _rows(second, "data-endpoint")
    assert len(set(shown)) == len(shown) == 61  # and the ward's own endpoint of the tree
    found = client.get("/endpoints?q=to dan pho 07").get_data(as_text=True)
    assert len(_rows(found, "data-endpoint")) == 1 and "Điểm cầu tổ dân phố 07" in found


@pytest.mark.parametrize("path, data, field", [
    ("/rooms/new", {"name": "", "capacity": "10"}, "name"),
    ("/endpoints/new", {"name": "", "protocol": "SIP"}, "name"),
    ("/users/new", {"username": "", "role": "staff", "password": "x", "confirm": "x"}, "username"),
])
def test_a_refused_form_comes_back_with_what_was_typed_and_its_errors(tree, client, auth, path,
                                                                       data, field):
    auth.login("qt_badinh")
    response = client.post(path, data={"unit_id": str(tree.phuc_xa.id), **data})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r'id="%s"[^>]*is-invalid|class="[^"]*is-invalid[^"]*"[^>]*id="%s"' % (field, field), page)
