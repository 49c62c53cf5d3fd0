"""Atelier settings. Everything that differs between a laptop and production comes from the
environment (django-environ); the defaults are safe for local development only."""

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from coop.core import channel_names, languages, test_workers

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=True)
DEV_SECRET_KEY = "dev-only-insecure-secret-key-change-me-0123456789abcdefghijklmnop"
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEV_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set from the environment when DEBUG is off.")
# Keyed HMAC for pseudonymous worker ids (separate from SECRET_KEY so rotating sessions does
# not rotate pseudonyms).
PSEUDONYM_SECRET = env.str("PSEUDONYM_SECRET", default=SECRET_KEY)
# Keyed HMAC-SHA256 of API-key secrets and invitation tokens (separate from both: rotating it
# invalidates every API key and pending invitation, and nothing else). See docs/requesters.md.
API_KEY_SECRET = env.str("API_KEY_SECRET", default=SECRET_KEY)
# Fernet keys (comma-separated, newest first) that seal API-key secrets at rest, so that the MTurk-compatible
# API can check an AWS SigV4 (which needs the secret, not a hash). Empty: one key derived from API_KEY_SECRET.
API_KEY_SEALING_KEYS = env.list("API_KEY_SEALING_KEYS", default=[])
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI served from our static files, not a CDN
    "csp",
    "channels",
    "django_q",
    "axes",  # log-in lockout (docs/security.md "Throttling")
    # Atelier's apps; seed_demo runs each app's demo.py in this order. The order in which they
    # may import each other is the layers of docs/architecture.md (checked by `make lint`).
    "coop.core",
    "coop.ops",
    "accounts",
    "coop.federation",
    "coop.eventlog",
    "ledger",
    "tasks",
    "tasks.quality",  # aggregation of overlapping answers, agreement (issue 20)
    "tasks.qualifications",
    "tasks.appeals",
    "tasks.mturk",
    "tasks.webhooks",  # the requester's webhooks (issue 20)
    "coop.governance",
    "coop.forums",
    "coop.simulation",  # manage.py simulate_market (no models)
]

MIDDLEWARE = [
    "coop.ops.requestid.RequestIdMiddleware",
    "coop.ops.metrics.LatencyMiddleware",
    "coop.ops.replica.ReplicaReadsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "coop.core.guard.InputGuardMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.TimezoneMiddleware",
    "accounts.middleware.LanguageFallbackMiddleware", "ledger.middleware.LocalMoneyMiddleware",  # issue 23
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out log-in into the lockout page
]

ROOT_URLCONF = "coop.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "coop.core.context_processors.atelier",
            ],
        },
    },
]
WSGI_APPLICATION = "coop.wsgi.application"
ASGI_APPLICATION = "coop.asgi.application"

# --- database -------------------------------------------------------------------------
VAR_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'atelier.sqlite3'}")}
DATABASE_IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if DATABASE_IS_POSTGRES:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 0)
    DATABASES["default"]["TEST"] = {"NAME": "test_" + DATABASES["default"]["NAME"]}
    # execute_one's statements prepared after this many runs (Django's default: never); 0 behind PgBouncer
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = env.int("DB_PREPARE_THRESHOLD", 5) or None
    # A bounded pool per process (psycopg_pool; off unless DB_POOL_MAX_SIZE): under ASGI each request in flight
    # holds a connection, and a busy hour (issue 18) would pass max_connections (docs/deploy.md)
    if env.int("DB_POOL_MAX_SIZE", default=0):
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1, "max_size": env.int("DB_POOL_MAX_SIZE"), "timeout": env.float("DB_POOL_TIMEOUT", default=30)}
else:
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets pages read while a job writes; IMMEDIATE takes the write lock at BEGIN so
        # two writers queue instead of failing with "database is locked" on upgrade.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # A file (not :memory:) so a live ASGI server in another process sees the test data.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test_atelier.sqlite3")}
# A read replica for the heavy read pages (coop.ops.replica, docs/deploy.md). Without
# DATABASE_REPLICA_URL the alias is a second connection to the primary, unused unless
# REPLICA_READS is on (the tests turn it on to check the routing on one server).
if DATABASE_IS_POSTGRES:
    DATABASES["replica"] = env.db_url("DATABASE_REPLICA_URL", default=env.str("DATABASE_URL"))
    DATABASES["replica"].setdefault("CONN_MAX_AGE", 0)
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
REPLICA_READS = env.bool("REPLICA_READS", default=bool(env.str("DATABASE_REPLICA_URL", default="")))
REPLICA_READ_VIEWS = {
    "eventlog:audit", "eventlog-api:feed", "eventlog-api:checkpoints", "appeals-api:scorecard", "appeals:record",
    "ledger:wallet_csv", "ledger:requester_csv", "ledger-api:wallet_statement", "ledger-api:requester_statement",
}
DATABASE_ROUTERS = ["coop.ops.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# --- realtime and jobs ----------------------------------------------------------------
REDIS_URL = test_workers.redis_url(env.str("REDIS_URL", default=""))  # tests in parallel: one db each
if REDIS_URL:
    # socket_timeout None: the layer's receive is a blocking BZPOPMIN, and redis-py 8 cuts
    # reads off after 5 s by default, tearing down every idle websocket (channels_redis#422).
    # Redis pub/sub layer by default: a group send is one PUBLISH, delivered once to each server
    # process, which fans out locally (the "core" layer pushes one Redis message per socket). Both
    # deliver at most once. Its names name this deployment: pub/sub ignores Redis db numbers.
    REDIS_CHANNEL_LAYER = env.str("REDIS_CHANNEL_LAYER", default="pubsub")
    CHANNEL_PREFIX = channel_names.channel_prefix(REDIS_URL, DATABASES["default"], env.str("CHANNEL_LAYER_PREFIX", ""))
    CHANNEL_LAYERS = {
        "default": {"BACKEND": {"pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
                                "core": "channels_redis.core.RedisChannelLayer"}[REDIS_CHANNEL_LAYER],
                    "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": None}], "prefix": CHANNEL_PREFIX}}
    }
    CACHES = {"default": {"BACKEND": "coop.core.cache.RedisCache", "LOCATION": REDIS_URL}}  # one client a pool
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    # The database cache keeps rate limits shared between processes without a server.
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "atelier_cache"}}
# One process's own memory: only for what need not be shared (the tests' throttle counts).
CACHES["local"] = {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "atelier-local"}

Q_CLUSTER = {
    "name": "atelier",
    "workers": env.int("Q_WORKERS", default=2),
    "timeout": 120,
    "retry": 180,  # must exceed timeout
    "max_attempts": 3,
    "catch_up": False,  # every scheduled job catches up by itself (it looks at due dates)
    "sync": env.bool("Q_SYNC", default=False),
    "save_limit": 500,
    "label": "Jobs",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_HASHERS = env.list(
    "PASSWORD_HASHERS",
    default=[
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    ],
)
# django-axes first: it refuses a locked-out log-in before the password is even checked. Then
# Django's ModelBackend whose get_user reads the user with their profile in one statement.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "accounts.backends.UserBackend"]
LOGIN_URL, LOGIN_REDIRECT_URL, LOGOUT_REDIRECT_URL = "login", "home", "home"  # home: coop.federation.roles

# --- throttling and log-in lockout (docs/security.md "Throttling") ----------------------
# Trusted proxies that append to X-Forwarded-For: rate limits and lockouts count by the client IP
# they saw (0 = REMOTE_ADDR, development; production runs behind one TLS-terminating proxy).
PROXY_COUNT = env.int("PROXY_COUNT", default=0 if DEBUG else 1)


def _rate(name, default):
    """A rate "count/period" (period: s, m, h or d) from the environment; "off" switches it off."""
    value = env.str(name, default=default).strip()
    return None if value.lower() in ("off", "none", "") else value


THROTTLE_RATES = {
    "anon": _rate("THROTTLE_ANON", "60/m"),  # API without a session or key, per IP
    "user": _rate("THROTTLE_USER", "600/m"),  # API with a session, per person
    "api_key": _rate("THROTTLE_API_KEY", "1200/m"),  # API with a key, per key
    "member_work": _rate("THROTTLE_MEMBER_WORK", "240/m"),  # the member API and claim, per member
    "api_key_failure": _rate("THROTTLE_API_KEY_FAILURE", "20/h"),  # wrong keys, per IP
    "signup": _rate("THROTTLE_SIGNUP", "10/h"),  # sign-up posts, per IP
    "password_reset": _rate("THROTTLE_PASSWORD_RESET", "10/h"),  # reset requests, per IP
}
THROTTLE_CACHE = env.str("THROTTLE_CACHE", default="default")  # a CACHES alias
# HTTP requests in flight per server process; past it 503 + Retry-After (coop/core/shedding.py; 0: off)
WEB_MAX_IN_FLIGHT, WEB_RETRY_AFTER = env.int("WEB_MAX_IN_FLIGHT", default=64), env.int("WEB_RETRY_AFTER", default=1)

AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]  # one account from one address
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_FORM_FIELD = "username"  # Django's log-in form (its value is the email)
AXES_USERNAME_CALLABLE = "accounts.lockout.username_of"
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_DISABLE_ACCESS_LOG = True  # no row per successful log-in: members' IPs are not kept
AXES_IPWARE_PROXY_COUNT = PROXY_COUNT or None
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if PROXY_COUNT else ["REMOTE_ADDR"]

# --- i18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = languages.LANGUAGES  # en fr + mg sw es pt by machine; adds LANG_INFO["mg"] (docs/languages-and-money.md)
LOCALE_PATHS = [BASE_DIR / "locale"]  # the first is where "help translate" writes (coop/federation/translations.py)
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG
# Files browsers ask for at the site's root (/favicon.ico), served by WhiteNoise as they are.
WHITENOISE_ROOT = BASE_DIR / "public"

# --- email ----------------------------------------------------------------------------
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Atelier <noreply@atelier.localhost>")

# --- API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Session first: DRF answers an unauthenticated call with the first class's challenge,
        # and the API's convention is 403 `not_authenticated` (no WWW-Authenticate prompt).
        "rest_framework.authentication.SessionAuthentication",
        "accounts.auth.ApiKeyAuthentication",
        "accounts.auth.MemberKeyAuthentication",  # a member's own key (`atm_…`): the member API only
    ],
    # HasKeyScope holds API keys to the scope each view declares (`required_scope`); a view
    # that sets its own permission classes uses coop.federation.access.PUBLIC or SIGNED_IN.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated",
                                   "coop.federation.access.HasKeyScope"],
    "DEFAULT_SCHEMA_CLASS": "coop.core.schema.AutoSchema",  # every operation declares its errors
    "EXCEPTION_HANDLER": "coop.core.api.exception_handler",
    "DEFAULT_PARSER_CLASSES": [
        "coop.core.parsers.JSONParser",  # depth and NUL limits (coop.core.guard)
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": [  # rates: THROTTLE_RATES above, read per request
        "accounts.throttles.AnonThrottle",
        "accounts.throttles.UserThrottle",
        "accounts.throttles.ApiKeyThrottle",
    ],
    "NUM_PROXIES": PROXY_COUNT,
    "DEFAULT_PAGINATION_CLASS": "coop.core.api.CursorPagination",
    "PAGE_SIZE": 50,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Atelier API",
    "DESCRIPTION": "The API of a federation of worker cooperatives. Errors are always "
    '`{"code", "message", "extra"}`.',
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
}

# --- Atelier --------------------------------------------------------------------------
FEDERATION_NAME = env.str("FEDERATION_NAME", default="Atelier Federation")
FEDERATION_CURRENCY = env.str("FEDERATION_CURRENCY", default="USD")

# Webhooks (issue 20, docs/requester-toolkit.md): how long one call may take, and whether a
# webhook may target plain http and private/loopback addresses (development and tests only).
WEBHOOK_TIMEOUT_SECONDS = env.float("WEBHOOK_TIMEOUT_SECONDS", default=10.0)
WEBHOOK_ALLOW_PRIVATE_HOSTS = env.bool("WEBHOOK_ALLOW_PRIVATE_HOSTS", default=DEBUG)
# Where links in emails point when no request is at hand (e.g. staff invitations from a job).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
# Forums: longest message (characters) and posts per member per window ("count/seconds"),
# counted in the shared cache so the limit holds across server processes.
FORUMS_MAX_MESSAGE_CHARS = env.int("FORUMS_MAX_MESSAGE_CHARS", default=4000)
FORUMS_RATE_LIMIT = env.str("FORUMS_RATE_LIMIT", default="20/60")

# --- production safety (docs/security.md "Production settings") -------------------------
if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    # Atelier runs behind a TLS-terminating proxy that sets X-Forwarded-Proto; plain HTTP is
    # redirected to HTTPS, and browsers are told to use nothing else for a year (HSTS).
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_HTTPONLY = True
SESSION_ENGINE = "accounts.sessions"  # Django's database sessions, read in one hand-written statement
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp), in development too so a violation shows at once.
# Nothing inline: scripts and styles are static files; task pictures and audio are the
# requesters' https URLs; fetch and the forums' websocket go to this site ('self' covers
# ws:/wss: of the same host in CSP Level 3).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", "https:"],
        "media-src": [SELF, "https:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Logs go to stderr (the process manager or container runtime collects them). In production
# (DEBUG off) each line is one JSON object (python-json-logger) with the request id of the
# request that wrote it (coop.ops.requestid); LOG_FORMAT=text gives plain lines.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "coop.ops.requestid.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "pythonjsonlogger.json.JsonFormatter",
                 "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s %(request_id)s",
                 "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"}},
        "text": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["request_id"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# --- operations (docs/operations.md) ----------------------------------------------------
# /metrics answers `Authorization: Bearer <METRICS_TOKEN>` or a scraper at one of these
# addresses; nobody else (404). /readyz fails when the oldest event without a position is
# older than READY_MAX_SEQUENCER_LAG seconds (the sequencer is down or far behind).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])
READY_MAX_SEQUENCER_LAG = env.float("READY_MAX_SEQUENCER_LAG", default=60.0)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]  # probes come over plain HTTP inside

# --- event log (docs/eventlog.md) -------------------------------------------------------
# The federation's Ed25519 signing key (64 hex chars = the 32-byte seed, or a PEM private key).
# Every server signs with the same key. Only in development (DEBUG) is one generated into var/.
EVENTLOG_SIGNING_KEY = env.str("EVENTLOG_SIGNING_KEY", default="")
EVENTLOG_DEV_KEY_FILE = str(VAR_DIR / "eventlog_signing_key") if DEBUG else ""
# Public keys (hex) of earlier signing keys whose checkpoints still verify after a rotation.
EVENTLOG_TRUSTED_PUBLIC_KEYS = env.list("EVENTLOG_TRUSTED_PUBLIC_KEYS", default=[])
EVENTLOG_ORIGIN = env.str("EVENTLOG_ORIGIN", default="atelier.localhost/eventlog")
EVENTLOG_CHECKPOINT_EVERY = env.int("EVENTLOG_CHECKPOINT_EVERY", default=1000)  # events
EVENTLOG_CHECKPOINT_MINUTES = env.int("EVENTLOG_CHECKPOINT_MINUTES", default=10)
