"""allauth's second-factor forms, with wrong codes counted against the account (django-axes)."""

from __future__ import annotations

from allauth.core import context
from allauth.mfa.base import forms as mfa_forms
from django import forms
from django.utils.translation import gettext as _

from core.lockout import account_locked, record_failure


class _CountsFailures(mfa_forms.BaseAuthenticateForm):
    def clean_code(self) -> str:
        request = context.request
        if account_locked(request, self.user):
            raise forms.ValidationError(
                _(
                    "Too many wrong passwords or codes: this account is locked for now. Try again later."
                )
            )
        try:
            return super().clean_code()
        except forms.ValidationError:
            record_failure(request, self.user)
            raise


class AuthenticateForm(_CountsFailures, mfa_forms.AuthenticateForm):
    """The code asked for after the password."""


class ReauthenticateForm(_CountsFailures, mfa_forms.ReauthenticateForm):
    """The code asked for again before a weighty action (MFA_FRESH_SECONDS)."""
