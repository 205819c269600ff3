"""Certification dispatches each kind of decision to the handler its owning service registers."""

from __future__ import annotations

import pytest

from governance import decisions
from governance.models import MotionKind


def test_each_decision_with_a_consequence_has_its_owning_services_handler():
    """Project approvals are carried out by the projects service, safety votes by the safety one."""
    # given: the app is loaded (its ready() imports the services, which register)
    # when
    kinds = decisions.decision_kinds()
    # then
    assert kinds == {
        MotionKind.PROJECT_APPROVAL: "governance.services.projects.project_approval_carry_out",
        MotionKind.SAFETY_ESCALATION: "governance.services.safety.carry_out",
    }


def test_a_second_handler_for_the_same_kind_is_refused():
    """A kind has one consequence: registering another handler for it fails loudly."""

    # given
    def other(*, actor, motion) -> None:
        raise AssertionError("never called")

    # when / then
    with pytest.raises(RuntimeError, match="already have a decision handler"):
        decisions.decision_handler(MotionKind.SAFETY_ESCALATION)(other)
    assert decisions.decision_kinds()[MotionKind.SAFETY_ESCALATION] == (
        "governance.services.safety.carry_out"
    )
