"""Compute models, one module per topic; import them from here."""

from compute.models.logins import LOGIN_NAME, ClusterLogin, LoginSource
from compute.models.quotas import (
    SAFETY_AUTHORITIES,
    SLURM_NAME,
    AllocationPeriod,
    AllocationRefusal,
    AllocationStatus,
    Cluster,
    ClusterGpuType,
    ComputeFreeze,
    FreezeAuthority,
    NationalQuota,
    ProjectAllocation,
    ProjectMember,
)
from compute.models.sync import SyncRun, SyncStatus
from compute.models.usage import JobUsage, QuotaNotice, UsageDay

__all__ = [
    "LOGIN_NAME",
    "SAFETY_AUTHORITIES",
    "SLURM_NAME",
    "AllocationPeriod",
    "AllocationRefusal",
    "AllocationStatus",
    "Cluster",
    "ClusterGpuType",
    "ClusterLogin",
    "ComputeFreeze",
    "FreezeAuthority",
    "JobUsage",
    "LoginSource",
    "NationalQuota",
    "ProjectAllocation",
    "ProjectMember",
    "QuotaNotice",
    "SyncRun",
    "SyncStatus",
    "UsageDay",
]
