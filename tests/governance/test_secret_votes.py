"""Secret votes with encrypted ballots, end to end through the services (issue 16)."""

from __future__ import annotations

import copy

import pytest
from django.core.management import CommandError, call_command

from core.errors import Conflict, NotAllowed, ValidationFailed
from governance import rules, services
from governance.ballotcrypto.threshold import trustee_generate
from governance.models import EncryptedBallot, MotionStatus, PartialDecryption, SecretVote
from governance.secret_board import verify_board
from governance.selectors.secret import board_document
from governance.services import secret_ballots, trustees
from governance.verification import verify_motion
from tests.governance import secret_fixtures as sf
from tests.governance.voting_fixtures import Council5, make_council5

pytestmark = pytest.mark.django_db


@pytest.fixture
def c5() -> Council5:
    return make_council5()


def test_a_secret_vote_runs_from_ceremony_to_certified_result(c5):
    """Trustees hold the ceremony, states vote (one changes), two of three decrypt, it verifies."""
    # given a tabled secret vote with trustees named
    motion = c5.motion(secret=True)
    services.motion_table(actor=c5.sec, motion=motion)
    ceremony = sf.name_trustees(c5, motion)
    # then it cannot open before the ceremony, and the refusal names who is missing
    with pytest.raises(Conflict, match=r"DE \(publish its key\); FR \(publish its key\); IT"):
        services.motion_open(actor=c5.sec, motion=motion)
    sf.hold_ceremony(c5, ceremony)
    ceremony.motion = services.motion_open(actor=c5.sec, motion=motion)
    # when four states vote, DE changing its mind
    sf.cast(c5, ceremony, "DE", "no")
    receipt = sf.cast(c5, ceremony, "DE", "yes")
    sf.cast(c5, ceremony, "FR", "yes")
    sf.cast(c5, ceremony, "IT", "no")
    sf.cast(c5, ceremony, "NL", "abstain")
    motion = sf.close(c5, ceremony)
    # then the count waits for the trustees, and so does certification
    assert motion.status == MotionStatus.VOTING_CLOSED and motion.tally is None
    assert receipt.superseded_earlier and len(receipt.tracker) == 64
    with pytest.raises(Conflict, match="0 of the 2 trustees"):
        services.motion_certify(actor=c5.sec, motion=motion)
    sf.decrypt(c5, ceremony, ("FR",))
    with pytest.raises(Conflict, match="1 of the 2 trustees"):
        services.motion_certify(actor=c5.sec, motion=motion)
    motion = sf.decrypt(c5, ceremony, ("IT",))
    assert (motion.tally["yes"], motion.tally["no"], motion.tally["abstain"]) == (2, 1, 1)
    assert motion.tally["outcome"] == "adopted"
    motion = services.motion_certify(actor=c5.sec, motion=motion)
    assert motion.outcome == "adopted"
    secret_vote = SecretVote.objects.get(motion=motion)
    assert secret_vote.decrypted_with == [2, 3]
    assert verify_motion(motion).ok, verify_motion(motion).problems
    assert verify_board(board_document(motion)).ok


def test_a_weighted_budget_vote_may_be_secret_and_counts_as_a_roll_call_would(c5):
    """The contribution-weighted rule, lifted for encrypted votes, counts from weighted totals."""
    # given
    ceremony = sf.open_secret(c5, kind="budget")
    choices = {"DE": "yes", "FR": "yes", "IT": "no", "ES": "yes", "NL": "no"}
    # when
    for state, choice in choices.items():
        sf.cast(c5, ceremony, state, choice)
    sf.close(c5, ceremony)
    motion = sf.decrypt(c5, ceremony)
    # then
    frozen = rules.Electorate.from_document(motion.electorate.entries)
    roll_call = rules.tally(frozen, choices)
    assert rules.VotingRule.from_dict(motion.rule).kind is rules.RuleKind.WEIGHTED_DOUBLE_MAJORITY
    assert motion.tally["outcome"] == roll_call.outcome.value
    assert motion.tally["yes_share"] == rules.Tally.to_dict(roll_call)["yes_share"]
    assert verify_motion(motion).ok, verify_motion(motion).problems


@pytest.mark.parametrize(
    ("plain", "code"),
    [
        ({"yes": 2, "no": 0, "abstain": -1}, "ballot.zero_or_one_proof_invalid"),
        ({"yes": 0, "no": -1, "abstain": 2}, "ballot.zero_or_one_proof_invalid"),
        ({"yes": 1, "no": 1, "abstain": 0}, "ballot.sum_proof_invalid"),
    ],
)
def test_a_ballot_encrypting_anything_but_one_choice_is_refused_and_named(c5, plain, code):
    """A ballot counting 2, or −1, or two options, is refused naming the failed proof."""
    ceremony = sf.open_secret(c5)
    with pytest.raises(ValidationFailed) as refused:
        secret_ballots.encrypted_ballot_cast(
            actor=c5.actors["DE"],
            motion=ceremony.motion,
            member_state=c5.states["DE"],
            ballot=sf.cheating_ballot(ceremony, "DE", plain),
        )
    assert refused.value.code == code and code in refused.value.message
    assert not EncryptedBallot.objects.exists()


def test_tampered_forged_copied_and_replayed_ballots_are_refused(c5):
    """Each cheat on a ballot is refused with the problem's code; nothing enters the chain."""
    ceremony = sf.open_secret(c5)
    good = sf.ballot(ceremony, "DE", "yes")
    tampered = copy.deepcopy(good)
    tampered["choices"]["yes"]["beta"], tampered["choices"]["no"]["beta"] = (
        good["choices"]["no"]["beta"],
        good["choices"]["yes"]["beta"],
    )
    forged = copy.deepcopy(good)
    forged["sum_proof"]["v"] = forged["choices"]["yes"]["proof"]["v0"]
    cases = [
        (tampered, "DE", "ballot.zero_or_one_proof_invalid"),
        (forged, "DE", "ballot.sum_proof_invalid"),
        (good, "FR", "ballot.wrong_voter"),  # DE's ballot cast again as France's
        ({"format": "concordia-ballot/1"}, "DE", "ballot.missing"),
    ]
    for data, state, code in cases:
        with pytest.raises(ValidationFailed) as refused:
            secret_ballots.encrypted_ballot_cast(
                actor=c5.actors[state],
                motion=ceremony.motion,
                member_state=c5.states[state],
                ballot=data,
            )
        assert refused.value.code.startswith(code), (code, refused.value.code)
    secret_ballots.encrypted_ballot_cast(
        actor=c5.actors["DE"], motion=ceremony.motion, member_state=c5.states["DE"], ballot=good
    )
    with pytest.raises(Conflict, match="cast before"):
        secret_ballots.encrypted_ballot_cast(
            actor=c5.actors["DE"],
            motion=ceremony.motion,
            member_state=c5.states["DE"],
            ballot=good,
        )
    assert EncryptedBallot.objects.count() == 1


def test_a_plain_choice_is_refused_in_an_encrypted_vote(c5):
    """The old endpoint's plain yes/no cannot reach an encrypted vote."""
    ceremony = sf.open_secret(c5)
    with pytest.raises(Conflict, match="encrypted"):
        c5.vote(ceremony.motion, "DE", "yes")


def test_a_trustees_wrong_partial_decryption_is_refused_and_the_others_decrypt(c5):
    """A partial decryption failing its proof is refused, named; two honest trustees suffice."""
    ceremony = sf.open_secret(c5)
    for state in ("DE", "FR", "IT"):
        sf.cast(c5, ceremony, state, "yes")
    sf.close(c5, ceremony)
    wrong = sf.partial(ceremony, "FR")
    label = next(iter(wrong["shares"]))
    other = next(iter(sf.partial(ceremony, "DE")["shares"].values()))
    wrong["shares"][label]["share"] = other["share"]
    with pytest.raises(ValidationFailed) as refused:
        trustees.partial_decryption_post(
            actor=c5.actors["FR"], motion=ceremony.motion, partial=wrong
        )
    assert refused.value.code == "partial.proof_invalid"
    assert "trustee 2" in refused.value.message
    # another trustee's partial posted as one's own is refused too
    with pytest.raises(ValidationFailed, match="wrong_trustee"):
        trustees.partial_decryption_post(
            actor=c5.actors["FR"], motion=ceremony.motion, partial=sf.partial(ceremony, "DE")
        )
    motion = sf.decrypt(c5, ceremony, ("DE", "IT"))
    assert motion.tally["yes"] == 3


def test_a_rewritten_board_is_detected_and_named(c5):
    """Someone with the database who changes a partial decryption or a total is named."""
    ceremony = sf.open_secret(c5)
    for state, choice in (("DE", "yes"), ("FR", "no"), ("IT", "yes")):
        sf.cast(c5, ceremony, state, choice)
    sf.close(c5, ceremony)
    motion = sf.decrypt(c5, ceremony)
    board = board_document(motion)
    # a partial decryption swapped for a lie
    lying = copy.deepcopy(board)
    shares = lying["partial_decryptions"][0]["shares"]
    first, second = list(shares)[:2]
    shares[first]["share"] = shares[second]["share"]
    assert "partial.proof_invalid" in {p.code for p in verify_board(lying).problems}
    # totals rewritten to turn the result
    rewritten = copy.deepcopy(board)
    rewritten["totals"]["count.yes"], rewritten["totals"]["count.no"] = 1, 2
    assert "totals.mismatch" in {p.code for p in verify_board(rewritten).problems}
    # a ballot swapped in the chain
    swapped = copy.deepcopy(board)
    swapped["ballots"][0]["ballot"] = swapped["ballots"][1]["ballot"]
    codes = {p.code for p in verify_board(swapped).problems}
    assert {"chain.tracker_mismatch", "ballot.wrong_voter"} <= codes


def test_only_trustees_act_in_the_ceremony_and_only_the_secretary_names_them(c5):
    """A delegate of a state that is not a trustee, and a non-secretary, are refused."""
    motion = c5.motion(secret=True)
    with pytest.raises(NotAllowed):
        trustees.trustees_name(actor=c5.actors["DE"], motion=motion, trustees=[c5.states["DE"]])
    sf.name_trustees(c5, motion)
    _secret, key = trustee_generate(vote_id=motion.reference, trustee=1, threshold=2, trustees=3)
    with pytest.raises(NotAllowed, match="trustee"):
        trustees.trustee_key_publish(actor=c5.actors["NL"], motion=motion, key=key.to_json())
    with pytest.raises(NotAllowed):
        trustees.trustee_key_publish(actor=c5.sec, motion=motion, key=key.to_json())
    # a key made for another trustee number is refused, named
    with pytest.raises(ValidationFailed) as refused:
        trustees.trustee_key_publish(actor=c5.actors["FR"], motion=motion, key=key.to_json())
    assert refused.value.code == "trustee_key.wrong_trustee"


def test_another_states_delegate_cannot_cast_its_encrypted_ballot(c5):
    """France's head cannot cast Germany's ballot, even one encrypted for Germany."""
    ceremony = sf.open_secret(c5)
    with pytest.raises(NotAllowed):
        secret_ballots.encrypted_ballot_cast(
            actor=c5.actors["FR"],
            motion=ceremony.motion,
            member_state=c5.states["DE"],
            ballot=sf.ballot(ceremony, "DE", "no"),
        )


def test_verify_votes_names_a_partial_decryption_rewritten_in_the_database(c5):
    """Someone with the database swaps a trustee's posted share: verify_motion names it."""
    ceremony = sf.open_secret(c5)
    for state, choice in (("DE", "yes"), ("FR", "no"), ("IT", "yes")):
        sf.cast(c5, ceremony, state, choice)
    sf.close(c5, ceremony)
    motion = sf.decrypt(c5, ceremony)
    assert verify_motion(motion).ok
    row = PartialDecryption.objects.order_by("trustee__number").first()
    shares = row.data["shares"]
    first, second = sorted(shares)[:2]
    shares[first]["share"] = shares[second]["share"]
    PartialDecryption.objects.filter(pk=row.pk).update(data=row.data)
    checked = verify_motion(motion)
    assert not checked.ok
    assert any("partial.proof_invalid" in p and "trustee 1" in p for p in checked.problems)
    with pytest.raises(CommandError, match="do not verify"):
        call_command("verify_votes", motion.reference)


def test_trustees_must_be_seated_and_cannot_change_once_the_ceremony_begins(c5):
    """A state outside the council is refused as trustee; after the first key, no renaming."""
    from governance.models import MemberState
    from tests.factories import MemberStateFactory

    motion = c5.motion(secret=True)
    outsider = MemberState.objects.get(pk=MemberStateFactory(code="PT").pk)
    with pytest.raises(ValidationFailed, match="PT are not"):
        trustees.trustees_name(actor=c5.sec, motion=motion, trustees=[c5.states["DE"], outsider])
    ceremony = sf.name_trustees(c5, motion)
    _secret, key = trustee_generate(vote_id=motion.reference, trustee=1, threshold=2, trustees=3)
    trustees.trustee_key_publish(actor=c5.actors["DE"], motion=motion, key=key.to_json())
    with pytest.raises(Conflict, match="ceremony has begun"):
        trustees.trustees_name(actor=c5.sec, motion=motion, trustees=[c5.states["NL"]])
    assert ceremony.numbers == {"DE": 1, "FR": 2, "IT": 3}
