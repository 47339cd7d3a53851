"""gunicorn settings from the environment (`gunicorn -c python:backoffice.gunicorn ...`)."""

import os

bind = os.environ.get("WEB_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
# Processes x threads: the pages wait on PostgreSQL, so threads keep a process busy.
workers = int(os.environ.get("WEB_WORKERS", str(2 * (os.cpu_count() or 1) + 1)))
threads = int(os.environ.get("WEB_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# A worker is replaced after this many requests (and a little jitter), so a leak stays small.
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logger_class = "backoffice.accesslog.RedactingLogger"
# gunicorn 27 otherwise creates ~/.gunicorn for its control socket.
control_socket_disable = True
