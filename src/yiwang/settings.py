"""Yiwang settings: one module, every value read from the environment with a default.

Embedded mode (the default, `make demo`): SQLite under $YIWANG_HOME, database cache, the
database as Celery broker. Production: DATABASE_URL (PostgreSQL), REDIS_URL (cache),
CELERY_BROKER_URL (Redis or RabbitMQ), YIWANG_STORAGE=s3. `.env.example` lists every variable.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent


def env(name: str, default: str, help: str) -> str:
    """Read one setting from the environment. `help` is the one-line description in .env.example."""
    return os.environ.get(name, default)


def env_bool(name: str, default: bool, help: str) -> bool:
    return env(name, "1" if default else "0", help).strip().lower() in {"1", "true", "yes", "on"}


YIWANG_HOME = Path(
    env("YIWANG_HOME", str(Path.cwd() / "var"), "Folder for the embedded database, files, keys")
).resolve()
YIWANG_HOME.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    value = os.environ.get("DJANGO_SECRET_KEY")
    if value:
        return value
    path = YIWANG_HOME / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DJANGO_DEBUG", False, "Django debug pages (never in production)")
ALLOWED_HOSTS = [
    h.strip() for h in env("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver", "Host names served").split(",")
]
CSRF_TRUSTED_ORIGINS = [
    o.strip()
    for o in env("CSRF_TRUSTED_ORIGINS", "", "Origins trusted for CSRF behind a proxy").split(",")
    if o.strip()
]
YIWANG_BEHIND_PROXY = env_bool(
    "YIWANG_BEHIND_PROXY", False, "Trust X-Forwarded-Proto/Host/For from the reverse proxy"
)
if YIWANG_BEHIND_PROXY:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# HSTS when the platform is served over TLS (Django's SecurityMiddleware sends it on https only).
SECURE_HSTS_SECONDS = int(
    env("YIWANG_HSTS_SECONDS", "31536000", "Strict-Transport-Security max-age over TLS")
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("YIWANG_HSTS_SUBDOMAINS", False, "HSTS includeSubDomains")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp): no inline script or style anywhere; scripts and styles are
# static files of the platform (docs/security.md). `data:` images for QR codes and seals; `blob:`
# media for the halls' generated announcements.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:"],
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "yiwang.core",
    "yiwang.workdays",
    "yiwang.ledger",
    "yiwang.organizations",
    "yiwang.accounts",
    "yiwang.notifications",
    "yiwang.catalog",
    "yiwang.cases",
    "yiwang.bundles",
    "yiwang.licenses",
    "yiwang.identity",
    "yiwang.exchange",
    "yiwang.evaluations",
    "yiwang.participation",
    "yiwang.knowledge",
    "yiwang.halls",
    "yiwang.projects",
    "yiwang.training",
    "yiwang.supervision",
    "yiwang.federation",
    "yiwang.docking",
    "yiwang.portal",
    "yiwang.workbench",
    "yiwang.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yiwang.core.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "yiwang.core.middleware.EdgeMiddleware",
]

ROOT_URLCONF = "yiwang.urls"
WSGI_APPLICATION = "yiwang.wsgi.application"
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
                "yiwang.portal.context.accessibility",
            ]
        },
    }
]

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", "", "postgres://user:pass@host:5432/yiwang; empty = embedded SQLite")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            # 0 under ASGI (the default server now): a request's thread ends with the request, a
            # kept connection would leak; use a pooler (PgBouncer) for connection reuse
            DATABASE_URL,
            conn_max_age=int(env("DB_CONN_MAX_AGE", "0", "Seconds to keep DB connections (0 under ASGI)")),
        )
    }
    # Parameters sent apart from the SQL (psycopg 3's server-side binding); with
    # DB_PREPARE_THRESHOLD=5 (deploy/yiwang-web@.service) psycopg prepares a statement it has run 5
    # times on a connection and PostgreSQL stops parsing and planning it again (a case page's
    # database CPU 1.05 → 0.25 ms: docs/benchmarks.md, "Fourth pass"). Off by default, as in
    # Django: behind PgBouncer in transaction mode it needs PgBouncer ≥ 1.21 with
    # max_prepared_statements > 0, and an installation that upgrades should opt in knowingly.
    # A pool of connections in each process (Django's, psycopg_pool): under ASGI a request's
    # thread ends with it, so without a pool every request opens a connection of its own (a
    # PostgreSQL backend started and its caches warmed) and its prepared statements die with it.
    _pool = int(env("DB_POOL_SIZE", "0", "Connections kept per process (ASGI web servers); 0 = no pool"))
    if _pool and DATABASES["default"]["ENGINE"].endswith("postgresql"):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # the pool keeps them; Django refuses both
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": _pool,
            "timeout": float(env("DB_POOL_TIMEOUT", "10", "Seconds a request waits for a pooled connection")),
        }
    if DATABASES["default"]["ENGINE"].endswith("postgresql") and env_bool(
        "DB_SERVER_SIDE_BINDING", True, "Send query parameters apart (prepared statements)"
    ):
        _threshold = env(
            "DB_PREPARE_THRESHOLD", "", "Runs of a statement before it is prepared; empty = never"
        )
        DATABASES["default"].setdefault("OPTIONS", {}).update(
            server_side_binding=True, prepare_threshold=int(_threshold) if _threshold.strip() else None
        )
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": YIWANG_HOME / "yiwang.sqlite3",
            "OPTIONS": {
                # WAL lets readers run beside the writer; IMMEDIATE takes the write lock at BEGIN
                # so two writers queue instead of failing with "database is locked" mid-transaction.
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            },
            "TEST": {"NAME": str(YIWANG_HOME / "test.sqlite3")},
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")

# --- Cache: Redis in production, the database when embedded --------------------------------
REDIS_URL = env("REDIS_URL", "", "redis://127.0.0.1:6379/0 for the shared cache; empty = database cache")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "yiwang_cache"}
    }

# --- Broadcast: real-time public events to screens (core/broadcast.py, docs/halls.md) ----------
YIWANG_BROADCAST_URL = env(
    "YIWANG_BROADCAST_URL",
    REDIS_URL
    or (
        os.environ.get("CELERY_BROKER_URL", "")
        if os.environ.get("CELERY_BROKER_URL", "").startswith("redis")
        else ""
    ),
    "Redis for real-time events (Streams); default REDIS_URL or a Redis Celery broker; empty = database table",
)
YIWANG_BROADCAST_POLL_SECONDS = float(
    env("YIWANG_BROADCAST_POLL_SECONDS", "0.2", "Embedded broadcast: one query per process every N seconds")
)
YIWANG_BROADCAST_RETENTION_SECONDS = int(
    env(
        "YIWANG_BROADCAST_RETENTION_SECONDS",
        "86400",
        "Embedded broadcast: seconds events are kept for catch-up",
    )
)
YIWANG_BROADCAST_STREAM_MAXLEN = int(
    env("YIWANG_BROADCAST_STREAM_MAXLEN", "5000", "Redis broadcast: events kept per channel (approximate)")
)
YIWANG_SSE_HEARTBEAT_SECONDS = float(
    env("YIWANG_SSE_HEARTBEAT_SECONDS", "15", "Server-sent events: comment line after N idle seconds")
)
# The ASGI processes' GIL switch interval (Python's default is 5 ms): lower, the event loop writing
# to hundreds of streams gets the GIL back sooner from busy sync-view threads; 0 = Python's default.
YIWANG_ASGI_SWITCH_INTERVAL_MS = float(
    env("YIWANG_ASGI_SWITCH_INTERVAL_MS", "0.5", "ASGI server: GIL switch interval in ms (0 = Python's 5 ms)")
)

# --- Halls: self-service terminals, kiosk mode, display audio (docs/halls.md) -----------------
# A terminal is offline when its last heartbeat is older than this while it should be open.
YIWANG_TERMINAL_OFFLINE_SECONDS = int(
    env(
        "YIWANG_TERMINAL_OFFLINE_SECONDS", "300", "Self-service terminal: offline after N s without heartbeat"
    )
)
# Told to a terminal in each heartbeat answer (`next_heartbeat_seconds`): when to send the next.
YIWANG_TERMINAL_HEARTBEAT_SECONDS = int(
    env("YIWANG_TERMINAL_HEARTBEAT_SECONDS", "60", "Self-service terminal: send a heartbeat every N s")
)
# Kiosk mode: after N idle seconds the page warns, then clears every form and ends the session.
YIWANG_KIOSK_IDLE_SECONDS = int(
    env("YIWANG_KIOSK_IDLE_SECONDS", "120", "Kiosk mode: idle seconds before the session is cleared")
)
# The offline Mandarin voice for hall screens without a zh-CN browser voice (a name on PATH or a path).
YIWANG_ESPEAK = env("YIWANG_ESPEAK", "espeak-ng", "Hall display audio: the espeak-ng program (name or path)")

# --- Tasks ----------------------------------------------------------------------------------
CELERY_BROKER_URL = env(
    "CELERY_BROKER_URL",
    f"sqla+sqlite:///{YIWANG_HOME / 'broker.sqlite3'}",
    "Celery broker: redis://... or amqp://...; default = SQLite file under YIWANG_HOME",
)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False, "Run tasks inline (tests)")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE_FILENAME = str(YIWANG_HOME / "celerybeat-schedule")
YIWANG_NOTICE_SEAL_SWEEP = float(
    env(
        "YIWANG_NOTICE_SEAL_SWEEP",
        "60",
        "Seconds between sweeps sealing notices whose seal task a crash lost (and their minimum age)",
    )
)
# 考核督办 exports on PostgreSQL: work_mem while an export's queries run (empty = the server's own)
YIWANG_REPORT_WORK_MEM = env(
    "YIWANG_REPORT_WORK_MEM",
    "64MB",
    "PostgreSQL work_mem for the record exports of 考核督办 (empty = server default)",
)
CELERY_BEAT_SCHEDULE = {
    "cases-refresh-warnings": {"task": "yiwang.cases.tasks.sweep_overdue", "schedule": 3600.0},
    "cases-procedures": {"task": "yiwang.cases.tasks.procedures_sweep", "schedule": 3600.0},
    # Notices whose seal task a crash lost (bench/crash.py found them): sealed within two sweeps.
    "cases-notices-seal": {
        "task": "yiwang.cases.tasks.notices_seal_sweep",
        "schedule": YIWANG_NOTICE_SEAL_SWEEP,
    },
    "ledger-integrate": {"task": "ledger.tasks.integrate", "schedule": 3.0},
    "ledger-witness": {"task": "ledger.tasks.witness", "schedule": 60.0},
    "bundles-sweep": {"task": "yiwang.bundles.tasks.bundle_cases_sweep", "schedule": 300.0},
    "evaluations-remind": {"task": "yiwang.evaluations.tasks.invitations_remind", "schedule": 3600.0},
    "evaluations-escalate": {"task": "yiwang.evaluations.tasks.orders_escalate", "schedule": 3600.0},
    "participation-overdue": {"task": "yiwang.participation.tasks.proposals_overdue", "schedule": 3600.0},
    # Knowledge points follow item versions, one things, FAQs and policies (incremental; rebuilds
    # the shared index only when something changed).
    "knowledge-index-sync": {"task": "yiwang.knowledge.tasks.knowledge_index_sync", "schedule": 60.0},
    "halls-appointments": {"task": "yiwang.halls.tasks.appointments_sweep", "schedule": 300.0},
    "projects-reminders": {"task": "yiwang.projects.tasks.projects_reminders", "schedule": 3600.0},
    "training-attempts-sweep": {"task": "yiwang.training.tasks.attempts_sweep", "schedule": 60.0},
    "training-certifications-remind": {
        "task": "yiwang.training.tasks.certifications_remind",
        "schedule": 86400.0,
    },
    # Safety net of the outbox (core/outbox.py): sends what a lost task or a crashed worker left.
    "core-outbox-sweep": {"task": "yiwang.core.tasks.outbox_sweep", "schedule": 30.0},
    "federation-items": {"task": "yiwang.federation.tasks.items_fetch", "schedule": 6 * 3600.0},
    "docking-province-catch-up": {
        "task": "yiwang.docking.tasks_province.province_catch_up",
        "schedule": 600.0,
    },
    # 考核督办: 日报告/周调度/月通报/季度考核 produced once a day (idempotent), overdue tasks escalated,
    # 办事体验 findings and escalated bad-review work orders absorbed into the task list.
    "supervision-reports": {"task": "yiwang.supervision.tasks.reports_produce", "schedule": 3600.0},
    "supervision-tasks": {"task": "yiwang.supervision.tasks.tasks_sweep", "schedule": 3600.0},
    "notifications-due": {"task": "yiwang.notifications.tasks.deliveries_send_due", "schedule": 60.0},
    # 事项认领: changes of the provincial item library since the cursor (nothing when no URL is set)
    "catalog-province-sync": {"task": "yiwang.catalog.tasks.province_sync", "schedule": 900.0},
}

# --- Outbox: messages to other systems (core/outbox.py, docs/operations.md) -----------------------
YIWANG_OUTBOX_BACKOFF_BASE = float(
    env("YIWANG_OUTBOX_BACKOFF_BASE", "10", "Outbox: seconds before the first retry, doubled each attempt")
)
YIWANG_OUTBOX_BACKOFF_CAP = float(
    env("YIWANG_OUTBOX_BACKOFF_CAP", "3600", "Outbox: longest wait in seconds between two attempts")
)
YIWANG_OUTBOX_MAX_ATTEMPTS = int(
    env("YIWANG_OUTBOX_MAX_ATTEMPTS", "24", "Outbox: attempts before a message becomes a dead letter")
)
YIWANG_OUTBOX_LEASE_SECONDS = int(
    env(
        "YIWANG_OUTBOX_LEASE_SECONDS",
        "300",
        "Outbox: seconds a worker holds a message while sending (senders must time out sooner)",
    )
)

# --- Federation: this city among the Wuhan metropolitan circle's Yiwang instances (docs/federation.md)
YIWANG_CITY = env("YIWANG_CITY", "420100", "Division code of the city this instance serves (一圈通办)")
YIWANG_BASE_URL = env(
    "YIWANG_BASE_URL", "http://127.0.0.1:8000", "Public base URL of this instance, given to peer cities"
)

# --- 事项认领: the provincial item library (catalog/province.py, docs/integration.md) -------------
YIWANG_ITEM_LIBRARY_URL = env(
    "YIWANG_ITEM_LIBRARY_URL",
    "",
    "Provincial item library API base URL (GET {url}/items/changes); empty = no polling",
)
YIWANG_ITEM_LIBRARY_SOURCE = env(
    "YIWANG_ITEM_LIBRARY_SOURCE",
    "province",
    "Provincial item library: source name (selects its CodeMapping rows)",
)
YIWANG_ITEM_LIBRARY_TIMEOUT = float(
    env("YIWANG_ITEM_LIBRARY_TIMEOUT", "5", "Provincial item library: seconds per request")
)
YIWANG_ITEM_LIBRARY_RETRIES = int(
    env(
        "YIWANG_ITEM_LIBRARY_RETRIES", "2", "Provincial item library: retries after a timeout, refusal or 5xx"
    )
)
YIWANG_ITEM_LIBRARY_BACKOFF = float(
    env(
        "YIWANG_ITEM_LIBRARY_BACKOFF",
        "0.2",
        "Provincial item library: seconds before the first retry, doubled",
    )
)
YIWANG_ITEM_LIBRARY_MAX_RESPONSE = int(
    env("YIWANG_ITEM_LIBRARY_MAX_RESPONSE", "1048576", "Provincial item library: largest answer in bytes")
)
YIWANG_ITEM_LIBRARY_PAGE_SIZE = int(
    env("YIWANG_ITEM_LIBRARY_PAGE_SIZE", "200", "Provincial item library: items a page")
)
YIWANG_ITEM_LIBRARY_MAX_PAGES = int(
    env("YIWANG_ITEM_LIBRARY_MAX_PAGES", "50", "Provincial item library: pages fetched by one poll at most")
)

# --- Docking: provincial, national and department systems (docs/integration.md) -------------
YIWANG_DOCKING_MAX_BODY = int(
    env(
        "YIWANG_DOCKING_MAX_BODY",
        "65536",
        "Largest callback body (and answer) in bytes accepted from a department business system",
    )
)

# --- Docking: the provincial platform (licence library 归集/共享, 数据上报; docs/integration.md) ---
YIWANG_PROVINCE_URL = env(
    "YIWANG_PROVINCE_URL",
    "",
    "Base URL of the provincial platform's interfaces; empty = no pushes, no look-ups",
)
YIWANG_PROVINCE_KEY_ID = env(
    "YIWANG_PROVINCE_KEY_ID", "province", "Key id the province signs its answers with (RFC 9421 keyid)"
)
YIWANG_PROVINCE_PUBLIC_KEY = env(
    "YIWANG_PROVINCE_PUBLIC_KEY",
    "",
    "The province's Ed25519 public key (base64, 32 bytes), exchanged out of band; also required on "
    "the item library's answers (事项认领) once set",
)
YIWANG_PROVINCE_TIMEOUT = float(
    env("YIWANG_PROVINCE_TIMEOUT", "10", "Seconds one call to the province may take in all (then: retried)")
)
YIWANG_PROVINCE_MAX_ANSWER_BYTES = int(
    env("YIWANG_PROVINCE_MAX_ANSWER_BYTES", "1048576", "Largest answer body accepted from the province")
)

# --- Files ----------------------------------------------------------------------------------
MEDIA_ROOT = Path(
    env(
        "YIWANG_MEDIA_ROOT",
        str(YIWANG_HOME / "media"),
        "Uploaded materials and sealed notices (local storage): a folder every web and worker machine shares",
    )
).resolve()
MEDIA_URL = "/media/"
STATIC_ROOT = YIWANG_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # `collectstatic` fills it; whitenoise wants it to exist
STATIC_URL = "/static/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
if env("YIWANG_STORAGE", "local", "local or s3 (S3-compatible object storage for uploads)") == "s3":
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("S3_BUCKET", "yiwang", "Bucket for uploaded materials and documents"),
            "endpoint_url": env("S3_ENDPOINT_URL", "", "S3-compatible endpoint, e.g. MinIO") or None,
            "access_key": env("S3_ACCESS_KEY", "", "S3 access key"),
            "secret_key": env("S3_SECRET_KEY", "", "S3 secret key"),
            "default_acl": None,
            "file_overwrite": False,
        },
    }
UPLOAD_MAX_BYTES = int(
    env("YIWANG_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024), "Largest accepted material file")
)
DATA_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES + 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Accounts -------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
API_TOKEN_TTL_HOURS = int(env("YIWANG_API_TOKEN_TTL_HOURS", "12", "Lifetime of API bearer tokens"))
LOGIN_THROTTLE_ATTEMPTS = int(env("YIWANG_LOGIN_THROTTLE_ATTEMPTS", "5", "Failed logins allowed per window"))
LOGIN_THROTTLE_WINDOW = int(env("YIWANG_LOGIN_THROTTLE_WINDOW", "900", "Throttle window in seconds"))
LOGIN_LOCK_SECONDS = int(
    env("YIWANG_LOGIN_LOCK_SECONDS", "900", "An account's login lock lasts this long after its last failure")
)
LOGIN_ADDRESS_FAILURES = int(
    env(
        "YIWANG_LOGIN_ADDRESS_FAILURES",
        "50",
        "Failed logins from one address per window before it is refused",
    )
)
AUTHENTICATION_BACKENDS = ["yiwang.accounts.auth.ThrottledBackend"]

# --- Unified identity: an external OpenID Connect provider (accounts/oidc.py, docs/integration.md) ---
YIWANG_OIDC_ISSUER = env(
    "YIWANG_OIDC_ISSUER",
    "",
    "Issuer URL of the provincial OpenID Connect provider; empty = no 统一身份认证登录",
)
YIWANG_OIDC_CLIENT_ID = env("YIWANG_OIDC_CLIENT_ID", "", "Client id this platform is registered under")
YIWANG_OIDC_CLIENT_SECRET = env("YIWANG_OIDC_CLIENT_SECRET", "", "Client secret (client_secret_basic)")
YIWANG_OIDC_SCOPES = env("YIWANG_OIDC_SCOPES", "openid profile", "Scopes asked for (openid is required)")
YIWANG_OIDC_ID_NUMBER_CLAIM = env(
    "YIWANG_OIDC_ID_NUMBER_CLAIM", "id_number", "Claim carrying the 居民身份证号码"
)
YIWANG_OIDC_NAME_CLAIM = env("YIWANG_OIDC_NAME_CLAIM", "name", "Claim carrying the person's name")
YIWANG_OIDC_PHONE_CLAIM = env("YIWANG_OIDC_PHONE_CLAIM", "phone_number", "Claim carrying the mobile number")
YIWANG_OIDC_TRUST_CLAIM = env(
    "YIWANG_OIDC_TRUST_CLAIM", "trust_level", "Claim carrying the provider's trust level (2–5)"
)
YIWANG_OIDC_MATCH_MIN_TRUST = int(
    env(
        "YIWANG_OIDC_MATCH_MIN_TRUST",
        "3",
        "Lowest provider trust level whose ID number may link to or open an account (3 = 核验过)",
    )
)
YIWANG_OIDC_JWKS_TTL = int(
    env("YIWANG_OIDC_JWKS_TTL", "3600", "Seconds the provider's discovery and keys are cached")
)
YIWANG_OIDC_TIMEOUT = float(env("YIWANG_OIDC_TIMEOUT", "10", "Seconds to wait for the provider"))
YIWANG_OIDC_LEEWAY = int(env("YIWANG_OIDC_LEEWAY", "60", "Clock skew in seconds allowed on token times"))
YIWANG_OIDC_ALGORITHMS = env(
    "YIWANG_OIDC_ALGORITHMS", "RS256,ES256,PS256", "ID token signature algorithms accepted"
)
if YIWANG_OIDC_ISSUER:
    # the login and logout forms redirect to the provider: the CSP's form-action covers redirects
    _oidc = urlsplit(YIWANG_OIDC_ISSUER)
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"].append(f"{_oidc.scheme}://{_oidc.netloc}")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600

# --- Keys -----------------------------------------------------------------------------------
# The master key wraps every key in the key service (core.keys). Production: set it from a
# secret store. Embedded: generated once under YIWANG_HOME.
YIWANG_MASTER_KEY = env("YIWANG_MASTER_KEY", "", "base64 of 32 random bytes; wraps all stored keys")

# --- Locale ---------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Logging: English, no personal data ------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO", "Root log level")},
}

# --- Platform ---------------------------------------------------------------------------------
YIWANG_CITY_CODE = env("YIWANG_CITY_CODE", "420100", "Division code of the city this instance serves")
YIWANG_SITE_NAME = env("YIWANG_SITE_NAME", "一网通办", "Portal title")
YIWANG_LICENSE_ISSUER = env(
    "YIWANG_LICENSE_ISSUER",
    "https://yiwang.example",
    "Base URL of this instance as e-licence issuer (iss, status list URI)",
)

# --- Notifications (消息通知, docs/notifications.md) --------------------------------------------
YIWANG_NOTIFICATION_CHANNELS = env(
    "YIWANG_NOTIFICATION_CHANNELS",
    "log",
    "Channels besides the inbox every message category uses unless a person chooses: email, sms, log",
)
YIWANG_NOTIFICATION_CATEGORY_CHANNELS = env(
    "YIWANG_NOTIFICATION_CATEGORY_CHANNELS",
    "",
    "Per-category channels, e.g. case=sms;evaluation=email,log (legal notices always use them)",
)
YIWANG_NOTIFICATION_OPTIONAL_CHANNELS = env(
    "YIWANG_NOTIFICATION_OPTIONAL_CHANNELS",
    "email,sms",
    "Channels a person may switch on or off (sms only once a gateway is configured)",
)
YIWANG_NOTIFICATION_MAX_ATTEMPTS = int(
    env("YIWANG_NOTIFICATION_MAX_ATTEMPTS", "8", "Attempts per e-mail/SMS before a delivery is dead")
)
YIWANG_NOTIFICATION_RETRY_SECONDS = int(
    env("YIWANG_NOTIFICATION_RETRY_SECONDS", "60", "First retry delay; doubles each attempt, at most 6 h")
)
YIWANG_NOTIFICATION_LINK_BASE = env(
    "YIWANG_NOTIFICATION_LINK_BASE", "", "Base URL of links in e-mail and SMS; empty = YIWANG_LICENSE_ISSUER"
)
# Legacy (before the notifications app): channel of ratings / participation messages; the old
# class paths …evaluations.notify.LogChannel / …EmailChannel still mean log / email.
YIWANG_EVALUATION_NOTIFIER = env(
    "YIWANG_EVALUATION_NOTIFIER", "", "Legacy: channels of evaluation (and participation) messages"
)
YIWANG_PARTICIPATION_NOTIFIER = env(
    "YIWANG_PARTICIPATION_NOTIFIER", "", "Legacy: channels of participation messages"
)
YIWANG_SMS_GATEWAY = env(
    "YIWANG_SMS_GATEWAY",
    "yiwang.notifications.sms.HttpJsonGateway",
    "SMS gateway adapter class (dotted path)",
)
YIWANG_SMS_URL = env("YIWANG_SMS_URL", "", "SMS gateway endpoint (JSON POST); empty = SMS not offered")
YIWANG_SMS_API_KEY = env("YIWANG_SMS_API_KEY", "", "API key sent to the SMS gateway")
YIWANG_SMS_API_KEY_HEADER = env("YIWANG_SMS_API_KEY_HEADER", "X-API-Key", "Header carrying the API key")
YIWANG_SMS_TIMEOUT = float(env("YIWANG_SMS_TIMEOUT", "5", "Seconds to wait for the SMS gateway"))
YIWANG_SMS_SIGNATURE = env("YIWANG_SMS_SIGNATURE", "一网通办", "SMS signature (短信签名), shown in 【】")
YIWANG_SMS_QUIET_HOURS = env(
    "YIWANG_SMS_QUIET_HOURS", "22-7", "No SMS in these local hours except time-critical ones; empty = none"
)
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend", "Django e-mail backend")
EMAIL_HOST = env("EMAIL_HOST", "localhost", "SMTP server")
EMAIL_PORT = int(env("EMAIL_PORT", "25", "SMTP port"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "", "SMTP user")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "", "SMTP password")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False, "STARTTLS to the SMTP server")
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "10", "Seconds to wait for the SMTP server"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@yiwang.example", "Sender of notification e-mail")

# --- Ledger (全程留痕) ---------------------------------------------------------------------------
YIWANG_LEDGER_ORIGIN = env(
    "YIWANG_LEDGER_ORIGIN", "yiwang.example/ledger", "Origin line of this instance's transparency log"
)
YIWANG_LEDGER_WITNESS_NAME = env(
    "YIWANG_LEDGER_WITNESS_NAME", "yiwang.example/witness", "Name this instance cosigns with as a witness"
)
YIWANG_LEDGER_WITNESS_QUORUM = int(
    env(
        "YIWANG_LEDGER_WITNESS_QUORUM",
        "0",
        "How many distinct configured witnesses must cosign a checkpoint before it counts as witnessed",
    )
)
