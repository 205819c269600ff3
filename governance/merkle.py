"""The decision log's Merkle tree: hashes, inclusion and consistency proofs (RFC 9162, § 2.1).

Pure code (hashlib only), so that `python -m transparency.recompute` and anyone else can check
a proof without Django. The tree is the one Certificate Transparency uses:

    leaf hash  = SHA-256(0x00 || leaf bytes)
    node hash  = SHA-256(0x01 || left || right)
    MTH({})    = SHA-256("")
    MTH(D[n])  = node(MTH(D[0:k]), MTH(D[k:n])), k the largest power of two below n

A log only grows: a tree head of size m is consistent with a later one of size n when the first
m leaves are unchanged, which a consistency proof shows with O(log n) hashes. Whoever kept an
earlier signed tree head therefore notices any rewrite of a decision logged before it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence


class ProofError(ValueError):
    """A proof that does not check out, with what was wrong."""


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes already computed with `leaf_hash`."""
    n = len(leaf_hashes)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaf_hashes[0]
    # Bottom-up: pair neighbours; an odd node at the end is carried up unchanged, which gives
    # the same tree as the recursive definition's split at the largest power of two.
    level = list(leaf_hashes)
    while len(level) > 1:
        nxt = [node_hash(level[i], level[i + 1]) for i in range(0, len(level) - 1, 2)]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
    return level[0]


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the sibling hashes from leaf `index` up to the root."""
    n = len(leaf_hashes)
    if not 0 <= index < n:
        raise ProofError(f"leaf {index} is not in a tree of {n}")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(index, leaf_hashes[:k]), root(leaf_hashes[k:])]
    return [*inclusion_proof(index - k, leaf_hashes[k:]), root(leaf_hashes[:k])]


def consistency_proof(m: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]): what shows that the first m leaves of D[n] are the tree of size m."""
    n = len(leaf_hashes)
    if not 0 < m <= n:
        raise ProofError(f"no consistency proof from size {m} to size {n}")
    return _subproof(m, leaf_hashes, True)


def _subproof(m: int, leaves: Sequence[bytes], complete: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], complete), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> None:
    """Check that `leaf` (a leaf hash) is leaf `index` of the tree of `size` with `expected_root`."""
    if not 0 <= index < size:
        raise ProofError(f"leaf {index} is not in a tree of {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise ProofError("the inclusion proof is longer than the tree is deep")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the inclusion proof is shorter than the tree is deep")
    if r != expected_root:
        raise ProofError("the leaf and its proof do not lead to the tree head's root")


def verify_consistency(
    first_size: int, second_size: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of `first_size` is the start of the tree of `second_size`."""
    if not 0 < first_size <= second_size:
        raise ProofError(f"a log of {first_size} cannot grow into a log of {second_size}")
    if first_size == second_size:
        if proof:
            raise ProofError("two tree heads of one size need an empty proof")
        if first_root != second_root:
            raise ProofError("two tree heads of the same size have different roots")
        return
    path = list(proof)
    if first_size & (first_size - 1) == 0:  # a power of two: the first root is a node itself
        path.insert(0, first_root)
    if not path:
        raise ProofError("the consistency proof is empty")
    fn, sn = first_size - 1, second_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("the consistency proof is longer than it can be")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the consistency proof is shorter than it must be")
    if fr != first_root:
        raise ProofError(
            "the earlier tree head is not the start of this log: a logged entry changed"
        )
    if sr != second_root:
        raise ProofError("the proof does not lead to the later tree head's root")
