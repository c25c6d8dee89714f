"""Settings for the LKT tracker, read from environment variables.

The defaults give the embedded set-up (SQLite, Celery tasks run eagerly, console e-mail) so that
`make run` works on a fresh machine. Production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY,
ALLOWED_HOSTS and DEBUG=0; see .env.example.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} must be an integer, got {raw!r}") from exc


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The development key only works with DEBUG on; production must set its own.
_DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
# Separate key for API token hashes, so rotating SECRET_KEY (sessions) does not revoke every token.
API_TOKEN_HASH_KEY = env_str("API_TOKEN_HASH_KEY", SECRET_KEY)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "teams",
    "measures",
    "seminars",
    "clusters",
    "reports",
    "demo",
]

MIDDLEWARE = [
    # Before everything that reads the Host header or redirects to HTTPS: the container's healthcheck
    # asks over plain HTTP on 127.0.0.1.
    "lkt.middleware.HealthCheckMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Static files (hashed, compressed, cached for a year) are answered here, before sessions.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "lkt.middleware.ContentSecurityPolicyMiddleware",
    "lkt.middleware.PrivateCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lkt.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "axes.middleware.AxesMiddleware",
    "teams.middleware.ExportAuditMiddleware",
]

ROOT_URLCONF = "lkt.urls"
WSGI_APPLICATION = "lkt.wsgi.application"

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
                "teams.context_processors.navigation",
                "clusters.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so the embedded app's web requests and
    # in-process jobs wait for each other instead of failing with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The cache holds the rate-limit counters (API throttling, failed logins and tokens per address), so
# it must be shared by every worker: Redis in production (CACHE_URL, default REDIS_URL, else a Redis
# CELERY_BROKER_URL), a file cache
# in the embedded set-up (one machine, several processes).
CACHE_URL = env_str("CACHE_URL", env_str("REDIS_URL", ""))
if not CACHE_URL and env_str("CELERY_BROKER_URL", "").startswith(("redis://", "rediss://")):
    CACHE_URL = env_str("CELERY_BROKER_URL", "")  # the broker's Redis; our keys carry a prefix and a TTL
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "lkt"),
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
elif CACHE_URL:
    raise ImproperlyConfigured(f"CACHE_URL must be a redis:// URL, got {CACHE_URL!r}")
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": env_str("CACHE_DIR", str(BASE_DIR / "var" / "cache")),
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

AUTHENTICATION_BACKENDS = [
    "teams.login_protection.AddressLimitBackend",
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Single sign-on over OpenID Connect (teams.oidc), on when OIDC_RP_CLIENT_ID is set. The endpoints
# are the provider's (its /.well-known/openid-configuration lists them); roles stay in the app.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_ENABLED = bool(OIDC_RP_CLIENT_ID)
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_RP_SIGN_ALGO = env_str("OIDC_RP_SIGN_ALGO", "RS256")
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid email profile")
OIDC_PROVIDER_NAME = env_str("OIDC_PROVIDER_NAME", "din regions login")
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False  # accounts are created by national leads, never by a login
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10)
OIDC_AUTHENTICATION_CALLBACK_URL = "sso-callback"
LOGIN_REDIRECT_URL_FAILURE = "/login/?sso=fejl"
if OIDC_ENABLED:
    missing = [
        name
        for name in (
            "OIDC_OP_ISSUER",
            "OIDC_OP_AUTHORIZATION_ENDPOINT",
            "OIDC_OP_TOKEN_ENDPOINT",
            "OIDC_OP_JWKS_ENDPOINT",
        )
        if not globals()[name]
    ]
    if missing:
        raise ImproperlyConfigured(f"OIDC_RP_CLIENT_ID is set, so these must be too: {', '.join(missing)}")
    AUTHENTICATION_BACKENDS.append("teams.oidc.LktOIDCBackend")

# Optional TOTP two-factor for local logins (teams.views_login); the issuer names us in the app.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "LKT-tracker")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# A working day, not Django's two weeks: shared ward computers are common.
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 9 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# Lock an account + address out after repeated failures (django-axes). The address is the client's
# as lkt.net.client_ip reads it behind TRUSTED_PROXIES, never the proxy's: keyed on the proxy's
# address, anyone could lock any user out.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_CLIENT_IP_CALLABLE = "lkt.net.client_ip"
AXES_LOCKOUT_CALLABLE = "teams.login_protection.lockout_response"
# Password spraying: failed logins from one address, whatever the usernames (teams.login_protection).
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 30)
LOGIN_ADDRESS_WINDOW_MINUTES = env_int("LOGIN_ADDRESS_WINDOW_MINUTES", 15)

LANGUAGE_CODE = "da"
LANGUAGES = [("da", _("Dansk")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Copenhagen"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
FORMAT_MODULE_PATH = ["lkt.formats"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Production serves collectstatic's output through whitenoise: names carry a content hash (so
    # they are cached for a year) and gzip copies sit beside them. The manifest exists only
    # after collectstatic, so the development server and the test run use the plain storage.
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
# Whitenoise reads STATIC_ROOT once at start in production; in development (and in the test run,
# whose settings load with DEBUG on) it looks files up per request, so no collectstatic is needed.
WHITENOISE_AUTOREFRESH = DEBUG
WHITENOISE_USE_FINDERS = DEBUG
# Types whitenoise does not know (it would send application/octet-stream for DKFDS's fonts).
WHITENOISE_MIMETYPES = {".ttf": "font/ttf", ".otf": "font/otf", ".woff": "font/woff"}
# Uploads (seminar materials) are never served as /media/ URLs: only through views that check access.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploads: data files and seminar materials. Larger requests are refused before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 10 * 1024 * 1024)
FILE_UPLOAD_MAX_MEMORY_SIZE = env_int("FILE_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)
MAX_UPLOAD_SIZE = env_int("MAX_UPLOAD_SIZE", 10 * 1024 * 1024)
DATA_UPLOAD_MAX_NUMBER_FIELDS = 20000

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "LKT tracker <noreply@lkt.example>")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000")

# Reports (reports app): headless Chromium prints the report pages to PDF. In a container running as
# a non-root user without user namespaces Chromium's sandbox cannot start: set
# REPORT_CHROMIUM_ARGS=--no-sandbox there (the page printed is our own markup, served from memory).
REPORT_CHROMIUM_PATH = env_str("REPORT_CHROMIUM_PATH", "/usr/bin/chromium")
REPORT_CHROMIUM_ARGS = env_list(
    "REPORT_CHROMIUM_ARGS",
    # Chromium refuses to start its sandbox as root (CI, the embedded run in a root shell).
    "--disable-gpu,--disable-dev-shm-usage" + (",--no-sandbox" if os.geteuid() == 0 else ""),
)
# A network report of 60 teams takes well under a minute; the limit only stops a hung browser.
REPORT_TASK_TIME_LIMIT = env_int("REPORT_TASK_TIME_LIMIT", 600)

# Celery. Without a broker URL the tasks run in-process (embedded default, no Redis needed).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", env_str("REDIS_URL", ""))
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not CELERY_BROKER_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
# Tasks a worker enqueues itself (re-runs) go to this queue: set it together with the worker's -Q.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TIMEZONE = TIME_ZONE
# A publish must never hold a user's request: fail fast when the broker is down; the sweep catches up.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_PUBLISH_RETRY = True
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Longer than the longest task (CELERY_TASK_TIME_LIMIT), or Redis redelivers running tasks.
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_timeout": 2,
    "socket_connect_timeout": 2,
    "max_retries": 2,
}
# The sweep recomputes stale charts (e.g. after the broker was down) and verifies a sample of fresh
# ones; `expires` drops a beat message that waited longer than one interval, so a stopped worker
# does not face a pile of identical sweeps when it comes back.
CHART_SWEEP_MINUTES = env_int("CHART_SWEEP_MINUTES", 5)
CHART_SWEEP_BATCH_SIZE = env_int("CHART_SWEEP_BATCH_SIZE", 200)
CHART_SWEEP_MAX_BATCHES = env_int("CHART_SWEEP_MAX_BATCHES", 10)
CHART_SWEEP_VERIFY = env_int("CHART_SWEEP_VERIFY", 200)
# A worker's claim on the charts it computes lasts this long and is renewed while it computes; a
# killed worker's charts are free again after it, and recomputed within one sweep interval (a sweep
# that finds claimed rows sweeps again once they lapse). Capped at half the sweep interval.
CHART_CLAIM_SECONDS = env_int("CHART_CLAIM_SECONDS", 60)
# Saves to one series within this window are folded into one computation.
CHART_COALESCE_SECONDS = env_int("CHART_COALESCE_SECONDS", 2)
# The export audit trail (teams.models.ExportEvent) is kept this many days; pruned daily.
AUDIT_RETENTION_DAYS = env_int("AUDIT_RETENTION_DAYS", 365)
CELERY_BEAT_SCHEDULE = {
    "export-events-prune": {
        "task": "teams.tasks.export_events_prune_task",
        "schedule": crontab(hour=3, minute=15),
        "options": {"expires": 6 * 60 * 60},
    },
    "chart-results-sweep": {
        "task": "measures.tasks.chart_results_sweep_task",
        "schedule": timedelta(minutes=CHART_SWEEP_MINUTES),
        "options": {"expires": CHART_SWEEP_MINUTES * 60 - 10},
    },
    # Daily: each network has its own deadline day; the job sends only after it and once per month.
    "reporting-reminders": {
        "task": "measures.tasks.reporting_reminders_task",
        "schedule": crontab(hour=7, minute=30),
        "options": {"expires": 6 * 60 * 60},
    },
    # Daily: coordinators whose cluster meeting's extract deadline (60 days before) is near or passed.
    "cluster-extract-reminders": {
        "task": "clusters.tasks.meeting_reminders_task",
        "schedule": crontab(hour=7, minute=40),
        "options": {"expires": 6 * 60 * 60},
    },
    # Nightly: prescriber rows of extracts past the retention period are deleted.
    "cluster-prescriber-retention": {
        "task": "clusters.tasks.extract_retention_task",
        "schedule": crontab(hour=2, minute=15),
        "options": {"expires": 6 * 60 * 60},
    },
}
# Prescriber figures of a cluster's data extract are personal data about doctors: they are deleted this
# many days after the upload (practice, region and country rows stay).
CLUSTER_PRESCRIBER_RETENTION_DAYS = env_int("CLUSTER_PRESCRIBER_RETENTION_DAYS", 730)

# The REST API for regional BI tools (lkt/api.py). Tokens in the Authorization header first, so
# that a missing or bad token answers 401; browser users are served through their session.
API_THROTTLE_RATE = env_str("API_THROTTLE_RATE", "1200/minute")
# Requests with an unknown, revoked or expired token, per client address: over the limit the address
# gets 429 before any token is looked up.
API_BAD_TOKEN_LIMIT = env_int("API_BAD_TOKEN_LIMIT", 20)
API_BAD_TOKEN_WINDOW_MINUTES = env_int("API_BAD_TOKEN_WINDOW_MINUTES", 10)
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "teams.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["teams.api_scope.IsTokenOrUser"],
    "DEFAULT_THROTTLE_CLASSES": ["teams.api_scope.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": API_THROTTLE_RATE},
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "lkt.api.KeysetPagination",
    "PAGE_SIZE": env_int("API_PAGE_SIZE", 500),
    # Locale-neutral: ISO dates and times in UTC, whatever TIME_ZONE says.
    "DATETIME_FORMAT": "iso-8601",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "LKT tracker API",
    "DESCRIPTION": (
        "Data of the learning and quality teams (LKT) for regional BI tools (Power BI, Qlik, SAS, R, "
        "Python).\n\n"
        "**Authentication.** Every request is authenticated: an API token in the `Authorization` header "
        "(`Bearer lkt_...` or `Token lkt_...`; a token in the URL is refused), or a logged-in browser "
        "session. Tokens are created and revoked by the national project leadership under the LKT's "
        "page (API-tokens).\n\n"
        "**What a token sees.** A token is scoped to one LKT and optionally one region. It sees the teams "
        "of its scope WITH their names, also in LKTs where teams see each other anonymised: a region's "
        "BI team owns its region's data, and a network token belongs to the national project "
        "leadership. A browser session sees what the user sees in the application; anonymised peers "
        "are left out. A token is read-only unless it was granted write access for one team.\n\n"
        "**Tables.** Lists are keyset-paginated: follow `next` (an opaque cursor) until it is null; "
        "`page_size` up to 5000. Pages never break on ties and rows written between pages are not "
        "skipped. "
        "`/measurements/`, `/measurement-deletions/` and `/chart-results/` also stream the whole "
        "filtered table with `?format=csv` (UTF-8, comma-separated, fixed column order). Numbers use a "
        "decimal point, months are `YYYY-MM`, times are ISO 8601 in UTC.\n\n"
        "**Formulas in CSV.** A spreadsheet runs a cell that starts with `=`, `+`, `-`, `@`, a tab or "
        "a carriage return as a formula. In CSV, every text column (`comment`, `team_name`, `team_code`, "
        "`region`, `organisations`, `network`, `indicator`, `unit`, `chart_type`, `variation`, "
        "`assurance`, `scope`) that starts with one of them gets one leading apostrophe (`'`), as OWASP "
        "recommends, e.g. `=SUM(A1)` is sent as `'=SUM(A1)`; numbers, dates, uuids and booleans are "
        "never changed, and a plain number such as `-1.5` stays as it is. Strip one leading `'` "
        "followed by such a character to get the stored text. JSON is always exact.\n\n"
        "**Change contract (incremental refresh).** `/measurements/` and `/chart-results/` carry a "
        "`synced_at` that moves forward, in the same transaction, with every change of what the row "
        "serves, including fields it carries from the team, its region and organisations, the LKT "
        "and the indicator (a renamed or moved team, a newly published indicator version). Fetch "
        "`?updated_since=<start of your last run minus a few minutes>` and "
        "`/measurement-deletions/?updated_since=...` (for chart results `/chart-result-deletions/`); "
        "apply deletions first, key rows by `uuid`. "
        "An empty `updated_since` is refused (400). **Full refresh only:** networks, "
        "organisations, teams, goals, indicators, annotations, PDSA cycles and seminars are small "
        "tables without a change contract or deletions feed; fetch them whole each run."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_PERMISSIONS": ["teams.api_scope.IsTokenOrUser"],
    "SERVE_AUTHENTICATION": [
        "teams.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": ["drf_spectacular.hooks.postprocess_schema_enums", "lkt.api.add_error_responses"],
    "ENUM_NAME_OVERRIDES": {
        "OrganisationKindEnum": "teams.models.Organisation.Kind",
        "NetworkStatusEnum": "teams.models.Network.Status",
        "IndicatorKindEnum": "measures.models.Indicator.Kind",
        "AnnotationKindEnum": "measures.models.Annotation.Kind",
        "PublicationStatusEnum": "measures.models.PublicationStatus",
        "PDSAStatusEnum": "measures.models.PDSACycle.Status",
        "SeminarKindEnum": "seminars.models.Seminar.Kind",
    },
}

# Security headers; the HTTPS-only ones follow DEBUG so the embedded run works over plain HTTP.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG

# Reverse proxies in front of the app (0: clients connect directly). lkt.net.client_ip reads the
# client's address from X-Forwarded-For this many hops from the right; with a proxy, the scheme comes
# from X-Forwarded-Proto, which the outermost proxy must set (overwrite, never pass on).
if "BEHIND_PROXY" in os.environ:
    raise ImproperlyConfigured(
        "BEHIND_PROXY was replaced by TRUSTED_PROXIES (the number of reverse proxies in front of "
        "the app, e.g. TRUSTED_PROXIES=1 for one TLS-terminating proxy): remove BEHIND_PROXY"
    )
TRUSTED_PROXIES = env_int("TRUSTED_PROXIES", 0)
if not 0 <= TRUSTED_PROXIES <= 10:
    raise ImproperlyConfigured(
        f"TRUSTED_PROXIES must be a number of proxies from 0 to 10, got {TRUSTED_PROXIES}"
    )
if TRUSTED_PROXIES:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# One handler, on the root logger. Django's own default config gives the "django" logger a console
# handler of its own (with DEBUG on) that also propagates to the root: every line came out twice.
# Naming "django" here without handlers removes that handler (and "django.server"'s, its child's):
# their lines, runserver's request lines included, reach the root handler once.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django": {"level": env_str("LOG_LEVEL", "INFO")},
        "django.db.backends": {"level": "INFO"},
    },
}
