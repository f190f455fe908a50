#!/usr/bin/env bash
# The whole test suite: creates or updates .venv with the test tools, then runs pytest.
# Extra arguments go to pytest:  ./test.sh -x -k auth
# DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test ./test.sh   runs it on PostgreSQL
# (the database name must contain "test"; its schema is dropped and rebuilt).
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"

if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
# in parallel, one process per core (each with a database of its own; tests/conftest.py), unless
# the arguments choose: ./test.sh -n 0 runs in one process
case " $* " in
    *" -n "*|*" -n="*|*" -p no:xdist "*) exec .venv/bin/python -m pytest "$@" ;;
esac
exec .venv/bin/python -m pytest -n "${TEST_WORKERS:-auto}" "$@"
