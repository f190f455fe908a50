"""DATABASE_READ_URL: reports and calendar feeds read the replica, everything else the primary.

The replica here is a copy of the SQLite primary taken after the first booking; the second
booking exists on the primary only, so what each page shows tells which database it read."""
import sqlite3

import pytest

from scheduler.calendar.feeds import hash_token
from scheduler.extensions import db
from scheduler.meetings import services
from tests.booking_helpers import at, request_for


@pytest.fixture
def app_config(tmp_path):
    return {"SQLALCHEMY_READ_URI": f"sqlite:///{tmp_path / 'replica.db'}"}


@pytest.fixture
def copied(app, tree, tmp_path, is_postgres):
    if is_postgres:
        pytest.skip("the replica is made by copying the SQLite primary file")
    tree.phuc_xa.feed_token = hash_token("phucxa-feed")
    db.session.commit()
    services.book_meeting(tree.users.admin, request_for(tree.phuc_xa, at(3), title="Họp trước khi sao"))
    db.session.commit()
    primary = sqlite3.connect(app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///"))
    replica = sqlite3.connect(tmp_path / "replica.db")
    primary.backup(replica)
    primary.close(), replica.close()
    services.book_meeting(tree.users.admin, request_for(tree.phuc_xa, at(4), title="Họp sau khi sao"))
    db.session.commit()
    return tree


def test_feeds_and_reports_read_the_replica_and_bookings_the_primary(client, auth, copied):
    feed = client.get("/calendar/unit/phucxa-feed.ics").get_data(as_text=True)
    assert "Họp trước khi sao" in feed and "Họp sau khi sao" not in feed
    auth.login("admin", copied.password)
    listed = client.get(f"/api/v1/meetings?start={at(1).date().isoformat()}").get_json()["meetings"]
    assert {m["title"] for m in listed} == {"Họp trước khi sao", "Họp sau khi sao"}
    period = f"start={at(1).date().isoformat()}&end={at(10).date().isoformat()}&unit=00001"
    assert client.get(f"/api/v1/reports/targets?{period}").status_code == 200
    drilldown = client.get(f"/reports/drilldown?target=online_30&which=planned&{period}")
    text = drilldown.get_data(as_text=True)
    assert "Họp trước khi sao" in text and "Họp sau khi sao" not in text


def test_without_a_replica_everything_reads_the_primary(app, client, tree):
    app.extensions.pop("read_replica_engine")
    tree.phuc_xa.feed_token = hash_token("phucxa-feed")
    db.session.commit()
    services.book_meeting(tree.users.admin, request_for(tree.phuc_xa, at(4), title="Họp mới"))
    db.session.commit()
    assert "Họp mới" in client.get("/calendar/unit/phucxa-feed.ics").get_data(as_text=True)
