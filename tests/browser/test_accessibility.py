"""axe-core (vendored from the npm package into tests/browser/vendor, never served by the app)
run in Chromium on the main pages: no serious or critical violation."""
from pathlib import Path

import pytest

from scheduler.extensions import db
from scheduler.meetings import services
from tests.booking_helpers import at, request_for

pytestmark = pytest.mark.browser
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
PAGES = ["/", "/meetings/week", "/meetings/month", "/meetings/new", "/meetings/search?q=hop",
         "/meetings/schedule", "/meetings/rooms", "/reports", "/reports/coverage", "/approvals",
         "/notifications", "/units", "/rooms", "/audit", "/admin/jobs"]


def _violations(page) -> list[str]:
    # evaluated through the DevTools protocol: a <script> tag would be refused by the page's
    # Content-Security-Policy, rightly (the app itself has no inline script)
    page.evaluate(AXE.read_text(encoding="utf-8") + "\n;undefined")
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
            .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3)
                 .map(n => n.target.join(' ')).join(' | '));
    }""")
    return result


def test_the_main_pages_have_no_serious_violation(tree, create_room, live_server, page):
    room = create_room(tree.ba_dinh, "Phòng họp lớn", requires_approval=True)
    db.session.commit()
    services.book_meeting(tree.users.district_staff, request_for(
        tree.ba_dinh, at(1, 9), rooms=[room.id], participants=["00001"], mode="online",
        title="Họp giao ban"))
    db.session.commit()
    services.book_meeting(tree.users.district_staff, request_for(
        tree.ba_dinh, at(1, 14), title="Hội nghị trực tiếp"))
    db.session.commit()
    page.goto(live_server + "/login")
    assert _violations(page) == [], "/login"
    page.get_by_label("Tên đăng nhập").fill("admin")
    page.get_by_label("Mật khẩu", exact=True).fill(tree.password)
    page.get_by_role("button", name="Đăng nhập").click()
    found = {}
    for url in PAGES:
        page.goto(live_server + url)
        problems = _violations(page)
        if problems:
            found[url] = problems
    assert found == {}, "\n".join(f"{u}: {p}" for u, ps in found.items() for p in ps)
