"""Questions governance asks the apps above it, answered through lookups they register.

Governance imports no app above it; an app that keeps facts governance needs registers a lookup
here from its ``AppConfig.ready()``, the way it subscribes to governance's signals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from core.models import User

# Given a person, the ids of the research projects they take part in (beyond leading them).
ProjectMembershipLookup = Callable[[User], Iterable[int]]

_project_membership: dict[str, ProjectMembershipLookup] = {}


def register_project_membership(name: str, lookup: ProjectMembershipLookup) -> None:
    """Register (or replace, under the same name) a source of project memberships."""
    _project_membership[name] = lookup


def project_ids_of_member(user: User) -> set[int]:
    """Every project the person is a member of, as all registered sources know it."""
    ids: set[int] = set()
    for lookup in _project_membership.values():
        ids.update(lookup(user))
    return ids


def project_membership_sources() -> list[str]:
    """The names of the registered sources (for tests and for saying what is checked)."""
    return sorted(_project_membership)
