"""What governance tells the other apps; they subscribe in their AppConfig.ready()."""

from django.dispatch import Signal

# Sent on commit when a council's decision is certified.
# Arguments: motion_id (int), kind (str), outcome (str), project_id (int | None),
# gpu_hours (int | None), council_code (str).
decision_certified = Signal()

# Sent on commit when projects' compute must stop (an interim freeze, a freeze, suspension or
# termination) or may resume (an unfreeze, a lapsed freeze, a reopening). compute subscribes.
# Arguments: project_ids (list[int]), reason (str), reference (str: the escalation or motion),
# authority (str: "interim" for the chair's order and its lapse, "decision" for a certified vote)
# and, for a freeze, ordered_by (str: the chair's user name, or the council that decided).
compute_freeze_ordered = Signal()
compute_unfreeze_ordered = Signal()
