"""Connectivity in Chromium: the district's IT lead opens the coverage page (the chart of WAN and
video-conference coverage month by month since 2018, the reachability column), then an
endpoint's history page (uptime, the state and latency chart, the state changes) and narrows
its period. The probes are real, on 127.0.0.1."""
import socket
from datetime import timedelta

import pytest
import sqlalchemy as sa

from scheduler.core.timeutil import utcnow
from scheduler.endpoints.models import Endpoint
from scheduler.extensions import db
from scheduler.jobs.tasks import probe_endpoints

pytestmark = pytest.mark.browser


@pytest.fixture
def probed(app, tree):
    """Phúc Xá's endpoint probed four times in the last hour: up, up, down, up."""
    app.config["PROBE_TIMEOUT_SECONDS"] = 0.5
    db.session.execute(sa.update(Endpoint).values(host=None, port=None))
    endpoint = db.session.scalars(sa.select(Endpoint).where(Endpoint.unit_id == tree.phuc_xa.id)).one()
    endpoint.host = "127.0.0.1"
    db.session.commit()
    with socket.socket() as server, socket.socket() as closed:
        server.bind(("127.0.0.1", 0))
        server.listen()
        closed.bind(("127.0.0.1", 0))  # bound, never listening: refused
        start = utcnow() - timedelta(minutes=40)
        for i, sock in enumerate([server, server, closed, server]):
            db.session.execute(sa.update(Endpoint).where(Endpoint.id == endpoint.id)
                               .values(port=sock.getsockname()[1]))
            db.session.commit()
            probe_endpoints(start + timedelta(minutes=5 * i))
    return endpoint


def test_it_lead_reads_coverage_and_an_endpoints_history(probed, tree, live_server, page, sign_in):
    from playwright.sync_api import expect

    sign_in(page, "qt_badinh", tree.password)

    page.get_by_role("link", name="Báo cáo", exact=True).click()
    page.get_by_role("link", name="Độ phủ kết nối phường, xã").click()
    chart = page.locator("svg.coverage-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(2)  # WAN and video conference
    expect(chart.locator("text", has_text="01/18")).to_have_count(1)  # since January 2018
    expect(page.get_by_test_id("reachable-over-period")).to_contain_text("75.0 %")

    page.get_by_test_id("menu-admin").click()
    page.get_by_role("link", name="Điểm cầu", exact=True).click()
    page.get_by_role("link", name="Điểm cầu Phường Phúc Xá").click()
    expect(page.get_by_role("heading", name="Điểm cầu Phường Phúc Xá")).to_be_visible()
    expect(page.get_by_test_id("uptime")).to_have_text("75.0 %")
    timeline = page.locator("svg.endpoint-timeline")
    expect(timeline).to_be_visible()
    expect(timeline.locator("polyline.latency")).to_have_count(1)
    expect(page.get_by_test_id("changes").locator("tbody tr")).to_have_count(3)
    expect(page.get_by_test_id("changes").locator('tr[data-state="unreachable"]')).to_have_count(1)
    expect(page.get_by_test_id("demo-history")).to_have_count(0)  # real probes, not demo data

    # a period before the probes: no data, not 0 %
    form = page.get_by_test_id("period-form")
    form.get_by_label("Từ ngày").fill("2026-01-01")
    form.get_by_label("Đến ngày").fill("2026-01-31")
    form.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("uptime")).to_have_text("Chưa có dữ liệu")
    expect(page.get_by_test_id("changes")).to_contain_text("Không có lần kiểm tra nào trong kỳ.")
