"""Template filters for governance objects shown in the reader's language."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import translation

register = template.Library()


@register.filter
def motion_title(motion: Any) -> str:
    """The motion's title in the reader's language where the secretariat gave one, else as filed."""
    translations = getattr(motion, "title_translations", None) or {}
    lang = (translation.get_language() or "en").split("-")[0]
    return str(translations.get(lang) or motion.title)
