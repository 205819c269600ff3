"""Every write in governance; one module per topic, all re-exported here."""

from governance.services.attendance import attendance_check_in, attendance_mark
from governance.services.ballots import ballot_cast
from governance.services.casting_vote import casting_vote_give
from governance.services.decision_log import (
    statement_record,
    tree_head_sign,
    tree_head_timestamp,
)
from governance.services.delegations import (
    contribution_shares_set,
    proxy_grant,
    proxy_revoke,
    recusal_declare,
    voting_rights_restore,
    voting_rights_suspend,
)
from governance.services.membership import (
    COUNCIL_FIELDS,
    MEMBER_STATE_FIELDS,
    accreditation_approve,
    accreditation_end,
    accreditation_expiry_notify,
    accreditation_grant,
    council_chair_set,
    council_create,
    council_update,
    member_state_create,
    member_state_update,
    seat_end,
    seat_grant,
    staff_role_grant,
)
from governance.services.motions import (
    motion_create,
    motion_document_add,
    motion_table,
    motion_update,
    motion_withdraw,
    rule_policy_set,
)
from governance.services.programmes import (
    programme_create,
    programme_key_set,
    programme_update,
)
from governance.services.projects import project_status_change, project_submit
from governance.services.reminders import vote_reminders_send
from governance.services.safety import (
    escalation_raise,
    escalation_read_confidential,
    interim_freeze_order,
    interim_freezes_lapse,
    safety_motion_create,
    safety_reviews_remind,
)
from governance.services.voting import (
    motion_certify,
    motion_close,
    motion_open,
    motion_publish,
    motions_advance,
)

__all__ = [
    "COUNCIL_FIELDS",
    "MEMBER_STATE_FIELDS",
    "accreditation_approve",
    "accreditation_end",
    "accreditation_expiry_notify",
    "accreditation_grant",
    "attendance_check_in",
    "attendance_mark",
    "ballot_cast",
    "casting_vote_give",
    "contribution_shares_set",
    "council_chair_set",
    "council_create",
    "council_update",
    "escalation_raise",
    "escalation_read_confidential",
    "interim_freeze_order",
    "interim_freezes_lapse",
    "member_state_create",
    "member_state_update",
    "motion_certify",
    "motion_close",
    "motion_create",
    "motion_document_add",
    "motion_open",
    "motion_publish",
    "motion_table",
    "motion_update",
    "motion_withdraw",
    "motions_advance",
    "programme_create",
    "programme_key_set",
    "programme_update",
    "project_status_change",
    "project_submit",
    "proxy_grant",
    "proxy_revoke",
    "recusal_declare",
    "rule_policy_set",
    "safety_motion_create",
    "safety_reviews_remind",
    "seat_end",
    "seat_grant",
    "staff_role_grant",
    "statement_record",
    "tree_head_sign",
    "tree_head_timestamp",
    "vote_reminders_send",
    "voting_rights_restore",
    "voting_rights_suspend",
]
