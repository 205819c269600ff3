"""Settings shared by every environment; each value can be overridden from the environment."""

import datetime as dt
from pathlib import Path

import django_stubs_ext
import environ
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _

# Lets runtime code subscript Django generics (ModelAdmin[Model]) the way the stubs do.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
DEBUG = env.bool("DJANGO_DEBUG", default=False)
# True only in the local demo settings: serve loopback only (core/local_only.py).
LOCAL_ONLY = False
ALLOWED_HOSTS: list[str] = env.list("DJANGO_ALLOWED_HOSTS", default=[])

INSTALLED_APPS = [
    "core.apps.ConcordiaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles: core's runserver (which extends staticfiles' one) must be the one found.
    "core",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "governance",
    "funding",
    "compute",
    "transparency",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After authentication: a signed-in person's own time zone for every time shown.
    "core.middleware.TimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Before any view: a control character in any input is a 400 naming it (issue 13).
    "core.middleware.ControlCharacterMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "core.middleware.FreshMfaMiddleware",
    # Last, as django-axes asks: it turns a lockout noticed during sign-in into its own page.
    "axes.middleware.AxesMiddleware",
]

# Content-Security-Policy on every response: scripts and styles only from our own static files,
# never inline (an injected <script> or style attribute does not run), no plugins, no framing,
# forms post only here. The pages carry no inline script or style; the API docs use
# drf-spectacular's split Swagger view (its script is a file too). data: images are allowed for
# the icons Swagger UI's stylesheet embeds.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    },
}

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "governance.context_processors.nav",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The embedded default must hold a room of delegates voting at once, as PostgreSQL does:
    # a write-ahead log (readers never wait for the writer), writers wait up to 20 s for each
    # other instead of failing, and every transaction takes the write lock when it begins, so
    # two read-then-write transactions cannot deadlock ("database is locked") halfway through.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# The public portal's pages are cached here (Redis in production: CACHE_URL=rediscache://...).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
# How long each process trusts the portal's data version before asking the cache again:
# other processes see a change within this many seconds (transparency/cache.py).
PORTAL_CACHE_VERSION_TTL = env.float("PORTAL_CACHE_VERSION_TTL", default=1.0)
# Open-data downloads a client may make a minute (the public API's throttle is the same).
PORTAL_DATA_RATE = env.int("PORTAL_DATA_RATE", default=120)

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every sign-in to an account locked after too many failures (django-axes).
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "governance:dashboard"

# Sign-in: allauth with TOTP and recovery codes. Sign-up is closed: accounts are created by
# the secretariat when a state accredits someone.
ACCOUNT_LOGIN_METHODS = {"username", "email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_ADAPTER = "core.adapters.ClosedSignupAdapter"
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_LOGOUT_ON_GET = False
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Concordia"
MFA_RECOVERY_CODE_COUNT = 10
# Accept the code of the previous and next 30-second step too (RFC 6238 §5.2: phone clocks drift).
MFA_TOTP_TOLERANCE = 1
# MFA forms that count wrong codes against the account, like wrong passwords (core/forms.py).
MFA_FORMS = {
    "authenticate": "core.forms.AuthenticateForm",
    "reauthenticate": "core.forms.ReauthenticateForm",
}
# Guessing is limited per account, not per address: a delegation behind one NAT must not be
# locked out by one member, and an attacker with many addresses must still be stopped.
# django-axes keeps one count per account (username or email, any case: core/lockout.py) in
# the database, shared by every web process; wrong passwords and wrong codes both count.
# After AXES_FAILURE_LIMIT failures the account is locked for AXES_COOLOFF_TIME, then reopens.
# allauth's own limits stay in front of it: at most 10 failed sign-ins a minute per address
# and 5 every 5 minutes per typed name (ACCOUNT_RATE_LIMITS "login_failed", kept in the cache),
# and the same 5 per 5 minutes for the codes of one account.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
# axes warns when the address is not part of the lock. Here that is the point: the count sums
# every attempt at the account from any address or browser (rotating them gains nothing), and
# locking per address would lock out a delegation behind one NAT. allauth limits per address.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_USERNAME_CALLABLE = "core.lockout.axes_username"
AXES_RESET_ON_SUCCESS = True
# A lockout lasts the cool-off from the failure that caused it; tries during it don't extend it,
# so the page can say when the account opens again.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
AXES_VERBOSE = False
# Behind a proxy, set the number of proxies that append X-Forwarded-For (django-ipware).
AXES_IPWARE_PROXY_COUNT = env.int("AXES_IPWARE_PROXY_COUNT", default=None)
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"] if AXES_IPWARE_PROXY_COUNT else ["REMOTE_ADDR"]
)
# A ballot, a payment, a certification, a freeze and any admin request need a second factor
# confirmed this recently (seconds); older sessions are asked for a fresh code, and API clients
# send the current code in the X-Concordia-OTP header.
MFA_FRESH_SECONDS = env.int("MFA_FRESH_SECONDS", default=15 * 60)

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("de", _("German")), ("fr", _("French"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Zurich"  # shown to viewers; storage is always UTC (USE_TZ).
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")

EMAIL_BACKEND = env(
    "DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend"
)
EMAIL_FILE_PATH = env("DJANGO_EMAIL_FILE_PATH", default=str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env("DJANGO_DEFAULT_FROM_EMAIL", default="secretariat@concordia.example")
# The address pages are reached at from outside (links in e-mails: unsubscribe, calendar feeds).
PUBLIC_BASE_URL = env("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Concordia API",
    "DESCRIPTION": (
        "Member states, councils, seats and delegates of the facility. Reads need a signed-in "
        "user (session or API token); writes need the council-secretary role. Every error is a "
        'JSON body {"code": ..., "message": ..., "fields": {...}}.'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served from our own static files: no CDN, works offline and under a strict CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "CouncilKindEnum": "governance.models.CouncilKind",
        "MotionKindEnum": "governance.models.MotionKind",
        "MemberStatusEnum": "governance.models.MemberStatus",
        "MotionStatusEnum": "governance.models.MotionStatus",
        "ProjectStatusEnum": "governance.models.ProjectStatus",
        "DelegateRoleEnum": "governance.models.DelegateRole",
        "ProcedureEnum": "governance.models.Procedure",
        "MotionOutcomeEnum": "governance.models.MotionOutcome",
        "ImportKindEnum": "funding.models.ImportKind",
        "EntryKindEnum": "funding.models.EntryKind",
        "VoluntaryKindEnum": "funding.models.VoluntaryKind",
        "ReportKindEnum": "funding.models.ReportKind",
        "ScaleStatusEnum": "funding.models.ScaleStatus",
        "SessionKindEnum": "governance.models.SessionKind",
        "AgendaItemKindEnum": "governance.models.ItemKind",
        "AmendmentKindEnum": "governance.models.AmendmentKind",
        "CastingVoteEnum": "governance.models.CastingVote",
        "AttendanceSourceEnum": "governance.models.AttendanceSource",
    },
}

# Background work: Celery over Redis. Local demo and most tests run tasks inline (eager).
REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "motions-advance": {"task": "governance.tasks.motions_advance", "schedule": 60.0},
    "vote-reminders": {"task": "governance.tasks.vote_reminders_send", "schedule": 300.0},
    "interim-freezes-lapse": {"task": "governance.tasks.interim_freezes_lapse", "schedule": 60.0},
    "safety-reviews": {
        "task": "governance.tasks.safety_reviews_remind",
        "schedule": crontab(hour=7, minute=0),
    },
    "accreditations-expiring-notify": {
        "task": "governance.tasks.accreditations_expiring_notify",
        "schedule": crontab(hour=6, minute=0),
    },
}

# How long before an accreditation ends its holder and the secretariat are told.
ACCREDITATION_EXPIRY_NOTICE_DAYS = env.int("ACCREDITATION_EXPIRY_NOTICE_DAYS", default=14)

# Demo data may only be loaded where this is on (local and test), never in production.
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
    # WeasyPrint and fontTools narrate every layout step at INFO, django-axes every sign-in;
    # keep their warnings only (axes warns of each failure and each lockout).
    "loggers": {
        name: {"level": "WARNING"}
        for name in ("weasyprint", "fontTools", "fontTools.subset", "axes")
    },
}

# Voting. A delegation may hold this many proxies at once (the usual rule-books say one).
PROXY_MAX_PER_HOLDER = env.int("PROXY_MAX_PER_HOLDER", default=1)
# Ordinary votes stay open at least this long; the emergency written procedure at most this long,
# and it needs this share of the members to take part (unless its rule sets a quorum itself).
ORDINARY_MIN_VOTING_HOURS = env.int("ORDINARY_MIN_VOTING_HOURS", default=24)
WRITTEN_PROCEDURE_MAX_HOURS = env.int("WRITTEN_PROCEDURE_MAX_HOURS", default=72)
WRITTEN_PROCEDURE_QUORUM = env("WRITTEN_PROCEDURE_QUORUM", default="1/2")
# How far from today a motion's voting window may be set (days back, days ahead).
MOTION_WINDOW_DAYS_BACK = 365
MOTION_WINDOW_DAYS_AHEAD = 5 * 365
# The facility's founding: nothing is dated before it (payments, calls, seats, accreditations).
FACILITY_FOUNDED = dt.date(2020, 1, 1)

# Reminders to delegations that have not voted, this many hours before closing.
VOTE_REMINDER_HOURS = (24, 1)


# Safety. An interim freeze lapses after this many hours unless a vote confirms it; the host
# nation of a project is recused from safety votes about it when this is on.
INTERIM_FREEZE_HOURS = env.int("INTERIM_FREEZE_HOURS", default=72)
SAFETY_RECUSE_HOST_NATION = env.bool("SAFETY_RECUSE_HOST_NATION", default=True)
SAFETY_REVIEW_MONTHS = env.int("SAFETY_REVIEW_MONTHS", default=6)

# Each domain app keeps its own settings beside these.
from .compute import *  # noqa: E402
from .funding import *  # noqa: E402

CELERY_BEAT_SCHEDULE.update(COMPUTE_BEAT_SCHEDULE)
CELERY_BEAT_SCHEDULE.update(FUNDING_BEAT_SCHEDULE)

# The decision log (issue 12): closed votes' results are signed with an Ed25519 key kept in a
# file outside the database, so whoever can write the database cannot sign a rewritten result.
# Local and test runs make a key on first use; production must be given one (see production.py).
DECISION_SIGNING_KEY_FILE = env.path(
    "DECISION_SIGNING_KEY_FILE", default=BASE_DIR / "var" / "decision-signing-key.pem"
)
DECISION_SIGNING_KEY_CREATE = env.bool("DECISION_SIGNING_KEY_CREATE", default=True)
# Optional RFC 3161 timestamp authority for each signed tree head (empty: none).
DECISION_LOG_TSA_URL = env("DECISION_LOG_TSA_URL", default="")
CELERY_BEAT_SCHEDULE["decision-log-daily-tree-head"] = {
    "task": "governance.tasks.tree_head_daily",
    "schedule": crontab(hour=0, minute=5),
}
