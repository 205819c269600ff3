"""Secret ballots that even the operator cannot open, and that anyone can still recount.

The cryptographic layer of issue 16, pure Python with no Django, so that
`python -m transparency.recompute` can verify a secret vote offline. Group: ristretto255
(RFC 9496) through the system's libsodium; proofs and protocol after ElectionGuard 2.0
(sections cited in each module), Helios v4 and Belenios. The browser's side is
`static/js/ballot-crypto.js`, byte for byte the same encodings (cross-tested in
tests/governance/test_ballotcrypto_cross.py).

- `elgamal`: exponential ElGamal, homomorphic sums and weights, the small discrete log;
- `proofs`: Schnorr, Chaum-Pedersen and disjunctive proofs with Fiat-Shamir;
- `ballot`: encrypted ballots (yes / no / abstain), `verify_ballot`, the tracker;
- `tally`: the encrypted (weighted) totals at close;
- `threshold`: trustees' keys (t of n, Feldman commitments), shares, partial decryptions,
  `verify_partial_decryption`, `combine`;
- `keyfile`: a trustee's passphrase-protected private file;
- `encoding`: canonical JSON and domain-separated hashing.

The verifiers return lists of `Problem` (empty: fine) and never raise on hostile input.
"""

from governance.ballotcrypto.ballot import (
    OPTIONS,
    Ballot,
    encrypt_ballot,
    tracker,
    verify_ballot,
)
from governance.ballotcrypto.problems import Problem
from governance.ballotcrypto.tally import Tally, tally_ballots
from governance.ballotcrypto.threshold import (
    CombineResult,
    TrusteeKey,
    TrusteeSecret,
    combine,
    joint_public_key,
    partial_decrypt,
    receive_shares,
    share_for,
    trustee_generate,
    verify_partial_decryption,
    verify_trustee_key,
    verify_trustee_keys,
)

__all__ = [
    "OPTIONS",
    "Ballot",
    "CombineResult",
    "Problem",
    "Tally",
    "TrusteeKey",
    "TrusteeSecret",
    "combine",
    "encrypt_ballot",
    "joint_public_key",
    "partial_decrypt",
    "receive_shares",
    "share_for",
    "tally_ballots",
    "tracker",
    "trustee_generate",
    "verify_ballot",
    "verify_partial_decryption",
    "verify_trustee_key",
    "verify_trustee_keys",
]
