"""Settings for xinfang, read only from environment variables (see docs/configuration.md)."""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_choice, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("XINFANG_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)

VERSION = "0.1.0"

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG and not env_bool("XINFANG_ALLOW_INSECURE_KEY", False):
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or SECRET_KEY_FILE); "
            "for a local demo set DEBUG=true or XINFANG_ALLOW_INSECURE_KEY=true."
        )
    SECRET_KEY = "insecure-local-demo-key-do-not-use-in-production"  # noqa: S105
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves Swagger UI from local static files (offline)
    "axes",
    "django_tasks",
    "django_tasks_db",
    "xinfang.common",
    "xinfang.orgs",
    "xinfang.reference",
    "xinfang.deadlines",
    "xinfang.cases",
    "xinfang.intake",
    "xinfang.messaging",
    "xinfang.portal",
    "xinfang.documents",
    "xinfang.integrations",
    "xinfang.disputes",
    "xinfang.supervision",
    "xinfang.reporting",
    "xinfang.assessment",
    "xinfang.sso",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "xinfang.integrations.personal_data.ApiPersonalDataAuditMiddleware",  # issue 7 §2: audit API reads
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "xinfang.common.context_processors.site",
            ],
        },
    },
]

# --- Database: SQLite in ./var by default, PostgreSQL through DATABASE_URL -----------------
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'xinfang.sqlite3'}")
try:
    _db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60, minimum=0))
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is not a valid database URL: {exc}") from exc
if _db["ENGINE"] not in ("django.db.backends.sqlite3", "django.db.backends.postgresql"):
    raise ImproperlyConfigured(
        "DATABASE_URL must be sqlite:///… or postgres://… (other engines are not supported)."
    )
if _db["ENGINE"] == "django.db.backends.sqlite3":
    # WAL + busy timeout: the web server and the worker share one file without "database is locked".
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;",
    }
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "orgs.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "xinfang.sso.backends.SsoBackend",  # only the OIDC callback; inert when SSO is off (docs/sso.md)
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"  # the workbench, or the 数据看板 for a leader (common.views.home)
LOGOUT_REDIRECT_URL = "login"

# Lockout after repeated failures (django-axes).
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("LOGIN_LOCKOUT_MINUTES", 30, minimum=1) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLED = env_bool("LOGIN_LOCKOUT_ENABLED", True)
AXES_VERBOSE = False
AXES_WHITELIST_CALLABLE = "xinfang.sso.backends.is_sso_callback"  # SSO refusals are not password failures

SESSION_COOKIE_AGE = env_int("SESSION_HOURS", 10, minimum=1) * 3600
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
if env_bool("BEHIND_HTTPS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Language and time --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Files ------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media-not-served/"  # attachments are served only through the access-checked view
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
ATTACHMENT_MAX_MB = env_int("ATTACHMENT_MAX_MB", 20, minimum=1, maximum=500)
ATTACHMENT_MAX_COUNT = env_int("ATTACHMENT_MAX_COUNT", 10, minimum=1, maximum=100)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Jobs (Django Tasks backport with its database backend: a transactional outbox) -----------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
WORKER_SCAN_SECONDS = env_int("WORKER_SCAN_SECONDS", 300, minimum=5)

# --- Domain settings ---------------------------------------------------------------------------
# The rule set used for new cases unless a unit has its own (see docs/configuration.md).
DEFAULT_RULE_SET = env_choice("DEFAULT_RULE_SET", "national-2022", ("national-2022", "zhejiang-2016"))
DUE_SOON_WORKING_DAYS = env_int("DUE_SOON_WORKING_DAYS", 3, minimum=1, maximum=30)
# The deadline scan (issue 5 §1; docs/operations.md): a reminder N working days before a limit, the
# overdue flag, then the unit's heads and the 信访部门 above — in working days of the holiday table.
REMINDER_SCAN_SECONDS = env_int("REMINDER_SCAN_SECONDS", 600, minimum=30)
# 数据看板 (docs/dashboard.md): how often the worker refreshes the monthly rollup, and how many
# complete months back it keeps (the default dashboard reads 12 months plus the 12 before).
DASHBOARD_ROLLUP_SECONDS = env_int("DASHBOARD_ROLLUP_SECONDS", 3600, minimum=60)
DASHBOARD_ROLLUP_MONTHS = env_int("DASHBOARD_ROLLUP_MONTHS", 36, minimum=1, maximum=240)
REMINDER_WORKING_DAYS = env_int("REMINDER_WORKING_DAYS", 3, minimum=0, maximum=30)  # 0: no reminders
ESCALATE_HEAD_WORKING_DAYS = env_int("ESCALATE_HEAD_WORKING_DAYS", 2, minimum=0, maximum=60)
ESCALATE_BUREAU_WORKING_DAYS = env_int("ESCALATE_BUREAU_WORKING_DAYS", 5, minimum=0, maximum=60)
if ESCALATE_BUREAU_WORKING_DAYS < ESCALATE_HEAD_WORKING_DAYS:
    raise ImproperlyConfigured("ESCALATE_BUREAU_WORKING_DAYS must not be below ESCALATE_HEAD_WORKING_DAYS.")
REMINDER_SMS = env_bool("REMINDER_SMS", True)  # also text the unit's contact phone
# 督办 (issue 5 §2; docs/supervision.md): remind the supervised unit N working days before its reply
# deadline (T11 comes from the rule set); the supervision clock runs every REMINDER_SCAN_SECONDS.
SUPERVISION_REMINDER_WORKING_DAYS = env_int("SUPERVISION_REMINDER_WORKING_DAYS", 3, minimum=0, maximum=30)
PAGE_SIZE = env_int("PAGE_SIZE", 50, minimum=10, maximum=500)
# How long after service a petitioner's evaluation is taken; later counts as 超期未评价 (domain.md §9).
EVALUATION_WINDOW_DAYS = env_int("EVALUATION_WINDOW_DAYS", 30, minimum=1, maximum=365)
# The public doors (issue 4): which 信访部门 screens web/SMS/forum messages, and its reply limit.
PORTAL_UNIT = env_str("PORTAL_UNIT", "")
MAILBOX_REPLY_DAYS = env_int("MAILBOX_REPLY_DAYS", 7, minimum=1, maximum=60)

# --- SMS in and out, forum import (issue 4 §3, §4; docs/messaging.md) ------------------------------
SMS_BACKEND = env_choice("SMS_BACKEND", "console", ("console", "http", "smpp"))
SMS_DELIVER_SECONDS = env_int("SMS_DELIVER_SECONDS", 30, minimum=5)
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 8, minimum=1, maximum=50)
SMS_RETRY_BASE_SECONDS = env_int("SMS_RETRY_BASE_SECONDS", 60, minimum=1)
SMS_RETRY_MAX_SECONDS = env_int("SMS_RETRY_MAX_SECONDS", 3600, minimum=1)
SMS_HTTP_URL = env_str("SMS_HTTP_URL", "")
SMS_HTTP_SECRET = env_str("SMS_HTTP_SECRET", "")
SMS_HTTP_TIMEOUT = env_int("SMS_HTTP_TIMEOUT", 10, minimum=1, maximum=120)
SMPP_HOST = env_str("SMPP_HOST", "")
SMPP_PORT = env_int("SMPP_PORT", 2775, minimum=1, maximum=65535)
SMPP_SYSTEM_ID = env_str("SMPP_SYSTEM_ID", "")
SMPP_PASSWORD = env_str("SMPP_PASSWORD", "")
SMPP_SYSTEM_TYPE = env_str("SMPP_SYSTEM_TYPE", "")
SMPP_SOURCE_ADDR = env_str("SMPP_SOURCE_ADDR", "")
SMPP_TRANSCEIVER = env_bool("SMPP_TRANSCEIVER", False)
SMPP_TIMEOUT = env_int("SMPP_TIMEOUT", 10, minimum=1, maximum=120)
if SMS_BACKEND == "http" and not (SMS_HTTP_URL and SMS_HTTP_SECRET):
    raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_HTTP_URL and SMS_HTTP_SECRET.")
if SMS_BACKEND == "smpp" and not (SMPP_HOST and SMPP_SYSTEM_ID):
    raise ImproperlyConfigured("SMS_BACKEND=smpp needs SMPP_HOST and SMPP_SYSTEM_ID.")
SMS_WEBHOOK_SECRET = env_str("SMS_WEBHOOK_SECRET", "")
SMS_WEBHOOK_MAX_AGE_SECONDS = env_int("SMS_WEBHOOK_MAX_AGE_SECONDS", 300, minimum=10, maximum=3600)
SMS_NOTIFY = env_bool("SMS_NOTIFY", True)
# Excel import of historical cases (issue 6 §6): the largest file and row count accepted.
IMPORT_MAX_MB = env_int("IMPORT_MAX_MB", 50, minimum=1, maximum=500)
IMPORT_MAX_ROWS = env_int("IMPORT_MAX_ROWS", 200_000, minimum=1, maximum=2_000_000)
# Excel export of case lists (issue 6 §3, §6; docs/exports.md): up to EXPORT_SYNC_MAX_ROWS rows the file is
# sent at once, above it the worker writes it (a job with a progress bar); EXPORT_MAX_ROWS is the hard cap.
EXPORT_SYNC_MAX_ROWS = env_int("EXPORT_SYNC_MAX_ROWS", 5000, minimum=0, maximum=1_000_000)
EXPORT_MAX_ROWS = env_int("EXPORT_MAX_ROWS", 200_000, minimum=1, maximum=2_000_000)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 72, minimum=1, maximum=24 * 90)
SAVED_SEARCHES_PER_USER = env_int("SAVED_SEARCHES_PER_USER", 30, minimum=1, maximum=500)
REPORT_SIGNOFF_REQUIRED = env_bool("REPORT_SIGNOFF_REQUIRED", False)  # 信息报送 sent only by the unit head
# KPI page (issue 6 §1): a finished period's numbers are cached this long (0: never; docs/kpis.md).
KPI_CACHE_SECONDS = env_int("KPI_CACHE_SECONDS", 3600, minimum=0, maximum=86_400)
SMS_REVIEW_REMINDER_DAYS = env_int("SMS_REVIEW_REMINDER_DAYS", 5, minimum=1, maximum=29)
SMS_REMINDER_SECONDS = env_int("SMS_REMINDER_SECONDS", 3600, minimum=60)
FORUM_FEEDS = env_list("FORUM_FEEDS", [])
FORUM_POLL_SECONDS = env_int("FORUM_POLL_SECONDS", 900, minimum=60)
FORUM_TIMEOUT = env_int("FORUM_TIMEOUT", 15, minimum=1, maximum=120)

# --- Open311 GeoReport v2 at /open311/v2/ (issue 7 §4; docs/open311.md) ----------------------------
OPEN311_PER_KEY_HOUR = env_int("OPEN311_PER_KEY_HOUR", 600, minimum=0)  # POSTs per api_key and hour
API_TOKEN_PER_MINUTE = env_int(
    "API_TOKEN_PER_MINUTE", 600, minimum=0
)  # API v1 calls per token and minute (0 = off)
OPEN311_RETRY_MINUTES = env_int("OPEN311_RETRY_MINUTES", 10, minimum=0, maximum=24 * 60)
OPEN311_CONTACT = env_str("OPEN311_CONTACT", "")

# --- The public portal (issue 4 §1, §5; docs/portal.md) -------------------------------------------
PORTAL_COUNTY_NAME = env_str("PORTAL_COUNTY_NAME", "")
PORTAL_PHONE = env_str("PORTAL_PHONE", "")
PORTAL_WRITE_PER_IP_HOUR = env_int("PORTAL_WRITE_PER_IP_HOUR", 5, minimum=0)
PORTAL_WRITE_PER_PHONE_DAY = env_int("PORTAL_WRITE_PER_PHONE_DAY", 3, minimum=0)
PORTAL_TRACK_FAILURES_PER_IP_HOUR = env_int("PORTAL_TRACK_FAILURES_PER_IP_HOUR", 10, minimum=0)
PORTAL_CAPTCHA_PER_IP_HOUR = env_int("PORTAL_CAPTCHA_PER_IP_HOUR", 200, minimum=0)
PORTAL_CAPTCHA_MINUTES = env_int("PORTAL_CAPTCHA_MINUTES", 20, minimum=1, maximum=24 * 60)
PORTAL_ATTACHMENT_MAX_COUNT = env_int("PORTAL_ATTACHMENT_MAX_COUNT", 5, minimum=0, maximum=100)
PORTAL_FRAME_ANCESTORS = env_list("PORTAL_FRAME_ANCESTORS", ["'self'"])
PORTAL_TRUSTED_PROXIES = env_list("PORTAL_TRUSTED_PROXIES", [])

# --- Single sign-on with the office system's OpenID Connect provider (issue 7 §5; docs/sso.md) -------
# Off unless OIDC_RP_CLIENT_ID is set: no button on the login page, and /sso/… answers 404.
OIDC_RP_CLIENT_ID = env_str("OIDC_RP_CLIENT_ID", "")
OIDC_RP_CLIENT_SECRET = env_str("OIDC_RP_CLIENT_SECRET", "")
# The issuer: endpoints left empty below are read from <issuer>/.well-known/openid-configuration.
OIDC_OP_ISSUER = env_str("OIDC_OP_ISSUER", "")
OIDC_OP_AUTHORIZATION_ENDPOINT = env_str("OIDC_OP_AUTHORIZATION_ENDPOINT", "")
OIDC_OP_TOKEN_ENDPOINT = env_str("OIDC_OP_TOKEN_ENDPOINT", "")
OIDC_OP_USER_ENDPOINT = env_str("OIDC_OP_USER_ENDPOINT", "")
OIDC_OP_JWKS_ENDPOINT = env_str("OIDC_OP_JWKS_ENDPOINT", "")
OIDC_OP_LOGOUT_ENDPOINT = env_str("OIDC_OP_LOGOUT_ENDPOINT", "")
OIDC_OP_LOGOUT = env_bool("OIDC_OP_LOGOUT", True)  # 退出 also ends the OA session (end_session_endpoint)
OIDC_RP_SIGN_ALGO = env_choice(
    "OIDC_RP_SIGN_ALGO", "RS256", ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256")
)
OIDC_RP_SCOPES = env_str("OIDC_RP_SCOPES", "openid profile email phone")
OIDC_USE_PKCE = env_bool("OIDC_USE_PKCE", True)
OIDC_TIMEOUT = env_int("OIDC_TIMEOUT", 10, minimum=1, maximum=120)
OIDC_VERIFY_SSL = env_str("OIDC_CA_BUNDLE", "") or True  # a private CA's bundle file, else the system's
OIDC_DISCOVERY_CACHE_SECONDS = env_int("OIDC_DISCOVERY_CACHE_SECONDS", 3600, minimum=0)
OIDC_CLAIM_DEPARTMENT = env_str("OIDC_CLAIM_DEPARTMENT", "department")
OIDC_CLAIM_ROLES = env_str("OIDC_CLAIM_ROLES", "roles")
OIDC_CLAIM_USERNAME = env_str("OIDC_CLAIM_USERNAME", "preferred_username")
OIDC_CLAIM_NAME = env_str("OIDC_CLAIM_NAME", "name")
OIDC_CLAIM_EMAIL = env_str("OIDC_CLAIM_EMAIL", "email")
OIDC_CLAIM_PHONE = env_str("OIDC_CLAIM_PHONE", "phone_number")
# Fixed for mozilla-django-oidc: the callback's URL name, and the ID token kept for the OP logout.
OIDC_AUTHENTICATION_CALLBACK_URL = "sso:callback"
OIDC_STORE_ID_TOKEN = True
if OIDC_RP_CLIENT_ID:
    if not OIDC_RP_CLIENT_SECRET:
        raise ImproperlyConfigured("OIDC_RP_CLIENT_ID is set: set OIDC_RP_CLIENT_SECRET (or _FILE) too.")
    if not OIDC_OP_ISSUER and not (
        OIDC_OP_AUTHORIZATION_ENDPOINT and OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_JWKS_ENDPOINT
    ):
        raise ImproperlyConfigured(
            "OIDC_RP_CLIENT_ID is set: set OIDC_OP_ISSUER (discovery), or OIDC_OP_AUTHORIZATION_ENDPOINT, "
            "OIDC_OP_TOKEN_ENDPOINT and OIDC_OP_JWKS_ENDPOINT."
        )

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if env_str("REDIS_URL"):
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": env_str("REDIS_URL"),
    }

LOG_LEVEL = env_choice("LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "django_tasks_db": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},  # one INFO line per layout step of every PDF
        "fontTools": {"level": "WARNING"},
    },
}
