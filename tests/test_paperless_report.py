"""The paperless share beside the online share in the target report: per unit and child unit,
with no threshold until the admin sets one, and a drill-down to the meetings counted."""
import re

import pytest

from scheduler.extensions import db
from tests.factories import local


@pytest.fixture
def april(tree, create_meeting):
    """April 2024: four held meetings, two of them paperless, and a cancelled paperless one."""
    made = []
    for day, host, paperless, category in ((2, tree.phuc_xa, True, "giao_ban"),
                                           (9, tree.phuc_xa, False, "trien_khai"),
                                           (16, tree.truc_bach, True, "lam_viec"),
                                           (23, tree.hang_bac, False, "khac")):
        meeting = create_meeting(host, local(2024, 4, day, 9), category=category,
                                 mode="in_person", title=f"Họp ngày {day}/4", status="held",
                                 paperless=paperless)
        made.append(meeting)
    create_meeting(tree.phuc_xa, local(2024, 4, 25, 9), status="cancelled", category="trien_khai",
                   mode="online", paperless=True)
    db.session.commit()
    return made


def _paperless(client, unit="01"):
    data = client.get(f"/api/v1/reports/targets?start=2024-04-01&end=2024-04-30&unit={unit}")
    return next(t for t in data.get_json()["targets"] if t["code"] == "paperless")


def test_paperless_share_per_unit_without_a_default_threshold(april, client, auth):
    auth.login("admin")
    figure = _paperless(client)
    assert figure["measure"] == "paperless" and figure["threshold"] is None
    assert (figure["numerator"], figure["denominator"], figure["share"]) == (2, 4, 50.0)
    assert figure["met"] is None  # no threshold: nothing to meet
    children = {c["code"]: (c["numerator"], c["denominator"]) for c in figure["children"]}
    assert children["001"] == (2, 3) and children["002"] == (0, 1)
    assert [(m["month"], m["numerator"], m["denominator"]) for m in figure["trend"]] == [
        ("2024-04", 2, 4)]
    # the admin sets this year's target on the settings page
    response = client.post("/reports/settings/paperless/thresholds",
                           data={"paperless-th-year": "2024", "paperless-th-percent": "60"})
    assert response.status_code == 302
    figure = _paperless(client)
    assert figure["threshold"] == 60.0 and figure["met"] is False
    ward = _paperless(client, "001")
    assert ward["share"] == 66.7 and ward["met"] is True


def test_paperless_drilldown_lists_the_paperless_meetings(april, client, auth):
    auth.login("admin")
    html = client.get("/reports?start=2024-04-01&end=2024-04-30&unit=01").get_data(as_text=True)
    card = html.split('data-target="paperless"')[1].split("</section>")[0]
    assert "Họp không giấy tờ / đã tổ chức" in card
    link = re.search(r'data-testid="drill-online" href="([^"]+)"', card).group(1).replace("&amp;", "&")
    drilled = client.get(link).get_data(as_text=True)
    assert "Cuộc họp không giấy tờ đã tổ chức" in drilled
    assert "Họp ngày 2/4" in drilled and "Họp ngày 16/4" in drilled
    assert "Họp ngày 9/4" not in drilled and "Họp ngày 23/4" not in drilled
