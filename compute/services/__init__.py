"""Every write in compute; one module per topic, all re-exported here."""

from compute.services.logins import cluster_login_set
from compute.services.projects import (
    freeze_push,
    project_compute_freeze,
    project_compute_unfreeze,
    project_member_add,
    project_member_remove,
    project_safety_freeze,
    project_safety_unfreeze,
    safety_freeze_message,
)
from compute.services.quotas import (
    allocation_create,
    allocation_end,
    allocation_from_decision,
    cluster_create,
    period_create,
    period_split,
)
from compute.services.sync import drift, sync_run, sync_schedule
from compute.services.usage import (
    IngestResult,
    usage_ingest,
    usage_ingest_window,
    usage_policy_apply,
)

__all__ = [
    "IngestResult",
    "allocation_create",
    "allocation_end",
    "allocation_from_decision",
    "cluster_create",
    "cluster_login_set",
    "drift",
    "freeze_push",
    "period_create",
    "period_split",
    "project_compute_freeze",
    "project_compute_unfreeze",
    "project_member_add",
    "project_member_remove",
    "project_safety_freeze",
    "project_safety_unfreeze",
    "safety_freeze_message",
    "sync_run",
    "sync_schedule",
    "usage_ingest",
    "usage_ingest_window",
    "usage_policy_apply",
]
