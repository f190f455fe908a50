"""The API fuzzed from its own OpenAPI description (Schemathesis) against gunicorn on the test
database, with a unit admin's bearer token and a few real meetings to find: no answer may be a
5xx, and every answer must match the schema documented for it. Time-bounded (FUZZ_SECONDS,
60 by default) so that CI stays fast; the seed is printed for replaying a failure."""
import os
import re
import subprocess
import sys

from scheduler.auth import services as auth_services
from scheduler.extensions import db
from scheduler.meetings import services
from tests.booking_helpers import at, request_for


def test_the_api_never_answers_5xx_nor_outside_its_schema(app, tree, rooms, live_server,
                                                          tmp_path):
    for days, extra in ((2, {}), (3, {"rrule": "FREQ=WEEKLY;COUNT=3"}),
                        (4, {"rooms": [rooms["gated"].id], "host_unit": "001"})):
        host = tree.ba_dinh if extra.get("host_unit") else tree.phuc_xa
        services.book_meeting(tree.users.district_admin, request_for(host, at(days, 9), **extra))
    token = auth_services.issue_token(tree.users.district_admin)[0]
    db.session.commit()
    seconds = os.environ.get("FUZZ_SECONDS", "60")
    result = subprocess.run(
        [sys.executable, "-m", "schemathesis.cli", "run",
         f"{live_server.base}/api/v1/openapi.json", "-H", f"Authorization: Bearer {token}",
         "--checks", "not_a_server_error,response_schema_conformance",
         "--max-examples", "20", "--max-time", seconds, "--generation-database", "none",
         "--report-dir", str(tmp_path), "--no-color",
         # it revokes the very token the fuzzer uses: everything after it would be a 401
         # (tests/test_sessions_tokens.py checks it)
         "--exclude-operation-id", "delete_api_revoke_current_token"],
        cwd=tmp_path, capture_output=True, text=True, timeout=int(seconds) + 240)
    summary = result.stdout[-6000:]
    assert result.returncode == 0, summary
    # the count line ("5130 generated, 5130 passed"; a failure adds "N failed" or "N unique
    # failures"); the warnings above it may say "failed" of authentication, which is no finding
    counts = re.search(r"^\s*(\d+) generated, (\d+) passed(.*)$", summary, re.MULTILINE)
    assert counts and int(counts.group(1)) > 0, summary
    assert counts.group(1) == counts.group(2) and "fail" not in counts.group(3), summary
