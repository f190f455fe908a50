"""Default settings. An installation overrides them in instance/config.py or the environment."""
import os
from datetime import timedelta


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() not in {"0", "false", "no", "off", ""}


class DefaultConfig:
    SQLALCHEMY_DATABASE_URI = None  # filled in by create_app: DATABASE_URL or instance/app.db
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}

    # Session cookies: HttpOnly and SameSite always; Secure unless explicitly switched off for a
    # plain-HTTP development server (run.sh does that, production sits behind HTTPS).
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", True)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = env_flag("SESSION_COOKIE_SECURE", True)
    PERMANENT_SESSION_LIFETIME = 8 * 3600  # one working day
    # "Remember me" keeps a browser signed in this long at most (sign-out, a password change and
    # deactivation end it sooner, on the server side: scheduler/auth/sessions.py)
    REMEMBER_COOKIE_DURATION = timedelta(days=int(os.environ.get("REMEMBER_COOKIE_DAYS", "30")))

    # Trusted reverse proxies in front of the application (0: X-Forwarded-* headers are ignored,
    # the client is the peer of the TCP connection). scheduler/core/security.py
    PROXY_HOPS = int(os.environ.get("PROXY_HOPS", "0"))

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
    VIDEO_BRIDGE = os.environ.get("VIDEO_BRIDGE", "jitsi")
    JITSI_BASE_URL = os.environ.get("JITSI_BASE_URL", "https://meet.hanoi.gov.vn")

    # Background jobs (scheduler/jobs/): `flask --app wsgi jobs run`, or inside the development
    # server (`flask --app wsgi jobs serve`) when JOBS_IN_DEV_SERVER is on.
    JOBS_IN_DEV_SERVER = env_flag("JOBS_IN_DEV_SERVER", False)
    JOBS_INTERVALS = {"send-reminders": 60, "send-mail": 30, "close-meetings": 300,
                      "probe-endpoints": 300, "conclusion-notices": 3600}
    # (seconds; monthly-report runs daily)
    # one interval for every job at once (tests, demos); unset = JOBS_INTERVALS
    JOBS_INTERVAL_SECONDS = float(os.environ["JOBS_INTERVAL_SECONDS"]) if os.environ.get(
        "JOBS_INTERVAL_SECONDS") else None
    JOBS_LOCK_TTL_SECONDS = float(os.environ.get("JOBS_LOCK_TTL_SECONDS", "60"))
    JOBS_MISFIRE_GRACE_SECONDS = 3600
    JOBS_HISTORY_DAYS = 14
    MONTHLY_REPORT_HOUR = 7  # local time, on the first working day of the month
    REMINDER_OFFSETS_MINUTES = [int(m) for m in os.environ.get(
        "REMINDER_OFFSETS_MINUTES", "1440,60").split(",") if m.strip()]
    PROBE_TIMEOUT_SECONDS = 3
    PROBE_HISTORY_DAYS = 90
    # connects in flight at once: 10,000 wards, a third of them silent, take about
    # ceil(3,334 / PROBE_CONCURRENCY) timeouts. Each needs a file descriptor: the job raises
    # its soft limit towards the hard one (`ulimit -Hn`) and stays below it.
    PROBE_CONCURRENCY = int(os.environ.get("PROBE_CONCURRENCY", "4000"))
    # the only networks the probe job may connect to (comma-separated in the environment):
    # never loopback or link-local, so an endpoint cannot point the server at itself
    PROBE_ALLOWED_NETWORKS = [n.strip() for n in os.environ.get(
        "PROBE_ALLOWED_NETWORKS", "10.0.0.0/8,172.16.0.0/12,192.168.0.0/16").split(",") if n.strip()]

    # Outgoing mail, delivered by the job runner's send-mail job: a meeting's change queues its
    # invitations in any process; a runner without SMTP_HOST keeps them until one is set (and
    # writes no reminder or report e-mail of its own).
    SMTP_HOST = os.environ.get("SMTP_HOST")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "25"))
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD")
    SMTP_STARTTLS = env_flag("SMTP_STARTTLS", False)
    SMTP_SSL = env_flag("SMTP_SSL", False)
    SMTP_TIMEOUT = 20
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "lichhop@localhost")
    MAIL_SENDER_NAME = "Lịch họp trực tuyến"
    # where links in e-mails and calendar entries point
    # What the week pages and the API's lists build, kept while the calendars they show keep
    # their tags (scheduler/meetings/calendar_tags.py). In each worker's memory by default
    # (a thousand pages of about 15 kB); CACHE_TYPE=RedisCache with CACHE_REDIS_URL shares one
    # cache among the application nodes. CALENDAR_CACHE=0 switches it off.
    CALENDAR_CACHE = env_flag("CALENDAR_CACHE", True)
    CACHE_TYPE = os.environ.get("CACHE_TYPE", "SimpleCache")
    CACHE_REDIS_URL = os.environ.get("CACHE_REDIS_URL")
    CACHE_THRESHOLD = int(os.environ.get("CACHE_THRESHOLD", "1000"))
    # also how long a change made outside the application (psql) may stay unseen
    CACHE_DEFAULT_TIMEOUT = int(os.environ.get("CACHE_DEFAULT_TIMEOUT", "300"))

    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    CITY_NAME = "Hà Nội"

    # Paperless meetings (scheduler/paperless/): documents live under DOCUMENT_DIR (default
    # instance/documents, never under static/), each at most DOCUMENT_MAX_MB, due
    # DOCUMENT_LEAD_DAYS before the meeting; the conclusion notice is due
    # CONCLUSION_DUE_WORKING_DAYS working days after it. WORKDAY_SWAPS adds the year's swapped
    # days the `holidays` package does not know yet: [("2027-02-11", "2027-02-20"), ...], each
    # (day off, working day). The overdue job looks back CONCLUSION_OVERDUE_LOOKBACK_DAYS.
    DOCUMENT_DIR = os.environ.get("DOCUMENT_DIR")
    DOCUMENT_MAX_MB = float(os.environ.get("DOCUMENT_MAX_MB", "20"))
    DOCUMENT_LEAD_DAYS = int(os.environ.get("DOCUMENT_LEAD_DAYS", "3"))
    CONCLUSION_DUE_WORKING_DAYS = 5
    CONCLUSION_OVERDUE_LOOKBACK_DAYS = 30
    WORKDAY_SWAPS: list = []
