"""Settings shared by every environment.

Everything is read from environment variables with defaults that need no configuration:
SQLite under var/, a secret key generated on first run, zh-hans, Asia/Shanghai.
"""

import datetime as dt
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


def _query_code_key() -> str:
    """The key of the query codes' keyed hash (petitions.intake.filing.hash_query_code), from
    PETITIONS_QUERY_CODE_KEY, else one generated once and kept in var/ (not in the database,
    not in its backups, not in git). docs/security.md, "Query codes", says how to rotate it."""
    if key := os.environ.get("PETITIONS_QUERY_CODE_KEY"):
        return key
    path = VAR_DIR / "query_code_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


#: The query codes' key, and the keys they were hashed with before a rotation (comma-separated):
#: a code hashed with an old key still opens its case.
PETITIONS_QUERY_CODE_KEY = _query_code_key()
PETITIONS_QUERY_CODE_OLD_KEYS = [
    k.strip() for k in os.environ.get("PETITIONS_QUERY_CODE_OLD_KEYS", "").split(",") if k.strip()
]
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
    "petition_site.users_app.StaffUsersAppConfig",  # wagtail.users, with Chinese names
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
    # Login lockout (site/security/login.py), CSP (site/security/csp.py), backups (site/backup.py).
    "axes",
    "csp",
    "dbbackup",
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
    # The Content-Security-Policy of the address (public site, admin, API docs).
    "petition_site.security.csp.PolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Like django.middleware.locale.LocaleMiddleware, but Chinese unless the visitor chose.
    "petition_site.i18n.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Signs out a staff member idle for PETITIONS_IDLE_TIMEOUT_MINUTES.
    "petition_site.security.idle.IdleTimeoutMiddleware",
    # Wagtail's CMS screens are the administrators' only.
    "petition_site.security.admin_scope.CmsScreensMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out login into the lockout answer.
    "axes.middleware.AxesMiddleware",
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
                "snippets.bureau.context_processor",
                "csp.context_processors.nonce",
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

    Connections are kept for a minute, as on PostgreSQL: a new SQLite connection parses the
    whole schema on its first statement (about 4 ms of CPU for this project's tables, indexes
    and triggers), which a connection per request paid on every request.
    """
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": str(path),
        "CONN_MAX_AGE": 60,
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

#: PostgreSQL: the application role that owns nothing (petitions.cases.immutability). Set it when
#: migrating as the owner role, and `migrate` grants it exactly what the application needs.
PETITIONS_DB_APP_ROLE = os.environ.get("PETITIONS_DB_APP_ROLE", "")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Login and passwords (等保 2.0 level 3; site/security/) ---------------------------------
AUTHENTICATION_BACKENDS = [
    # Refuses a locked-out account or address before any password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
#: At least 8 characters of 3 of the 4 classes, not the username, not a common password.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "petition_site.security.passwords.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {
        "NAME": "petition_site.security.passwords.CharacterClassesValidator",
        "OPTIONS": {"min_classes": 3},
    },
    {"NAME": "petition_site.security.passwords.NotContainingUsernameValidator"},
]
#: Failed logins before an account, and an address, is locked (django-axes).
AXES_FAILURE_LIMIT = int(os.environ.get("PETITIONS_LOGIN_FAILURE_LIMIT", "5"))
#: How long a lock lasts, unless an administrator lifts it sooner (设置 › 登录锁定).
AXES_COOLOFF_TIME = dt.timedelta(minutes=int(os.environ.get("PETITIONS_LOGIN_LOCK_MINUTES", "30")))
#: Each counted apart: an account from any address, an address for any account.
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_LOCKOUT_CALLABLE = "petition_site.security.login.lockout_response"
#: The visitor's address as the abuse limits see it (PETITIONS_TRUSTED_PROXIES).
AXES_CLIENT_IP_CALLABLE = "petition_site.security.login.client_ip"
#: Every failed login is kept, for the warning at the next login and for the audit.
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False  # unlocked in the Wagtail admin, not Django's
#: A staff member idle this long is signed out (等保: 登录连接超时自动退出).
PETITIONS_IDLE_TIMEOUT_MINUTES = int(os.environ.get("PETITIONS_IDLE_TIMEOUT_MINUTES", "30"))
#: However active, a session ends after this long.
SESSION_COOKIE_AGE = 12 * 60 * 60
SESSION_COOKIE_HTTPONLY = True

# Chinese whatever the browser says; staff choose English in their Wagtail account settings.
LANGUAGE_CODE = "zh-hans"
WAGTAILADMIN_PERMITTED_LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
# The project's catalogues first (makemessages writes to the first entry); then the Chinese of
# Wagtail's and Django's own English strings that their zh-hans catalogues lack (issue 13).
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "site" / "locale"]
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
#: A ledger XLSX export of more rows than this is built by the worker (导出任务, issue 14).
PETITIONS_EXPORT_XLSX_INLINE_ROWS = int(
    os.environ.get("PETITIONS_EXPORT_XLSX_INLINE_ROWS", "20000")
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

LOGIN_URL = "wagtailadmin_login"

WAGTAIL_SITE_NAME = os.environ.get("PETITIONS_SITE_NAME", "环境信访工作平台")
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
#: No autosave. Wagtail 8 saves a RevisionMixin object in the background 0.5 s after each change;
#: the configuration here has no drafts, so a half-entered holiday notice would be in force at
#: once, recompute due dates and be logged; and a background save of a new notice racing the
#: administrator's own 保存 made the second a duplicate year ("无法创建…出现错误", the flaky
#: tests/browser/test_holiday_browser.py). Everything is saved by the 保存 button only.
WAGTAIL_AUTOSAVE_INTERVAL = 0
WAGTAILDOCS_EXTENSIONS = ["pdf", "docx", "xlsx", "jpg", "jpeg", "png"]
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}

# --- The petition rules -------------------------------------------------------------------
# Starter values only: a fresh install's 本局信息 and 本局办理选项 (snippets.models) take them;
# from then on administrators change them in the admin (设置), and these are not read again.
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
            # Django's database cache, writing an entry in one statement (site/cache.py).
            "BACKEND": "petition_site.cache.DatabaseCache",
            # Created by a migration (petitions 0013), so `migrate` alone is enough.
            "LOCATION": "petitions_cache",
        }
    }
#: What the outage page needs, on this host's disk: it must work with the database and the
#: shared cache down (site/outage.py).
CACHES["outage"] = {
    "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
    "LOCATION": str(VAR_DIR / "cache" / "outage"),
    "TIMEOUT": None,
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

#: The bureau's full and short names (starter values of 本局信息, like the two above).
PETITIONS_BUREAU_NAME = os.environ.get("PETITIONS_BUREAU_NAME", "重庆市九龙坡区生态环境局")
_OWN_BUREAU_NAME = "PETITIONS_BUREAU_NAME" in os.environ
PETITIONS_BUREAU_SHORT_NAME = os.environ.get(
    "PETITIONS_BUREAU_SHORT_NAME", "" if _OWN_BUREAU_NAME else "九龙坡区生态环境局"
)
PETITIONS_BUREAU_NAME_EN = os.environ.get(
    "PETITIONS_BUREAU_NAME_EN",
    "" if _OWN_BUREAU_NAME else "Jiulongpo District Ecology and Environment Bureau, Chongqing",
)
#: The bureau's public petition phone: the starter value of 设置 › 本局信息, and what the outage
#: page gives on a host that has not yet remembered the configured one (site/outage.py).
PETITIONS_BUREAU_PHONE = os.environ.get("PETITIONS_BUREAU_PHONE", "")
#: What a 503 asks clients to wait before retrying.
PETITIONS_RETRY_AFTER_SECONDS = int(os.environ.get("PETITIONS_RETRY_AFTER_SECONDS", "120"))

# --- Backups (site/backup.py) -------------------------------------------------------------
#: Where backup sets go: in production a disk or share other than the database's.
PETITIONS_BACKUP_DIR = Path(os.environ.get("PETITIONS_BACKUP_DIR", VAR_DIR / "backups"))
#: How many backup sets are kept; older ones are deleted after each backup.
PETITIONS_BACKUP_KEEP = int(os.environ.get("PETITIONS_BACKUP_KEEP", "14"))
#: The hour (Asia/Shanghai) of the worker's daily backup (schedule created by a migration).
PETITIONS_BACKUP_HOUR = int(os.environ.get("PETITIONS_BACKUP_HOUR", "2"))
STORAGES["dbbackup"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(PETITIONS_BACKUP_DIR)},
}
#: pg_dump without owners and grants: a restore on a fresh machine needs none of the old
#: roles; `migrate` afterwards grants the application role again.
DBBACKUP_CONNECTORS = {"default": {"DUMP_SUFFIX": "--no-owner --no-privileges"}}
DBBACKUP_SEND_EMAIL = False  # a failed backup is a failed task in the worker's list

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
#: No external avatar service: Wagtail would send a hash of each e-mail address to gravatar.com.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
#: The bureau works in Beijing time; Wagtail then offers no time-zone choice in the account.
WAGTAIL_USER_TIME_ZONES = ["Asia/Shanghai"]
#: Wagtail's aging-pages report names the last publisher by login name and shows "None" for
#: the starter's pages; the bureau's three public pages need no such report.
WAGTAIL_AGING_PAGES_ENABLED = False
