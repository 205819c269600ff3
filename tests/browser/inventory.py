"""Every page of every role, as one table: who opens it, where it is, what it is called.

Each row's address is worked out from the demo data at run time (the ORM, on the demo site's
own database, and `reverse`), never a hard-coded id. A row also says which navigation link must
be marked as the current page: `main` in the header's navigation, `section` in a section's own
navigation (the portal's, the finance desk's). A tuple means "one of these".

The browser suite (test_every_page.py, test_languages.py) takes its pages from here only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.urls import NoReverseMatch, reverse

PUBLIC = "public"  # nobody signed in

# The demo accounts (seed_demo) standing for each role.
DELEGATE = "de-head"
SECRETARY = "secretary"
FINANCE = "finance"
SAFETY = "safety"
OPERATOR = "operator"
AUDITOR = "auditor"
RESEARCHER = "researcher"  # a project lead

Where = Callable[[str], str]  # the demo site's database alias -> the page's path


@dataclass(frozen=True)
class Page:
    account: str  # PUBLIC or a demo account
    name: str
    where: Where
    main: str | tuple[str, ...] | None = None  # header link marked current
    section: str | None = None  # a section navigation's link marked current
    # An extra step after opening `where`, e.g. a form submitted to reach a confirmation page.
    then: str | None = None

    @property
    def id(self) -> str:
        return f"{self.account}-{self.name}"

    @property
    def public(self) -> bool:
        return self.account == PUBLIC


def url(name: str, *args: object) -> Where:
    return lambda db: reverse(name, args=args)


def first_url(*names: str) -> Where:
    """The first of these URL names that exists (a page some rework may give its own address)."""

    def where(db: str) -> str:
        for name in names:
            try:
                return reverse(name)
            except NoReverseMatch:
                continue
        raise NoReverseMatch(f"none of {names}")

    return where


def route_exists(name: str) -> bool:
    """Whether this URL name exists (a page some rework adds; its row joins the table then)."""
    from django.urls import get_resolver

    namespace, _, url_name = name.rpartition(":")
    resolver = get_resolver()
    if namespace:
        if namespace not in resolver.namespace_dict:
            return False
        resolver = resolver.namespace_dict[namespace][1]
    return url_name in resolver.reverse_dict


# --- addresses that depend on the demo data ------------------------------------------------------


def _delegate_state(db: str) -> str:
    from governance.models import Accreditation

    accreditation = Accreditation.objects.using(db).filter(user__username=DELEGATE).first()
    assert accreditation is not None, f"the demo has no accreditation for {DELEGATE}"
    return accreditation.member_state.code


def portal_state(db: str) -> str:
    return reverse("transparency:state", args=[_delegate_state(db)])


def _motion(db: str, status: str) -> int:
    from governance.models import Motion

    motion = Motion.objects.using(db).filter(status=status).order_by("pk").first()
    assert motion is not None, f"the demo has no motion with status {status}"
    return motion.pk


def portal_decision(db: str) -> str:
    from governance.models import MotionStatus

    return reverse("transparency:decision", args=[_motion(db, MotionStatus.PUBLISHED)])


def open_motion(db: str) -> str:
    """The motion open for the delegate's vote (the demo's "Approve OpenProof")."""
    from governance.models import MotionStatus

    return reverse("governance:motion_detail", args=[_motion(db, MotionStatus.VOTING_OPEN)])


def draft_motion(db: str) -> str:
    """A draft, where the secretary's steps are offered."""
    from governance.models import MotionStatus

    return reverse("governance:motion_detail", args=[_motion(db, MotionStatus.DRAFT)])


def _secret_motion(db: str) -> int:
    from governance.models import Motion

    motion = Motion.objects.using(db).filter(secret=True, secret_vote__isnull=False).first()
    assert motion is not None, "the demo has no secret vote with trustees"
    return motion.pk


def secret_trustees(db: str) -> str:
    """A secret vote's trustees and the progress of their key ceremony."""
    return reverse("governance:secret_vote_trustees", args=[_secret_motion(db)])


def ceremony(db: str) -> str:
    """Germany's trustee page for the demo's secret vote (de-head is trustee 1)."""
    return reverse("governance:ceremony", args=[_secret_motion(db)])


def landing(db: str) -> str:
    """Where sign-in lands: the signed-in person's dashboard."""
    return reverse(settings.LOGIN_REDIRECT_URL)


def fiscal_year(db: str) -> str:
    from funding.models import FiscalYear

    year = FiscalYear.objects.using(db).order_by("-year").first()
    assert year is not None, "the demo has no fiscal year"
    return reverse("funding:year", args=[year.year])


def scale(db: str) -> str:
    from funding.models import ContributionScale

    found = ContributionScale.objects.using(db).order_by("pk").first()
    assert found is not None, "the demo has no contribution scale"
    return reverse("funding:scale", args=[found.pk])


def state_account(db: str) -> str:
    """The account of the state that paid last (the demo's year has payments in it)."""
    from funding.models import Payment

    payment = Payment.objects.using(db).order_by("-value_date", "-pk").first()
    code = payment.member_state.code if payment is not None else _delegate_state(db)
    return reverse("funding:state_account", args=[code])


def escalation(db: str) -> str:
    from governance.models import Escalation

    found = Escalation.objects.using(db).order_by("pk").first()
    assert found is not None, "the demo has no escalation"
    return reverse("governance:escalation_detail", args=[found.pk])


def period(db: str) -> str:
    from compute.models import AllocationPeriod

    found = AllocationPeriod.objects.using(db).order_by("pk").first()
    assert found is not None, "the demo has no allocation period"
    return reverse("compute:period", args=[found.pk])


def _allocated_project(db: str) -> str:
    from compute.models import ProjectAllocation

    allocation = ProjectAllocation.objects.using(db).order_by("pk").first()
    assert allocation is not None, "the demo has no project allocation"
    return allocation.project.code


def project(db: str) -> str:
    """A project holding compute: the one the Governing Council approved."""
    return reverse("compute:project", args=[_allocated_project(db)])


def proposal(db: str) -> str:
    """The same project's proposal, as its lead reads it."""
    return reverse("governance:project_detail", args=[_allocated_project(db)])


def _session(db: str, title: str) -> int:
    from governance.models import Session

    found = Session.objects.using(db).filter(title=title).first()
    assert found is not None, f"the demo has no session {title!r}"
    return found.pk


def upcoming_session(db: str) -> str:
    return reverse("governance:session_detail", args=[_session(db, "Autumn session")])


def past_minutes(db: str) -> str:
    return reverse("governance:minutes", args=[_session(db, "Spring session")])


def amended_motion(db: str) -> str:
    from governance.models import Amendment

    found = Amendment.objects.using(db).order_by("pk").first()
    assert found is not None, "the demo has no amendment"
    return reverse("governance:amendments", args=[found.motion_id])


def portal_session(db: str) -> str:
    return reverse("transparency:session", args=[_session(db, "Spring session")])


# --- the table ------------------------------------------------------------------------------------

PORTAL = "/portal/"


def _portal(name: str, route: str | Where, section: str) -> Page:
    where = url(route) if isinstance(route, str) else route
    return Page(PUBLIC, name, where, main=PORTAL, section=section)


MOTION_SECTIONS = ("/my/votes/", "/my/councils/", "/secretariat/")
FINANCE_HOME = "/finance/"
COMPUTE_HOME = "/compute/operations/"

PAGES: list[Page] = [
    # The public: the home page, sign-in and the transparency portal.
    Page(PUBLIC, "home", url("home"), main="/"),
    Page(PUBLIC, "sign-in", url("account_login")),
    _portal("portal-overview", "transparency:home", "/portal/"),
    _portal("portal-states", "transparency:states", "/portal/states/"),
    _portal("portal-state", portal_state, "/portal/states/"),
    _portal("portal-decisions", "transparency:decisions", "/portal/decisions/"),
    _portal("portal-decision", portal_decision, "/portal/decisions/"),
    _portal("portal-programmes", "transparency:programmes", "/portal/programmes/"),
    _portal("portal-safety", "transparency:safety", "/portal/safety/"),
    _portal("portal-compute", "transparency:compute", "/portal/compute/"),
    _portal("portal-data", "transparency:data", "/portal/data/"),
    _portal("portal-log", "transparency:log", "/portal/log/"),
    _portal("portal-reports", "transparency:reports", "/portal/reports/"),
    _portal("portal-sessions", "transparency:sessions", "/portal/sessions/"),
    _portal("portal-session", portal_session, "/portal/sessions/"),
    # A head of delegation: what waits for them, their councils, a vote up to its confirmation.
    Page(DELEGATE, "dashboard", landing),
    Page(DELEGATE, "my-councils", url("governance:my_councils"), main="/my/councils/"),
    Page(DELEGATE, "my-open-votes", url("governance:my_open_votes"), main="/my/votes/"),
    Page(DELEGATE, "motion", open_motion, main=MOTION_SECTIONS),
    Page(DELEGATE, "vote-confirm", open_motion, main=MOTION_SECTIONS, then="vote-yes"),
    Page(DELEGATE, "two-factor", url("mfa_index")),
    Page(DELEGATE, "sessions", url("governance:session_list"), main="/sessions/"),
    Page(DELEGATE, "session", upcoming_session, main="/sessions/"),
    Page(DELEGATE, "amendments", amended_motion, main="/sessions/"),
    Page(DELEGATE, "secret-trustees", secret_trustees, main=MOTION_SECTIONS),
    Page(DELEGATE, "ceremony", ceremony, main=MOTION_SECTIONS),
    # The council secretary.
    Page(SECRETARY, "dashboard", landing),
    Page(SECRETARY, "secretariat", url("governance:secretariat"), main="/secretariat/"),
    Page(SECRETARY, "motion", draft_motion, main=MOTION_SECTIONS),
    Page(SECRETARY, "secret-trustees", secret_trustees, main=MOTION_SECTIONS),
    # An open vote: the attendance (present n of m against the quorum) and its marking form.
    Page(SECRETARY, "motion-open", open_motion, main=MOTION_SECTIONS),
    Page(
        SECRETARY,
        "new-motion",
        first_url("governance:motion_new", "governance:motion_create", "governance:secretariat"),
        main="/secretariat/",
    ),
    Page(SECRETARY, "session", upcoming_session, main="/sessions/"),
    Page(SECRETARY, "new-session", url("governance:session_new"), main="/sessions/"),
    Page(SECRETARY, "minutes", past_minutes, main="/sessions/"),
    # The finance officer.
    Page(FINANCE, "dashboard", landing),
    Page(FINANCE, "finance-dashboard", url("funding:dashboard"), FINANCE_HOME, FINANCE_HOME),
    Page(FINANCE, "years", url("funding:years"), FINANCE_HOME, "/finance/years/"),
    Page(FINANCE, "year", fiscal_year, FINANCE_HOME, "/finance/years/"),
    Page(FINANCE, "scales", url("funding:scales"), FINANCE_HOME, "/finance/scales/"),
    Page(FINANCE, "scale", scale, FINANCE_HOME, "/finance/scales/"),
    Page(FINANCE, "state-account", state_account, FINANCE_HOME),
    Page(
        FINANCE, "payment-form", url("funding:payment_new"), FINANCE_HOME, "/finance/payments/new/"
    ),
    Page(
        FINANCE,
        "voluntary-form",
        url("funding:voluntary_new"),
        FINANCE_HOME,
        "/finance/voluntary/new/",
    ),
    Page(FINANCE, "imports", url("funding:imports"), FINANCE_HOME, "/finance/imports/"),
    Page(FINANCE, "reports", url("funding:reports"), FINANCE_HOME, "/finance/reports/"),
    # The safety officer.
    Page(SAFETY, "dashboard", landing),
    Page(SAFETY, "safety", url("governance:safety_home"), main="/safety/"),
    Page(SAFETY, "escalation", escalation, main="/safety/"),
    # The compute operator.
    Page(OPERATOR, "dashboard", landing),
    Page(OPERATOR, "operations", url("compute:operations"), main=COMPUTE_HOME),
    Page(OPERATOR, "period", period, main=COMPUTE_HOME),
    Page(OPERATOR, "project", project, main=COMPUTE_HOME),
    # The auditor: where sign-in lands, and the audit trail (in the staff admin).
    Page(AUDITOR, "dashboard", landing),
    Page(AUDITOR, "audit-trail", url("admin:core_auditevent_changelist")),
    # A project lead: where sign-in lands, their project's compute and (where it exists) proposal.
    Page(RESEARCHER, "dashboard", landing),
    Page(RESEARCHER, "project-compute", project),
    Page(RESEARCHER, "cluster-login", url("compute:my_login")),
    *(
        [Page(RESEARCHER, "project-proposal", proposal)]
        if route_exists("governance:project_detail")
        else []
    ),
]

BY_ID = {page.id: page for page in PAGES}
assert len(BY_ID) == len(PAGES), "two pages share an id"

ACCOUNTS = sorted({page.account for page in PAGES if not page.public})

# The pages checked for English words left on German and French pages.
TRANSLATED = [
    BY_ID[name]
    for name in (
        "public-portal-overview",
        "public-portal-states",
        "public-portal-state",
        "public-portal-decisions",
        "public-portal-decision",
        "public-portal-reports",
        f"{DELEGATE}-dashboard",
        f"{SECRETARY}-secretariat",
    )
]
