"""The staff admin, open only to staff whose second factor in this session is fresh."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import update_wrapper
from typing import Any, TypeVar, cast
from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.actors import session_mfa_at
from core.middleware import ask_for_fresh_code

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def _fresh(request: HttpRequest, user: Any) -> bool:
    passed_at = session_mfa_at(request, user)
    return passed_at is not None and time.time() - passed_at < settings.MFA_FRESH_SECONDS


class ConcordiaAdminSite(admin.AdminSite):
    site_header = _("Concordia staff administration")
    site_title = _("Concordia staff")
    index_title = _("Staff administration")

    def has_permission(self, request: HttpRequest) -> bool:
        # The admin reads and writes raw rows: every request needs a second factor passed within
        # MFA_FRESH_SECONDS, not merely once in a session that may be weeks old.
        user: Any = request.user
        return bool(user.is_active and user.is_staff and _fresh(request, user))

    def admin_view(self, view: View, cacheable: bool = False) -> View:
        inner = super().admin_view(view, cacheable)

        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user: Any = request.user
            stale = (
                user.is_active
                and user.is_staff
                and session_mfa_at(request, user) is not None
                and not _fresh(request, user)
                and request.path != reverse("admin:logout", current_app=self.name)
            )
            if stale:
                # A POST (add, change, delete, action) is kept and replayed after the code.
                return ask_for_fresh_code(request)
            return inner(request, *args, **kwargs)

        return cast("View", update_wrapper(wrapper, view))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in for the whole platform: allauth's, which asks for the second factor.
        next_url = request.GET.get("next") or reverse("admin:index")
        query = urlencode({"next": next_url})
        user: Any = request.user
        if not user.is_authenticated:
            return HttpResponseRedirect(f"{reverse('account_login')}?{query}")
        if not user.is_staff:
            raise PermissionDenied
        if not is_mfa_enabled(user):
            messages.warning(
                request, _("The staff administration needs a second factor: set one up first.")
            )
            return HttpResponseRedirect(reverse("mfa_index"))
        # Signed in with the password only, or the code is too old: confirm it, then come back.
        return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
