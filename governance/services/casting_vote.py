"""The chair's casting vote: after a tie under a simple majority that gives the chair one.

The vote has closed and been signed; the chair's vote settles the tie, the motion is counted
again with it, and a second signed statement records the new tally in the decision log (the
latest statement of a motion is the one that counts).
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import Actor
from core.audit import audit_record
from core.errors import Conflict, ValidationFailed
from core.permissions import require_fresh_mfa
from governance import log_check, permissions, rules
from governance.models import (
    Ballot,
    BallotParticipation,
    CastingVote,
    Motion,
    MotionStatus,
    SecretVote,
)
from governance.rules.totals import Totals, Weighting, tally_from_totals
from governance.services.attendance import present_for_tally
from governance.services.decision_log import statement_record


def casting_vote_open(motion: Motion) -> bool:
    """Whether the chair may give a casting vote now: closed, tied, the rule gives one, none yet."""
    if motion.status != MotionStatus.VOTING_CLOSED or motion.casting_vote or not motion.tally:
        return False
    rule = rules.VotingRule.from_dict(motion.rule)
    return (
        rule.kind is rules.RuleKind.SIMPLE_MAJORITY
        and rule.tie_break is rules.TieBreak.CHAIR_CASTING_VOTE
        and bool(motion.tally.get("tie"))
        and motion.tally.get("outcome") != rules.Outcome.NO_QUORUM
    )


def recount_with(motion: Motion, casting_vote: str | None) -> rules.Tally:
    """Count a closed motion again from its recorded ballots, attendance and a casting vote.

    An encrypted secret vote is counted again from its decrypted totals (its ballots are never
    opened one by one); before the trustees have decrypted them there is nothing to count.
    """
    encrypted = SecretVote.objects.filter(motion=motion).first()
    if encrypted is not None:
        if encrypted.totals is None or encrypted.weightings is None:
            raise Conflict(
                _("The trustees have not decrypted this vote's totals yet; the tie is not known.")
            )
        return tally_from_totals(
            motion.electorate.as_electorate(),
            voters=motion.encrypted_ballots.filter(is_current=True).values_list("state", flat=True),
            totals=Totals.from_decrypted(
                encrypted.totals, Weighting.from_json(encrypted.weightings)
            ),
            attendance=present_for_tally(motion),
            casting_vote=casting_vote,
        )
    current = dict(
        Ballot.objects.filter(motion=motion, is_current=True).values_list("tag", "choice")
    )
    participants = (
        list(
            BallotParticipation.objects.filter(motion=motion).values_list(
                "member_state__code", flat=True
            )
        )
        if motion.secret
        else []
    )
    return log_check.recount(
        motion.electorate.as_electorate().rule,
        motion.electorate.entries,
        current,
        secret=motion.secret,
        participants=participants,
        attendance=present_for_tally(motion),
        casting_vote=casting_vote,
    )


@transaction.atomic
def casting_vote_give(*, actor: Actor, motion: Motion, choice: str) -> Motion:
    """The council's chair gives the casting vote after a tie; the result is counted and signed again."""
    locked = (
        Motion.objects.select_for_update(of=("self",))
        .select_related("council", "electorate")
        .get(pk=motion.pk)
    )
    permissions.check_give_casting_vote(actor, locked.council)
    require_fresh_mfa(actor)
    if choice not in CastingVote.values:
        raise ValidationFailed(_("A casting vote is yes or no."), field="choice")
    if locked.casting_vote:
        raise Conflict(_("The chair's casting vote on this motion has been given already."))
    if locked.status != MotionStatus.VOTING_CLOSED:
        raise Conflict(
            _("A casting vote is given after the vote closes and before the result is certified.")
        )
    if not casting_vote_open(locked):
        raise Conflict(_("This vote is not tied under a rule that gives the chair a casting vote."))
    before = {"outcome": (locked.tally or {}).get("outcome"), "casting_vote": None}
    tally = recount_with(locked, choice)
    locked.casting_vote = choice
    locked.casting_vote_by = actor.user
    locked.casting_vote_at = timezone.now()
    locked.tally = tally.to_dict()
    locked.save(update_fields=["casting_vote", "casting_vote_by", "casting_vote_at", "tally"])
    audit_record(
        actor=actor,
        action="motion.casting_vote",
        target=locked,
        before=before,
        after={
            "casting_vote": choice,
            "outcome": tally.outcome.value,
            "summary": tally.summary,
            "chain_head": locked.chain_head,
        },
    )
    statement_record(actor=actor, motion=locked)
    return locked
