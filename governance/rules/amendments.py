"""Amending a motion's text by lines: numbering, applying changes, the diff to show. Pure.

A change replaces lines ``line_from``..``line_to`` (1-based, inclusive) of the text it was
proposed against by new text (nothing: the lines are deleted). Changes are applied from the
last line upward, so that each keeps pointing at the lines it was written for; two adopted
changes that touch the same line cannot both be applied and are refused by name.
"""

from __future__ import annotations

import difflib
import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import dataclass


class AmendmentError(ValueError):
    """A change that cannot be applied; ``number`` names it."""

    def __init__(self, message: str, number: int | None = None) -> None:
        super().__init__(message)
        self.number = number


@dataclass(frozen=True)
class Change:
    number: int
    line_from: int
    line_to: int
    new_text: str


def lines_of(text: str) -> list[str]:
    """The text's lines as the line numbers count them (no trailing empty line)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def numbered(text: str) -> list[tuple[int, str]]:
    return list(enumerate(lines_of(text), start=1))


def text_sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_change(text: str, change: Change) -> None:
    count = len(lines_of(text))
    if not 1 <= change.line_from <= change.line_to <= count:
        raise AmendmentError(
            f"lines {change.line_from}-{change.line_to} are not lines of a text of {count}",
            change.number,
        )


def apply(text: str, changes: Sequence[Change]) -> str:
    """The text with every change applied; overlapping changes are refused."""
    ordered = sorted(changes, key=lambda c: (c.line_from, c.line_to))
    for change in ordered:
        check_change(text, change)
    for earlier, later in itertools.pairwise(ordered):
        if later.line_from <= earlier.line_to:
            raise AmendmentError(
                f"changes {earlier.number} and {later.number} touch the same lines",
                later.number,
            )
    lines = lines_of(text)
    for change in reversed(ordered):
        replacement = lines_of(change.new_text) if change.new_text else []
        lines[change.line_from - 1 : change.line_to] = replacement
    return "\n".join(lines)


@dataclass(frozen=True)
class DiffLine:
    """One line of a diff: ``op`` is ' ' (kept), '-' (removed) or '+' (added)."""

    op: str
    old_number: int | None
    new_number: int | None
    text: str


def diff(old: str, new: str) -> list[DiffLine]:
    """Line by line, what changed from ``old`` to ``new`` (difflib's longest matching blocks)."""
    a, b = lines_of(old), lines_of(new)
    out: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += [DiffLine(" ", i1 + k + 1, j1 + k + 1, a[i1 + k]) for k in range(i2 - i1)]
            continue
        out += [DiffLine("-", i + 1, None, a[i]) for i in range(i1, i2)]
        out += [DiffLine("+", None, j + 1, b[j]) for j in range(j1, j2)]
    return out


def change_diff(text: str, change: Change, context: int = 1) -> list[DiffLine]:
    """The diff of one change with ``context`` unchanged lines around it."""
    check_change(text, change)
    lines = diff(text, apply(text, [change]))
    changed = [i for i, line in enumerate(lines) if line.op != " "]
    if not changed:
        return []
    first, last = max(changed[0] - context, 0), min(changed[-1] + context, len(lines) - 1)
    return lines[first : last + 1]
