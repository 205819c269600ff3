"""A per-client limit on open-data downloads, like the public API's (120 a minute by default)."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

WINDOW = 60  # seconds


def rate_limited(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 429 with Retry-After once a client has asked PORTAL_DATA_RATE times this minute."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = int(getattr(settings, "PORTAL_DATA_RATE", 120))
        now = time.time()
        window = int(now // WINDOW)
        key = f"portal:rate:{request.META.get('REMOTE_ADDR', '')}:{window}"
        cache.add(key, 0, timeout=WINDOW + 1)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr: a new window has begun
            cache.set(key, 1, timeout=WINDOW + 1)
            count = 1
        if count > limit:
            retry = max(1, int((window + 1) * WINDOW - now))
            response = HttpResponse(
                _(
                    "Too many requests: at most %(limit)d downloads a minute. "
                    "Try again in %(seconds)d seconds."
                )
                % {"limit": limit, "seconds": retry},
                status=429,
                content_type="text/plain; charset=utf-8",
            )
            response["Retry-After"] = str(retry)
            return response
        return view(request, *args, **kwargs)

    return wrapper
