"""What the finance pages share: the finance-staff gate, domain errors as messages, breadcrumbs."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _

from core import l10n
from core.actors import Actor
from core.errors import DomainError, MfaStale
from funding import permissions
from governance import selectors as governance_selectors

if TYPE_CHECKING:
    pass

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


def context(
    actor: Actor, *, crumbs: Sequence[tuple[str, str | None]] | None = None, **values: Any
) -> dict[str, Any]:
    """The page's context; ``crumbs`` are (label, url) below the finance desk, the last the page.

    Without ``crumbs`` the page is the finance desk itself.
    """
    trail: list[dict[str, Any]] = [
        {"label": _("Home"), "url": reverse("home")},
        {"label": _("Finance desk"), "url": reverse("funding:dashboard")},
    ]
    trail += [{"label": label, "url": url} for label, url in crumbs or []]
    return {"mfa_ok": actor.mfa_verified, "breadcrumbs": trail, **values}


def state_choices(empty_label: str) -> list[tuple[str, str]]:
    """Member states for a select: "Germany (DE)" in the reader's language, sorted as they sort."""
    labelled = [
        (s.code, f"{l10n.country_name(s.code, s.name)} ({s.code})")
        for s in governance_selectors.member_state_list().only(
            "code", "name_en", "name_de", "name_fr"
        )
    ]
    return [("", empty_label), *l10n.sorted_by_name(labelled, lambda choice: choice[1])]
