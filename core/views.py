"""Pages of the shell: the home page and the error pages (JSON under /api/)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.api import error_body


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
