"""The staff admin, open only to staff who signed in with a second factor in this session."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.actors import session_passed_mfa


class ConcordiaAdminSite(admin.AdminSite):
    site_header = _("Concordia staff administration")
    site_title = _("Concordia staff")
    index_title = _("Staff administration")

    def has_permission(self, request: HttpRequest) -> bool:
        user: Any = request.user
        return bool(user.is_active and user.is_staff and session_passed_mfa(request, user))

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
        # Signed in with the password only: confirm with the code, then come back.
        return HttpResponseRedirect(f"{reverse('mfa_reauthenticate')}?{query}")
