"""Validators for text a person types: names and titles that read as what they are, bounded texts.

One validator, :func:`validate_name`, is used by every name and title field (models, serializers,
forms): a name made of invisible characters, or one that reorders the text around it with a
bidirectional override, would show one thing on a page and another in a CSV or a signed record.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils.translation import gettext as _

from core.errors import ValidationFailed

# Bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO; LRI, RLI, FSI, PDI).
BIDI_CONTROLS = frozenset(chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))

# The limits of the long texts (characters); a name or title has its column's max_length.
MOTION_TEXT_MAX = 100_000
ABSTRACT_MAX = 10_000
NOTE_MAX = 2_000


def validate_name(value: str) -> None:
    """Refuse bidirectional controls, and a name that is empty once invisible characters go."""
    bad = sorted({c for c in value if c in BIDI_CONTROLS})
    if bad:
        raise ValidationError(
            _("Remove the bidirectional control character(s) %(chars)s.")
            % {"chars": ", ".join(f"U+{ord(c):04X}" for c in bad)},
            code="bidi_control",
        )
    # Format characters (zero-width space, joiners, marks, BOM) and spaces show nothing.
    visible = [c for c in value if unicodedata.category(c) not in ("Cf", "Zs", "Zl", "Zp", "Cc")]
    if not visible:
        raise ValidationError(_("Give a name with visible characters."), code="invisible")


def length_at_most(field: str, limit: int, *, name: str) -> models.CheckConstraint:
    """A CheckConstraint keeping a TextField within ``limit`` characters."""
    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)


def max_length(limit: int) -> MaxLengthValidator:
    return MaxLengthValidator(limit)


def clean_or_fail(instance: models.Model, **kwargs: Any) -> None:
    """``full_clean()`` as a 400 that names the first field at fault, for the API and the pages."""
    try:
        instance.full_clean(**kwargs)
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            field, errors = next(iter(exc.error_dict.items()))
            message = " ".join(str(m) for e in errors for m in e.messages)
            raise ValidationFailed(message, field=None if field == "__all__" else field) from exc
        raise ValidationFailed(" ".join(exc.messages)) from exc
