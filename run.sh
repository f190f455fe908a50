#!/usr/bin/env bash
# Lịch họp trực tuyến on this machine, in one command: creates .venv, installs the application,
# creates or upgrades the SQLite database in instance/, loads the Hà Nội demo data (data already
# there is kept), prints the address and the demo sign-ins, and starts the development server.
#   PORT=8080 ./run.sh        another port (default 5000)
#   PYTHON=python3.12 ./run.sh  another interpreter (Python 3.11 or newer)
set -euo pipefail
cd "$(dirname "$0")"

PYTHON="${PYTHON:-python3}"
PORT="${PORT:-5000}"

if [ ! -x .venv/bin/python ]; then
    echo "Creating the virtual environment in .venv ..."
    "$PYTHON" -m venv .venv
fi
echo "Installing the application into .venv ..."
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e .

# plain HTTP on the loopback address: a Secure cookie would never come back
export SESSION_COOKIE_SECURE=0
export BASE_URL="${BASE_URL:-http://127.0.0.1:$PORT}"

.venv/bin/flask --app wsgi init-db
.venv/bin/flask --app wsgi seed-demo
.venv/bin/flask --app wsgi demo-info --port "$PORT"
# the background jobs (reminders, closing meetings, e-mail) run inside this one server process;
# JOBS_IN_DEV_SERVER=0 ./run.sh leaves them to a separate `flask --app wsgi jobs run`
export JOBS_IN_DEV_SERVER="${JOBS_IN_DEV_SERVER:-1}"
exec .venv/bin/flask --app wsgi jobs serve --host 127.0.0.1 --port "$PORT"
