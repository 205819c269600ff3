"""What the finance pages share: the finance-staff gate and turning domain errors into messages."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase

from core.actors import Actor
from core.errors import DomainError, MfaStale
from funding import permissions

View = Callable[..., HttpResponseBase]


def finance_page(view: View) -> View:
    """Signed-in finance staff only; the view gets the request's actor as ``actor``."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        actor = Actor.from_request(request)
        if not permissions.is_finance_officer(actor):
            raise PermissionDenied
        return view(request, *args, actor=actor, **kwargs)

    return wrapper


def attempt(
    request: HttpRequest, call: Callable[[], Any], *, form: forms.Form | None = None
) -> tuple[bool, Any]:
    """Run a service; a domain error goes to the form's field (or the page) as a message."""
    try:
        return True, call()
    except MfaStale:
        raise  # FreshMfaMiddleware asks for a current code, then replays this POST
    except DomainError as exc:
        if form is not None and exc.field and exc.field in form.fields:
            form.add_error(exc.field, exc.message)
        elif form is not None:
            form.add_error(None, exc.message)
        else:
            messages.error(request, exc.message)
        return False, None


def context(actor: Actor, **values: Any) -> dict[str, Any]:
    return {"mfa_ok": actor.mfa_verified, **values}
