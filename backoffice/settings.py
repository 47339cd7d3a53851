"""Settings, read from the environment (and `.env`); see .env.example for every variable."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import dj_database_url
import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# Real environment variables win over .env (read_env never overwrites them).
environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY is not set: run `make run` once, or see .env.example")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_htmx",
    "django_filters",
    "template_partials",
    "django_q",
    "axes",
    "shops",
    "catalog",
    "orders",
    "fulfillment",
    "finance",
    "ninja",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "backoffice.middleware.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backoffice.middleware.IdleSessionMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "shops.zones.DisplayZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "builtins": ["template_partials.templatetags.partials"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "backoffice.context.layout",
                "shops.context.authorization_alerts",
            ],
        },
    },
]

# --- database: PostgreSQL only ---------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", default="")
if not DATABASE_URL:
    raise ImproperlyConfigured(
        "DATABASE_URL is not set: `make run` / `make test` find PostgreSQL themselves, "
        "or `make db` prints the URL to export"
    )
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)
}
if DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must point at PostgreSQL (postgresql://...)")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The shared cache holds the worker's heartbeat and login throttling, so it must be one that
# every process sees.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "django_cache",
    }
}

# --- auth ------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"
# Login throttling (django-axes): failures count per username *and* address together, so one
# attacker cannot lock everyone at an address (or behind the proxy) out.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_ATTEMPTS_LIMIT = env.int("LOGIN_ATTEMPTS_LIMIT", default=5)
LOGIN_LOCKOUT_SECONDS = env.int("LOGIN_LOCKOUT_SECONDS", default=900)
AXES_FAILURE_LIMIT = LOGIN_ATTEMPTS_LIMIT
AXES_COOLOFF_TIME = timedelta(seconds=LOGIN_LOCKOUT_SECONDS)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "backoffice.auth.lockout_response"
AXES_CLIENT_IP_CALLABLE = "backoffice.auth.client_address"
AXES_USERNAME_CALLABLE = "backoffice.auth.attempted_username"
AXES_VERBOSE = False
# Idle sessions end after this many seconds (requests move the deadline, at most once a minute:
# backoffice.middleware.IdleSessionMiddleware).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_SECONDS", default=8 * 60 * 60)

# --- i18n / time -------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = env("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

# --- static ------------
STATIC_URL = "static/"
# Where collectstatic gathers the files whitenoise serves (with hashed names outside DEBUG).
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Stored shipping documents (TikTok's links expire after 24 hours) and print files.
MEDIA_ROOT = env.str("MEDIA_ROOT", default=str(BASE_DIR / ".var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- security (secure unless DEBUG) -----------------------------------------------------------
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^webhooks/"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
BEHIND_TLS_PROXY = env.bool("BEHIND_TLS_PROXY", default=False)
if BEHIND_TLS_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# Addresses (or networks) of the proxies whose X-Forwarded-For we believe; the client's address
# is the right-most forwarded one that is not such a proxy. Empty: REMOTE_ADDR is the client.
TRUSTED_PROXIES = env.list(
    "TRUSTED_PROXIES", default=["127.0.0.1", "::1"] if BEHIND_TLS_PROXY else []
)
# The demo (make run with the sandbox) may use the sandbox's published app credentials;
# anywhere else the deploy checks refuse them.
DEMO = env.bool("DEMO", default=False)

# --- jobs (django-q2) ---------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "backoffice",
    "label": "Jobs",
    "workers": env.int("WORKERS", default=2),
    # A job that runs past `timeout` is killed; `retry` must be longer or a slow job would be
    # handed out twice while still running.
    "timeout": env.int("JOB_TIMEOUT", default=600),
    "retry": env.int("JOB_TIMEOUT", default=600) + 120,
    "max_attempts": 3,
    # Failures are recorded and acknowledged; jobs retry with their own back-off where it matters.
    "ack_failures": True,
    "catch_up": False,
    "save_limit": 1000,
    "cache": "default",
    "poll": 0.2,
}
# The worker's health (shops/worker.py): `manage.py run_worker` sends a canary job every
# WORKER_CANARY_SECONDS (a schedule sends one a minute too); when none has completed for
# WORKER_STALL_SECONDS the worker is stalled (and run_worker restarts it). A due job waiting
# longer than QUEUE_BACKLOG_SECONDS means the queue is backed up.
WORKER_CANARY_SECONDS = env.int("WORKER_CANARY_SECONDS", default=15)
WORKER_STALL_SECONDS = env.int("WORKER_STALL_SECONDS", default=150)
QUEUE_BACKLOG_SECONDS = env.int("QUEUE_BACKLOG_SECONDS", default=300)
# The worker runs at this CPU niceness (0-19), so jobs yield to the web processes.
WORKER_NICE = env.int("WORKER_NICE", default=10)
# ...and so do its PostgreSQL backends when the server runs on this machine (off behind a
# connection pooler, whose backends also serve the pages).
WORKER_NICE_DATABASE = env.bool("WORKER_NICE_DATABASE", default=True)
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- TikTok Shop ---------------------------------------------------------------------------------
TIKTOK_APP_KEY = env("TIKTOK_APP_KEY", default="")
TIKTOK_APP_SECRET = env("TIKTOK_APP_SECRET", default="")
TIKTOK_SERVICE_ID = env("TIKTOK_SERVICE_ID", default="")
TIKTOK_API_BASE = env("TIKTOK_API_BASE", default="https://open-api.tiktokglobalshop.com")
TIKTOK_AUTH_BASE = env("TIKTOK_AUTH_BASE", default="https://auth.tiktok-shops.com")
# ROW sellers consent at services.tiktokshop.com; US sellers at a host the docs disagree on
# (services.us.tiktokshop.com vs services.tiktokshops.us; UNVERIFIED), hence a setting.
TIKTOK_CONSENT_BASE = env("TIKTOK_CONSENT_BASE", default="https://services.tiktokshop.com")
TIKTOK_WEBHOOK_URL = env("TIKTOK_WEBHOOK_URL", default="")
# Where a product's public listing lives; {product_id} is TikTok's id. UNVERIFIED: the pattern
# differs by market, so it is a setting (empty hides the link).
TIKTOK_PRODUCT_URL = env(
    "TIKTOK_PRODUCT_URL", default="https://shop.tiktok.com/view/product/{product_id}"
)
TOKEN_ENCRYPTION_KEYS = env.list("TOKEN_ENCRYPTION_KEYS", default=[])

# The consent host (TIKTOK_CONSENT_BASE) is added to form-action by the middleware.
CONTENT_SECURITY_POLICY = env(
    "CONTENT_SECURITY_POLICY",
    default=(
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    ),
)
# Requests per second per (app, shop, API), shared by all processes; TikTok's default is 50.
TIKTOK_RATE_LIMIT = env.float("TIKTOK_RATE_LIMIT", default=50)
# Refresh access tokens this long before they expire.
TOKEN_REFRESH_WINDOW_MINUTES = env.int("TOKEN_REFRESH_WINDOW_MINUTES", default=24 * 60)
# Event types we subscribe each shop to (Event API); handlers per numeric type below.
TIKTOK_WEBHOOK_EVENTS = env.list(
    "TIKTOK_WEBHOOK_EVENTS",
    default=[
        "ORDER_STATUS_CHANGE",
        "RECIPIENT_ADDRESS_UPDATE",
        "PACKAGE_UPDATE",
        "PRODUCT_STATUS_CHANGE",
        "SELLER_DEAUTHORIZATION",
        "UPCOMING_AUTHORIZATION_EXPIRATION",
        "CANCELLATION_STATUS_CHANGE",
        "RETURN_STATUS_CHANGE",
        "PRODUCT_INFORMATION_CHANGE",
        "PRODUCT_CREATION",
    ],
)
# Jobs queued (with the shop's id) whenever a shop is connected or reconnected; the last one
# sends the changes that waited while the shop needed re-authorization.
SHOP_CONNECTED_JOBS = [
    "shops.tasks.webhooks_register",
    "shops.tasks.sync_shop_pending",
    "shops.tasks.commands_work",
]
# Largest webhook body accepted, in bytes.
WEBHOOK_MAX_BYTES = env.int("WEBHOOK_MAX_BYTES", default=1_000_000)
# Which job handles which webhook type (dotted paths, like middleware); shops handles 6 and 7.
WEBHOOK_HANDLERS: dict[int, str] = {
    1: "orders.webhooks.handle_order_event",
    3: "orders.webhooks.handle_order_event",
    4: "fulfillment.webhooks.handle_package_event",
    5: "catalog.webhooks.handle_product_event",
    6: "shops.webhooks.handle_deauthorization",
    7: "shops.webhooks.handle_upcoming_expiration",
    11: "fulfillment.webhooks.handle_cancellation_event",
    12: "fulfillment.webhooks.handle_return_event",
    15: "catalog.webhooks.handle_product_event",
    16: "catalog.webhooks.handle_product_event",
}
# The mirror: which syncer mirrors which resource, in the order a shop's full sync runs them
# (catalog first so order lines find their SKUs, orders before the packages that point at them).
SYNC_RESOURCES: dict[str, str] = {
    "products": "catalog.mirror.ProductSyncer",
    "orders": "orders.mirror.OrderSyncer",
    "packages": "fulfillment.mirror.PackageSyncer",
    "returns": "fulfillment.mirror.ReturnSyncer",
    "cancellations": "fulfillment.mirror.CancellationSyncer",
    "statements": "finance.mirror.StatementSyncer",
    "payments": "finance.mirror.PaymentSyncer",
    "withdrawals": "finance.mirror.WithdrawalSyncer",
    "unsettled": "finance.mirror.UnsettledOrderSyncer",
    # Last: one call per settled order, the longest walk of a first sync.
    "order_settlements": "finance.mirror.OrderSettlementSyncer",
}
# How far back from a shop's latest statement the per-SKU settlement of each order is fetched
# (one API call per order); 0 fetches none. Older orders show their order-level settlement only.
FINANCE_SKU_SETTLEMENT_DAYS = env.int("FINANCE_SKU_SETTLEMENT_DAYS", default=30)
# What else runs after a resource's run succeeded (dotted paths called with shop=): order
# lines mirrored before their products get their SKU links.
SYNC_AFTER_RUN: dict[str, list[str]] = {"products": ["orders.mirror.order_lines_link_skus"]}
# Minutes between scheduled incremental syncs (they reconcile whatever webhooks missed).
SYNC_INTERVAL_MINUTES = env.int("SYNC_INTERVAL_MINUTES", default=15)
# Incremental syncs re-read changes from this many minutes before the last complete run.
SYNC_OVERLAP_MINUTES = env.int("SYNC_OVERLAP_MINUTES", default=10)
# Pages a sync fetches ahead (in a thread) while it stores the current one; 0 turns it off.
SYNC_PREFETCH_PAGES = env.int("SYNC_PREFETCH_PAGES", default=2)
# With the rate limit on, a walk of more than SYNC_WINDOW_MIN_PAGES pages is split into
# update-time windows, SYNC_WINDOWS_IN_FLIGHT of them walked side by side (one cursor each), so
# the shop's walk runs at the limit instead of at one request per round trip; 1 turns it off.
SYNC_WINDOWS_IN_FLIGHT = env.int("SYNC_WINDOWS_IN_FLIGHT", default=4)
SYNC_WINDOW_MIN_PAGES = env.int("SYNC_WINDOW_MIN_PAGES", default=20)
# Connections a sync stores its pages on side by side (orders, products and packages; each page
# commits in order, so a stopped run still resumes from its last cursor); 1 stores one at a time.
SYNC_STORE_WRITERS = env.int("SYNC_STORE_WRITERS", default=2)
# The dashboard counts SKUs with stock above zero but under this as low.
LOW_STOCK_THRESHOLD = env.int("LOW_STOCK_THRESHOLD", default=5)

# Writes to TikTok: which command kind is which class (dotted paths, like SYNC_RESOURCES).
COMMAND_KINDS: dict[str, str] = {
    "catalog.set_prices": "catalog.commands.SetPrices",
    "catalog.set_stock": "catalog.commands.SetStock",
    "fulfillment.ship_package": "fulfillment.commands.ShipPackage",
    "fulfillment.decide_return": "fulfillment.decisions.DecideReturn",
    "fulfillment.decide_cancellation": "fulfillment.decisions.DecideCancellation",
    "fulfillment.cancel_order": "fulfillment.decisions.CancelOrder",
    "fulfillment.ship_batch": "fulfillment.shipping_commands.ShipBatch",
    "fulfillment.mark_shipped": "fulfillment.shipping_commands.MarkShipped",
    "fulfillment.update_tracking": "fulfillment.shipping_commands.UpdateTracking",
    "fulfillment.split_order": "fulfillment.split.SplitOrder",
}
# Packages per Batch Ship Packages call (TikTok's limit per call is UNVERIFIED: kept modest).
SHIP_BATCH_CHUNK = env.int("SHIP_BATCH_CHUNK", default=50)
# Threads downloading shipping documents at once (TikTok's calls stay paced by the limiter).
DOCUMENT_FETCH_THREADS = env.int("DOCUMENT_FETCH_THREADS", default=8)
# Seconds an irreversible send (a ship batch) waits with Undo before it goes (0: at once).
SEND_UNDO_SECONDS = env.int("SEND_UNDO_SECONDS", default=10)
# Packages one ship batch may hold (Seller Center prints at most 600 labels at once).
SHIP_BATCH_MAX = env.int("SHIP_BATCH_MAX", default=1000)
# A running command whose worker has not recorded it after this long is taken over.
COMMAND_LEASE_SECONDS = env.int("COMMAND_LEASE_SECONDS", default=120)
# Attempts per command before it fails (a person's Retry starts the count again).
COMMAND_MAX_ATTEMPTS = env.int("COMMAND_MAX_ATTEMPTS", default=6)
# Back-off between attempts: doubling from the base, with jitter, up to the cap.
COMMAND_RETRY_BASE_SECONDS = env.float("COMMAND_RETRY_BASE_SECONDS", default=1.0)
COMMAND_RETRY_MAX_SECONDS = env.float("COMMAND_RETRY_MAX_SECONDS", default=60.0)
# A worker waits this long for the next retry before handing back; one job works at most
# COMMAND_WORK_SECONDS (well under JOB_TIMEOUT) and the minute schedule picks up the rest.
COMMAND_IDLE_WAIT_SECONDS = env.float("COMMAND_IDLE_WAIT_SECONDS", default=20.0)
COMMAND_WORK_SECONDS = env.float("COMMAND_WORK_SECONDS", default=300.0)
# How often a worker looks for running commands past their lease (they are rare).
COMMAND_LOST_CHECK_SECONDS = 2.0

# --- the read-only API and MCP server (api/) ----------------------------------------------------
# Requests per token per API_RATE_WINDOW_SECONDS, counted in PostgreSQL (shared by every
# process); over it the answer is 429 with Retry-After. 0 turns the limit off.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=120)
API_RATE_WINDOW_SECONDS = env.int("API_RATE_WINDOW_SECONDS", default=60)

# --- logging ------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
