"""The certified result, `verify_votes` and the offline recompute count every rule kind alike."""

from __future__ import annotations

import datetime as dt
import io
import json
from fractions import Fraction
from typing import Any

import pytest
from django.core.management import call_command

from core.actors import Actor
from core.models import AuditSource
from governance import rules, services
from governance.models import DecisionStatement, Motion, StaffRoleKind
from governance.rules import QuorumBase, VotingRule
from governance.verification import verify_motion
from tests.factories import StaffRoleFactory, UserFactory
from tests.governance import secret_fixtures as sf
from tests.governance.voting_fixtures import make_council5
from tests.transparency.test_recompute import download_json
from transparency import recompute

pytestmark = pytest.mark.django_db

TIE = VotingRule.simple_majority(rules.TieBreak.CHAIR_CASTING_VOTE)
# Each case: a title, the motion's overrides, who is marked present, the ballots, and the
# outcome the rule-book gives (the reason is in the comment).
CASES: list[tuple[str, dict[str, Any], list[str], dict[str, str], str]] = [
    # 2 yes to 1 no among those voting
    ("simple", {"rule": VotingRule.simple_majority().to_dict()}, [],
     {"DE": "yes", "FR": "yes", "IT": "no"}, "adopted"),
    # 2 to 2; the chair's casting vote (yes, given below) settles it
    ("casting", {"rule": TIE.to_dict()}, [],
     {"DE": "yes", "FR": "no", "IT": "yes", "ES": "no"}, "adopted"),
    # 3 of 5 voting yes is short of two-thirds of those voting
    ("qualified of voting", {"rule": VotingRule.qualified_of_voting().to_dict()}, [],
     {"DE": "yes", "FR": "yes", "IT": "yes", "ES": "no", "NL": "no"}, "rejected"),
    # 4 of the 5 members: two-thirds of all members
    ("qualified of members", {"rule": VotingRule.qualified_of_members().to_dict()}, [],
     {"DE": "yes", "FR": "yes", "IT": "yes", "ES": "yes"}, "adopted"),
    # one abstention breaks unanimity of all
    ("unanimity", {"rule": VotingRule.unanimity_all_yes().to_dict()}, [],
     {"DE": "yes", "FR": "yes", "IT": "yes", "ES": "yes", "NL": "abstain"}, "rejected"),
    # nobody objects and someone says yes
    ("no objection", {"rule": VotingRule.unanimity_no_objection().to_dict()}, [],
     {"DE": "yes", "NL": "abstain"}, "adopted"),
    # 3 of 5 members (55 % is 2.75) holding well over 65 % of the population
    ("double majority", {"rule": VotingRule.double_majority().to_dict()}, [],
     {"DE": "yes", "FR": "yes", "IT": "yes", "ES": "no", "NL": "no"}, "adopted"),
    # DE and FR hold 55 %, but DE is capped at 25 %: short of two-thirds of the weights
    ("weight cap", {"rule": VotingRule.weighted_double_majority()
                    .with_weight_cap(Fraction(1, 4)).to_dict()}, [],
     {"DE": "yes", "FR": "yes", "IT": "no", "ES": "no", "NL": "no"}, "rejected"),
    # present: DE, FR, IT (marked) and ES (voted); 2 yes of 4 present is not more than half
    ("majority of those present", {"rule": VotingRule.qualified_of_present().to_dict()},
     ["DE", "FR", "IT"], {"DE": "yes", "ES": "yes"}, "rejected"),
    # a quorum of 3/5 of the members present: 4 present though only 2 voted
    ("quorum of those present", {"rule": VotingRule.simple_majority(
        quorum=Fraction(3, 5)).with_quorum_base(QuorumBase.PRESENT).to_dict()},
     ["IT", "ES"], {"DE": "yes", "FR": "no", "NL": "yes"}, "adopted"),
    # silence: nobody objected by the deadline
    ("silence", {"procedure": "silence"}, [], {"DE": "abstain"}, "adopted"),
    # a formal abstainer (1 of 5) does not block unanimity
    ("constructive abstention", {"rule": VotingRule.unanimity_constructive_abstention()
                                 .to_dict()}, [],
     {"DE": "yes", "FR": "yes", "IT": "yes", "ES": "yes", "NL": "abstain"}, "adopted"),
    # only the programme's participants (DE, FR, IT) vote, by its key: DE's 50 % alone is short
    ("programme", {"rule": VotingRule.weighted_double_majority().to_dict(),
                   "programme": "models"}, [],
     {"DE": "yes", "FR": "no", "IT": "no"}, "rejected"),
    # a secret ballot, encrypted and counted from its decrypted totals, with attendance
    ("secret", {"rule": VotingRule.simple_majority().to_dict(), "secret": True}, ["NL"],
     {"DE": "yes", "FR": "yes", "IT": "no"}, "adopted"),
]  # fmt: skip


def test_certified_verified_and_recomputed_results_agree_for_every_rule_kind(tmp_path):
    """Every rule kind, attendance, a programme, silence and a casting vote: three counts, one result."""
    # given a council of five, a chair, and a programme three of its states take part in
    c5 = make_council5()
    chair = UserFactory(username="chair")
    c5.council.chair = chair  # type: ignore[assignment]
    c5.council.save()
    secretariat_user = UserFactory(username="secretariat")
    StaffRoleFactory(user=secretariat_user, role=StaffRoleKind.COUNCIL_SECRETARY)
    secretariat = Actor.for_user(secretariat_user, source=AuditSource.WEB, mfa_verified=True)
    programme = services.programme_create(
        actor=secretariat, code="models", name="Frontier models", council=c5.council
    )
    services.programme_key_set(
        actor=secretariat,
        programme=programme,
        valid_from=dt.date(2024, 1, 1),
        shares={"DE": "0.5", "FR": "0.3", "IT": "0.2"},
    )
    # when each motion is voted on, closed (the tie settled by the chair) and certified
    certified: dict[str, Motion] = {}
    for title, overrides, present, ballots, _expected in CASES:
        values = dict(overrides)
        if "programme" in values:
            values["programme"] = programme
        ceremony = sf.open_secret(c5, title=title, **values) if values.get("secret") else None
        motion = ceremony.motion if ceremony else c5.open(title=title, **values)
        for code in present:
            services.attendance_mark(
                actor=c5.sec, motion=motion, member_state=c5.states[code], present=True
            )
        for code, choice in ballots.items():
            if ceremony:  # a secret vote's ballots are encrypted (issue 16)
                sf.cast(c5, ceremony, code, choice)
            else:
                c5.vote(motion, code, choice)
        motion = services.motion_close(actor=c5.sec, motion=c5.expire(motion))
        if ceremony:  # two of its three trustees decrypt the totals
            ceremony.motion = motion
            motion = sf.decrypt(c5, ceremony)
        if title == "casting":
            actor = Actor.for_user(chair, source=AuditSource.WEB, mfa_verified=True)
            motion = services.casting_vote_give(actor=actor, motion=motion, choice="yes")
        motion = services.motion_certify(actor=c5.sec, motion=motion)
        services.motion_publish(actor=c5.sec, motion=motion)
        certified[title] = Motion.objects.get(pk=motion.pk)
    # then each certified outcome is the rule-book's
    assert {t: m.outcome for t, m in certified.items()} == {c[0]: c[4] for c in CASES}
    # and the programme's electorate is its participants, by its key, the others excluded
    entries = certified["programme"].electorate.entries
    assert entries["programme"] == "models"
    assert [(e["state"], e["share"]) for e in entries["electors"]] == [
        ("DE", "1/2"),
        ("FR", "3/10"),
        ("IT", "1/5"),
    ]
    assert {e["state"]: e["reason"] for e in entries["excluded"]} == {
        "ES": "not taking part in the programme",
        "NL": "not taking part in the programme",
    }
    assert "programme" not in certified["simple"].electorate.entries
    # and the statements signed the attendance and the casting vote where they count
    latest = {
        t: json.loads(DecisionStatement.objects.filter(motion=m).order_by("-index")[0].body)
        for t, m in certified.items()
    }
    assert latest["majority of those present"]["present_states"] == ["DE", "ES", "FR", "IT"]
    assert latest["casting"]["casting_vote"] == "yes"
    assert "present_states" not in latest["simple"]
    # and verify_votes recounts each to the certified figures, with nothing amiss
    for title, motion in certified.items():
        result = verify_motion(motion)
        assert result.ok, (title, result.problems)
        stored = motion.tally
        assert {k: result.recount[k] for k in ("outcome", "yes", "no", "abstain", "absent")} == {
            k: stored[k] for k in ("outcome", "yes", "no", "abstain", "absent")
        }, title
    out = io.StringIO()
    call_command("verify_votes", stdout=out)
    assert "MISMATCH" not in out.getvalue()
    # and the offline recompute over the open data finds the same results, without a difference
    download_json(tmp_path)
    lines: list[str] = []
    assert recompute.check_decisions(tmp_path, lines.append) == 0, lines
    assert lines == [f"{len(CASES)} decision(s) recomputed, 0 difference(s)."]
    published = {d["title"]: d for d in json.loads((tmp_path / "decisions.json").read_text())}
    assert {t: published[t]["outcome"] for t in certified} == {c[0]: c[4] for c in CASES}
    assert published["casting"]["casting_vote"] == "yes"
    assert published["quorum of those present"]["present_states"] == "DE ES FR IT NL"
