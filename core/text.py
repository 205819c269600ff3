"""Which characters text input may carry: shared by the edge guard and the importers."""

from __future__ import annotations

import re

# C0 controls and DEL; tab, line feed and carriage return are ordinary in free text.
CONTROL_IN_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# In a path, a query parameter, a code or a name not even those.
CONTROL_IN_LOOKUP = re.compile(r"[\x00-\x1f\x7f]")


def first_control_character(text: str, *, lookup: bool = False) -> int | None:
    """The 0-based position of the first control character in `text`, or None."""
    found = (CONTROL_IN_LOOKUP if lookup else CONTROL_IN_TEXT).search(text)
    return found.start() if found else None
