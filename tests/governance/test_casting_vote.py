"""The chair's casting vote after a tie: given by the chair alone, counted, signed and checkable."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import CommandError, call_command

from core.actors import Actor
from core.errors import Conflict, MfaStale, NotAllowed
from core.models import AuditEvent, AuditSource
from governance import rules, services
from governance.models import DecisionStatement, Motion
from governance.verification import verify_motion
from tests.factories import UserFactory
from tests.governance.voting_fixtures import Council5, make_council5
from tests.transparency.test_recompute import download_json
from transparency import recompute

pytestmark = pytest.mark.django_db

CHAIR_RULE = rules.VotingRule.simple_majority(rules.TieBreak.CHAIR_CASTING_VOTE).to_dict()


def tied(c5: Council5, **overrides: object) -> Motion:
    """A closed vote of the five states: two yes, two no, one abstention."""
    motion = c5.open(**{"rule": CHAIR_RULE, **overrides})
    for state, choice in [("DE", "yes"), ("FR", "no"), ("IT", "yes"), ("ES", "no")]:
        c5.vote(motion, state, choice)
    c5.vote(motion, "NL", "abstain")
    motion = c5.expire(motion)
    return services.motion_close(actor=c5.sec, motion=motion)


def chair_of(c5: Council5, *, fresh: bool = True) -> Actor:
    chair = UserFactory(username="chair")
    c5.council.chair = chair  # type: ignore[assignment]
    c5.council.save()
    return Actor.for_user(
        chair, source=AuditSource.WEB, mfa_verified=True, mfa_at=None if fresh else 1.0
    )


def test_the_chair_settles_a_tie_and_a_second_statement_is_signed():
    """After a tie the chair's yes adopts the motion; the new tally is signed as the latest statement."""
    # given a tied vote under a simple majority with the chair's casting vote, and its chair
    c5 = make_council5()
    motion = tied(c5)
    assert motion.tally["outcome"] == "rejected"
    chair = chair_of(c5)
    # when the chair gives a yes casting vote
    motion = services.casting_vote_give(actor=chair, motion=motion, choice="yes")
    # then the motion is adopted on the casting vote, recorded with who and when
    assert motion.tally["outcome"] == "adopted"
    assert motion.tally["summary"] == "adopted on the chair's casting vote after a tie (2 to 2)"
    assert (motion.casting_vote, motion.casting_vote_by) == ("yes", chair.user)
    # and a second statement signs the new tally and the casting vote; the first stays
    first, second = DecisionStatement.objects.filter(motion=motion).order_by("index")
    assert json.loads(first.body)["tally"]["outcome"] == "rejected"
    assert "casting_vote" not in json.loads(first.body)
    signed = json.loads(second.body)
    assert (signed["tally"]["outcome"], signed["casting_vote"]) == ("adopted", "yes")
    assert AuditEvent.objects.filter(action="motion.casting_vote").count() == 1
    # and certifying carries out the adopted result, which verify_votes recounts to
    motion = services.motion_certify(actor=c5.sec, motion=motion)
    assert motion.outcome == "adopted"
    result = verify_motion(motion)
    assert result.ok, result.problems


def test_only_the_chair_with_a_fresh_factor_and_only_once():
    """The secretary, a delegate and a stale second factor are refused; a second casting vote too."""
    c5 = make_council5()
    motion = tied(c5)
    chair_of(c5)
    for actor in (c5.sec, c5.actors["DE"], Actor.system("tests")):
        with pytest.raises(NotAllowed, match="Only the chair of this council"):
            services.casting_vote_give(actor=actor, motion=motion, choice="yes")
    stale = Actor.for_user(c5.council.chair, source=AuditSource.WEB, mfa_verified=True, mfa_at=1.0)
    with pytest.raises(MfaStale):
        services.casting_vote_give(actor=stale, motion=motion, choice="yes")
    chair = chair_of_existing(c5)
    services.casting_vote_give(actor=chair, motion=motion, choice="no")
    with pytest.raises(Conflict, match="given already"):
        services.casting_vote_give(actor=chair, motion=motion, choice="yes")
    assert Motion.objects.get(pk=motion.pk).tally["outcome"] == "rejected"


def chair_of_existing(c5: Council5) -> Actor:
    return Actor.for_user(c5.council.chair, source=AuditSource.WEB, mfa_verified=True)


def test_no_casting_vote_without_a_tie_a_chair_rule_or_after_certification():
    """A vote that is not tied, a rule without a casting vote, or a certified result refuse it."""
    c5 = make_council5()
    chair = chair_of(c5)
    # not tied
    motion = c5.open(rule=CHAIR_RULE)
    c5.vote(motion, "DE", "yes")
    motion = services.motion_close(actor=c5.sec, motion=c5.expire(motion))
    with pytest.raises(Conflict, match="not tied"):
        services.casting_vote_give(actor=chair, motion=motion, choice="yes")
    # tied, but a tie simply fails under this rule
    plain = tied(c5, rule=rules.VotingRule.simple_majority().to_dict())
    with pytest.raises(Conflict, match="not tied under a rule"):
        services.casting_vote_give(actor=chair, motion=plain, choice="yes")
    # tied under the chair's rule, but certified already
    certified = services.motion_certify(actor=c5.sec, motion=tied(c5))
    with pytest.raises(Conflict, match="before the result is certified"):
        services.casting_vote_give(actor=chair, motion=certified, choice="yes")
    # and an abstention is no casting vote
    open_tie = tied(c5)
    with pytest.raises(Exception, match="yes or no"):
        services.casting_vote_give(actor=chair, motion=open_tie, choice="abstain")


def test_a_casting_vote_changed_in_the_database_is_found(tmp_path):
    """Flipping the casting vote after the statement: verify_votes and the recompute both say so."""
    # given a tie settled by the chair's yes, certified and published
    c5 = make_council5()
    motion = services.casting_vote_give(actor=chair_of(c5), motion=tied(c5), choice="yes")
    motion = services.motion_certify(actor=c5.sec, motion=motion)
    services.motion_publish(actor=c5.sec, motion=motion)
    # when someone with the database turns it into a no (and the outcome with it)
    Motion.objects.filter(pk=motion.pk).update(casting_vote="no")
    # then verify_votes names the motion and the casting vote
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("verify_votes", stdout=out)
    assert f"{motion.reference}: MISMATCH" in out.getvalue()
    assert "the chair's casting vote is no but the platform signed yes" in out.getvalue()
    # and so does the offline recompute over the open data
    download_json(tmp_path)
    lines: list[str] = []
    assert recompute.check_decisions(tmp_path, lines.append) > 0
    assert (
        f"{motion.reference}: the chair's casting vote is no but the platform signed yes" in lines
    )
    assert f"{motion.reference}: recount gives rejected, published adopted" in lines


def test_the_chair_settles_a_tie_in_an_encrypted_secret_vote():
    """A secret vote's tie is known only from its decrypted totals; the chair's vote counts with them."""
    from governance.secret_board import verify_board
    from governance.selectors.secret import board_document
    from tests.governance import secret_fixtures as sf

    # given an encrypted secret vote under the chair's rule, tied two to two once decrypted
    c5 = make_council5()
    ceremony = sf.open_secret(c5, rule=CHAIR_RULE)
    for state, choice in [("DE", "yes"), ("FR", "no"), ("IT", "yes"), ("ES", "no")]:
        sf.cast(c5, ceremony, state, choice)
    sf.close(c5, ceremony)
    chair = chair_of(c5)
    # then before the trustees decrypt there is no tie to settle
    with pytest.raises(Conflict):
        services.casting_vote_give(actor=chair, motion=ceremony.motion, choice="yes")
    motion = sf.decrypt(c5, ceremony)
    assert motion.tally["tie"] and motion.tally["outcome"] == "rejected"
    # when the chair gives a yes casting vote
    motion = services.casting_vote_give(actor=chair, motion=motion, choice="yes")
    # then the motion is adopted, and the database and the public board both recount it so
    assert motion.tally["outcome"] == "adopted" and motion.tally["casting_vote"] == "yes"
    assert verify_motion(motion).ok, verify_motion(motion).problems
    board = board_document(motion)
    assert board["casting_vote"] == "yes"
    assert verify_board(board).ok, verify_board(board).problems
    # and a board whose casting vote is taken away no longer adds up
    board["casting_vote"] = None
    assert not verify_board(board).ok
