"""Reading Slurm's tree from its nested-set bounds (the fast `show assoc WOPInfo` read)."""

from __future__ import annotations

from compute.backends.base import parse_nested_associations
from compute.reconcile import Association


def test_each_account_gets_the_nearest_enclosing_account_as_its_parent():
    """root > de > (p1 with user u1, p2), fr: parents come from the lft/rgt intervals."""
    # given the rows as `show assoc WOPInfo format=Account,User,Lft,Rgt,...` prints them, unsorted
    text = "\n".join(
        [
            "p1|u1|4|5|||",
            "root||1|14|||",
            "de||2|9|gres/gpu=100||",
            "p1||3|6|gres/gpu=10|0|0",
            "p2||7|8|||",
            "fr||10|11|||",
            "root|root|12|13|||",
        ]
    )
    # when they are parsed
    rows = parse_nested_associations(text)
    # then every account has its parent, user rows none, limits as printed
    assert rows is not None
    assert {(r.account, r.user): r.parent for r in rows} == {
        ("root", ""): "",
        ("de", ""): "root",
        ("p1", ""): "de",
        ("p1", "u1"): "",
        ("p2", ""): "de",
        ("fr", ""): "root",
        ("root", "root"): "",
    }
    assert Association("p1", "de", "", 10, 0, 0) in rows
    assert Association("de", "root", "", 100, None, None) in rows


def test_a_slurm_without_lft_rgt_asks_for_the_parent_names_instead():
    """Rows without bounds (a newer Slurm) give None, so the backend reads ParentName."""
    # given a row whose Lft/Rgt are empty
    text = "root||||||\nde||||gres/gpu=100||"
    # when parsed / then the caller is told to fall back
    assert parse_nested_associations(text) is None
