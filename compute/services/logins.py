"""Setting a person's cluster login."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compute import permissions
from compute.models import LOGIN_NAME, Cluster, ClusterLogin, LoginSource
from compute.services.sync import sync_schedule
from core.actors import Actor
from core.audit import audit_record
from core.errors import Conflict, ValidationFailed
from core.models import User


@transaction.atomic
def cluster_login_set(
    *, actor: Actor, user: User, login: str, source: str = LoginSource.OPERATOR
) -> ClusterLogin:
    """Give a person their login on the clusters (an operator, or the directory import).

    It must be a valid user name for Slurm and Unix, and nobody else's; the next sync moves
    their associations to it.
    """
    permissions.check_operate(actor)
    login = login.strip()
    if not re.fullmatch(LOGIN_NAME, login):
        raise ValidationFailed(
            _(
                "A cluster login is 1 to 32 characters: lower-case letters, digits, dot, "
                "underscore or dash, beginning with a letter or an underscore."
            ),
            field="login",
        )
    if source not in LoginSource.values:
        raise ValidationFailed(_("Unknown source."), field="source")
    holder = ClusterLogin.objects.filter(login=login).exclude(user=user).first()
    if holder is not None or (
        User.objects.filter(username__iexact=login).exclude(pk=user.pk).exists()
        and not ClusterLogin.objects.filter(user__username__iexact=login).exists()
    ):
        raise Conflict(
            _("The cluster login %(login)s belongs to someone else.") % {"login": login},
            field="login",
        )
    row = ClusterLogin.objects.select_for_update().filter(user=user).first()
    before = {"login": row.login, "source": row.source} if row else {}
    if row is None:
        row = ClusterLogin(user=user)
    row.login, row.source = login, source
    row.set_by, row.set_at = actor.label[:200], timezone.now()
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError as exc:  # a concurrent claim of the same login
        raise Conflict(
            _("The cluster login %(login)s belongs to someone else.") % {"login": login},
            field="login",
        ) from exc
    audit_record(
        actor=actor,
        action="compute.cluster_login_set",
        target=row,
        before=before,
        after={"user": user.username, "login": login, "source": source},
    )
    for cluster_id in Cluster.objects.values_list("pk", flat=True):
        sync_schedule(cluster_id=cluster_id)
    return row
