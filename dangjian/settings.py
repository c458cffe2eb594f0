"""Settings, read from the environment (see README "Configuration").

Nothing secret lives in this file: the secret key comes from DJANGO_SECRET_KEY or is generated
once into var/secret_key; the database from DATABASE_URL (SQLite in var/ by default).
"""

import json
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("DANGJIAN_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    """The key from the environment, or one generated once into var/ and kept."""
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DJANGO_DEBUG")
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", "")
# How many reverse proxies in front of the app append to (or set) X-Forwarded-For. The client address
# (lockout, rate limits, audit trail) is the hop that many places from the right; 0 (the default)
# ignores the header: without such proxies clients could forge it. The older switch
# DANGJIAN_TRUST_X_FORWARDED_FOR=1 means one proxy.
TRUSTED_PROXY_COUNT = int(
    os.environ.get("DANGJIAN_TRUSTED_PROXIES", "1" if env_bool("DANGJIAN_TRUST_X_FORWARDED_FOR") else "0")
)
if TRUSTED_PROXY_COUNT < 0:
    raise RuntimeError("DANGJIAN_TRUSTED_PROXIES must be 0 or more")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "treebeard",
    "django_tasks",
    "django_tasks_db",
    "dangjian.core",
    "dangjian.accounts",
    "dangjian.orgs",
    "dangjian.members",
    "dangjian.transfers",
    "dangjian.development",
    "dangjian.demands",
    "dangjian.stations",
    "dangjian.points",
    "dangjian.reports",
    "dangjian.council",
    "dangjian.volunteering",
    "dangjian.dues",
    "dangjian.meetings",
    "dangjian.notifications",
    "dangjian.audit",
    "dangjian.portal",
    "dangjian.minutes",
    "dangjian.compliance",
    "dangjian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "dangjian.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "dangjian.core.middleware.RequestIdMiddleware",
    "dangjian.core.middleware.ApiErrorShapeMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "dangjian.accounts.middleware.SessionIdleMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dangjian.accounts.middleware.SecondFactorMiddleware",
    "dangjian.accounts.middleware.UserPreferencesMiddleware",
    "dangjian.core.middleware.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "dangjian.urls"
WSGI_APPLICATION = "dangjian.wsgi.application"
ASGI_APPLICATION = "dangjian.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dangjian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dangjian.core.context_processors.platform",
                "dangjian.notifications.context_processors.unread",
            ],
        },
    },
]

# --- Database: SQLite (WAL) in var/ by default, PostgreSQL through DATABASE_URL -------------------
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'dangjian.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside one writer; IMMEDIATE avoids upgrade deadlocks on writes.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
if redis_url := os.environ.get("REDIS_URL"):
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}}
# Progress of background jobs, written by a worker process and read by the web processes: shared
# across processes (files on one machine; Redis when REDIS_URL is set, needed for several machines).
CACHES["progress"] = (
    {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url, "KEY_PREFIX": "progress"}
    if redis_url
    else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "progress")}
)

# --- Background tasks (Django's tasks API through django-tasks) -------------------------------------
# The database backend keeps the queue in our own database; `manage.py run_worker` (a wrapper of
# django-tasks-db's `db_worker` that first re-queues work whose worker died) runs the tasks.
# DANGJIAN_TASKS_BACKEND=immediate runs every task at once in the calling process (tests, one-off
# scripts).
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
        }[os.environ.get("DANGJIAN_TASKS_BACKEND", "database")]
    }
}

# --- Accounts and login hardening ------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["dangjian.accounts.backends.UsernameOrMobileBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "mobile", "email")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "dangjian.core.validators.CharacterClassesValidator", "OPTIONS": {"min_classes": 3}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Rate limits, "count/seconds" per client address (fixed windows counted in the cache, so Redis via
# REDIS_URL when several app processes run). Override any with DANGJIAN_RATE_LIMITS, e.g.
# "login=30/300,join=5/3600". See dangjian/core/ratelimit.py and docs/operations.md.
RATE_LIMITS = {
    "login": "30/300",  # login and second-factor form posts (the lockout per account stays)
    "join": "10/3600",  # public member self-registration
    "demand_submit": "10/3600",  # public demand submission (page and API)
    "sms_code": "10/3600",  # verification codes asked for, per address
    "sms_mobile": "3/600",  # verification codes asked for, per mobile number (any address)
    "demand_track": "60/600",  # public tracking lookups, ratings and reopenings (code guessing)
    "transfer_verify": "60/600",  # public transfer-letter checks (code guessing)
    "report": "20/3600",  # snap-and-report submissions with photos
}
for _item in env_list("DANGJIAN_RATE_LIMITS", ""):
    _name, _eq, _rate = _item.partition("=")
    if _name.strip() not in RATE_LIMITS or not _eq:
        raise RuntimeError(f"DANGJIAN_RATE_LIMITS: unknown limit {_name.strip()!r} (known: {', '.join(RATE_LIMITS)})")
    RATE_LIMITS[_name.strip()] = _rate.strip()
LOGIN_LOCKOUT_FAILURES = int(os.environ.get("DANGJIAN_LOCKOUT_FAILURES", "5"))
LOGIN_LOCKOUT_MINUTES = int(os.environ.get("DANGJIAN_LOCKOUT_MINUTES", "15"))
TOTP_ISSUER = os.environ.get("DANGJIAN_TOTP_ISSUER", "dangjian")

# Idle timeout: the session lives 30 minutes past the last request.
SESSION_COOKIE_AGE = int(os.environ.get("DANGJIAN_SESSION_IDLE_SECONDS", "1800"))
# Regional settings (core.policy) are cached per process for this long; a change reaches the other
# app processes within it.
POLICY_CACHE_SECONDS = int(os.environ.get("DANGJIAN_POLICY_CACHE_SECONDS", "30"))
# The coverage figure on the home page and organisation pages is shared this long (orgs.selectors).
COVERAGE_SUMMARY_CACHE_SECONDS = int(os.environ.get("DANGJIAN_COVERAGE_SUMMARY_SECONDS", "300"))
# The idle timeout slides, but a session is written at most once a minute (accounts.middleware).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_REFRESH_SECONDS = int(os.environ.get("DANGJIAN_SESSION_REFRESH_SECONDS", "60"))
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- Security headers and cookies ------------------------------------------------------------------
HTTPS = env_bool("DANGJIAN_HTTPS")
# Browsers accept Secure cookies from http://localhost and 127.0.0.1; a plain-http intranet host
# that is not loopback must opt out explicitly.
SECURE_COOKIES = env_bool("DANGJIAN_SECURE_COOKIES", True)
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = SECURE_COOKIES
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "dj_session"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("DANGJIAN_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(os.environ.get("DANGJIAN_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# --- Services for new employment groups (demands, stations) ------------------------------------------
# Text messages (verification codes): a class with send(mobile, text); the default only logs them.
DANGJIAN_SMS_BACKEND = os.environ.get("DANGJIAN_SMS_BACKEND", "dangjian.demands.sms.LogBackend")
# Base map tiles for the station map, e.g. https://tiles.example.gov.cn/{z}/{x}/{y}.png. Empty: list only.
DANGJIAN_MAP_TILE_URL = os.environ.get("DANGJIAN_MAP_TILE_URL", "")
DANGJIAN_MAP_ATTRIBUTION = os.environ.get("DANGJIAN_MAP_ATTRIBUTION", "")
# The area served, "south,west,north,east" in degrees; points outside are refused. Default: mainland China.
DANGJIAN_SERVICE_AREA = [float(v) for v in env_list("DANGJIAN_SERVICE_AREA", "")] or None
_tiles = urlsplit(DANGJIAN_MAP_TILE_URL)
_TILE_SOURCE = f" {_tiles.scheme}://{_tiles.netloc.replace('{s}', '*')}" if _tiles.scheme and _tiles.netloc else ""

CONTENT_SECURITY_POLICY = (
    f"default-src 'self'; img-src 'self' data:{_TILE_SOURCE}; style-src 'self'; script-src 'self'; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# --- Personal-data crypto suite: "sm" (SM4-GCM + SM3) or "intl" (AES-256-GCM + SHA-256) ---------
CRYPTO_SUITE = os.environ.get("DANGJIAN_CRYPTO_SUITE", "sm")
if CRYPTO_SUITE not in {"sm", "intl"}:
    raise RuntimeError("DANGJIAN_CRYPTO_SUITE must be 'sm' or 'intl'")

# --- Language and time -----------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "dangjian" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files: vendor assets from npm, collected and served by WhiteNoise ---------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "dangjian" / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = VAR_DIR / "media"

# --- Logging: one JSON object per line, with the request id ----------------------------------------
LOG_LEVEL = os.environ.get("DANGJIAN_LOG_LEVEL", "INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "dangjian.core.logging.RequestIdFilter"}},
    "formatters": {"json": {"()": "dangjian.core.logging.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["request_id"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "django.security": {"level": "WARNING"},
    },
}

NINJA_PAGINATION_PER_PAGE = 50
NINJA_PAGINATION_MAX_LIMIT = 200

# --- Notifications ---------------------------------------------------------------------------------
# External channels by name → class path (a dangjian.notifications.channels.Channel). Members without
# a login account are reached over "sms". The default only logs the masked mobile and the text; set
# DANGJIAN_NOTIFICATION_CHANNELS to JSON, e.g. {"sms": "myorg.gateways.SmsChannel"}, for a real gateway.
NOTIFICATION_CHANNELS = json.loads(
    os.environ.get("DANGJIAN_NOTIFICATION_CHANNELS", "")
    or '{"sms": "dangjian.notifications.channels.LoggingSmsChannel"}'
)
# A failed delivery is retried by `manage.py notifications_retry` until it has had this many attempts.
NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("DANGJIAN_NOTIFICATION_MAX_ATTEMPTS", "3"))

# --- Volunteer points ----------------------------------------------------------------------------
# Points earned in a year stay valid until the end of the year this many years later (1: the end
# of the following year); `manage.py points_expire` writes the expiry entries.
POINTS_VALIDITY_YEARS = int(os.environ.get("DANGJIAN_POINTS_VALIDITY_YEARS", "1"))
