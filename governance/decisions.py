"""What a certified decision changes, one handler per kind of motion, registered here.

Certification (:func:`governance.services.voting.motion_certify`) knows how to certify a count,
not what each kind of decision does: a project approval approves or rejects its project, a
safety vote carries its measure out. The service module that owns that consequence registers
its handler with :func:`decision_handler`, so certification dispatches without importing it and
the voting and safety services never import each other (an import-linter contract keeps it so),
the way Zulip dispatches events to per-type handlers.

A handler runs inside the certifying transaction, after the outcome is stored and before the
``decision_certified`` signal goes out on commit; if it raises, nothing is certified.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol, TypeVar

if TYPE_CHECKING:
    from core.actors import Actor
    from governance.models import Motion


class DecisionHandler(Protocol):
    def __call__(self, *, actor: Actor, motion: Motion) -> object: ...


H = TypeVar("H", bound=DecisionHandler)

_handlers: dict[str, DecisionHandler] = {}


def _name(handler: DecisionHandler) -> str:
    return f"{getattr(handler, '__module__', '?')}.{getattr(handler, '__qualname__', handler)}"


def decision_handler(kind: str) -> Callable[[H], H]:
    """Register the decorated function as what a certified motion of ``kind`` does."""

    def register(handler: H) -> H:
        existing = _handlers.get(kind)
        # One consequence per kind: a second, different handler is a mistake, not an addition.
        if existing is not None and _name(existing) != _name(handler):
            raise RuntimeError(
                f"Motions of kind {kind!r} already have a decision handler: {_name(existing)}."
            )
        _handlers[kind] = handler
        return handler

    return register


def decision_carry_out(*, actor: Actor, motion: Motion) -> None:
    """Carry out a just-certified motion's decision with its kind's handler, if it has one."""
    handler = _handlers.get(motion.kind)
    if handler is not None:
        handler(actor=actor, motion=motion)


def decision_kinds() -> dict[str, str]:
    """Each kind of motion that has a handler, and the handler's dotted name."""
    return {kind: _name(handler) for kind, handler in sorted(_handlers.items())}
