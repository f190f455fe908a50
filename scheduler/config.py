"""Every setting's default, with what it means. An installation overrides them in the
environment or in instance/config.py; core/settings.py reads, types and checks them once, when
create_app runs, and the code reads them from there (`settings().document_max_mb`)."""
import os
from datetime import timedelta


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off", ""}


class DefaultConfig:
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app: DATABASE_URL or instance/app.db
    SQLALCHEMY_READ_URI = None  # DATABASE_READ_URL: a replica for the reports (core/replica.py)
    # signs sessions and CSRF tokens: from the environment, else instance/config.py, where
    # create_app writes a random one on first start
    SECRET_KEY = None
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}  # PostgreSQL's pool is built by create_app from these:
    # connections each process keeps and may add in a burst; runs of a statement after which
    # psycopg prepares it on the server (None: never, behind PgBouncer in transaction mode)
    DB_POOL_SIZE = 5
    DB_MAX_OVERFLOW = 10
    DB_PREPARE_THRESHOLD = 5

    # Session cookies: HttpOnly and SameSite always; Secure unless explicitly switched off for a
    # plain-HTTP development server (run.sh does that, production sits behind HTTPS).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_NAME = "remember_token"  # Flask-Login's own default
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # one working day
    # "Remember me" keeps a browser signed in this long at most (sign-out, a password change and
    # deactivation end it sooner, on the server side: scheduler/auth/sessions.py)
    REMEMBER_COOKIE_DURATION = timedelta(days=30)  # REMEMBER_COOKIE_DAYS in the environment

    # Trusted reverse proxies in front of the application (0: X-Forwarded-* headers are ignored,
    # the client is the peer of the TCP connection). scheduler/core/security.py
    PROXY_HOPS = 0

    WTF_CSRF_TIME_LIMIT = None  # a form left open over lunch must still submit
    MAX_CONTENT_LENGTH = 10 * 1024 * 1024

    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = {"vi": "Tiếng Việt", "en": "English"}

    BOOTSTRAP_SERVE_LOCAL = True  # government LANs have no internet: no CDN

    # Sign-in throttling: this many failures for one username or one address within the window
    # locks further attempts for the rest of the window.
    PASSWORD_HASH_METHOD = "scrypt"
    LOGIN_MAX_FAILURES = 5
    LOGIN_FAILURE_WINDOW_MINUTES = 15

    API_TOKEN_LIFETIME_DAYS = 30

    ENDPOINT_TEST_LEAD_MINUTES = 30

    # where join links of online meetings come from (scheduler/meetings/bridges.py)
    VIDEO_BRIDGE = "jitsi"
    JITSI_BASE_URL = "https://meet.hanoi.gov.vn"

    # Background jobs (scheduler/jobs/): `flask --app wsgi jobs run`, or inside the development
    # server (`flask --app wsgi jobs serve`) when JOBS_IN_DEV_SERVER is on.
    JOBS_IN_DEV_SERVER = False
    JOBS_INTERVALS = {"send-reminders": 60, "send-mail": 30, "close-meetings": 300,
                      "probe-endpoints": 300, "conclusion-notices": 3600}
    # (seconds; monthly-report runs daily)
    # one interval for every job at once (tests, demos); unset = JOBS_INTERVALS
    JOBS_INTERVAL_SECONDS = None
    JOBS_LOCK_TTL_SECONDS = 60.0
    JOBS_MISFIRE_GRACE_SECONDS = 3600
    JOBS_HISTORY_DAYS = 14
    MONTHLY_REPORT_HOUR = 7  # local time, on the first working day of the month
    REMINDER_OFFSETS_MINUTES = [1440, 60]
    PROBE_TIMEOUT_SECONDS = 3
    PROBE_HISTORY_DAYS = 90
    # connects in flight at once: 10,000 wards, a third of them silent, take about
    # ceil(3,334 / PROBE_CONCURRENCY) timeouts. Each needs a file descriptor: the job raises
    # its soft limit towards the hard one (`ulimit -Hn`) and stays below it.
    PROBE_CONCURRENCY = 4000
    # the only networks the probe job may connect to (comma-separated in the environment):
    # never loopback or link-local, so an endpoint cannot point the server at itself
    PROBE_ALLOWED_NETWORKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]

    # Outgoing mail, delivered by the job runner's send-mail job: a meeting's change queues its
    # invitations in any process; a runner without SMTP_HOST keeps them until one is set (and
    # writes no reminder or report e-mail of its own).
    SMTP_HOST = None
    SMTP_PORT = 25
    SMTP_USERNAME = None
    SMTP_PASSWORD = None
    SMTP_STARTTLS = False
    SMTP_SSL = False
    SMTP_TIMEOUT = 20
    MAIL_SENDER = "lichhop@localhost"
    MAIL_SENDER_NAME = "Lịch họp trực tuyến"
    # where links in e-mails and calendar entries point
    # What the week pages and the API's lists build, kept while the calendars they show keep
    # their tags (scheduler/meetings/calendar_tags.py). In each worker's memory by default
    # (a thousand pages of about 15 kB); CACHE_TYPE=RedisCache with CACHE_REDIS_URL shares one
    # cache among the application nodes. CALENDAR_CACHE=0 switches it off.
    CALENDAR_CACHE = True
    CACHE_TYPE = "SimpleCache"
    CACHE_REDIS_URL = None
    CACHE_THRESHOLD = 1000
    # also how long a change made outside the application (psql) may stay unseen
    CACHE_DEFAULT_TIMEOUT = 300

    BASE_URL = "http://127.0.0.1:5000"
    CITY_NAME = "Hà Nội"

    # Paperless meetings (scheduler/paperless/): documents live under DOCUMENT_DIR (default
    # instance/documents, never under static/), each at most DOCUMENT_MAX_MB, due
    # DOCUMENT_LEAD_DAYS before the meeting; the conclusion notice is due
    # CONCLUSION_DUE_WORKING_DAYS working days after it. WORKDAY_SWAPS adds the year's swapped
    # days the `holidays` package does not know yet: [("2027-02-11", "2027-02-20"), ...], each
    # (day off, working day). The overdue job looks back CONCLUSION_OVERDUE_LOOKBACK_DAYS.
    DOCUMENT_DIR = None
    DOCUMENT_MAX_MB = 20.0
    DOCUMENT_LEAD_DAYS = 3
    CONCLUSION_DUE_WORKING_DAYS = 5
    CONCLUSION_OVERDUE_LOOKBACK_DAYS = 30
    WORKDAY_SWAPS: list = []
