"""Django settings. Every value comes from the environment, with an embedded default (see README)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF

from beffroi.web.config import data_dir, encryption_keys, pseudonym_key, secret_key

env = environ.Env()
BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = data_dir()

# development (the demo: plain HTTP on 127.0.0.1) or production (behind a TLS reverse proxy).
BEFFROI_ENV = env.str("BEFFROI_ENV", default="development")
PRODUCTION = BEFFROI_ENV == "production"
DEBUG = env.bool("BEFFROI_DEBUG", default=False)

SECRET_KEY = secret_key()
BEFFROI_ENCRYPTION_KEYS = encryption_keys()
BEFFROI_PSEUDONYM_KEY = pseudonym_key()
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "huey.contrib.djhuey",
    "axes",
    "csp",
    "beffroi.web",
    "beffroi.core",
    "beffroi.participation",
    "beffroi.listening",
    "beffroi.analytics",
    "beffroi.publishing",
    "beffroi.observatory",
    "beffroi.compliance",
    "beffroi.api",
]

MIDDLEWARE = [
    # First: it times every request, the refused and redirected ones too (/metrics/).
    "beffroi.core.metrics.MetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "beffroi.web.middleware.FrenchFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    "beffroi.core.middleware.RequireMfaMiddleware",
    # Last, as django-axes asks: it turns a lockout into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "beffroi.web.urls"
WSGI_APPLICATION = "beffroi.web.wsgi.application"

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
                "django.template.context_processors.i18n",
                "beffroi.web.context.navigation",
            ],
        },
    }
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'beffroi.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server and the worker write without locking each other out.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file, not Django's shared in-memory database: the live server of the browser
    # tests then has its own connection instead of interleaving savepoints with the test thread.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test-beffroi.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login: e-mail and password, TOTP, and an operator-configured OpenID Connect provider (ProConnect).
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="none")
# Logins per minute from one address (allauth; counted in the shared cache): an office behind one
# NAT, or a load test from 127.0.0.1, may need more than allauth's 30.
ACCOUNT_RATE_LIMITS = {"login": env.str("BEFFROI_LOGIN_RATE_LIMIT", default="30/m/ip")}
ACCOUNT_ADAPTER = "beffroi.core.auth.InvitationOnlyAccountAdapter"
SOCIALACCOUNT_ADAPTER = "beffroi.core.auth.ExistingUsersSocialAccountAdapter"
ACCOUNT_LOGOUT_ON_GET = False
LOGIN_REDIRECT_URL = "/"
LOGIN_URL = "/comptes/login/"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Beffroi"
SOCIALACCOUNT_ONLY = False
SOCIALACCOUNT_PROVIDERS: dict[str, dict[str, object]] = {}
if env.str("OIDC_CLIENT_ID", default=""):
    SOCIALACCOUNT_PROVIDERS["openid_connect"] = {
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": env.str("OIDC_PROVIDER_ID", default="proconnect"),
                "name": env.str("OIDC_PROVIDER_NAME", default="ProConnect"),
                "client_id": env.str("OIDC_CLIENT_ID"),
                "secret": env.str("OIDC_CLIENT_SECRET", default=""),
                "settings": {
                    "server_url": env.str("OIDC_SERVER_URL"),
                    "token_auth_method": env.str(
                        "OIDC_TOKEN_AUTH_METHOD", default="client_secret_post"
                    ),
                    "scope": env.list(
                        "OIDC_SCOPES", default=["openid", "email", "given_name", "usual_name"]
                    ),
                },
            }
        ],
    }

# Brute-force protection: 5 failed logins for one address from one IP lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "beffroi.core.auth.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/lockout.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=1 if PRODUCTION else 0)

# Content-Security-Policy: no inline script anywhere. Styles may be inline because htmx and
# vega-embed insert <style> elements; scripts, frames, objects and form targets stay locked.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
    }
}

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"  # what users see; every stored datetime is UTC (USE_TZ).
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # WhiteNoise warns at start-up when it is missing
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
BEFFROI_LAKE_URL = env.str("BEFFROI_LAKE_URL", default=str(DATA_DIR / "lake"))

# Listening: Meta webhooks (the app secret signs every push; without it pushes are refused) and the
# NLP tier of ingestion (fast keeps up with keyword streams; accurate for a small inbox).
META_APP_SECRET = env.str("META_APP_SECRET", default="")
META_WEBHOOK_VERIFY_TOKEN = env.str("META_WEBHOOK_VERIFY_TOKEN", default="")
LISTENING_NLP_TIER = env.str("LISTENING_NLP_TIER", default="fast")
LISTENING_DEMO_NLP = env.bool("LISTENING_DEMO_NLP", default=False)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Beffroi <beffroi@localhost>")
# Largest file a user may upload (bulk imports, images): checked before it is read.
BEFFROI_UPLOAD_MAX_BYTES = env.int("BEFFROI_UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
# Public address of the deployment, for the links in e-mails and webhooks (written with no request).
BEFFROI_SITE_URL = env.str("BEFFROI_SITE_URL", default="http://127.0.0.1:8000")

# Task queue: SQLite next to the database by default, Redis when REDIS_URL is set.
REDIS_URL = env.str("REDIS_URL", default="")
HUEY: dict[str, object]
if REDIS_URL:
    HUEY = {"huey_class": "huey.PriorityRedisHuey", "name": "beffroi", "url": REDIS_URL}
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "beffroi",
        "filename": str(DATA_DIR / "tasks.sqlite3"),
    }
HUEY["immediate"] = env.bool("HUEY_IMMEDIATE", default=False)

# Cache: shared by every gunicorn process and the worker through Redis when there is one
# (aggregates of the pages, MFA clearance); else each process keeps its own in memory.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "beffroi",
        }
    }
HUEY["consumer"] = {"workers": 2, "worker_type": "thread"}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "beffroi.core.logging.RedactSecretsFilter"}},
    "formatters": {"line": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_secrets"],
            "formatter": "line",
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # Configured here, run_huey adds no handler of its own: each worker line once, redacted.
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
