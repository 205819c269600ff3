"""Insiders can't bend it: accreditation to the Safety Board, "a secretary", drafts, suspensions.

Each test plays the insider of issue 12 (a head of delegation, one council's secretary, another
council's delegate, a suspended state) through the service, the API, the pages or the admin.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from compute.models import ProjectMember
from core.actors import Actor
from core.errors import MfaRequired, NotAllowed, ValidationFailed
from core.models import AuditEvent, AuditSource, User
from governance import permissions, selectors, services
from governance.models import (
    Accreditation,
    AccreditationApproval,
    ContributionShare,
    DelegateRole,
    Escalation,
    MemberState,
    Motion,
    ProjectStatus,
    StaffRoleKind,
)
from governance.registry import project_membership_sources
from tests.conftest import enable_totp, sign_in
from tests.factories import (
    AccreditationFactory,
    CouncilFactory,
    SeatFactory,
    StaffRoleFactory,
    UserFactory,
)
from tests.governance.voting_fixtures import Council5, make_council5

pytestmark = pytest.mark.django_db

SECRET = "CONFIDENTIAL-insider-5e1f"  # planted in the confidential account


def act(user: User, *, mfa: bool = True) -> Actor:
    return Actor.for_user(user, source=AuditSource.WEB, mfa_verified=mfa)


def with_totp(user: User) -> None:
    from allauth.mfa.utils import is_mfa_enabled

    if not is_mfa_enabled(user):
        enable_totp(user)


# One signed-in client per person within a test (a TOTP code is accepted only once); an
# APIClient serves the pages as well as the API.
_clients: dict[tuple[int, bool], APIClient] = {}


@pytest.fixture(autouse=True)
def _fresh_clients() -> None:
    _clients.clear()


def api(user: User, *, mfa: bool = True) -> APIClient:
    key = (user.pk, mfa)
    if key not in _clients:
        if mfa:
            with_totp(user)
        client = APIClient()
        sign_in(client, user, with_mfa=mfa)
        _clients[key] = client
    return _clients[key]


def browser(user: User, *, mfa: bool = True) -> Client:
    return api(user, mfa=mfa)


@pytest.fixture
def board() -> Council5:
    """The Safety Board: five seated states with approved heads, its own secretary, a project."""
    c5 = make_council5(code="safety-board", kind="safety_board")
    c5.board_secretary = UserFactory(username="board-secretary")
    StaffRoleFactory(user=c5.board_secretary, council=c5.council)
    officer = UserFactory(username="officer")
    StaffRoleFactory(user=officer, role=StaffRoleKind.SAFETY_OFFICER)
    c5.actors["officer"] = act(officer)
    lead = UserFactory(username="lead")
    c5.project = services.project_submit(
        actor=act(lead), title="Frontier-9", abstract="A large model.", host_institution="CNRS",
        host_state=c5.states["FR"], gpu_hours_requested=900_000, period_start=dt.date(2027, 1, 1),
        period_end=dt.date(2027, 12, 31), safety_self_assessment="Level 2", proposed_safety_level=2,
    )  # fmt: skip
    return c5


def raise_escalation(board: Council5) -> Escalation:
    return services.escalation_raise(
        actor=board.actors["officer"], projects=[board.project], severity="high",
        confidential_account=f"{SECRET} evaluation found uplift",
        public_summary="A capability evaluation raised concerns.", proposed_measure="freeze",
    )  # fmt: skip


def head_names(board: Council5, username: str, **overrides: object) -> object:
    """The head of Germany's Board delegation names someone through the API, as in the issue."""
    payload = {
        "username": username,
        "council": "safety-board",
        "member_state": "DE",
        "role": "alternate",
        "valid_from": selectors.today().isoformat(),
        **overrides,
    }
    return api(board.heads["DE"]).post("/api/v1/delegates/", payload, format="json")


# -- 1. Accreditation to the Safety Board --------------------------------------------------------


def test_an_alternate_named_by_a_head_reads_nothing_and_votes_nowhere_until_approved(board):
    """A head's alternate on the Board is pending: no confidential account, no escalation, no vote."""
    # given an escalation and an open Board vote
    escalation = raise_escalation(board)
    motion = board.open(title="Confirm the freeze")
    researcher = UserFactory(username="researcher")
    # when the head of Germany's delegation names the researcher an alternate
    response = head_names(board, "researcher")
    # then the accreditation exists but awaits the secretariat
    assert response.status_code == 201, response.json()
    assert response.json()["approval"] == "pending"
    accreditation = Accreditation.objects.get(user=researcher)
    assert accreditation.approval == AccreditationApproval.PENDING
    # and it grants nothing: not the confidential account, not raising, not voting
    as_researcher = act(researcher)
    assert not permissions.may_read_confidential(as_researcher)
    with pytest.raises(NotAllowed):
        services.escalation_read_confidential(actor=as_researcher, escalation=escalation)
    with pytest.raises(NotAllowed):
        services.escalation_raise(
            actor=as_researcher, projects=[board.project], severity="low",
            confidential_account="x", public_summary="y", proposed_measure="freeze",
        )  # fmt: skip
    with pytest.raises(NotAllowed, match="no voting accreditation"):
        services.ballot_cast(
            actor=as_researcher, motion=motion, member_state=board.states["DE"], choice="no"
        )
    # nor through the pages
    page = browser(researcher).get(f"/safety/escalations/{escalation.pk}/?show=confidential")
    assert SECRET not in page.content.decode()
    assert not AuditEvent.objects.filter(
        action="escalation.confidential_read", actor_label="researcher"
    ).exists()


def test_the_boards_secretary_approves_with_mfa_and_only_then_access_follows(board):
    """Approval is the Board secretary's, with a second factor, audited; then the alternate reads."""
    # given a pending alternate named by a head
    escalation = raise_escalation(board)
    researcher = UserFactory(username="researcher")
    accreditation_id = head_names(board, "researcher").json()["id"]
    url = f"/api/v1/delegates/{accreditation_id}/approve/"
    # when the head, another council's secretary, or the Board's secretary without MFA try
    other = UserFactory(username="gc-secretary")
    StaffRoleFactory(user=other, council=CouncilFactory(code="governing-council"))
    refused = [
        api(board.heads["DE"]).post(url),
        api(other).post(url),
        api(board.board_secretary, mfa=False).post(url),
    ]
    # then each is refused and nothing changed
    assert [r.status_code for r in refused] == [403, 403, 403]
    assert refused[2].json()["code"] == "mfa_required"
    assert Accreditation.objects.get(pk=accreditation_id).approval == "pending"
    # when the Board's secretary approves with the second factor
    approved = api(board.board_secretary).post(url)
    # then it counts from now on, and the audit trail says who approved it
    assert approved.status_code == 200, approved.json()
    assert approved.json()["approval"] == "approved"
    assert approved.json()["approved_by"] == "board-secretary"
    event = AuditEvent.objects.get(action="accreditation.approve")
    assert event.actor_label == "board-secretary"
    read = services.escalation_read_confidential(actor=act(researcher), escalation=escalation)
    assert SECRET in str(read["confidential_account"])
    # and approving twice is a conflict
    assert api(board.board_secretary).post(url).status_code == 409


def test_the_secretariat_page_lists_pending_accreditations_and_approves_them(board):
    """The Board's secretary sees the pending alternate on the secretariat page and approves it."""
    # given
    UserFactory(username="researcher", first_name="Rosa", last_name="Researcher")
    accreditation_id = head_names(board, "researcher").json()["id"]
    secretary = browser(board.board_secretary)
    # when
    page = secretary.get("/secretariat/").content.decode()
    done = secretary.post(f"/secretariat/accreditations/{accreditation_id}/approve/", follow=True)
    # then
    assert "Accreditations awaiting your approval" in page
    assert "Rosa Researcher" in page
    assert done.status_code == 200
    assert Accreditation.objects.get(pk=accreditation_id).approval == "approved"


def test_a_head_cannot_approve_from_the_page_either(board):
    """The approve button posted by the head of delegation changes nothing."""
    UserFactory(username="researcher")
    accreditation_id = head_names(board, "researcher").json()["id"]
    head = browser(board.heads["DE"])
    head.post(f"/secretariat/accreditations/{accreditation_id}/approve/")
    assert Accreditation.objects.get(pk=accreditation_id).approval == "pending"


def test_the_admin_approves_through_the_service_and_refuses_another_councils_secretary(board):
    """The admin action approves as the Board's secretary; another council's secretary is refused."""
    # given a pending accreditation and two staff accounts that may use the admin
    from django.contrib.auth.models import Permission

    UserFactory(username="researcher")
    accreditation_id = head_names(board, "researcher").json()["id"]
    perms = Permission.objects.filter(codename__in=["view_accreditation", "change_accreditation"])
    other = UserFactory(username="gc-secretary", is_staff=True)
    StaffRoleFactory(user=other, council=CouncilFactory(code="governing-council"))
    other.user_permissions.set(perms)
    board.board_secretary.is_staff = True
    board.board_secretary.save()
    board.board_secretary.user_permissions.set(perms)
    action = {"action": "approve_selected", "_selected_action": [accreditation_id]}
    # when another council's secretary uses the action
    browser(other).post("/admin/governance/accreditation/", action)
    # then nothing is approved
    assert Accreditation.objects.get(pk=accreditation_id).approval == "pending"
    # when the Board's secretary uses it
    browser(board.board_secretary).post("/admin/governance/accreditation/", action)
    # then it is approved, through the service (audited)
    assert Accreditation.objects.get(pk=accreditation_id).approval == "approved"
    assert AuditEvent.objects.filter(
        action="accreditation.approve", source=AuditSource.ADMIN
    ).exists()


def test_a_secretary_accredits_to_the_board_approved_at_once(board):
    """The Board's secretary (with MFA) is the secretariat: their accreditation needs no approval."""
    user = UserFactory(username="new-member")
    accreditation = services.accreditation_grant(
        actor=act(board.board_secretary), user=user, council=board.council,
        member_state=board.states["IT"], role=DelegateRole.ALTERNATE, valid_from=selectors.today(),
    )  # fmt: skip
    assert accreditation.approval == AccreditationApproval.APPROVED
    assert permissions.may_read_confidential(act(user))


def test_ordinary_councils_need_no_approval(board):
    """A head's adviser on a council without confidential material counts at once, as before."""
    council = CouncilFactory(code="governing-council")
    SeatFactory(council=council, member_state=board.states["DE"])
    head = UserFactory(username="gc-de-head")
    AccreditationFactory(user=head, council=council, member_state=board.states["DE"])
    adviser = services.accreditation_grant(
        actor=act(head), user=UserFactory(username="gc-adviser"), council=council,
        member_state=board.states["DE"], role=DelegateRole.ALTERNATE, valid_from=selectors.today(),
    )  # fmt: skip
    assert adviser.approval == AccreditationApproval.APPROVED


def test_no_accreditation_starts_in_the_past(board):
    """A backdated start is refused, for a head and for the secretary alike."""
    UserFactory(username="researcher")
    yesterday = (selectors.today() - dt.timedelta(days=1)).isoformat()
    response = head_names(board, "researcher", valid_from=yesterday)
    assert response.status_code == 400
    assert "valid_from" in response.json()["fields"]
    with pytest.raises(ValidationFailed) as err:
        services.accreditation_grant(
            actor=act(board.board_secretary), user=UserFactory(username="x"),
            council=board.council, member_state=board.states["IT"], role=DelegateRole.ADVISER,
            valid_from=selectors.today() - dt.timedelta(days=30),
        )  # fmt: skip
    assert err.value.field == "valid_from"
    assert not Accreditation.objects.filter(user__username__in=["researcher", "x"]).exists()


def test_only_the_platform_records_an_accreditation_that_began_earlier(board):
    """A server-side command (seed_demo, an import of credentials) may record a past start."""
    accreditation = services.accreditation_grant(
        actor=Actor.system("import"), user=UserFactory(username="old-hand"),
        council=board.council, member_state=board.states["IT"], role=DelegateRole.ADVISER,
        valid_from=dt.date(2024, 6, 1),
    )  # fmt: skip
    assert accreditation.valid_from == dt.date(2024, 6, 1)


def test_the_lead_of_a_project_under_escalation_cannot_join_the_board(board):
    """Nobody judges their own project: its lead is refused, by head and by secretary."""
    # given an open escalation about the lead's project
    raise_escalation(board)
    # when the head names the lead, and the Board's secretary tries too
    response = head_names(board, "lead")
    with pytest.raises(ValidationFailed) as err:
        services.accreditation_grant(
            actor=act(board.board_secretary), user=User.objects.get(username="lead"),
            council=board.council, member_state=board.states["IT"], role=DelegateRole.DELEGATE,
            valid_from=selectors.today(),
        )  # fmt: skip
    # then both are refused, naming the project
    assert response.status_code == 400
    assert "user" in response.json()["fields"]
    assert board.project.code in response.json()["message"]
    assert err.value.field == "user"
    assert not Accreditation.objects.filter(user__username="lead").exists()


def test_a_compute_member_of_a_project_under_escalation_cannot_join_the_board(board):
    """Project members are known to compute; governance asks through its registry."""
    # given a member of the escalated project, kept by compute
    assert "compute.members" in project_membership_sources()
    member = UserFactory(username="member")
    ProjectMember.objects.create(project=board.project, user=member, added_by="lead")
    raise_escalation(board)
    # when the head names them
    response = head_names(board, "member")
    # then they are refused
    assert response.status_code == 400
    assert "user" in response.json()["fields"]


def test_an_escalation_raised_before_approval_blocks_the_approval(board):
    """A member named while no escalation was open is not approved once one is."""
    # given a pending alternate who is a member of the project
    member = UserFactory(username="member")
    accreditation_id = head_names(board, "member").json()["id"]
    ProjectMember.objects.create(project=board.project, user=member, added_by="lead")
    raise_escalation(board)
    # when the Board's secretary approves
    response = api(board.board_secretary).post(f"/api/v1/delegates/{accreditation_id}/approve/")
    # then it is refused and stays pending
    assert response.status_code == 400
    assert Accreditation.objects.get(pk=accreditation_id).approval == "pending"


def test_a_closed_escalation_no_longer_bars_the_lead(board):
    """Once the escalation is closed, the project's lead may be accredited again."""
    escalation = raise_escalation(board)
    Escalation.objects.filter(pk=escalation.pk).update(status="closed")
    response = head_names(board, "lead")
    assert response.status_code == 201, response.json()


# -- 4. "A secretary" means the secretariat; every write carries its second factor ---------------


@pytest.fixture
def board_only_secretary(board) -> User:
    """A secretary limited to the Safety Board (board.secretary is the council-wide one)."""
    return board.board_secretary


def test_one_councils_secretary_is_not_the_secretariat(board, board_only_secretary):
    """Member states, councils, voting rights and shares need a council-wide secretary."""
    actor = act(board_only_secretary)
    assert permissions.is_secretary(actor, board.council)
    assert not permissions.is_secretary(actor)
    with pytest.raises(NotAllowed):
        services.member_state_update(actor=actor, state=board.states["DE"], population=1)
    with pytest.raises(NotAllowed):
        services.council_create(
            actor=actor, code="x", kind="scientific_council", name_en="X", name_de="X", name_fr="X"
        )
    with pytest.raises(NotAllowed):
        services.council_chair_set(actor=actor, council=board.council, user=board_only_secretary)
    with pytest.raises(NotAllowed):
        services.voting_rights_suspend(actor=actor, member_state=board.states["IT"], reason="x")
    with pytest.raises(NotAllowed):
        services.contribution_shares_set(
            actor=actor, shares={"DE": Decimal("1")}, valid_from=dt.date(2030, 1, 1), source="x"
        )
    assert not ContributionShare.objects.filter(valid_from=dt.date(2030, 1, 1)).exists()
    # while the council-wide secretary may
    services.voting_rights_suspend(actor=board.sec, member_state=board.states["IT"], reason="x")


def test_one_councils_secretary_is_refused_by_the_api(board, board_only_secretary):
    """Through the API the Board's secretary cannot change member states or suspend votes."""
    client = api(board_only_secretary)
    response = client.patch("/api/v1/member-states/DE/", {"population": 1}, format="json")
    assert response.status_code == 403
    assert MemberState.objects.get(code="DE").population != 1
    created = client.post(
        "/api/v1/councils/",
        {"code": "x", "kind": "scientific_council", "name_en": "X", "name_de": "X", "name_fr": "X"},
        format="json",
    )
    assert created.status_code == 403
    assert not CouncilFactory._meta.model.objects.filter(code="x").exists()


def test_the_secretariat_page_shows_one_councils_secretary_only_their_council(board):
    """The Board's secretary sees no Governing Council draft and cannot draft for that council."""
    # given a Governing Council draft by the council-wide secretary
    gc = CouncilFactory(code="governing-council")
    SeatFactory(council=gc, member_state=board.states["DE"])
    draft = services.motion_create(
        actor=board.sec, council=gc, kind="general", title="GC-internal draft", text="x",
        opens_at=timezone.now() + dt.timedelta(days=1), closes_at=timezone.now() + dt.timedelta(days=3),
    )  # fmt: skip
    page = browser(board.board_secretary)
    # when
    desk = page.get("/secretariat/").content.decode()
    form = page.get("/secretariat/motions/new/").content.decode()
    posted = page.post(
        "/secretariat/motions/new/",
        {
            "council": "governing-council", "kind": "general", "title": "Sneaked in", "text": "x",
            "opens_at": "2030-01-01T10:00", "closes_at": "2030-01-08T10:00", "procedure": "ordinary",
        },
    )  # fmt: skip
    # then
    assert draft.reference not in desk
    assert "GC-internal draft" not in desk
    assert 'value="safety-board"' in form
    assert 'value="governing-council"' not in form
    assert posted.status_code == 200  # the form comes back with an error
    assert not Motion.objects.filter(title="Sneaked in").exists()
    # and the council-wide secretary still sees everything
    assert "GC-internal draft" in browser(board.secretary).get("/secretariat/").content.decode()


def test_a_delegate_gets_no_secretariat_page(board):
    """A head of delegation is no secretary of any council."""
    assert browser(board.heads["DE"]).get("/secretariat/").status_code == 403


def test_contribution_shares_need_the_second_factor(board):
    """The council-wide secretary without MFA cannot set the shares weighted votes use."""
    with pytest.raises(MfaRequired):
        services.contribution_shares_set(
            actor=act(board.secretary, mfa=False),
            shares={"DE": Decimal("0.5")},
            valid_from=dt.date(2030, 1, 1),
            source="manual",
        )
    assert not ContributionShare.objects.filter(valid_from=dt.date(2030, 1, 1)).exists()


def test_project_submission_needs_the_second_factor(board):
    """A researcher signed in without the code cannot submit a project, by API or service."""
    researcher = UserFactory(username="researcher")
    payload = {
        "title": "Multilingual 70B", "abstract": "An open model.", "host_institution": "INRIA",
        "host_state": "FR", "gpu_hours_requested": 250000, "period_start": "2027-01-01",
        "period_end": "2027-06-30", "safety_self_assessment": "None expected.",
    }  # fmt: skip
    response = api(researcher, mfa=False).post("/api/v1/projects/", payload, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "mfa_required"
    with pytest.raises(MfaRequired):
        services.project_submit(
            actor=act(researcher, mfa=False), title="x", abstract="x", host_institution="x",
            host_state=board.states["FR"], gpu_hours_requested=1, period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 2, 1), safety_self_assessment="x",
        )  # fmt: skip
    assert not board.project.__class__.objects.filter(lead=researcher).exists()


def test_a_project_moves_only_on_the_secretariats_word(board):
    """Its lead (or any delegate) cannot approve their own project; the secretariat with MFA can."""
    lead = User.objects.get(username="lead")
    with pytest.raises(NotAllowed):
        services.project_status_change(
            actor=act(lead), project=board.project, to=ProjectStatus.APPROVED
        )
    with pytest.raises(NotAllowed):
        services.project_status_change(
            actor=act(board.board_secretary), project=board.project, to=ProjectStatus.APPROVED
        )
    with pytest.raises(MfaRequired):
        services.project_status_change(
            actor=act(board.secretary, mfa=False), project=board.project, to=ProjectStatus.APPROVED
        )
    services.project_status_change(
        actor=board.sec, project=board.project, to=ProjectStatus.APPROVED
    )


# -- 5. Drafts are for the council's delegates and its secretariat until tabled ------------------


@pytest.fixture
def drafted():
    """A Governing Council draft with a document, and people around it who are not its council."""
    gc = make_council5()
    draft = gc.motion(title="Draft: budget envelope", text="DRAFT-TEXT-91c2")
    document = services.motion_document_add(
        actor=gc.sec, motion=draft, title="Annex A",
        file=SimpleUploadedFile("annex.txt", b"DRAFT-ANNEX-77aa"),
    )  # fmt: skip
    board = CouncilFactory(code="safety-board", kind="safety_board")
    SeatFactory(council=board, member_state=gc.states["DE"])
    gc.outsider = UserFactory(username="de-safety")  # another council's delegate
    AccreditationFactory(user=gc.outsider, council=board, member_state=gc.states["DE"])
    gc.board_secretary = UserFactory(username="board-secretary")  # another council's secretary
    StaffRoleFactory(user=gc.board_secretary, council=board)
    gc.gc_secretary = UserFactory(username="gc-secretary")  # this council's own secretary
    StaffRoleFactory(user=gc.gc_secretary, council=gc.council)
    gc.researcher = UserFactory(username="researcher")
    gc.draft, gc.document = draft, document
    return gc


def reads(client: Client, drafted) -> dict[str, object]:
    """What a client gets for the draft: page, document, API detail, and the API list of drafts."""
    m, d = drafted.draft.pk, drafted.document.pk
    listing = client.get("/api/v1/motions/?status=draft")
    return {
        "page": client.get(f"/motions/{m}/").status_code,
        "document": client.get(f"/motions/{m}/documents/{d}/").status_code,
        "api": client.get(f"/api/v1/motions/{m}/").status_code,
        "listed": [r["reference"] for r in listing.json()["results"]]
        if listing.status_code == 200
        else listing.status_code,
    }


@pytest.mark.parametrize("who", ["outsider", "board_secretary", "researcher"])
def test_a_draft_is_hidden_from_those_outside_its_council(drafted, who):
    """Another council's delegate or secretary, and a plain researcher, find no draft at all."""
    client = api(getattr(drafted, who))
    assert reads(client, drafted) == {"page": 404, "document": 404, "api": 404, "listed": []}


def test_a_draft_is_hidden_from_anonymous_visitors(drafted):
    """Without signing in: the page asks to sign in, the API answers 401, nothing leaks."""
    client = APIClient()
    page = client.get(f"/motions/{drafted.draft.pk}/")
    document = client.get(f"/motions/{drafted.draft.pk}/documents/{drafted.document.pk}/")
    assert page.status_code == 302 and "/accounts/login/" in page["Location"]
    assert document.status_code == 302
    assert client.get("/api/v1/motions/?status=draft").status_code == 401
    assert selectors.motions_for_user(user=None).filter(pk=drafted.draft.pk).count() == 0


@pytest.mark.parametrize("who", ["delegate", "gc_secretary", "secretary"])
def test_a_draft_is_read_by_its_councils_delegates_and_secretariat(drafted, who):
    """The council's delegates, its own secretary and the council-wide secretariat read it."""
    user = drafted.heads["IT"] if who == "delegate" else getattr(drafted, who)
    client = api(user, mfa=False)
    got = reads(client, drafted)
    assert got == {
        "page": 200,
        "document": 200,
        "api": 200,
        "listed": [drafted.draft.reference],
    }
    assert b"DRAFT-ANNEX-77aa" in b"".join(
        client.get(f"/motions/{drafted.draft.pk}/documents/{drafted.document.pk}/")
    )


def test_a_pending_accreditation_opens_no_draft(drafted):
    """An accreditation still awaiting approval counts for nothing, drafts included."""
    user = UserFactory(username="pending")
    AccreditationFactory(
        user=user, council=drafted.council, member_state=drafted.states["DE"],
        role=DelegateRole.ADVISER, approval=AccreditationApproval.PENDING,
    )  # fmt: skip
    assert reads(api(user, mfa=False), drafted)["page"] == 404


def test_once_tabled_the_motion_is_open_to_every_signed_in_reader(drafted):
    """Tabling puts the motion on the agenda: the researcher reads it and its documents."""
    services.motion_table(actor=drafted.sec, motion=drafted.draft)
    got = reads(api(drafted.researcher, mfa=False), drafted)
    assert got == {"page": 200, "document": 200, "api": 200, "listed": []}


def test_a_draft_withdrawn_before_tabling_stays_hidden(drafted):
    """Withdrawing a draft does not publish it to everyone."""
    services.motion_withdraw(actor=drafted.sec, motion=drafted.draft, reason="rethought")
    client = api(drafted.researcher, mfa=False)
    assert client.get(f"/motions/{drafted.draft.pk}/").status_code == 404
    assert client.get("/api/v1/motions/?status=withdrawn").json()["results"] == []


# -- 6. A suspension takes effect at once, even in a vote already open --------------------------


@pytest.fixture
def c5() -> Council5:
    return make_council5()


def test_a_state_suspended_while_the_vote_is_open_can_no_longer_vote(c5):
    """Suspended after opening: no new ballot, no change; its earlier ballot stays counted."""
    # given an open vote where IT has voted yes and FR has not voted yet
    motion = c5.open(title="Budget line")
    c5.vote(motion, "IT", "yes")
    c5.vote(motion, "DE", "yes")
    electorate = motion.electorate.sha256
    # when both are suspended for arrears while the vote is open
    system = Actor.system("funding.arrears", source=AuditSource.TASK)
    for code in ("IT", "FR"):
        services.voting_rights_suspend(actor=system, member_state=c5.states[code], reason="arrears")
    # then neither can cast or change a ballot
    with pytest.raises(NotAllowed) as changed:
        c5.vote(motion, "IT", "no")
    assert changed.value.code == "voting_rights_suspended"
    with pytest.raises(NotAllowed) as cast:
        c5.vote(motion, "FR", "no")
    assert cast.value.code == "voting_rights_suspended"
    # and the others still vote
    c5.vote(motion, "ES", "no")
    # when the vote closes
    closed = services.motion_close(actor=c5.sec, motion=c5.expire(motion))
    # then IT's yes from before the suspension counts, FR is absent, the electorate is the frozen one
    assert closed.electorate.sha256 == electorate
    assert closed.tally["yes"] == 2
    assert closed.tally["no"] == 1
    assert closed.tally["members"] == 5
    assert "FR" not in {b.tag for b in closed.ballots.filter(is_current=True)}


def test_a_restored_state_votes_again_in_the_open_vote(c5):
    """A suspension lifted before the close gives the state its vote back in that vote."""
    motion = c5.open()
    system = Actor.system("funding.arrears", source=AuditSource.TASK)
    services.voting_rights_suspend(actor=system, member_state=c5.states["IT"], reason="arrears")
    with pytest.raises(NotAllowed):
        c5.vote(motion, "IT", "yes")
    services.voting_rights_restore(actor=system, member_state=c5.states["IT"], reason="paid")
    assert c5.vote(motion, "IT", "yes").state == "IT"


def test_a_suspended_proxy_holder_cannot_cast_the_vote_it_holds(c5):
    """The holder's suspension stops it casting the grantor's vote too."""
    motion = c5.motion()
    services.proxy_grant(
        actor=c5.actors["FR"], council=c5.council, grantor=c5.states["FR"],
        holder=c5.states["IT"], motion=motion,
    )  # fmt: skip
    services.motion_table(actor=c5.sec, motion=motion)
    motion = services.motion_open(actor=c5.sec, motion=motion)
    services.voting_rights_suspend(
        actor=Actor.system("t"), member_state=c5.states["IT"], reason="arrears"
    )
    with pytest.raises(NotAllowed) as err:
        c5.vote(motion, "FR", "yes", by="IT")
    assert err.value.code == "voting_rights_suspended"
    assert "proxy" in err.value.message


def test_the_api_refuses_a_suspended_states_ballot_and_the_page_offers_none(c5):
    """Through the API the suspended state's head gets 403 voting_rights_suspended; no vote form."""
    motion = c5.open(title="Budget line")
    services.voting_rights_suspend(
        actor=Actor.system("t"), member_state=c5.states["IT"], reason="arrears"
    )
    client = api(c5.heads["IT"])
    response = client.post(
        f"/api/v1/motions/{motion.pk}/ballots/", {"member_state": "IT", "choice": "yes"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 403
    assert response.json()["code"] == "voting_rights_suspended"
    page = client.get(f"/motions/{motion.pk}/").content.decode()
    assert 'name="choice"' not in page
    assert client.get("/my/votes/").content.decode().count("Budget line") == 0


def test_the_rule_is_stated_on_the_motion_page_the_api_and_the_decision_page(c5):
    """Whoever reads the motion or the published decision reads what a suspension does."""
    motion = c5.open(title="Budget line")
    for code in ("DE", "FR", "IT"):
        c5.vote(motion, code, "yes")
    published = services.motion_publish(actor=c5.sec, motion=c5.close_and_certify(motion))
    client = api(c5.heads["DE"], mfa=False)
    words = "A suspension takes effect at once"
    assert words in client.get(f"/motions/{published.pk}/").content.decode()
    assert (
        words in client.get(f"/api/v1/motions/{published.pk}/").json()["electorate_rule_in_words"]
    )
    assert "stays counted" in selectors.electorate_rule_in_words()
    assert words in Client().get(f"/portal/decisions/{published.pk}/").content.decode()


def test_a_suspended_state_is_not_reminded_of_a_vote_it_may_no_longer_cast(c5):
    """The closing reminder skips a state suspended since the vote opened."""
    motion = c5.open()
    c5.vote(motion, "DE", "yes")
    services.voting_rights_suspend(
        actor=Actor.system("t"), member_state=c5.states["IT"], reason="arrears"
    )
    Motion.objects.filter(pk=motion.pk).update(closes_at=timezone.now() + dt.timedelta(hours=20))
    assert services.vote_reminders_send(actor=Actor.system("t")) == 3
    reminded = AuditEvent.objects.filter(action="vote.reminder").values_list("after", flat=True)
    assert sorted(e["state"] for e in reminded) == ["ES", "FR", "NL"]
