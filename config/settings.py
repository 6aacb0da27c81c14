"""The one settings module: every value that differs between machines comes from an environment variable.

Without DJANGO_DEBUG set to a true value the site runs in production mode, and it refuses to start
without a real DJANGO_SECRET_KEY, naming the variable that is missing.
"""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name, default):
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of {sorted(TRUE_WORDS | FALSE_WORDS - {''})}, not {raw!r}.")


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DJANGO_DEBUG", False)

DEV_SECRET_KEY = "django-insecure-development-only-key-never-used-in-production"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is missing. Production mode (DJANGO_DEBUG unset or false) needs a random "
            "secret of at least 50 characters, e.g. from "
            "`python -c 'import secrets; print(secrets.token_urlsafe(64))'`. For local development set DJANGO_DEBUG=1."
        )
    SECRET_KEY = DEV_SECRET_KEY
elif not DEBUG and (len(SECRET_KEY) < 50 or SECRET_KEY.startswith("django-insecure")):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY is too weak for production: it needs at least 50 random characters "
        "and must not start with 'django-insecure'."
    )

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS")

# Where the curator admin lives: a path of its own makes it less of a target for scripted login attempts.
ADMIN_PATH = os.environ.get("DJANGO_ADMIN_PATH", "admin/")
if not ADMIN_PATH.endswith("/") or ADMIN_PATH.startswith("/") or ADMIN_PATH == "/" or "//" in ADMIN_PATH:
    raise ImproperlyConfigured(
        f"DJANGO_ADMIN_PATH must be a relative path ending in '/', like 'admin/' or 'curate-7f3k/', not {ADMIN_PATH!r}."
    )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django_filters",
    "axes",
    "register",
]

MIDDLEWARE = [
    # Outermost: security headers go on every response, static files and health checks included.
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "register.headers.PermissionsPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Compresses what everything below writes (public pages only: see its docstring on BREACH).
    "register.compression.PublicPageGZipMiddleware",
    # Before anything asks for the Host header, so a load balancer can call /healthz by IP address.
    "register.health.HealthCheckMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "register.input_guard.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "register.caching.DataVersionCacheMiddleware",
    # A curator's change that waited too long behind an import: a 503 saying nothing was saved (register.locks).
    "register.locks.RegisterBusyMiddleware",
    # Last, as django-axes asks: turns a locked-out login attempt into the lock-out page.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First: refuses a locked-out login before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
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
                "django.template.context_processors.csp",
                "register.context_processors.site",
            ],
            "builtins": ["register.templatetags.register_tags"],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DJANGO_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # An unreachable server fails fast, so /healthz answers 503 before the load balancer gives up.
    DATABASES["default"]["OPTIONS"] = {"connect_timeout": int(os.environ.get("DJANGO_DB_CONNECT_TIMEOUT", "5"))}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while an import writes; the busy timeout waits for the writer instead of failing.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

FIXTURE_DIRS = [BASE_DIR / "fixtures"]

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT") or BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# Hashed names (cacheable for a year) in production; tests and development use plain names so that they
# need no collectstatic run first.
HASHED_STATIC = env_bool("DJANGO_HASHED_STATIC", not DEBUG)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if HASHED_STATIC
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0
# Without collected files (development, tests) whitenoise serves straight from static/.
WHITENOISE_USE_FINDERS = not HASHED_STATIC

# Uploaded register files are streamed to disk above this size and refused above REGISTER_UPLOAD_MAX_BYTES.
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
REGISTER_UPLOAD_MAX_BYTES = int(os.environ.get("REGISTER_UPLOAD_MAX_BYTES", str(100_000_000)))  # 100 MB
# Where register files uploaded in the admin are kept, and whether their import runs in the request (tests)
# instead of in a separate process.
REGISTER_UPLOAD_DIR = Path(os.environ.get("REGISTER_UPLOAD_DIR", BASE_DIR / "var" / "uploads"))
REGISTER_IMPORT_INLINE = env_bool("REGISTER_IMPORT_INLINE", False)
# An upload's import process may use at most this much memory (address space; the full-size register's import
# peaks at about 0.8 GB and runs within 2 GB): a hostile workbook (a sheet whose two cells lie a million rows apart)
# then stops that process, never the server's. Its file may unpack to at most REGISTER_UNPACKED_MAX_BYTES (a zip
# bomb is refused before it is read; the full-size register unpacks to 140 MB).
REGISTER_IMPORT_MAX_MEMORY_BYTES = int(os.environ.get("REGISTER_IMPORT_MAX_MEMORY_BYTES", str(3 * 1024**3)))
REGISTER_UNPACKED_MAX_BYTES = int(os.environ.get("REGISTER_UNPACKED_MAX_BYTES", str(600_000_000)))
# Where `manage.py backup` writes when given no path.
REGISTER_BACKUP_DIR = Path(os.environ.get("REGISTER_BACKUP_DIR") or BASE_DIR / "var" / "backups")
# A name for the deployed code (e.g. the commit), part of every ETag; empty: register.caching hashes the code.
RELEASE = os.environ.get("DJANGO_RELEASE", "")

# Security: production defaults; `manage.py check --deploy` must be clean with them.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
# Only curators have sessions (public pages set no cookie): a working day, not Django's two weeks.
SESSION_COOKIE_AGE = int(os.environ.get("DJANGO_SESSION_SECONDS", str(12 * 60 * 60)))
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# A load balancer checks /healthz over plain HTTP; everything else is redirected to HTTPS.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content-Security-Policy (Django's own middleware). Public pages carry no inline script or style at all;
# the admin marks its few inline blocks with the per-response nonce, so no 'unsafe-inline' anywhere.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF, CSP.NONCE],
    "img-src": [CSP.SELF],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}
# Browser features the site never uses, refused for it and anything it might embed (register.headers).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "fullscreen",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# Login throttling (django-axes): after AXES_FAILURE_LIMIT failed sign-ins for one user name from one address,
# that pair is locked for AXES_COOLOFF_TIME (each further failure restarts it). Keyed on the pair, so a stranger
# cannot lock a curator out from elsewhere. `manage.py axes_reset_username NAME` unlocks early.
# Where signing in leads when no safe `next` address was given (an off-site one is refused): the admin's index, not
# Django's /accounts/profile/, which this site does not have.
LOGIN_REDIRECT_URL = "admin:index"
AXES_FAILURE_LIMIT = int(os.environ.get("DJANGO_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DJANGO_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "register.throttle.lockout_response"
AXES_CLIENT_IP_CALLABLE = "register.throttle.client_ip"
# Its start-up banner would print before every management command's output.
AXES_VERBOSE = False
# How many proxies (load balancer, CDN) stand in front of gunicorn and append to X-Forwarded-For; 0 trusts none.
TRUSTED_PROXY_COUNT = int(os.environ.get("DJANGO_TRUSTED_PROXY_COUNT", "0"))

# Public pages are cached per data version (register.caching): one copy per page until an import or a curator's
# edit changes the register. The default local-memory cache is per worker process, which is all this needs.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 2000}}}
PAGE_CACHE_SECONDS = int(os.environ.get("DJANGO_PAGE_CACHE_SECONDS", "86400"))
PAGE_CACHE_MAX_BYTES = int(os.environ.get("DJANGO_PAGE_CACHE_MAX_BYTES", str(2 * 1024 * 1024)))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    # Django's own handlers (a console one in debug mode) printed every line a second time, as root prints it too.
    "loggers": {"django": {"handlers": [], "propagate": True}},
}

# The site's own facts, shown in the footer and on /about/.
OFFICIAL_REGISTER_URL = (
    "https://digital.nhs.uk/services/data-access-request-service-dars/register-of-approved-data-releases"
)
