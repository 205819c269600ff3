"""Server-rendered pages of governance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from governance import selectors


@login_required
def my_councils(request: HttpRequest) -> HttpResponse:
    """The signed-in person's accreditations today, and the staff roles they hold."""
    user = request.user
    accreditations = selectors.accreditations_for_user(user=user)  # type: ignore[arg-type]
    staff_roles = selectors.staff_roles_for_user(user=user)  # type: ignore[arg-type]
    return render(
        request,
        "governance/my_councils.html",
        {"accreditations": accreditations, "staff_roles": staff_roles},
    )
