"""allauth adapter: accounts are created by the secretariat, never by sign-up."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest


class ClosedSignupAdapter(DefaultAccountAdapter):
    """Turns public sign-up off; delegates are accredited, not self-registered."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        return False
