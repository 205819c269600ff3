"""The values governance states its facts in (statuses, kinds, outcomes, roles), for other apps.

Other apps compare with these (``motion.outcome == MotionOutcome.ADOPTED``) without importing
``governance.models``, which only governance imports (ARCHITECTURE.md: across apps, reads go
through selectors; an import-linter contract checks it). The classes stay defined beside the
fields they constrain; this module only names them for the apps above.
"""

from governance.models import (
    BallotChoice,
    DelegateRole,
    EscalationStatus,
    MemberStatus,
    MotionKind,
    MotionOutcome,
    MotionStatus,
    ProjectStatus,
    SafetyMeasure,
    Severity,
    StaffRoleKind,
)

__all__ = [
    "BallotChoice",
    "DelegateRole",
    "EscalationStatus",
    "MemberStatus",
    "MotionKind",
    "MotionOutcome",
    "MotionStatus",
    "ProjectStatus",
    "SafetyMeasure",
    "Severity",
    "StaffRoleKind",
]
