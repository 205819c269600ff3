"""What the page header needs to know about the viewer's roles (one query per page)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from governance import selectors


def nav(request: HttpRequest) -> dict[str, Any]:
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_roles": frozenset()}
    roles = set(selectors.staff_roles_for_user(user=user).values_list("role", flat=True))
    if user.is_superuser:
        roles |= {"council_secretary", "finance_officer", "safety_officer", "compute_operator"}
    return {"nav_roles": frozenset(roles)}
