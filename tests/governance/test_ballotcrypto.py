"""Secret-ballot cryptography (issue 16): what the verifiers accept, and what they name.

Pure Python, no database: ballots, trustees' keys and shares, partial decryptions and their
combination, the passphrase-protected private file and the trustee CLI.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from governance import trustee as trustee_cli
from governance.ballotcrypto import (
    OPTIONS,
    Tally,
    combine,
    elgamal,
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
from governance.ballotcrypto.threshold import TrusteeKey, TrusteeSecret, joint_public_key

VOTE = "GC/2026/007"
STATES = ("DE", "FR", "IT", "ES", "NL", "BE", "AT", "PL")
POPULATION = {
    "DE": 83_200_000,
    "FR": 68_000_000,
    "IT": 58_900_000,
    "ES": 48_300_000,
    "NL": 17_900_000,
    "BE": 11_800_000,
    "AT": 9_100_000,
    "PL": 36_700_000,
}


def codes(problems: list[Any]) -> list[tuple[str, str]]:
    return [(p.code, p.where) for p in problems]


@pytest.fixture(scope="module")
def ceremony() -> tuple[list[TrusteeSecret], list[TrusteeKey]]:
    """Three trustees, threshold two, after a clean key ceremony."""
    pairs = [trustee_generate(vote_id=VOTE, trustee=i, threshold=2, trustees=3) for i in (1, 2, 3)]
    keys = [key for _, key in pairs]
    messages = [
        share_for(secret, key)
        for secret, _ in pairs
        for key in keys
        if key.trustee != secret.trustee
    ]
    secrets = []
    for secret, _ in pairs:
        done, problems = receive_shares(
            secret, keys, [m for m in messages if m["to"] == secret.trustee]
        )
        assert problems == []
        secrets.append(done)
    return secrets, keys


@pytest.fixture(scope="module")
def public_key(ceremony) -> bytes:
    return joint_public_key(ceremony[1])


@pytest.fixture(scope="module")
def honest(public_key) -> dict[str, Any]:
    return encrypt_ballot(vote_id=VOTE, voter="DE", public_key=public_key, choice="no").to_json()


# --- Ballots ---------------------------------------------------------------------------------


@pytest.mark.parametrize("choice", OPTIONS)
def test_an_honest_ballot_verifies_and_decrypts_to_its_choice(choice):
    """A ballot for each option verifies, and only the chosen option decrypts to 1."""
    # given
    key = elgamal.keypair()
    # when
    ballot = encrypt_ballot(vote_id=VOTE, voter="FR", public_key=key.public, choice=choice)
    # then
    assert verify_ballot(ballot.to_json(), vote_id=VOTE, public_key=key.public, voter="FR") == []
    opened = {
        o: elgamal.discrete_log(elgamal.decrypt_point(ballot.ciphertexts[o], key.secret), 1)
        for o in OPTIONS
    }
    assert opened == {o: int(o == choice) for o in OPTIONS}


def test_the_tracker_names_the_ballot_not_the_choice(public_key):
    """Two ballots for the same choice have different trackers; a ballot's tracker is stable."""
    a = encrypt_ballot(vote_id=VOTE, voter="DE", public_key=public_key, choice="yes")
    b = encrypt_ballot(vote_id=VOTE, voter="DE", public_key=public_key, choice="yes")
    assert a.tracker != b.tracker
    reread = Ballot.from_json(json.loads(json.dumps(a.to_json(), indent=1)))
    assert reread.tracker == a.tracker == tracker(a.to_json())
    assert len(a.tracker) == 64


@pytest.mark.parametrize(
    ("plain", "named"),
    [
        ({"yes": 2, "no": -1, "abstain": 0}, {"choices.yes", "choices.no"}),
        ({"yes": 1, "no": 1, "abstain": -1}, {"choices.abstain"}),
        ({"yes": 1, "no": 1, "abstain": 0}, {"sum_proof"}),
        ({"yes": 0, "no": 0, "abstain": 0}, {"sum_proof"}),
        ({"yes": 0, "no": 0, "abstain": 2}, {"choices.abstain", "sum_proof"}),
    ],
)
def test_a_cheating_encoder_is_named(public_key, plain, named):
    """A ballot encrypting 2 or −1, or not exactly one choice, fails the proof that says so."""
    # given: the encoder proves whatever it encrypted, the same way an honest one does
    cheat = encrypt_with(vote_id=VOTE, voter="IT", public_key=public_key, plain=plain)
    # when
    problems = verify_ballot(cheat.to_json(), vote_id=VOTE, public_key=public_key)
    # then
    assert {p.where for p in problems} == named
    assert {p.code for p in problems} <= {
        "ballot.zero_or_one_proof_invalid",
        "ballot.sum_proof_invalid",
    }


def _swap_yes_no(b: dict) -> None:
    b["choices"]["yes"], b["choices"]["no"] = b["choices"]["no"], b["choices"]["yes"]


def _ciphertexts_only(b: dict) -> None:
    # the server (or anyone) swaps the ciphertexts but keeps each proof in its place
    yes, no = b["choices"]["yes"], b["choices"]["no"]
    yes["alpha"], no["alpha"] = no["alpha"], yes["alpha"]
    yes["beta"], no["beta"] = no["beta"], yes["beta"]


def _shift_beta(b: dict) -> None:
    beta = group.parse_point(b["choices"]["abstain"]["beta"])
    b["choices"]["abstain"]["beta"] = group.add(beta, group.G).hex()


def _forge_proof(b: dict) -> None:
    b["choices"]["yes"]["proof"] = {
        k: group.scalar_hex(group.random_scalar()) for k in ("c0", "c1", "v0", "v1")
    }


def _forge_sum(b: dict) -> None:
    b["sum_proof"]["v"] = group.scalar_hex(group.parse_scalar(b["sum_proof"]["v"]) + 1)


def _copy_as_other_state(b: dict) -> None:
    b["voter"] = "FR"


@pytest.mark.parametrize(
    ("tamper", "expected"),
    [
        (
            _swap_yes_no,
            {
                ("ballot.zero_or_one_proof_invalid", "choices.yes"),
                ("ballot.zero_or_one_proof_invalid", "choices.no"),
            },
        ),
        (
            _ciphertexts_only,
            {
                ("ballot.zero_or_one_proof_invalid", "choices.yes"),
                ("ballot.zero_or_one_proof_invalid", "choices.no"),
            },
        ),
        (
            _shift_beta,
            {
                ("ballot.zero_or_one_proof_invalid", "choices.abstain"),
                ("ballot.sum_proof_invalid", "sum_proof"),
            },
        ),
        (_forge_proof, {("ballot.zero_or_one_proof_invalid", "choices.yes")}),
        (_forge_sum, {("ballot.sum_proof_invalid", "sum_proof")}),
    ],
)
def test_a_tampered_ballot_is_named(honest, public_key, tamper, expected):
    """Any change to an encrypted ballot after it was proved breaks the proof of that part."""
    ballot = copy.deepcopy(honest)
    tamper(ballot)
    # every proof covers the whole ballot, so a change to one ciphertext may break several
    found = set(codes(verify_ballot(ballot, vote_id=VOTE, public_key=public_key)))
    assert expected <= found
    assert found


def test_a_ballot_copied_to_another_state_is_refused(honest, public_key):
    """Another state cannot cast a copy of a ballot as its own: the voter is inside the proofs."""
    ballot = copy.deepcopy(honest)
    _copy_as_other_state(ballot)
    assert codes(verify_ballot(ballot, vote_id=VOTE, public_key=public_key, voter="DE")) == [
        ("ballot.wrong_voter", "voter")
    ]
    problems = verify_ballot(ballot, vote_id=VOTE, public_key=public_key, voter="FR")
    assert {p.code for p in problems} == {
        "ballot.zero_or_one_proof_invalid",
        "ballot.sum_proof_invalid",
    }


def test_a_ballot_for_another_vote_or_key_is_named(honest, public_key):
    assert codes(verify_ballot(honest, vote_id="GC/2026/008", public_key=public_key)) == [
        ("ballot.wrong_vote", "vote_id")
    ]
    other = elgamal.keypair().public
    assert codes(verify_ballot(honest, vote_id=VOTE, public_key=other)) == [
        ("ballot.wrong_public_key", "public_key")
    ]


L_HEX = group.L.to_bytes(32, "little").hex()
HOSTILE: list[tuple[str, Callable[[dict], Any], str, str]] = [
    ("not an object", lambda b: [b], "ballot.malformed", "ballot"),
    ("no choices", lambda b: b.pop("choices"), "ballot.missing_field", "choices"),
    (
        "a fourth option",
        lambda b: b["choices"].update(maybe=b["choices"]["yes"]),
        "ballot.wrong_options",
        "choices",
    ),
    ("an extra field", lambda b: b.update(note="hi"), "ballot.unexpected_field", "note"),
    (
        "uppercase hex",
        lambda b: b["choices"]["yes"].update(alpha=b["choices"]["yes"]["alpha"].upper()),
        "ballot.point_malformed",
        "choices.yes.alpha",
    ),
    (
        "short point",
        lambda b: b["choices"]["no"].update(beta="00" * 31),
        "ballot.point_malformed",
        "choices.no.beta",
    ),
    (
        "not on the curve",
        lambda b: b["choices"]["no"].update(beta="ff" * 32),
        "ballot.point_invalid",
        "choices.no.beta",
    ),
    (
        "a number for a point",
        lambda b: b["choices"]["no"].update(alpha=7),
        "ballot.point_malformed",
        "choices.no.alpha",
    ),
    (
        "scalar not reduced",
        lambda b: b["sum_proof"].update(c=L_HEX),
        "ballot.scalar_out_of_range",
        "sum_proof.c",
    ),
    (
        "scalar null",
        lambda b: b["choices"]["abstain"]["proof"].update(v1=None),
        "ballot.scalar_malformed",
        "choices.abstain.proof.v1",
    ),
    (
        "proof a list",
        lambda b: b["choices"]["abstain"].update(proof=[]),
        "ballot.malformed",
        "choices.abstain.proof",
    ),
    (
        "identity key",
        lambda b: b.update(public_key="00" * 32),
        "ballot.point_identity",
        "public_key",
    ),
    (
        "wrong format",
        lambda b: b.update(format="concordia-ballot/2"),
        "ballot.wrong_format",
        "format",
    ),
    ("voter a number", lambda b: b.update(voter=49), "ballot.malformed", "voter"),
]


@pytest.mark.parametrize(("label", "spoil", "code", "where"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_ballot_json_is_named_never_raised(honest, public_key, label, spoil, code, where):
    """Malformed points, out-of-range scalars, wrong lengths: a named problem, not an exception."""
    ballot = copy.deepcopy(honest)
    replaced = spoil(ballot)
    data = replaced if isinstance(replaced, list) else ballot
    assert codes(verify_ballot(data, vote_id=VOTE, public_key=public_key)) == [(code, where)]


# --- Trustees --------------------------------------------------------------------------------


def test_trustee_keys_verify_and_make_one_joint_key(ceremony):
    secrets, keys = ceremony
    assert (
        verify_trustee_keys([k.to_json() for k in keys], vote_id=VOTE, threshold=2, trustees=3)
        == []
    )
    # every trustee's key share matches the verification key anyone computes from commitments
    from governance.ballotcrypto.threshold import verification_key

    for secret in secrets:
        assert group.base_mul(secret.key_share) == verification_key(keys, secret.trustee)


def test_a_forged_or_missing_trustee_key_is_named(ceremony):
    _, keys = ceremony
    published = [k.to_json() for k in keys]
    forged = copy.deepcopy(published)
    # trustee 2 claims trustee 3's commitment as its own, without knowing its secret
    forged[1]["commitments"][0] = published[2]["commitments"][0]
    assert codes(verify_trustee_keys(forged, vote_id=VOTE, threshold=2, trustees=3)) == [
        ("trustee_key.proof_invalid", "trustee 2, coefficient 0")
    ]
    assert codes(verify_trustee_keys(published[:2], vote_id=VOTE, threshold=2, trustees=3)) == [
        ("trustee_keys.wrong_count", "trustee_keys"),
        ("trustee_keys.missing", "trustee 3"),
    ]
    assert ("trustee_key.wrong_parameters", "trustee 1") in codes(
        verify_trustee_keys(published, vote_id=VOTE, threshold=3, trustees=3)
    )


def test_a_share_that_does_not_match_its_commitments_is_named():
    """A trustee that sends another a wrong share is named by the one that receives it."""
    pairs = [trustee_generate(vote_id=VOTE, trustee=i, threshold=2, trustees=3) for i in (1, 2, 3)]
    keys = [k for _, k in pairs]
    honest_from_1 = share_for(pairs[0][0], keys[2])
    # trustee 2 encrypts a share from a polynomial other than the one it committed to
    liar = TrusteeSecret(VOTE, 2, 2, 3, (pairs[1][0].coefficients[0], 12345))
    lie_from_2 = share_for(liar, keys[2])
    done, problems = receive_shares(pairs[2][0], keys, [honest_from_1, lie_from_2])
    assert done is None
    assert codes(problems) == [("share.share_inconsistent", "share from trustee 2")]
    altered = dict(honest_from_1, ciphertext="00" * 32)
    done, problems = receive_shares(pairs[2][0], keys, [altered])
    assert codes(problems) == [
        ("share.mac_invalid", "share from trustee 1"),
        ("share.missing", "share from trustee 2"),
    ]


def _tally(ceremony, choices: dict[str, str]) -> Tally:
    key = joint_public_key(ceremony[1])
    ballots = {
        s: encrypt_ballot(vote_id=VOTE, voter=s, public_key=key, choice=c)
        for s, c in choices.items()
    }
    return tally_ballots(
        vote_id=VOTE,
        public_key=key,
        ballots=ballots,
        weightings={
            "count": dict.fromkeys(ballots, 1),
            "population": {s: POPULATION[s] for s in ballots},
        },
    )


CHOICES = {"DE": "yes", "FR": "no", "IT": "yes", "ES": "abstain", "NL": "yes"}
EXPECTED = {
    "count.yes": 3,
    "count.no": 1,
    "count.abstain": 1,
    "population.yes": 83_200_000 + 58_900_000 + 17_900_000,
    "population.no": 68_000_000,
    "population.abstain": 48_300_000,
}


@pytest.fixture(scope="module")
def tally(ceremony) -> Tally:
    return _tally(ceremony, CHOICES)


@pytest.mark.parametrize("present", [(1, 2), (1, 3), (2, 3), (1, 2, 3)])
def test_any_two_of_three_trustees_decrypt_the_totals(ceremony, tally, present):
    """With one trustee missing, the other two decrypt the counts and the weighted sums."""
    secrets, keys = ceremony
    partials = [partial_decrypt(secrets[i - 1], tally) for i in present]
    result = combine(tally=tally, partials=partials, trustee_keys=[k.to_json() for k in keys])
    assert result.problems == []
    assert result.totals == EXPECTED
    assert result.trustees_used == present[:2]


def test_one_trustee_alone_cannot_decrypt(ceremony, tally):
    secrets, keys = ceremony
    result = combine(tally=tally, partials=[partial_decrypt(secrets[0], tally)], trustee_keys=keys)
    assert result.totals is None
    assert codes(result.problems) == [("combine.too_few_trustees", "partials")]


def test_a_wrong_partial_decryption_is_named_and_left_out(ceremony, tally):
    """A trustee posting a wrong share of a total is named; the two honest ones still decrypt."""
    secrets, keys = ceremony
    wrong = partial_decrypt(secrets[0], tally)
    share = group.parse_point(wrong["shares"]["count.yes"]["share"])
    wrong["shares"]["count.yes"]["share"] = group.add(share, group.G).hex()
    assert codes(verify_partial_decryption(wrong, tally=tally, trustee_keys=keys)) == [
        ("partial.proof_invalid", "trustee 1, totals.count.yes")
    ]
    result = combine(
        tally=tally,
        partials=[wrong] + [partial_decrypt(s, tally) for s in secrets[1:]],
        trustee_keys=keys,
    )
    assert codes(result.problems) == [("partial.proof_invalid", "trustee 1, totals.count.yes")]
    assert result.totals == EXPECTED
    assert result.trustees_used == (2, 3)


def test_a_partial_decryption_of_other_totals_or_by_a_wrong_key_is_named(ceremony, tally):
    secrets, keys = ceremony
    other = _tally(ceremony, {"DE": "no"})
    moved = partial_decrypt(secrets[1], other)
    assert codes(verify_partial_decryption(moved, tally=tally, trustee_keys=keys)) == [
        ("partial.wrong_tally", "trustee 2")
    ]
    # trustee 3 decrypts honestly but with trustee 2's share: its proof names it
    impostor = TrusteeSecret(VOTE, 3, 2, 3, secrets[2].coefficients, secrets[1].key_share)
    assert {
        p.code
        for p in verify_partial_decryption(
            partial_decrypt(impostor, tally), tally=tally, trustee_keys=keys
        )
    } == {"partial.proof_invalid"}
    assert codes(verify_partial_decryption({"format": "x"}, tally=tally, trustee_keys=keys)) == [
        ("partial.wrong_format", "partial.format")
    ]


def test_a_total_beyond_its_bound_is_named(ceremony, tally):
    """If the published bounds are lower than the totals, the decryption says so, not a wrong figure."""
    secrets, keys = ceremony
    low = Tally(tally.vote_id, tally.public_key, tally.totals, {**tally.bounds, "count.yes": 2})
    result = combine(
        tally=low, partials=[partial_decrypt(s, low) for s in secrets[:2]], trustee_keys=keys
    )
    assert result.totals is None
    assert codes(result.problems) == [("combine.total_out_of_bound", "totals.count.yes")]


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    choices=st.dictionaries(
        st.sampled_from(STATES), st.sampled_from(OPTIONS), min_size=1, max_size=5
    ),
    weights=st.lists(
        st.integers(min_value=0, max_value=10_000), min_size=len(STATES), max_size=len(STATES)
    ),
    present=st.sampled_from([(1, 2), (1, 3), (2, 3)]),
)
def test_decrypted_weighted_totals_are_the_sums_of_the_choices(ceremony, choices, weights, present):
    """Whatever the choices and weights, two trustees decrypt exactly the plain weighted sums."""
    secrets, keys = ceremony
    key = joint_public_key(keys)
    weight = dict(zip(STATES, weights, strict=True))
    ballots = {
        s: encrypt_ballot(vote_id=VOTE, voter=s, public_key=key, choice=c)
        for s, c in choices.items()
    }
    tally = tally_ballots(
        vote_id=VOTE,
        public_key=key,
        ballots=ballots,
        weightings={"w": {s: weight[s] for s in ballots}},
    )
    result = combine(
        tally=tally,
        partials=[partial_decrypt(secrets[i - 1], tally) for i in present],
        trustee_keys=keys,
    )
    assert result.totals == {
        f"w.{o}": sum(weight[s] for s, c in choices.items() if c == o) for o in OPTIONS
    }


@settings(max_examples=15, deadline=None)
@given(a=st.integers(0, 50), b=st.integers(0, 50), w=st.integers(0, 1000))
def test_ciphertexts_add_and_scale_as_their_messages(a, b, w):
    key = elgamal.keypair()
    ca = elgamal.encrypt(key.public, a, group.random_scalar())
    cb = elgamal.encrypt(key.public, b, group.random_scalar())
    summed = elgamal.scale(elgamal.add(ca, cb), w)
    assert (
        elgamal.discrete_log(elgamal.decrypt_point(summed, key.secret), 100 * 1000) == (a + b) * w
    )


@pytest.mark.parametrize(
    ("m", "bound", "found"),
    [(0, 0, 0), (7, 7, 7), (8, 7, None), (1_000_000_000, 1_000_000_000, 1_000_000_000)],
)
def test_the_discrete_log_is_found_up_to_its_bound_and_no_further(m, bound, found):
    assert elgamal.discrete_log(group.base_mul(m), bound) == found


def test_canonical_json_refuses_what_javascript_would_write_differently():
    assert encoding.canonical({"b": 1, "a": "é"}) == '{"a":"é","b":1}'.encode()
    for bad in (1.5, True, 2**53, {1: "x"}):
        with pytest.raises(TypeError):
            encoding.canonical({"x": bad})


# --- The private file and the CLI ------------------------------------------------------------


def test_the_private_file_opens_only_with_its_passphrase_and_unaltered():
    content = {"format": "x", "secret": "42"}
    sealed = keyfile.seal(content, "a long passphrase", label="trustee 1", log2_n=12)
    assert keyfile.open_sealed(sealed, "a long passphrase") == content
    with pytest.raises(keyfile.WrongPassphrase):
        keyfile.open_sealed(sealed, "another passphrase")
    with pytest.raises(keyfile.WrongPassphrase):
        keyfile.open_sealed(dict(sealed, label="trustee 2"), "a long passphrase")
    from governance.ballotcrypto.problems import Malformed

    hostile = copy.deepcopy(sealed)
    hostile["kdf"]["log2_n"] = 30
    with pytest.raises(Malformed):
        keyfile.open_sealed(hostile, "a long passphrase")


def test_the_trustee_cli_runs_a_whole_ceremony_and_a_decryption(
    tmp_path: Path, monkeypatch, capsys
):
    """Three trustees on the command line: keys, shares, key shares, then two decrypt."""
    monkeypatch.setattr(keyfile, "DEFAULT_LOG2_N", 12)  # the format keeps n; tests need not wait
    phrase = tmp_path / "pass"
    phrase.write_text("correct horse battery staple\n")

    def run(*args: str) -> int:
        return trustee_cli.main([*args, "--passphrase-file", str(phrase)])

    for i in (1, 2, 3):
        assert (
            run(
                "keygen",
                "--vote-id",
                VOTE,
                "--trustee",
                str(i),
                "--threshold",
                "2",
                "--trustees",
                "3",
                "--public",
                str(tmp_path / f"k{i}.json"),
                "--secret",
                str(tmp_path / f"s{i}.json"),
            )
            == 0
        )
        assert (tmp_path / f"s{i}.json").stat().st_mode & 0o777 == 0o600
    keys = [json.loads((tmp_path / f"k{i}.json").read_text()) for i in (1, 2, 3)]
    (tmp_path / "keys.json").write_text(json.dumps(keys))
    for i in (1, 2, 3):
        assert (
            run(
                "shares",
                "--secret",
                str(tmp_path / f"s{i}.json"),
                "--keys",
                str(tmp_path / "keys.json"),
                "--out",
                str(tmp_path / f"sh{i}.json"),
            )
            == 0
        )
    for i in (1, 2, 3):
        assert (
            run(
                "receive",
                "--secret",
                str(tmp_path / f"s{i}.json"),
                "--keys",
                str(tmp_path / "keys.json"),
                "--shares",
                *(str(tmp_path / f"sh{j}.json") for j in (1, 2, 3)),
            )
            == 0
        )
    key = joint_public_key([TrusteeKey.from_json(k) for k in keys])
    ballots = {
        s: encrypt_ballot(vote_id=VOTE, voter=s, public_key=key, choice=c)
        for s, c in CHOICES.items()
    }
    tally = tally_ballots(vote_id=VOTE, public_key=key, ballots=ballots)
    (tmp_path / "tally.json").write_text(json.dumps(tally.to_json()))
    for i in (1, 3):
        assert (
            run(
                "decrypt",
                "--secret",
                str(tmp_path / f"s{i}.json"),
                "--keys",
                str(tmp_path / "keys.json"),
                "--tally",
                str(tmp_path / "tally.json"),
                "--out",
                str(tmp_path / f"p{i}.json"),
            )
            == 0
        )
    partials = [json.loads((tmp_path / f"p{i}.json").read_text()) for i in (1, 3)]
    result = combine(tally=tally, partials=partials, trustee_keys=keys)
    assert result.totals == {"count.yes": 3, "count.no": 1, "count.abstain": 1}
    # the private files hold no readable secret
    assert "coefficients" not in (tmp_path / "s1.json").read_text()
    capsys.readouterr()
    phrase.write_text("not the passphrase\n")
    assert (
        run(
            "decrypt",
            "--secret",
            str(tmp_path / "s2.json"),
            "--keys",
            str(tmp_path / "keys.json"),
            "--tally",
            str(tmp_path / "tally.json"),
            "--out",
            str(tmp_path / "p2.json"),
        )
        == 1
    )
    assert "passphrase does not open" in capsys.readouterr().err


def test_the_trustee_cli_explains_its_steps(capsys):
    with pytest.raises(SystemExit) as exit_:
        trustee_cli.main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for step in ("keygen", "shares", "receive", "decrypt", "--passphrase-file", "Exit status"):
        assert step in text
