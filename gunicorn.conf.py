"""gunicorn settings for an application node: `gunicorn -c gunicorn.conf.py wsgi:app`.

Threaded workers (gthread): a request waiting on PostgreSQL holds a thread, not a whole
process, so four processes of four threads serve sixteen requests at once in about the
memory of four. Each process keeps its own SQLAlchemy pool (DB_POOL_SIZE, default 5: one
connection per thread and a spare), so a node needs at most workers x (pool + overflow)
connections: see README, "Deploying". The background jobs never run here: one
`flask jobs run` process per installation does them.
"""
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_WORKERS", "4"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
# a worker silent this long is killed and replaced: far above the slowest page (the city's
# year report at a million meetings stays under a second) and the load test's p95
timeout = int(os.environ.get("WEB_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5  # behind a reverse proxy that keeps connections open
# each worker imports the application itself (no preload): engines and pools are never
# shared across fork
preload_app = False
# Workers are not recycled after N requests (gunicorn's default): a recycled gthread worker
# closes its idle keep-alive connections, and a client that sends on one at that instant gets
# a connection reset (the load test saw them every 13 s per worker at 1,500 requests/s with
# 5,000). Memory stays flat (benchmarks/README.md: 93-123 MB a worker); WEB_MAX_REQUESTS=N
# brings recycling back where a library is found to leak.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", "0"))
max_requests_jitter = max_requests // 10
accesslog = os.environ.get("WEB_ACCESS_LOG", "-") or None  # "" = none
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
