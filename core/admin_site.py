"""The staff admin, open only to staff who signed in with a second factor in this session."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import admin
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
        # A staff member already signed in without one must sign in again with it.
        next_url = request.GET.get("next") or reverse("admin:index")
        query = urlencode({"next": next_url})
        return HttpResponseRedirect(f"{reverse('account_login')}?{query}")
