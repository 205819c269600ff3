"""The public append-only log of decisions: signed statements and signed tree heads.

Rows here are copies of what was published; the proof lies in the signatures (made with a key
outside the database) and in the tree heads that outsiders keep. The database refuses to change
or delete them too (a trigger on PostgreSQL), so that an honest mistake cannot.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models.motions import Motion


class DecisionStatement(models.Model):
    """What the platform signed about a vote: the chain head, the electorate hash, the tally.

    One at the close; another when the chair's casting vote settles a tie. The latest statement
    of a motion (highest index) is the one that counts; the earlier one stays in the log.
    """

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="statements")
    # The leaf's position in the log: 0, 1, 2, ... in the order votes closed.
    index = models.PositiveIntegerField(unique=True)
    # The exact canonical JSON that was signed and logged (the leaf's bytes), kept as text so
    # that no JSON column can reorder or reformat it.
    body = models.TextField()
    signature = models.CharField(max_length=200)
    key_id = models.CharField(max_length=64)
    leaf_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("signed decision statement")
        verbose_name_plural = _("signed decision statements")
        ordering = ("index",)

    def __str__(self) -> str:
        return f"#{self.index} {self.motion.reference}"


class TreeHeadReason(models.TextChoices):
    CLOSE = "close", _("after a vote closed")
    DAILY = "daily", _("daily")


class TreeHead(models.Model):
    """A signed statement of the log's size and root hash at a moment."""

    tree_size = models.PositiveIntegerField()
    root_hash = models.CharField(max_length=64)
    signed_at = models.DateTimeField()
    reason = models.CharField(max_length=8, choices=TreeHeadReason.choices)
    body = models.TextField()
    signature = models.CharField(max_length=200)
    key_id = models.CharField(max_length=64)
    # RFC 3161 timestamp token (DER) from the configured authority, when there is one.
    timestamp_token = models.BinaryField(null=True, blank=True, editable=False)
    timestamp_authority = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("signed tree head")
        verbose_name_plural = _("signed tree heads")
        ordering = ("-signed_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(reason__in=TreeHeadReason.values), name="treehead_reason_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"size {self.tree_size} at {self.signed_at:%Y-%m-%d %H:%M}"
