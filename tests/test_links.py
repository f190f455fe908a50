"""core/links.unit_link: the row links of a report page are url_for's own addresses, built
from one url_for call per column."""
from types import SimpleNamespace

import pytest
from flask import url_for

from scheduler.core.links import unit_link

CODES = ["01", "VN", "00001", "A B", "x&y=z", "Phường Hồng Hà", "a/b?c", "%2F", "987654321098765"]


@pytest.mark.parametrize("endpoint,values", [
    ("reports.targets", {"sort": "share_desc", "period": "year", "year": 2025}),
    ("reports.drilldown", {"target": "online_80", "which": "held", "period": "month",
                           "year": 2024, "month": 3}),
    ("reports.coverage", {"date": "2025-07-01"}),
    ("reports.drilldown", {"target": "t", "which": "planned", "start": "2025-01-01",
                           "end": "2025-12-31"}),
])
def test_unit_link_is_url_for(app, endpoint, values):
    with app.test_request_context("/reports"):
        link = unit_link(endpoint, **values)
        for number, code in enumerate(CODES, start=1):
            unit = SimpleNamespace(code=code, id=number * 7919)
            assert link(unit) == url_for(endpoint, unit=code, unit_id=unit.id, **values)


def test_unit_link_with_the_unit_in_the_path(app):
    """An endpoint whose rule takes the unit as a path part gets url_for itself."""
    app.add_url_rule("/x/<unit>/<int:unit_id>", "x_unit", lambda unit, unit_id: "")
    with app.test_request_context("/"):
        link = unit_link("x_unit", sort="code")
        unit = SimpleNamespace(code="01", id=42)
        assert link(unit) == url_for("x_unit", unit="01", unit_id=42, sort="code") == "/x/01/42?sort=code"
