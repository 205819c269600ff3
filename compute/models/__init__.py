"""Compute models, one module per topic; import them from here."""

from compute.models.quotas import (
    SLURM_NAME,
    AllocationPeriod,
    AllocationRefusal,
    AllocationStatus,
    Cluster,
    ClusterGpuType,
    ComputeFreeze,
    NationalQuota,
    ProjectAllocation,
    ProjectMember,
)
from compute.models.sync import SyncRun, SyncStatus
from compute.models.usage import JobUsage, QuotaNotice, UsageDay

__all__ = [
    "SLURM_NAME",
    "AllocationPeriod",
    "AllocationRefusal",
    "AllocationStatus",
    "Cluster",
    "ClusterGpuType",
    "ComputeFreeze",
    "JobUsage",
    "NationalQuota",
    "ProjectAllocation",
    "ProjectMember",
    "QuotaNotice",
    "SyncRun",
    "SyncStatus",
    "UsageDay",
]
