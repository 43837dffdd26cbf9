"""Settings shared by every environment.

Everything is read from environment variables with defaults that need no configuration:
SQLite under var/, a secret key generated on first run, zh-hans, Asia/Shanghai.
"""

import os
import secrets
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(os.environ.get("PETITIONS_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)


def _secret_key() -> str:
    """The key from DJANGO_SECRET_KEY, else one generated once and kept in var/ (not in git)."""
    if key := os.environ.get("DJANGO_SECRET_KEY"):
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = False
ALLOWED_HOSTS = [
    h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [
    o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o
]

INSTALLED_APPS = [
    "petition_site",
    "petition_site.public",
    "petitions",
    # The bureau's working systems around cases (duty, receptions, rewards, mediation,
    # accountability): an app of its own, label "office", with its own migrations.
    "petitions.office",
    "rules",
    "snippets",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_q",
    "import_export",
    # Only for the API docs page's own Swagger UI files (served locally, no CDN).
    "ninja",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Like django.middleware.locale.LocaleMiddleware, but Chinese unless the visitor chose.
    "petition_site.i18n.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "petition_site.urls"
WSGI_APPLICATION = "petition_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]


def sqlite_database(path: Path) -> dict:
    """SQLite tuned so that concurrent filings and the django-q2 ORM broker never hit
    "database is locked".

    IMMEDIATE transactions take the write lock at BEGIN, so a read-then-write transaction never
    fails on upgrade; WAL lets readers run beside the writer; synchronous FULL keeps a committed
    case after a power loss; the busy timeout makes writers queue instead of failing.
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=30000;"
            ),
        },
    }


if database_url := os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(database_url, conn_max_age=60)}
else:
    DATABASES = {"default": sqlite_database(VAR_DIR / "db.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese whatever the browser says; staff choose English in their Wagtail account settings.
LANGUAGE_CODE = "zh-hans"
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
# Petitioners' attachments never go under MEDIA_ROOT: they are served only by a view that
# checks access to the case.
PRIVATE_FILES_ROOT = VAR_DIR / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "wagtailadmin_login"

WAGTAIL_SITE_NAME = os.environ.get("PETITIONS_SITE_NAME", "环境信访工作平台")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "jpg", "jpeg", "png"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- The petition rules -------------------------------------------------------------------
#: Case numbers are <prefix>-<year>-<6 digits>.
PETITIONS_NUMBER_PREFIX = os.environ.get("PETITIONS_NUMBER_PREFIX", "JLPXF")
#: Natural-day due dates stay where they fall by default (第二十六条); set to 1 to move a due
#: date that falls on a non-working day to the next working day.
PETITIONS_MOVE_NATURAL_DUE_OFF_HOLIDAYS = os.environ.get(
    "PETITIONS_MOVE_NATURAL_DUE_OFF_HOLIDAYS", "0"
).lower() in {"1", "true", "yes"}

# --- django-q2 ----------------------------------------------------------------------------
Q_CLUSTER = {
    "name": "petitions",
    "workers": int(os.environ.get("Q_WORKERS", "2")),
    "timeout": 120,
    "retry": 180,  # must exceed timeout
    "queue_limit": 20,
    "bulk": 5,
    "poll": 1,
    # Missed runs are not replayed one by one: each sweep catches up on everything due.
    "catch_up": False,
    "save_limit": 500,
    "max_attempts": 5,
    "label": "任务队列",
}
if redis_url := os.environ.get("REDIS_URL"):
    Q_CLUSTER["redis"] = redis_url
else:
    Q_CLUSTER["orm"] = "default"

# --- Cache ---------------------------------------------------------------------------------
# The public site's rate limits and challenge questions must be shared by every web worker
# process: Django's default per-process memory cache would give each worker its own counters.
# Redis when REDIS_URL is set, else a table in the database (`manage.py createcachetable`).
if redis_url := os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "petitions_cache",
        }
    }

# --- Abuse control on the public site (petitions.intake.abuse) -----------------------------------
# A household, an office or a mobile network (carrier NAT) shares one address, so the limit
# per address is generous; the limit per phone number is what a real resident needs.
PUBLIC_FILINGS_PER_ADDRESS = int(os.environ.get("PUBLIC_FILINGS_PER_ADDRESS", "30"))
PUBLIC_FILINGS_ADDRESS_WINDOW_SECONDS = int(
    os.environ.get("PUBLIC_FILINGS_ADDRESS_WINDOW_SECONDS", "3600")
)
PUBLIC_FILINGS_PER_PHONE = int(os.environ.get("PUBLIC_FILINGS_PER_PHONE", "5"))
PUBLIC_FILINGS_PHONE_WINDOW_SECONDS = int(
    os.environ.get("PUBLIC_FILINGS_PHONE_WINDOW_SECONDS", "86400")
)
#: After this many filings from one address (in its window) or one phone (in its window),
#: each further filing must answer a question (a simple sum, generated here, no third party).
PUBLIC_CHALLENGE_AFTER = int(os.environ.get("PUBLIC_CHALLENGE_AFTER", "3"))
#: How long a challenge question may be answered.
PUBLIC_CHALLENGE_MAX_AGE_SECONDS = 3600
#: How many reverse proxies of the bureau's own stand in front of the web server (each appends
#: to X-Forwarded-For). 0: the client's address is REMOTE_ADDR. Behind one nginx, set 1, or
#: every visitor shares the proxy's address and its limits.
PETITIONS_TRUSTED_PROXIES = int(os.environ.get("PETITIONS_TRUSTED_PROXIES", "0"))
#: Client addresses without the per-address limit and question, comma-separated: partner
#: platforms that file through the API for many residents (each phone is still limited).
PUBLIC_ABUSE_EXEMPT_ADDRESSES = [
    a.strip() for a in os.environ.get("PUBLIC_ABUSE_EXEMPT_ADDRESSES", "").split(",") if a.strip()
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

#: The bureau, as printed on notices.
PETITIONS_BUREAU_NAME = os.environ.get("PETITIONS_BUREAU_NAME", "重庆市九龙坡区生态环境局")

# --- The worker --------------------------------------------------------------------------
#: How often the django-q2 sweep runs (reminders, supervision, closing, message retries).
PETITIONS_SWEEP_MINUTES = int(os.environ.get("PETITIONS_SWEEP_MINUTES", "5"))
#: Rows handled per batch in a sweep: memory and transactions stay bounded.
PETITIONS_SWEEP_BATCH = int(os.environ.get("PETITIONS_SWEEP_BATCH", "500"))
#: Sends messages to petitioners (dotted path to a class with send(message)).
PETITIONS_MESSAGE_SENDER = os.environ.get(
    "PETITIONS_MESSAGE_SENDER", "petitions.worker.senders.ConsoleSender"
)
#: Staff alerts are also e-mailed to staff who have an address.
PETITIONS_ALERT_EMAILS = os.environ.get("PETITIONS_ALERT_EMAILS", "1") == "1"
#: The duty roster's handover time (交接班时间): each regular 24-hour shift starts then (第十二条).
PETITIONS_DUTY_HANDOVER = os.environ.get("PETITIONS_DUTY_HANDOVER", "08:30")
#: A case entered more than this many working days after it was received is proposed to the
#: office as registered late (登记迟延, 第二十四条); a person decides.
PETITIONS_LATE_ENTRY_WORKING_DAYS = int(os.environ.get("PETITIONS_LATE_ENTRY_WORKING_DAYS", "1"))
WAGTAILADMIN_USER_LOGIN_FORM = "petition_site.forms.StaffLoginForm"
