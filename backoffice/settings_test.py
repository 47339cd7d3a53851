"""Test settings: the real ones with fast hashing, plain static files and jobs run inline."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")

from backoffice.settings import *  # noqa: F403
from backoffice.settings import Q_CLUSTER

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
Q_CLUSTER = {**Q_CLUSTER, "sync": True}
TIKTOK_APP_KEY = "testappkey"
TIKTOK_APP_SECRET = "testappsecret"
TIKTOK_SERVICE_ID = "7000000000000000009"
TOKEN_ENCRYPTION_KEYS = ["o2v0uJ0Z0rjzJ7sWkq5b2HmN8fYw1aCqL3tXyE6dPgA="]
LOGGING = {"version": 1, "disable_existing_loggers": False}
# Serve static files from the finders: no collectstatic before tests.
WHITENOISE_AUTOREFRESH = True
# Commands run inline after commit in tests: never wait for a retry, back off briefly.
COMMAND_IDLE_WAIT_SECONDS = 0
COMMAND_RETRY_BASE_SECONDS = 0.01
COMMAND_RETRY_MAX_SECONDS = 0.05
COMMAND_LOST_CHECK_SECONDS = 0
# Sends go at once in tests (the undo window's own tests set it).
SEND_UNDO_SECONDS = 0
