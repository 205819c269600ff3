"""Settings of bench/portal_load.py: the test settings, plus a hello-world view beside the portal."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "bench.portal_urls"

# As in production: each process trusts the portal's data version for a second.
PORTAL_CACHE_VERSION_TTL = 1.0
