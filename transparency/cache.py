"""Whole-response caching of the public portal, invalidated whenever public data changes.

Every write in the platform goes through a service that records an audit row in the same
transaction, so "an audit row was committed" is exactly "something may have changed". The portal
keeps a version number in the cache and bumps it on each such commit; cached pages carry the
version in their key, so a change makes every older page unreachable at once.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

VERSION_KEY = "portal:version"
TIMEOUT = 60 * 60


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        cache.add(VERSION_KEY, 1, timeout=None)
        current = cache.get(VERSION_KEY, 1)
    return int(current)


def bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 2, timeout=None)


def on_audit_saved(sender: Any, **kwargs: Any) -> None:
    transaction.on_commit(bump)


def cached(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Serve the view from the cache for anonymous GETs, keyed by version, language and URL."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method != "GET" or request.user.is_authenticated:
            return view(request, *args, **kwargs)
        key = f"portal:{version()}:{get_language()}:{request.get_full_path()}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type, status = hit
            response = HttpResponse(content, content_type=content_type, status=status)
            response["X-Portal-Cache"] = "hit"
            return response
        response = view(request, *args, **kwargs)
        if hasattr(response, "render") and callable(response.render):
            response.render()
        if response.status_code == 200 and not response.streaming:
            cache.set(
                key, (response.content, response["Content-Type"], response.status_code), TIMEOUT
            )
        response["X-Portal-Cache"] = "miss"
        return response

    return wrapper
