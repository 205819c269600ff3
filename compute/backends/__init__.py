"""Scheduler backends: the real Slurm command line, and an in-memory one for tests and the demo."""

from __future__ import annotations

from django.conf import settings

from compute.backends.base import (
    BackendError,
    ClusterIdentity,
    ClusterMismatch,
    Command,
    CommandResult,
    SlurmBackend,
)


def get_backend(name: str | None = None, *, cluster: str | None = None) -> SlurmBackend:
    """The backend chosen by COMPUTE_SLURM_BACKEND ("memory" or "cli"), for ``cluster``.

    On the command line each cluster has its own slurm.conf (COMPUTE_SLURM_CLUSTER_CONFS), so
    its own controller answers; the in-memory store keeps every cluster apart by name.
    """
    name = name or settings.COMPUTE_SLURM_BACKEND
    if name == "memory":
        from compute.backends.memory import instance

        return instance()
    if name == "cli":
        from compute.backends.cli import CliBackend

        confs = settings.COMPUTE_SLURM_CLUSTER_CONFS
        return CliBackend(conf=confs.get(cluster, "") if cluster else "")
    raise ValueError(f"Unknown COMPUTE_SLURM_BACKEND {name!r}; use 'memory' or 'cli'.")


__all__ = [
    "BackendError",
    "ClusterIdentity",
    "ClusterMismatch",
    "Command",
    "CommandResult",
    "SlurmBackend",
    "get_backend",
]
