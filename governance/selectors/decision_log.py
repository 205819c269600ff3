"""Reads of the public decision log (governance.services.decision_log writes it)."""

from __future__ import annotations

from django.db.models import QuerySet

from governance.models.decision_log import DecisionStatement, TreeHead


def decision_statements() -> QuerySet[DecisionStatement]:
    """Every signed decision statement, in log order, with its motion."""
    return DecisionStatement.objects.select_related("motion").order_by("index")


def decision_log_leaf_hashes(tree_size: int | None = None) -> list[bytes]:
    """The log's leaf hashes in order; the first `tree_size` of them if given."""
    qs = DecisionStatement.objects.order_by("index").values_list("leaf_hash", flat=True)
    if tree_size is not None:
        qs = qs[:tree_size]
    return [bytes.fromhex(h) for h in qs]


def tree_head_latest() -> TreeHead | None:
    """The most recently signed tree head."""
    return TreeHead.objects.order_by("-signed_at", "-id").first()


def tree_head_of_size(tree_size: int) -> TreeHead | None:
    """The latest signed tree head of a given size, if one was signed."""
    return TreeHead.objects.filter(tree_size=tree_size).order_by("-signed_at", "-id").first()


def tree_head_get(tree_head_id: int) -> TreeHead | None:
    return TreeHead.objects.filter(pk=tree_head_id).first()


def tree_heads() -> QuerySet[TreeHead]:
    """Every signed tree head, oldest first."""
    return TreeHead.objects.order_by("signed_at", "id")


def decision_log_key_info() -> dict[str, str]:
    """The key id and PEM public key of the decision log's signatures."""
    from governance.log_keys import key_info

    return key_info()
