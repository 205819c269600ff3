"""Who may do what in governance, in one place."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.actors import Actor
from core.errors import NotAllowed
from core.permissions import require_mfa
from governance import selectors
from governance.models import Council, DelegateRole, MemberState, StaffRoleKind

# Roles a head of delegation may accredit for their own state without the secretariat.
HEAD_MAY_ACCREDIT = (DelegateRole.ALTERNATE, DelegateRole.ADVISER)


def is_secretary(actor: Actor, council: Council | None = None) -> bool:
    """Whether the actor is the secretariat: of `council` if given, else council-wide.

    A check without a council is a check for the whole secretariat, which a secretary limited
    to one council does not pass.
    """
    if actor.is_system:
        return True
    assert actor.user is not None  # noqa: S101 - narrowed by is_system
    if actor.user.is_superuser:
        return True
    return selectors.has_staff_role(
        user=actor.user, role=StaffRoleKind.COUNCIL_SECRETARY, council=council
    )


def is_auditor(user: object) -> bool:
    """Whether a signed-in user holds the auditor's role today (core asks through its hook)."""
    from core.models import User

    if not isinstance(user, User) or not user.is_authenticated:
        return False
    return selectors.has_staff_role(user=user, role=StaffRoleKind.AUDITOR)


def serves_any_council(actor: Actor) -> bool:
    """Whether the actor is a secretary of at least one council (the secretariat page)."""
    if actor.is_system:
        return True
    assert actor.user is not None  # noqa: S101 - narrowed by is_system
    return selectors.councils_served(user=actor.user).exists()


def check_manage_membership(actor: Actor) -> None:
    """Member states and councils are kept by the council-wide secretariat, with a second factor."""
    if not is_secretary(actor):
        raise NotAllowed(
            _(
                "Only the secretariat (a secretary of every council) may change member states and councils."
            )
        )
    require_mfa(actor)


def check_manage_seats(actor: Actor, council: Council) -> None:
    if not is_secretary(actor, council):
        raise NotAllowed(_("Only the secretary of this council may change its seats."))
    require_mfa(actor)


def check_accredit(actor: Actor, council: Council, state: MemberState, role: str) -> None:
    """Secretaries accredit anyone; a head only alternates and advisers of their own state."""
    if is_secretary(actor, council):
        require_mfa(actor)
        return
    assert actor.user is not None  # noqa: S101 - system actors are secretaries above
    # Only an approved head counts: a head still awaiting approval names nobody.
    own = selectors.accreditation_list(
        council=council, on=selectors.today(), approved_only=True
    ).filter(user=actor.user, role=DelegateRole.HEAD)
    head = own.first()
    if head is None:
        raise NotAllowed(
            _("Only a council secretary or a head of delegation may accredit delegates.")
        )
    if head.member_state_id != state.pk:
        raise NotAllowed(_("You may accredit delegates only for your own state's delegation."))
    if role not in HEAD_MAY_ACCREDIT:
        raise NotAllowed(_("A head of delegation may accredit only alternates and advisers."))
    require_mfa(actor)


def check_approve_accreditation(actor: Actor, council: Council) -> None:
    """Approving an accreditation to a confidential body: that council's secretary, with MFA."""
    if not is_secretary(actor, council):
        raise NotAllowed(_("Only the secretary of this council may approve its accreditations."))
    require_mfa(actor)


def check_manage_staff_roles(actor: Actor) -> None:
    if not (actor.is_system or (actor.user is not None and actor.user.is_superuser)):
        raise NotAllowed(_("Only an administrator may grant staff roles."))
    require_mfa(actor)


def check_run_votes(actor: Actor, council: Council) -> None:
    """Tabling, opening, closing, certifying and publishing belong to the council's secretary."""
    if not is_secretary(actor, council):
        raise NotAllowed(_("Only the secretary of this council may do this."))
    require_mfa(actor)


def voting_delegation(actor: Actor, council: Council) -> MemberState | None:
    """The state whose vote the actor may cast in `council` today, if any."""
    if actor.user is None:
        return None
    accreditation = selectors.voting_accreditation(user=actor.user, council=council)
    return accreditation.member_state if accreditation else None


def check_speak_for_state(actor: Actor, council: Council, state: MemberState) -> None:
    """Recusals and proxies are declared by the state's own voting delegates or the secretary."""
    if is_secretary(actor, council):
        require_mfa(actor)
        return
    own = voting_delegation(actor, council)
    if own is None or own.pk != state.pk:
        raise NotAllowed(
            _("Only a voting delegate of %(state)s may do this for it.") % {"state": state.code}
        )
    require_mfa(actor)


def check_voting_rights(actor: Actor) -> None:
    """Suspending and restoring votes: the council-wide secretariat, or the platform (arrears)."""
    if not is_secretary(actor):
        raise NotAllowed(_("Only the secretariat may suspend or restore voting rights."))
    require_mfa(actor)


def check_set_contribution_shares(actor: Actor) -> None:
    """The shares weighted votes use: the platform (an adopted scale) or the whole secretariat."""
    if not is_secretary(actor):
        raise NotAllowed(_("Contribution shares come from an adopted scale."))
    require_mfa(actor)


def check_submit_project(actor: Actor) -> None:
    """A project is submitted by a signed-in person with a second factor, who becomes its lead."""
    if actor.user is None:
        raise NotAllowed(
            _("A project is submitted by a signed-in researcher, who becomes its lead.")
        )
    require_mfa(actor)


def check_change_project_status(actor: Actor, council: Council | None) -> None:
    """A project moves on a council's decision (its secretary) or by the whole secretariat."""
    if not is_secretary(actor, council):
        raise NotAllowed(_("Only the secretariat may change a project's status."))
    require_mfa(actor)


def _safety_board_delegation(actor: Actor) -> MemberState | None:
    from governance.models import Council, CouncilKind

    board = Council.objects.filter(kind=CouncilKind.SAFETY_BOARD).first()
    return voting_delegation(actor, board) if board else None


def may_read_confidential(actor: Actor) -> bool:
    """Safety officers and the Safety Board's delegates (and its chair) read confidential accounts."""
    if actor.is_system:
        return True
    assert actor.user is not None  # noqa: S101
    if selectors.has_staff_role(user=actor.user, role=StaffRoleKind.SAFETY_OFFICER):
        return True
    from governance.models import Council, CouncilKind

    if Council.objects.filter(kind=CouncilKind.SAFETY_BOARD, chair=actor.user).exists():
        return True
    return _safety_board_delegation(actor) is not None


def check_raise_escalation(actor: Actor) -> None:
    """A safety officer or any delegate of the Safety Board may raise an escalation."""
    if not may_read_confidential(actor):
        raise NotAllowed(
            _("Only a safety officer or a delegate of the Safety Board may raise an escalation.")
        )
    require_mfa(actor)


def check_read_confidential(actor: Actor) -> None:
    if not may_read_confidential(actor):
        raise NotAllowed(
            _("The confidential account is for the Safety Board and the safety officers.")
        )
    require_mfa(actor)


def check_order_interim_freeze(actor: Actor) -> None:
    """Only the Safety Board's chair, with a second factor, orders an immediate freeze."""
    from governance.models import Council, CouncilKind

    if (
        actor.user is None
        or not Council.objects.filter(kind=CouncilKind.SAFETY_BOARD, chair=actor.user).exists()
    ):
        raise NotAllowed(_("Only the chair of the Safety Board may order an interim freeze."))
    require_mfa(actor)


def check_mark_attendance(actor: Actor, council: Council) -> None:
    """Who is present for a vote is the council secretary's record (a roll at the meeting)."""
    check_run_votes(actor, council)


def check_check_in(actor: Actor, council: Council, state: MemberState) -> None:
    """A delegation checks in its own state only, through a voting delegate with a second factor."""
    own = voting_delegation(actor, council)
    if own is None or own.pk != state.pk:
        raise NotAllowed(
            _("Only a voting delegate of %(state)s may check it in.") % {"state": state.code}
        )
    require_mfa(actor)


def is_chair(actor: Actor, council: Council) -> bool:
    """Whether the actor is the council's chair (a person, never the platform itself)."""
    return actor.user is not None and council.chair_id == actor.user.pk


def check_give_casting_vote(actor: Actor, council: Council) -> None:
    """The casting vote is the chair's alone; the secretary who runs the vote cannot give it."""
    if not is_chair(actor, council):
        raise NotAllowed(_("Only the chair of this council may give its casting vote."))


def check_manage_programmes(actor: Actor) -> None:
    """Programmes, their participants and keys: the council-wide secretariat, with a second factor.

    The same hands as the contribution shares (check_set_contribution_shares): a programme's key
    is a contribution scale of its own, and who takes part decides who votes on its matters, so
    a secretary of one council, who could otherwise shape the electorate of their own votes,
    may not set it.
    """
    if not is_secretary(actor):
        raise NotAllowed(
            _("Only the secretariat (a secretary of every council) may change programmes.")
        )
    require_mfa(actor)
