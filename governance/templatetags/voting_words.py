"""Voting rules and counted votes in the reader's language (see governance.wording)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django import template

from governance import wording

register = template.Library()


@register.simple_tag
def tally_words(
    tally: Mapping[str, Any] | None, roll_call: Sequence[Mapping[str, Any]] | None = None
) -> wording.TallyWords | None:
    """{% tally_words tally roll_call as words %}: the stored tally ready for a page."""
    return wording.tally_words(tally, roll_call or None)


@register.filter
def tally_lead(tally: Mapping[str, Any] | None) -> str:
    """{{ tally|tally_lead }}: the outcome and what decided it, in one sentence."""
    return wording.lead(tally)
