"""Settings for the test suite: PostgreSQL, eager tasks except where a test starts a worker."""

from .base import *
from .base import env

SECRET_KEY = "test-only-not-a-secret"  # noqa: S105
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
DATABASES = {
    "default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/concordia")
}
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; never prod.
EMAIL_BACKEND = env("DJANGO_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend")
DEMO_DATA_ALLOWED = True
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "var" / "test-media")
PORTAL_CACHE_VERSION_TTL = 0.0  # every request reads the shared version: no cross-test staleness
# One signing key for the test run (made on first use; xdist workers share it safely).
DECISION_SIGNING_KEY_FILE = env.path(
    "DECISION_SIGNING_KEY_FILE", default=BASE_DIR / "var" / "test-decision-signing-key.pem"
)
