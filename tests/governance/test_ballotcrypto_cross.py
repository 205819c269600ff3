"""The browser's ballot cryptography and Python's agree byte for byte (issue 16).

static/js/ballot-crypto.js runs under node (the project installs it; bin/setup copies noble
into static/vendor): ballots, trustees' keys, shares and partial decryptions made on one side
are verified, opened and combined on the other, and each side names the other's cheats.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.ballotcrypto import (
    OPTIONS,
    combine,
    encoding,
    group,
    keyfile,
    partial_decrypt,
    receive_shares,
    share_for,
    tally_ballots,
    tracker,
    trustee_generate,
    verify_ballot,
    verify_partial_decryption,
    verify_trustee_keys,
)
from governance.ballotcrypto.ballot import Ballot, encrypt_ballot, encrypt_with
from governance.ballotcrypto.threshold import (
    TrusteeKey,
    TrusteeSecret,
    joint_public_key,
    verification_key,
)
from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("ballotcrypto_node.mjs")
VOTE = "SB/2026/003"


def node(*calls: tuple[str, list[Any]]) -> list[Any]:
    """Call functions of ballot-crypto.js under node; one process for the whole batch."""
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not (ROOT / "static/vendor/noble-curves/ed25519.js").exists():
        missing = "static/vendor/noble-curves is missing: run bin/setup"
    if missing:
        if IN_CI:
            pytest.fail(missing)
        pytest.skip(missing)
    payload = json.dumps([{"fn": fn, "args": args} for fn, args in calls])
    done = subprocess.run(
        ["node", str(RUNNER)],
        input=payload,
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def codes(problems: list[Any]) -> set[tuple[str, str]]:
    return {(p["code"], p["where"]) if isinstance(p, dict) else (p.code, p.where) for p in problems}


@pytest.fixture(scope="module")
def key() -> bytes:
    return group.base_mul(group.random_scalar())


def test_ballots_made_in_the_browser_verify_in_python(key):
    """Each choice encrypted by the browser passes Python's verifier; trackers agree."""
    calls = [
        ("encryptBallot", [{"voteId": VOTE, "voter": "DE", "publicKey": key.hex(), "choice": c}])
        for c in OPTIONS
    ]
    ballots = node(*calls)
    for ballot in ballots:
        assert verify_ballot(ballot, vote_id=VOTE, public_key=key, voter="DE") == []
        # Python re-encodes the parsed ballot to the same canonical bytes the browser hashed
        assert Ballot.from_json(ballot).to_json() == ballot
    js_trackers = node(*[("tracker", [b]) for b in ballots])
    assert js_trackers == [tracker(b) for b in ballots]


def test_ballots_made_in_python_verify_in_the_browser(key):
    ballots = [
        encrypt_ballot(vote_id=VOTE, voter="FR", public_key=key, choice=c).to_json()
        for c in OPTIONS
    ]
    checks = node(
        *[
            ("verifyBallot", [b, {"voteId": VOTE, "publicKey": key.hex(), "voter": "FR"}])
            for b in ballots
        ]
    )
    assert checks == [[], [], []]


@pytest.mark.parametrize(
    ("plain", "named"),
    [
        (
            {"yes": 2, "no": -1, "abstain": 0},
            {
                ("ballot.zero_or_one_proof_invalid", "choices.yes"),
                ("ballot.zero_or_one_proof_invalid", "choices.no"),
            },
        ),
        ({"yes": 1, "no": 1, "abstain": 0}, {("ballot.sum_proof_invalid", "sum_proof")}),
    ],
)
def test_each_side_names_the_other_sides_cheating_encoder(key, plain, named):
    """A ballot encrypting 2 or −1 (or two choices) made on either side is named on the other."""
    js_cheat = node(
        ("encryptWith", [{"voteId": VOTE, "voter": "IT", "publicKey": key.hex(), "plain": plain}])
    )[0]
    assert codes(verify_ballot(js_cheat, vote_id=VOTE, public_key=key)) == named
    py_cheat = encrypt_with(vote_id=VOTE, voter="IT", public_key=key, plain=plain).to_json()
    [found] = node(("verifyBallot", [py_cheat, {"voteId": VOTE, "publicKey": key.hex()}]))
    assert codes(found) == named


def test_the_browser_names_a_tampered_or_malformed_ballot(key):
    ballot = encrypt_ballot(vote_id=VOTE, voter="ES", public_key=key, choice="yes").to_json()
    swapped = copy.deepcopy(ballot)
    swapped["choices"]["yes"], swapped["choices"]["no"] = (
        swapped["choices"]["no"],
        swapped["choices"]["yes"],
    )
    broken = copy.deepcopy(ballot)
    broken["choices"]["no"]["beta"] = "ff" * 32
    out_of_range = copy.deepcopy(ballot)
    out_of_range["sum_proof"]["c"] = group.L.to_bytes(32, "little").hex()
    args = {"voteId": VOTE, "publicKey": key.hex()}
    found = node(*[("verifyBallot", [b, args]) for b in (swapped, broken, out_of_range)])
    assert ("ballot.zero_or_one_proof_invalid", "choices.yes") in codes(found[0])
    assert [p["code"] for p in found[1]] == ["ballot.malformed"]
    assert [p["code"] for p in found[2]] == ["ballot.malformed"]


AWKWARD = [
    "",
    "é",
    "Ελλάδα",
    "日本",
    "🗳",
    '"',
    "\\",
    "\n\t\r\b\f",
    "\x00\x01\x1f",
    "\x7f",
    "\u2028",
    "a/b",
]


@settings(max_examples=5, deadline=None)
@given(
    st.lists(
        st.recursive(
            st.none()
            | st.integers(-(2**53) + 1, 2**53 - 1)
            | st.sampled_from(AWKWARD)
            | st.text(max_size=8),
            lambda inner: (
                st.lists(inner, max_size=3)
                | st.dictionaries(st.text(max_size=4), inner, max_size=3)
            ),
            max_leaves=8,
        ),
        min_size=1,
        max_size=10,
    )
)
def test_canonical_json_is_the_same_bytes_in_both(values):
    """Strings with escapes and non-ASCII, nested objects with any keys: one encoding."""
    js = node(*[("canonical", [v]) for v in values])
    assert [s.encode() for s in js] == [encoding.canonical(v) for v in values]


def test_a_mixed_ceremony_of_browser_and_python_trustees_decrypts_two_of_three():
    """Trustees 1 and 3 in the browser, 2 in Python: keys, shares and decryptions interoperate."""
    params = {"voteId": VOTE, "threshold": 2, "trustees": 3}
    js1, js3 = node(
        ("trusteeGenerate", [{**params, "trustee": 1}]),
        ("trusteeGenerate", [{**params, "trustee": 3}]),
    )
    py2_secret, py2_key = trustee_generate(vote_id=VOTE, trustee=2, threshold=2, trustees=3)
    keys_json = [js1["key"], py2_key.to_json(), js3["key"]]
    # each side checks every key's proofs
    assert verify_trustee_keys(keys_json, vote_id=VOTE, threshold=2, trustees=3) == []
    js_checks = node(
        *[
            ("verifyTrusteeKey", [k, {"voteId": VOTE, "threshold": 2, "trustees": 3}])
            for k in keys_json
        ]
    )
    assert js_checks == [[], [], []]
    keys = [TrusteeKey.from_json(k) for k in keys_json]

    # shares cross both ways
    js_shares = node(
        *[
            ("shareFor", [s["secret"], k])
            for s in (js1, js3)
            for k in keys_json
            if k["trustee"] != s["secret"]["trustee"]
        ]
    )
    py_shares = [share_for(py2_secret, k) for k in keys if k.trustee != 2]
    everything = js_shares + py_shares
    py2_done, problems = receive_shares(py2_secret, keys, [m for m in everything if m["to"] == 2])
    assert problems == []
    js1_done, js3_done = node(
        *[
            (
                "receiveShares",
                [
                    s["secret"],
                    keys_json,
                    [m for m in everything if m["to"] == s["secret"]["trustee"]],
                ],
            )
            for s in (js1, js3)
        ]
    )
    assert js1_done["problems"] == js3_done["problems"] == []
    secrets = {
        1: TrusteeSecret.from_json(js1_done["secret"]),
        2: py2_done,
        3: TrusteeSecret.from_json(js3_done["secret"]),
    }
    for number, secret in secrets.items():
        assert group.base_mul(secret.key_share) == verification_key(keys, number)
    joint = joint_public_key(keys)
    assert node(("jointPublicKey", [keys_json]))[0] == joint.hex()

    # delegates vote from both sides; Python adds up with population weights
    choices = {"DE": "yes", "FR": "no", "IT": "yes", "PL": "abstain"}
    population = {"DE": 83_200_000, "FR": 68_000_000, "IT": 58_900_000, "PL": 36_700_000}
    js_ballots = node(
        *[
            ("encryptBallot", [{"voteId": VOTE, "voter": s, "publicKey": joint.hex(), "choice": c}])
            for s, c in choices.items()
            if s in ("DE", "FR")
        ]
    )
    ballots = {b["voter"]: Ballot.from_json(b) for b in js_ballots}
    for s in ("IT", "PL"):
        ballots[s] = encrypt_ballot(vote_id=VOTE, voter=s, public_key=joint, choice=choices[s])
    for b in ballots.values():
        assert verify_ballot(b.to_json(), vote_id=VOTE, public_key=joint) == []
    tally = tally_ballots(
        vote_id=VOTE,
        public_key=joint,
        ballots=ballots,
        weightings={"count": dict.fromkeys(ballots, 1), "population": population},
    )

    # trustee 3 (browser) and 2 (Python) decrypt; trustee 1 is away
    [js3_partial, js_digest] = node(
        ("partialDecrypt", [js3_done["secret"], tally.to_json()]),
        ("tallyDigest", [tally.to_json()]),
    )
    assert js_digest == tally.digest
    py2_partial = partial_decrypt(py2_done, tally)
    assert verify_partial_decryption(js3_partial, tally=tally, trustee_keys=keys) == []
    assert (
        node(
            (
                "verifyPartialDecryption",
                [py2_partial, {"tally": tally.to_json(), "keys": keys_json}],
            )
        )[0]
        == []
    )
    result = combine(tally=tally, partials=[js3_partial, py2_partial], trustee_keys=keys_json)
    assert result.problems == []
    assert result.totals == {
        "count.yes": 2,
        "count.no": 1,
        "count.abstain": 1,
        "population.yes": 83_200_000 + 58_900_000,
        "population.no": 68_000_000,
        "population.abstain": 36_700_000,
    }

    # a browser trustee's wrong share of a total is named by Python, and Python's by the browser
    wrong = copy.deepcopy(js3_partial)
    wrong["shares"]["population.yes"]["share"] = group.add(
        group.parse_point(wrong["shares"]["population.yes"]["share"]), group.G
    ).hex()
    assert codes(verify_partial_decryption(wrong, tally=tally, trustee_keys=keys)) == {
        ("partial.proof_invalid", "trustee 3, totals.population.yes")
    }
    wrong_py = copy.deepcopy(py2_partial)
    wrong_py["shares"]["count.no"]["share"] = group.G.hex()
    [found] = node(
        ("verifyPartialDecryption", [wrong_py, {"tally": tally.to_json(), "keys": keys_json}])
    )
    assert codes(found) == {("partial.proof_invalid", "trustee 2, totals.count.no")}


def test_the_browser_names_a_forged_trustee_key_and_a_lying_share():
    params = {"voteId": VOTE, "threshold": 2, "trustees": 2}
    secret1, key1 = trustee_generate(vote_id=VOTE, trustee=1, threshold=2, trustees=2)
    forged = key1.to_json()
    forged["proofs"][1] = forged["proofs"][0]
    liar = TrusteeSecret(VOTE, 1, 2, 2, (secret1.coefficients[0], 7))
    [js2] = node(("trusteeGenerate", [{**params, "trustee": 2}]))
    lie = share_for(liar, TrusteeKey.from_json(js2["key"]))
    found, received = node(
        ("verifyTrusteeKey", [forged, {"voteId": VOTE, "threshold": 2, "trustees": 2}]),
        ("receiveShares", [js2["secret"], [key1.to_json(), js2["key"]], [lie]]),
    )
    assert codes(found) == {("trustee_key.proof_invalid", "trustee 1, coefficient 1")}
    assert received["secret"] is None
    assert codes(received["problems"]) == {("share.share_inconsistent", "share from trustee 1")}


def test_a_private_file_sealed_on_one_side_opens_on_the_other():
    content = {"format": "concordia-trustee-secret/1", "note": "é"}
    py_sealed = keyfile.seal(content, "correct horse battery", label="trustee 2", log2_n=12)
    js_sealed, js_opened = node(
        ("sealSecret", [content, "correct horse battery", {"label": "trustee 1", "log2N": 12}]),
        ("openSecret", [py_sealed, "correct horse battery"]),
    )
    assert js_opened == content
    assert keyfile.open_sealed(js_sealed, "correct horse battery") == content
    with pytest.raises(keyfile.WrongPassphrase):
        keyfile.open_sealed(js_sealed, "wrong horse battery")
