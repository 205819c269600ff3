"""Writes of the shared kernel: users and API tokens."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record, changed, snapshot
from core.authentication import token_digest
from core.errors import NotAllowed, NotFound, ValidationFailed
from core.models import ApiToken, User
from core.timezones import is_valid_zone

TOKEN_LIFETIME = dt.timedelta(days=90)


@transaction.atomic
def user_create(
    *,
    actor: Actor,
    username: str,
    email: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    preferred_language: str = "en",
    password_hash: str | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
) -> User:
    """Create a person's account (no self sign-up: the secretariat creates accounts).

    `password_hash` takes an already hashed password (demo data hashes one for all).
    """
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationFailed(f"The username {username!r} is taken.", field="username")
    user = User(
        username=username,
        email=email,
        first_name=first_name,
        last_name=last_name,
        preferred_language=preferred_language,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
    )
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(
        actor=actor,
        action="user.create",
        target=user,
        after=snapshot(
            user, ["username", "email", "first_name", "last_name", "is_staff", "is_superuser"]
        ),
    )
    return user


@transaction.atomic
def api_token_create(*, actor: Actor, name: str) -> tuple[ApiToken, str]:
    """Issue a token for the actor; the key is returned once and only its hash is kept."""
    if actor.user is None:
        raise NotAllowed("Only a signed-in person can create an API token.")
    name = name.strip()
    if not name:
        raise ValidationFailed(
            "Give the token a name, e.g. the script that will use it.", field="name"
        )
    key = f"cnc_{secrets.token_urlsafe(32)}"
    now = timezone.now()
    token = ApiToken.objects.create(
        user=actor.user,
        name=name[:100],
        prefix=key[:12],
        key_sha256=token_digest(key),
        mfa_verified=actor.mfa_verified,
        created_at=now,
        expires_at=now + TOKEN_LIFETIME,
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        target=token,
        after=snapshot(token, ["name", "prefix", "mfa_verified", "expires_at"]),
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens; revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().filter(pk=token_id, user=actor.user).first()
    if token is None:
        raise NotFound("No such token among yours.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="api_token.revoke",
            target=token,
            before={"revoked_at": None},
            after=snapshot(token, ["revoked_at"]),
        )
    return token


@transaction.atomic
def user_save_from_admin(*, actor: Actor, user: User, created: bool) -> User:
    """Save a user edited on the staff screens, recording what changed."""
    fields = [
        "username",
        "email",
        "first_name",
        "last_name",
        "is_active",
        "is_staff",
        "is_superuser",
        "preferred_language",
        "time_zone",
    ]
    before = {} if created else snapshot(User.objects.select_for_update().get(pk=user.pk), fields)
    user.save()
    after = snapshot(user, fields)
    if created:
        audit_record(actor=actor, action="user.create", target=user, after=after)
    else:
        old, new = changed(before, after)
        if old or new:
            audit_record(actor=actor, action="user.update", target=user, before=old, after=new)
    return user


@transaction.atomic
def user_deactivate(*, actor: Actor, user: User) -> User:
    """Deactivate an account: the person can no longer sign in, and their record stays."""
    locked = User.objects.select_for_update().get(pk=user.pk)
    if locked.is_active:
        locked.is_active = False
        locked.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="user.deactivate",
            target=locked,
            before={"is_active": True},
            after={"is_active": False},
        )
    return locked


@transaction.atomic
def user_totp_activate(*, actor: Actor, user: User, secret: str) -> None:
    """Give a user a TOTP authenticator with a known secret (demo accounts only)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP

    if Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        return
    TOTP.activate(user, secret)
    audit_record(actor=actor, action="user.totp_activate", target=user, after={"type": "totp"})


@transaction.atomic
def user_time_zone_set(*, actor: Actor, time_zone: str) -> User:
    """Set the zone the actor reads times in; the facility's zone (TIME_ZONE) is stored as ''.

    A person sets only their own preference. Setting the same zone again writes nothing.
    """
    if actor.user is None:
        raise NotAllowed(_("Only a signed-in person has a time-zone preference."))
    name = (time_zone or "").strip()
    if name and not is_valid_zone(name):
        raise ValidationFailed(
            _("%(zone)s is not a time zone. Choose one from the list, e.g. Europe/Berlin.")
            % {"zone": name[:64]},
            field="time_zone",
        )
    stored = "" if name == settings.TIME_ZONE else name
    user = User.objects.select_for_update().get(pk=actor.user.pk)
    if user.time_zone != stored:
        before = {"time_zone": user.time_zone}
        user.time_zone = stored
        user.save(update_fields=["time_zone"])
        audit_record(
            actor=actor,
            action="user.time_zone",
            target=user,
            before=before,
            after={"time_zone": stored},
        )
    return user
