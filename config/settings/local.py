"""The embedded default a newcomer runs: SQLite, tasks inline, demo data allowed.

DEBUG is on and the secret key is published in this file, so these settings serve this machine
only: the Host header must be a loopback name, runserver refuses any other address, and a
request from another machine is refused whatever the server was bound to (core/local_only.py).
"""

from .base import *
from .base import MIDDLEWARE, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="local-demo-only-not-a-secret")
# Not taken from the environment: serving other hosts is what the production settings are for.
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "[::1]"]
LOCAL_ONLY = True
MIDDLEWARE = ["core.local_only.LoopbackOnlyMiddleware", *MIDDLEWARE]
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=True)
DEMO_DATA_ALLOWED = True
