"""Whole-response caching of the public portal, invalidated whenever public data changes.

Every write in the platform goes through a service that records an audit row in the same
transaction, so "an audit row was committed" is exactly "something may have changed". The portal
keeps a version number in the shared cache (Redis in production) and bumps it on each such
commit; cached pages carry the version in their key, so a change makes every older page
unreachable at once.

Each process also keeps the pages it served last in memory, under the same versioned keys, and
remembers the version it read for `PORTAL_CACHE_VERSION_TTL` seconds (1 by default; 0 in the
tests). A cached page then costs no round trip to Redis at all. The process that commits a change
sees the new version at once; the other processes see it within that many seconds.
"""

from __future__ import annotations

import functools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

VERSION_KEY = "portal:version"
TIMEOUT = 60 * 60
LOCAL_PAGES = 256  # pages kept in each process's memory, least recently used dropped first

_lock = threading.Lock()
_local: OrderedDict[str, tuple[bytes, str, int]] = OrderedDict()
_seen: tuple[int, float] | None = None  # (version, when it was read)


def _version_ttl() -> float:
    return float(getattr(settings, "PORTAL_CACHE_VERSION_TTL", 1.0))


def _remember(current: int) -> int:
    global _seen
    _seen = (current, time.monotonic())
    return current


def version() -> int:
    """The current version of the public data (read from the shared cache at most once per TTL)."""
    seen = _seen
    if seen is not None and time.monotonic() - seen[1] < _version_ttl():
        return seen[0]
    current = cache.get(VERSION_KEY)
    if current is None:
        # A fresh start (or a cleared cache) must not reuse an old number: pages that
        # processes still hold under it would come back.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        current = cache.get(VERSION_KEY, 1)
    return _remember(int(current))


def bump() -> None:
    try:
        current = cache.incr(VERSION_KEY)
    except ValueError:
        current = time.time_ns()
        cache.set(VERSION_KEY, current, timeout=None)
    _remember(int(current))


def on_audit_saved(sender: Any, **kwargs: Any) -> None:
    transaction.on_commit(bump)


def _local_get(key: str) -> tuple[bytes, str, int] | None:
    with _lock:
        hit = _local.get(key)
        if hit is not None:
            _local.move_to_end(key)
        return hit


def _local_put(key: str, value: tuple[bytes, str, int]) -> None:
    with _lock:
        _local[key] = value
        _local.move_to_end(key)
        while len(_local) > LOCAL_PAGES:
            _local.popitem(last=False)


def cached(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the view from the cache for anonymous GETs, keyed by version, language and URL."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = f"portal:{version()}:{get_language()}:{request.get_full_path()}"
        hit = _local_get(key)
        if hit is None:
            hit = cache.get(key)
            if hit is not None:
                _local_put(key, hit)
        if hit is not None:
            content, content_type, status = hit
            response = HttpResponse(content, content_type=content_type, status=status)
            response["X-Portal-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response.render()
        if response.status_code == 200 and not response.streaming:
            value = (response.content, response["Content-Type"], response.status_code)
            cache.set(key, value, TIMEOUT)
            _local_put(key, value)
        response["X-Portal-Cache"] = "miss"
        return response

    return wrapper
