"""Headway's settings, read from the environment.

SQLite in a data directory by default, so a fresh checkout just works; PostgreSQL (or any
database) when DATABASE_URL is set. Bad values fail loudly at start-up.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, got {raw!r}")


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if not raw:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {raw!r}") from None


DATA_DIR = Path(os.environ.get("HEADWAY_DATA_DIR") or Path.cwd() / "data").resolve()


def secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data directory."""
    if key := os.environ.get("SECRET_KEY"):
        return key
    key_file = DATA_DIR / "secret_key"
    if key_file.exists():
        return key_file.read_text().strip()
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    key_file.write_text(key)
    key_file.chmod(0o600)
    return key


DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Production behind HTTPS (docs/deploy.md): secure cookies, redirect plain HTTP, HSTS. Behind a
# reverse proxy that ends TLS, trust its X-Forwarded-Proto header.
HTTPS = env_bool("HEADWAY_HTTPS", False)
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("HEADWAY_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("HEADWAY_HSTS_SECONDS", 31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("HEADWAY_HSTS_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("HEADWAY_HSTS_PRELOAD", True)
if env_bool("HEADWAY_BEHIND_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "headway.org",
    "headway.goals",
    "headway.indicators",
    "headway.checkins",
    "headway.audit",
    "headway.health",
    "headway.io",
    "headway.api",
    "headway.bi",
    "headway.webhooks",
    "headway.notify",
    "headway.demo",
    "headway.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "headway.urls"
WSGI_APPLICATION = "headway.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "headway.notify.context.notifications",
            ],
        },
    },
]

if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "headway.sqlite3"),
            "OPTIONS": {
                # WAL lets readers work while a check-in is written; IMMEDIATE avoids
                # "database is locked" on upgrade from a read to a write transaction.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
# Optional: reads from a PostgreSQL read replica, with read-your-writes (docs/scaling.md).
if os.environ.get("HEADWAY_REPLICA_DATABASE_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["HEADWAY_REPLICA_DATABASE_URL"], conn_max_age=60
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["headway.dbrouter.ReplicaRouter"]
    MIDDLEWARE.insert(1, "headway.dbrouter.ReplicaMiddleware")
    HEADWAY_REPLICA_STICKY_SECONDS = env_int("HEADWAY_REPLICA_STICKY_SECONDS", 10)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# Serve static files straight from the apps, so `headway serve` needs no collectstatic step.
WHITENOISE_USE_FINDERS = True
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT") or DATA_DIR / "static")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise expects it, even before collectstatic

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "headway@localhost")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)

# Background work (webhook deliveries, reminders) is queued in the database and run by
# `headway worker` (which also keeps the schedule of periodic jobs); "immediate" runs each task at once in the web process (tests, tiny installs).
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}
_tasks_backend = os.environ.get("HEADWAY_TASKS", "database")
if _tasks_backend not in TASK_BACKENDS:
    raise ImproperlyConfigured(f"HEADWAY_TASKS must be one of {', '.join(TASK_BACKENDS)}")
TASKS = {"default": {"BACKEND": TASK_BACKENDS[_tasks_backend]}}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}


# -- the REST API ------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "headway.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["headway.api.permissions.IsPerson"],
    "DEFAULT_PAGINATION_CLASS": "headway.api.pagination.Pagination",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "headway.api.schema.HeadwaySchema",
    "EXCEPTION_HANDLER": "headway.api.errors.exception_handler",
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Headway API",
    "DESCRIPTION": (
        "KRAs, KPIs and OKRs of one organization. Authenticate with a personal token from your "
        "profile page (`Authorization: Bearer hw_…`) or a signed-in session. Errors are JSON: "
        "`{message, field, errors}`. Updates of objectives and key results must send the version "
        "they read (`If-Match: <ETag>` or the `version` field): a newer row answers 409 with "
        "its current state."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "GoalStatusEnum": "headway.goals.models.Status",
        "KeyResultDirectionEnum": "headway.goals.models.KeyResult.Direction",
        "IndicatorDirectionEnum": "headway.indicators.models.Indicator.Direction",
        "KeyResultKindEnum": "headway.goals.models.KeyResult.Kind",
        "PeriodKindEnum": "headway.org.models.Period.Kind",
        "UnitKindEnum": "headway.org.models.Unit.Kind",
        "KeyResultStateEnum": "headway.goals.models.KeyResult.State",
        "ObjectiveStateEnum": "headway.goals.models.Objective.State",
        "ResultAreaStateEnum": "headway.goals.models.ResultArea.State",
        "InitiativeStateEnum": "headway.goals.models.Initiative.State",
        "PeriodStateEnum": "headway.org.models.Period.State",
        "CheckInStatusEnum": "headway.checkins.models.CheckIn.OwnerStatus",
    },
}
