"""Settings for Tutordesk, read from the environment by strict helpers: a bad value stops the start."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def env_int(name: str, default: int, *, minimum: int = 0, maximum: int = 2**31 - 1) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise ImproperlyConfigured(f"{name} must be between {minimum} and {maximum}; got {value}")
    return value


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    items = [item.strip() for item in raw.split(",")]
    if any(not item for item in items):
        raise ImproperlyConfigured(f"{name} has an empty entry: {raw!r}")
    return items


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {raw!r}")
    return value


def parse_duration_minutes(name: str, text: str) -> int:
    """`90m` or `24h` in minutes (a whole number above zero, then `m` or `h`)."""
    found = re.fullmatch(r"\s*([0-9]{1,5})\s*([mh])\s*", text.lower())
    if not found or int(found.group(1)) == 0:
        raise ImproperlyConfigured(
            f"{name} takes durations such as 30m or 24h (a whole number above 0, then m or h); got {text!r}"
        )
    return int(found.group(1)) * (60 if found.group(2) == "h" else 1)


def env_durations(name: str, default: str) -> list[int]:
    """A comma-separated list of durations (`24h,1h`) in minutes, longest first, each once."""
    raw = os.environ.get(name)
    text = default if raw is None or raw.strip() == "" else raw
    return sorted({parse_duration_minutes(name, item) for item in text.split(",")}, reverse=True)


DEBUG = env_bool("TUTORDESK_DEBUG", False)

SECRET_KEY = os.environ.get("TUTORDESK_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("TUTORDESK_SECRET_KEY must be set when TUTORDESK_DEBUG is off")
    SECRET_KEY = "tutordesk-insecure-development-key-never-use-in-production"

ALLOWED_HOSTS = env_list("TUTORDESK_ALLOWED_HOSTS", ["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves the API docs' Swagger UI from our static files, not a CDN
    "axes",
    # Floors, lowest first; an app imports only from the floors below it (docs/architecture.md).
    "tutordesk.core",
    "tutordesk.audit",
    "tutordesk.accounts",
    "tutordesk.events",
    "tutordesk.tutoring",
    "tutordesk.scheduling",
    "tutordesk.calendars",
    "tutordesk.reports",
    "tutordesk.meetings",
    "tutordesk.onboarding",
    "tutordesk.reminders",
    "tutordesk.api",
    "tutordesk.web",
    "tutordesk.demo",
]

MIDDLEWARE = [
    # Outermost: a database failure anywhere below answers 503, never 500.
    "tutordesk.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "tutordesk.core.middleware.QueryGuardMiddleware",
    "tutordesk.api.middleware.ApiMethodNotAllowedMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

# An API request with a Bearer token and no session cookie goes through these layers only
# (tutordesk/wsgi.py says why the others have nothing to do for it).
API_MIDDLEWARE = [
    "tutordesk.core.middleware.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "tutordesk.core.middleware.QueryGuardMiddleware",
    "tutordesk.api.middleware.ApiMethodNotAllowedMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tutordesk.urls"
WSGI_APPLICATION = "tutordesk.wsgi.application"

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
            ],
        },
    },
]


# Lets two test runs on one machine keep separate test databases (e.g. "_api").
_test_suffix = os.environ.get("TUTORDESK_TEST_DB_SUFFIX", "")
if _test_suffix and not _test_suffix.replace("_", "").isalnum():
    raise ImproperlyConfigured("TUTORDESK_TEST_DB_SUFFIX may hold only letters, digits and underscores")


def _database() -> dict:
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        (BASE_DIR / "var").mkdir(exist_ok=True)
        url = f"sqlite:///{BASE_DIR / 'var' / 'tutordesk.sqlite3'}"
    try:
        config = dict(dj_database_url.parse(url))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"DATABASE_URL is not a database URL Tutordesk understands: {exc}"
        ) from exc
    engine = config["ENGINE"]
    if engine == "django.db.backends.sqlite3":
        # A subclass that knows how to lift the audit triggers for a deliberate full flush.
        config["ENGINE"] = "tutordesk.core.db.sqlite3"
        config["OPTIONS"] = {
            # IMMEDIATE: every transaction takes the write lock at BEGIN, so writers are serialised.
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
        # A file, not shared-cache memory: race tests need real locking and the busy timeout.
        config["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test{_test_suffix}.sqlite3")}
    elif engine == "django.db.backends.postgresql":
        # Persistent connections, checked at the start of each request (a database restart costs
        # no request a 5xx), by a look at the socket rather than a round trip while the server is
        # quiet (core/db/postgresql); each gunicorn worker keeps one (docs/operations.md has the sizing).
        config["ENGINE"] = "tutordesk.core.db.postgresql"
        config["CONN_MAX_AGE"] = env_int("TUTORDESK_DB_CONN_MAX_AGE", 600)
        config["CONN_HEALTH_CHECKS"] = True
        given = config.get("OPTIONS")
        options: dict[str, object] = dict(given) if isinstance(given, dict) else {}
        # No request waits for a row lock longer than this: past it, a second request with the same
        # Idempotency-Key answers 409 idempotency_key_in_use, any other wait 503 (CONTRACT §4, §7).
        # Sent at connect time; 0 sends nothing (behind a PgBouncer that refuses the `options`
        # startup parameter, set it on the role instead: ALTER ROLE … SET lock_timeout = '10s').
        lock_timeout = env_int("TUTORDESK_DB_LOCK_TIMEOUT_SECONDS", 10)
        if lock_timeout:
            startup = str(options.get("options", ""))
            options["options"] = f"{startup} -c lock_timeout={lock_timeout}s".strip()
        # TCP keepalives: a database host that vanished without closing its connections (a
        # failover, a dropped NAT entry) shows up on an idle connection within about a minute.
        options.update(keepalives=1, keepalives_idle=30, keepalives_interval=10, keepalives_count=3)
        if env_bool("TUTORDESK_DB_PREPARED_STATEMENTS", True):
            # Parameters bound on the server and statements prepared on their second use: PostgreSQL
            # plans each of the hot path's statements once per connection instead of on every
            # request. Turn off behind a transaction-pooling PgBouncer older than 1.21.
            options.update(server_side_binding=True, prepare_threshold=2)
        config["OPTIONS"] = options
        config["TEST"] = {"NAME": f"test_tutordesk{_test_suffix}"}
    else:
        raise ImproperlyConfigured(f"DATABASE_URL must be sqlite:// or postgres://, got engine {engine}")
    return config


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "tutordesk.accounts.backends.EmailBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Serve straight from the app folders, so a fresh clone runs without collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Brute-force protection: 5 failures per (email, IP) lock that pair for 15 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The login form posts the email as `username` (CONTRACT §5), not as the model's `email` field.
AXES_USERNAME_FORM_FIELD = "username"
AXES_ENABLED = env_bool("TUTORDESK_AXES_ENABLED", True)
# Lockouts are lifted with `manage.py axes_reset_username EMAIL`, not by deleting rows in the admin.
AXES_ENABLE_ADMIN = False

# Cookies and headers: strict by default, relaxed only for local HTTP when DEBUG is on.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
_https = env_bool("TUTORDESK_HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = _https
CSRF_COOKIE_SECURE = _https
SECURE_SSL_REDIRECT = _https
# Load balancers probe over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = 31536000 if _https else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
SECURE_HSTS_PRELOAD = _https
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("TUTORDESK_CSRF_TRUSTED_ORIGINS", [])

IDEMPOTENCY_KEY_TTL_HOURS = 24

# Events, webhooks and emails (docs/events-and-webhooks.md).
# Webhook URLs must be https:// and resolve to public addresses; 1 also allows http://, loopback and
# private addresses (local trials and tests only).
WEBHOOKS_ALLOW_PRIVATE = env_bool("TUTORDESK_WEBHOOKS_ALLOW_PRIVATE", False)
# Seconds one webhook request may take to answer (connecting takes at most 5 of them).
WEBHOOKS_TIMEOUT_SECONDS = env_int("TUTORDESK_WEBHOOKS_TIMEOUT_SECONDS", 10, minimum=1, maximum=60)
# Emails to students and admins (outcomes, low balance); 0 turns every one of them off.
EMAIL_NOTIFICATIONS = env_bool("TUTORDESK_EMAIL_NOTIFICATIONS", True)
DEFAULT_FROM_EMAIL = os.environ.get("TUTORDESK_EMAIL_FROM", "") or "Tutordesk <noreply@localhost>"
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# SMTP when TUTORDESK_EMAIL_HOST is set; otherwise emails are written to the worker's console.
EMAIL_HOST = os.environ.get("TUTORDESK_EMAIL_HOST", "").strip()
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("TUTORDESK_EMAIL_PORT", 587, minimum=1, maximum=65535)
    EMAIL_HOST_USER = os.environ.get("TUTORDESK_EMAIL_USER", "")
    EMAIL_HOST_PASSWORD = os.environ.get("TUTORDESK_EMAIL_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("TUTORDESK_EMAIL_USE_TLS", True)
    EMAIL_USE_SSL = env_bool("TUTORDESK_EMAIL_USE_SSL", False)
    if EMAIL_USE_TLS and EMAIL_USE_SSL:
        raise ImproperlyConfigured("TUTORDESK_EMAIL_USE_TLS and TUTORDESK_EMAIL_USE_SSL cannot both be on")
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
# Without SMTP the worker prints one line per email (kind, recipient, subject); `full` prints the
# whole message as sent (docs/reminders.md).
EMAIL_ECHO = env_choice("TUTORDESK_EMAIL_ECHO", "line", ("line", "full"))
if not EMAIL_HOST and EMAIL_ECHO == "line":
    EMAIL_BACKEND = "tutordesk.events.echo.OneLineEmailBackend"

# Reminders (docs/reminders.md): emailed this long before each scheduled lesson's start, and a
# nudge to the tutor a lesson still waits for its outcome this long after its end.
REMINDER_OFFSETS_MINUTES = env_durations("TUTORDESK_REMINDERS", "24h,1h")
OUTCOME_NUDGE_MINUTES = env_durations("TUTORDESK_OUTCOME_NUDGE", "2h")
if len(OUTCOME_NUDGE_MINUTES) != 1:
    raise ImproperlyConfigured("TUTORDESK_OUTCOME_NUDGE takes one duration such as 2h")

# Cancelling one lesson (docs/lifecycle.md): a student or guardian must cancel at least this many hours
# before the start; the tutor and admins may cancel until it starts.
CANCELLATION_NOTICE_HOURS = env_int("TUTORDESK_CANCELLATION_NOTICE_HOURS", 24, minimum=0, maximum=24 * 365)
# People (docs/people-and-import.md): links in emails are absolute, built from this URL.
BASE_URL = os.environ.get("TUTORDESK_BASE_URL", "").strip() or "http://127.0.0.1:8000"
if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", BASE_URL):
    raise ImproperlyConfigured(f"TUTORDESK_BASE_URL must be an http(s):// URL; got {BASE_URL!r}")
# Invitation and password reset links last 7 days (and work once).
PASSWORD_RESET_TIMEOUT = 7 * 24 * 60 * 60
# "Forgot password?" asks per hour: per email (more are answered alike but send nothing) and per
# client address (more are refused).
PASSWORD_RESET_ASKS_PER_EMAIL = env_int("TUTORDESK_PASSWORD_RESET_ASKS_PER_EMAIL", 3, minimum=1)
PASSWORD_RESET_ASKS_PER_IP = env_int("TUTORDESK_PASSWORD_RESET_ASKS_PER_IP", 20, minimum=1)

# Meeting links (docs/meetings.md): how a new lesson gets its meet link when nobody typed one.
# none: typed by hand; jitsi: a new room on TUTORDESK_JITSI_DOMAIN; google: a Google Meet link made
# through the Google Calendar API by the worker, as the tutor (a service account with domain-wide
# delegation).
MEETING_PROVIDER = env_choice("TUTORDESK_MEETING_PROVIDER", "none", ("none", "jitsi", "google"))
JITSI_DOMAIN = os.environ.get("TUTORDESK_JITSI_DOMAIN", "").strip().lower() or "meet.jit.si"
if not re.fullmatch(r"([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:[0-9]{1,5})?", JITSI_DOMAIN):
    raise ImproperlyConfigured(
        f"TUTORDESK_JITSI_DOMAIN must be a host name such as meet.jit.si; got {JITSI_DOMAIN!r}"
    )
# The root that stands for https://www.googleapis.com/ (the Calendar API is at {root}calendar/v3/).
GOOGLE_API_URL = os.environ.get("TUTORDESK_GOOGLE_API_URL", "").strip() or "https://www.googleapis.com/"
if not re.fullmatch(r"https?://[^/?#\s]+(/[^?#\s]*)?", GOOGLE_API_URL):
    raise ImproperlyConfigured(
        f"TUTORDESK_GOOGLE_API_URL must be an http(s):// URL such as https://www.googleapis.com/; "
        f"got {GOOGLE_API_URL!r}"
    )
GOOGLE_API_URL = GOOGLE_API_URL if GOOGLE_API_URL.endswith("/") else GOOGLE_API_URL + "/"
# Seconds one call to Google (the token, an event) may take.
GOOGLE_TIMEOUT_SECONDS = env_int("TUTORDESK_GOOGLE_TIMEOUT_SECONDS", 10, minimum=1, maximum=60)
GOOGLE_SERVICE_ACCOUNT_FILE = os.environ.get("TUTORDESK_GOOGLE_SERVICE_ACCOUNT_FILE", "").strip()
if MEETING_PROVIDER == "google" or GOOGLE_SERVICE_ACCOUNT_FILE:
    # Read now, so a missing or broken key file stops the start rather than every lesson's link.
    _key_fields = ("type", "client_email", "private_key", "token_uri")
    try:
        if not GOOGLE_SERVICE_ACCOUNT_FILE:
            raise ValueError("it is not set")
        _key = json.loads(Path(GOOGLE_SERVICE_ACCOUNT_FILE).read_text())
        if not isinstance(_key, dict) or _key.get("type") != "service_account":
            raise ValueError("it is not a service account's JSON key")
        _missing = [name for name in _key_fields if not isinstance(_key.get(name), str) or not _key[name]]
        if _missing:
            raise ValueError(f"it lacks {', '.join(_missing)}")
    except (OSError, ValueError) as exc:
        raise ImproperlyConfigured(
            "TUTORDESK_GOOGLE_SERVICE_ACCOUNT_FILE must name a Google service account's JSON key file "
            f"(TUTORDESK_MEETING_PROVIDER=google needs one): {exc}"
        ) from None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        "axes": {"level": "WARNING"},
        "tutordesk.events": {"level": "INFO"},
        "tutordesk.meetings": {"level": "INFO"},
        "tutordesk.reminders": {"level": "INFO"},
    },
}
