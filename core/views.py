"""Pages of the shell: the home page, a person's preferences and the error pages (JSON under /api/)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import services
from core.actors import Actor
from core.api import error_body
from core.errors import DomainError
from core.timezones import choosable_zones
from core.uswds import UswdsFormMixin


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_403(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("permission_denied", _("Not allowed.")), status=403)
    return render(request, "errors/403.html", status=403)


def error_404(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return render(request, "errors/404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            error_body("server_error", _("Something went wrong on our side; nothing was saved.")),
            status=500,
        )
    # No context processors beyond the request: the failure may lie in any of them.
    return render(request, "errors/500.html", status=500)


def error_400(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(error_body("bad_request", _("The request is not valid.")), status=400)
    return render(request, "errors/400.html", status=400)


def _zone_label(name: str, now: dt.datetime) -> str:
    offset = now.astimezone(zoneinfo.ZoneInfo(name)).strftime("%z")
    return f"{name.replace('_', ' ')} (UTC{offset[:3]}:{offset[3:]})"


def _zone_choices() -> list[tuple[str, Any]]:
    """The zones grouped by region ("Europe", "America", …), each with its UTC offset now."""
    now = timezone.now()
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in choosable_zones():
        groups.setdefault(name.split("/")[0], []).append((name, _zone_label(name, now)))
    return list(groups.items())


class TimeZoneForm(UswdsFormMixin, forms.Form):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Show times in"),
        help_text=gettext_lazy(
            "Every time on these pages is shown in this zone, with the zone written after it."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _zone_choices()  # type: ignore[attr-defined]


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """A signed-in person's own preferences: the time zone they read times in."""
    user: Any = request.user
    current = user.time_zone or settings.TIME_ZONE
    form = TimeZoneForm(request.POST or None, initial={"time_zone": current})
    if request.method == "POST" and form.is_valid():
        try:
            services.user_time_zone_set(
                actor=Actor.from_request(request), time_zone=form.cleaned_data["time_zone"]
            )
        except DomainError as exc:
            form.add_error("time_zone" if exc.field == "time_zone" else None, exc.message)
        else:
            messages.success(
                request,
                _("Times are now shown in %(zone)s.")
                % {"zone": form.cleaned_data["time_zone"].replace("_", " ")},
            )
            return HttpResponseRedirect(reverse("preferences"))
    return render(
        request,
        "account/preferences.html",
        {
            "form": form,
            "current_zone": current,
            "facility_zone": settings.TIME_ZONE,
            "now": timezone.now(),
            "breadcrumbs": [
                {"label": _("Home"), "url": reverse("home")},
                {"label": _("Preferences")},
            ],
        },
    )
