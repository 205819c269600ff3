"""Load realistic demo data: member states, the four councils with seats, delegates, staff."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from core import services as core_services
from core.actors import Actor
from core.models import AuditSource, User
from funding import rules as scale
from governance import rules, services
from governance.models import (
    Accreditation,
    ContributionShare,
    Council,
    CouncilKind,
    DelegateRole,
    Escalation,
    MemberState,
    MemberStatus,
    Motion,
    MotionKind,
    ResearchProject,
    Seat,
    StaffRole,
    StaffRoleKind,
    VotingRulePolicy,
)
from governance.services.trustees import trustees_name

DATA = Path(__file__).resolve().parents[2] / "data"
# The demo motions' titles for German and French readers (Motion.title_translations).
TITLES = {
    "Approve EuroLingua-70B": {
        "de": "Genehmigung von EuroLingua-70B",
        "fr": "Approbation d'EuroLingua-70B",
    },
    "Approve OpenProof": {
        "de": "Genehmigung von OpenProof",
        "fr": "Approbation d'OpenProof",
    },
    "Adopt the 2027 work programme": {
        "de": "Annahme des Arbeitsprogramms 2027",
        "fr": "Adoption du programme de travail 2027",
    },
    "Open-weights release policy": {
        "de": "Richtlinie zur Veröffentlichung offener Modellgewichte",
        "fr": "Politique de publication des poids ouverts",
    },
    "Elect the chair of the Scientific Council": {
        "de": "Wahl des Vorsitzes des Wissenschaftlichen Rates",
        "fr": "Élection de la présidence du Conseil scientifique",
    },
}
DEMO_PASSWORD = "concordia-demo"  # noqa: S105 - printed on purpose: demo accounts only.
# Base32 TOTP secret shared by every demo account, so a tester can add it to any
# authenticator app (or run `oathtool --totp -b SECRET`) and pass the second factor.
DEMO_TOTP_SECRET = "CONCORDIADEMOTOTPSECRET2"  # noqa: S105 - printed on purpose.

FOUNDED = dt.date(2024, 1, 1)
ASSOCIATES = {"UA": dt.date(2025, 7, 1), "IL": dt.date(2025, 7, 1)}
SAFETY_BOARD = ("DE", "FR", "IT", "ES", "NL", "SE", "GB", "US", "CA")

COUNCILS = [
    (
        "governing-council",
        CouncilKind.GOVERNING_COUNCIL,
        "Governing Council",
        "Verwaltungsrat",
        "Conseil d'administration",
    ),
    (
        "scientific-council",
        CouncilKind.SCIENTIFIC_COUNCIL,
        "Scientific Council",
        "Wissenschaftlicher Rat",
        "Conseil scientifique",
    ),
    (
        "finance-committee",
        CouncilKind.FINANCE_COMMITTEE,
        "Finance Committee",
        "Finanzausschuss",
        "Comité des finances",
    ),
    (
        "safety-board",
        CouncilKind.SAFETY_BOARD,
        "Safety Board",
        "Sicherheitsausschuss",
        "Comité de sûreté",
    ),
]

STAFF = [
    ("secretary", "Sofia", "Lindqvist", StaffRoleKind.COUNCIL_SECRETARY),
    ("finance", "Marc", "Dubois", StaffRoleKind.FINANCE_OFFICER),
    ("safety", "Aisha", "Okafor", StaffRoleKind.SAFETY_OFFICER),
    ("operator", "Jonas", "Weber", StaffRoleKind.COMPUTE_OPERATOR),
    ("auditor", "Nora", "Haugen", StaffRoleKind.AUDITOR),
]


class Command(BaseCommand):
    help = "Load the demo data (idempotent: running it again changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Demo data is not allowed with these settings (DEMO_DATA_ALLOWED is off)."
            )
        self.actor = Actor.system("seed_demo", source=AuditSource.COMMAND)
        self.password_hash = make_password(DEMO_PASSWORD)
        with transaction.atomic():
            states = self.seed_states()
            councils = self.seed_councils()
            self.seed_seats(states, councils)
            self.seed_staff()
            self.seed_delegates(states, councils)
            self.seed_contribution_shares(states)
            self.seed_rule_policies(councils)
            self.seed_programmes(councils)
            self.seed_compute()
            self.seed_votes(states, councils)
            self.seed_safety(councils)
            from demo.sessions import seed_sessions

            voting = [c for c in states if c not in ASSOCIATES]
            seed_sessions(self.actor, councils, states, voting)
        # The funding year runs on its own transactions (its reports are made by tasks on commit).
        from django.core.management import call_command

        call_command("funding_seed_demo", stdout=self.stdout)
        self.seed_annual_report()
        self.report()

    def seed_annual_report(self) -> None:
        """This year's transparency report in English, German and French, as the archive promises."""
        from transparency.models import AnnualReport, ReportLanguage
        from transparency.services import annual_report_request_many

        year = timezone.localdate().year
        made = set(AnnualReport.objects.filter(year=year).values_list("language", flat=True))
        missing = [language for language in ReportLanguage.values if language not in made]
        if not missing:
            return
        finance = User.objects.get(username="finance")
        annual_report_request_many(
            actor=Actor.for_user(finance, source=AuditSource.COMMAND, mfa_verified=True),
            year=year,
            languages=missing,
        )

    # -- member states and councils ------------------------------------------------------
    def seed_states(self) -> dict[str, MemberState]:
        states: dict[str, MemberState] = {}
        with (DATA / "member_states.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                code = row["code"]
                existing = MemberState.objects.filter(code=code).first()
                if existing is None:
                    existing = services.member_state_create(
                        actor=self.actor,
                        code=code,
                        name_en=row["name_en"],
                        name_de=row["name_de"],
                        name_fr=row["name_fr"],
                        status=MemberStatus.ASSOCIATE if code in ASSOCIATES else MemberStatus.FULL,
                        accession_date=ASSOCIATES.get(code, FOUNDED),
                        population=int(row["population"]),
                        population_year=int(row["population_year"]),
                        currency=row["currency"],
                    )
                states[code] = existing
        return states

    def seed_councils(self) -> dict[str, Council]:
        councils: dict[str, Council] = {}
        for code, kind, en, de, fr in COUNCILS:
            council = Council.objects.filter(code=code).first()
            if council is None:
                council = services.council_create(
                    actor=self.actor, code=code, kind=kind, name_en=en, name_de=de, name_fr=fr
                )
            councils[code] = council
        return councils

    def seed_seats(self, states: dict[str, MemberState], councils: dict[str, Council]) -> None:
        for code, council in councils.items():
            for state in states.values():
                if code == "safety-board" and state.code not in SAFETY_BOARD:
                    continue
                if code != "governing-council" and state.status != MemberStatus.FULL:
                    continue  # associates sit on the Governing Council only
                if not Seat.objects.filter(council=council, member_state=state).exists():
                    services.seat_grant(
                        actor=self.actor,
                        council=council,
                        member_state=state,
                        seated_from=state.accession_date,
                    )

    # -- people ---------------------------------------------------------------------------
    def user(
        self,
        username: str,
        first: str,
        last: str,
        *,
        language: str = "en",
        staff: bool = False,
        superuser: bool = False,
    ) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = core_services.user_create(
                actor=self.actor,
                username=username,
                email=f"{username}@demo.concordia.example",
                password=None,
                first_name=first,
                last_name=last,
                preferred_language=language,
                # One hash for every demo account: hashing ~150 passwords would take a minute.
                password_hash=self.password_hash,
                is_staff=staff,
                is_superuser=superuser,
            )
            core_services.user_totp_activate(actor=self.actor, user=user, secret=DEMO_TOTP_SECRET)
        return user

    def seed_staff(self) -> None:
        self.user("admin", "Ada", "Admin", superuser=True)
        for username, first, last, role in STAFF:
            user = self.user(username, first, last, staff=True)
            if not StaffRole.objects.filter(user=user, role=role).exists():
                services.staff_role_grant(
                    actor=self.actor, user=user, role=role, valid_from=FOUNDED
                )

    def seed_delegates(self, states: dict[str, MemberState], councils: dict[str, Council]) -> None:
        language = {"DE": "de", "AT": "de", "FR": "fr", "BE": "fr", "LU": "fr", "CH": "de"}
        plan = [
            ("head", "governing-council", DelegateRole.HEAD),
            ("delegate", "governing-council", DelegateRole.DELEGATE),
            ("head", "scientific-council", DelegateRole.HEAD),
            ("finance", "finance-committee", DelegateRole.HEAD),
            ("safety", "safety-board", DelegateRole.HEAD),
        ]
        for state in states.values():
            for suffix, council_code, role in plan:
                council = councils[council_code]
                if not Seat.objects.filter(council=council, member_state=state).exists():
                    continue
                cc = state.code.lower()
                user = self.user(
                    f"{cc}-{suffix}",
                    state.name_en,
                    suffix.capitalize(),
                    language=language.get(state.code, "en"),
                )
                if not Accreditation.objects.filter(user=user, council=council).exists():
                    services.accreditation_grant(
                        actor=self.actor,
                        user=user,
                        council=council,
                        member_state=state,
                        role=role,
                        valid_from=state.accession_date,
                    )

    # -- voting ---------------------------------------------------------------------------
    def seed_contribution_shares(self, states: dict[str, MemberState]) -> None:
        """Shares by the CERN method from the World Bank GNI figures (demo, not an adopted scale)."""
        if ContributionShare.objects.exists():
            return
        rates = {}
        with (DATA / "exchange_rates_annual.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                if row["currency"] == "USD":
                    rates[int(row["year"])] = Decimal(row["avg_rate_per_eur"])
        figures: dict[str, list[scale.IncomeFigure]] = {}
        with (DATA / "national_income.csv").open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                figures.setdefault(row["code"], []).append(
                    scale.IncomeFigure(
                        year=int(row["year"]),
                        currency="USD",
                        national_income=Decimal(row["amount"]),
                    )
                )
        members = tuple(
            scale.Member(
                code=code,
                status=scale.MemberStatus.ASSOCIATE
                if code in ASSOCIATES
                else scale.MemberStatus.FULL,
                accession_year=state.accession_date.year,
                figures=tuple(figures[code]),
            )
            for code, state in states.items()
        )
        result = scale.compute_scale(
            scale.ScaleInputs(
                scale_year=2026,
                budget_cents=1_000_000_000_00,
                members=members,
                rates=tuple(
                    scale.ExchangeRate(year=y, currency="USD", per_budget_unit=r)
                    for y, r in rates.items()
                ),
                parameters=scale.ScaleParameters(
                    budget_currency="EUR", associate_share=Fraction(1, 200)
                ),
            )
        )
        services.contribution_shares_set(
            actor=self.actor,
            shares={m.code: scale.fraction_to_decimal(m.applied_share, 18) for m in result.members},
            valid_from=FOUNDED,
            source="demo scale: World Bank GNI (Atlas), 2023-2025, ECB annual USD rates",
        )

    def seed_programmes(self, councils: dict[str, Council]) -> None:
        """One optional programme, carried by five states with its own key (as at ESA)."""
        from governance.models import Programme

        if Programme.objects.filter(code="frontier-safety").exists():
            return
        programme = services.programme_create(
            actor=self.actor,
            code="frontier-safety",
            name="Frontier Model Safety Programme",
            council=councils["governing-council"],
            description=(
                "Red-teaming and interpretability work on the facility's largest models, "
                "funded by the states that chose to take part."
            ),
        )
        services.programme_key_set(
            actor=self.actor,
            programme=programme,
            valid_from=FOUNDED,
            shares={
                "DE": Decimal("0.35"),
                "FR": Decimal("0.25"),
                "IT": Decimal("0.15"),
                "NL": Decimal("0.15"),
                "SE": Decimal("0.10"),
            },
        )

    def seed_rule_policies(self, councils: dict[str, Council]) -> None:
        if VotingRulePolicy.objects.exists():
            return
        policies = [
            (
                "governing-council",
                MotionKind.PROJECT_APPROVAL,
                rules.VotingRule.qualified_of_voting(),
            ),
            ("governing-council", MotionKind.GENERAL, rules.VotingRule.simple_majority()),
            ("governing-council", MotionKind.BUDGET, rules.VotingRule.weighted_double_majority()),
            ("finance-committee", MotionKind.BUDGET, rules.VotingRule.weighted_double_majority()),
            ("scientific-council", MotionKind.GENERAL, rules.VotingRule.double_majority()),
            (
                "safety-board",
                MotionKind.SAFETY_ESCALATION,
                rules.VotingRule.qualified_of_members(Fraction(1, 3)),
            ),
        ]
        for code, kind, rule in policies:
            services.rule_policy_set(
                actor=self.actor, council=councils[code], motion_kind=kind, rule=rule.to_dict()
            )

    def seed_compute(self) -> None:
        """The cluster's first phase and the 2026 allocation period, split between the states."""
        from compute import services as compute
        from compute.models import AllocationPeriod, Cluster

        if Cluster.objects.exists():
            return
        operator = User.objects.get(username="operator")
        as_operator = Actor.for_user(operator, source=AuditSource.COMMAND, mfa_verified=True)
        cluster = compute.cluster_create(
            actor=self.actor,
            name="concordia",
            description="First phase: 10,000 of the 100,000 planned accelerators",
            gpu_types={"h100": 10_000},
        )
        if not AllocationPeriod.objects.exists():
            period = compute.period_create(
                actor=as_operator,
                cluster=cluster,
                name="2026",
                starts_on=dt.date(2026, 1, 1),
                ends_on=dt.date(2027, 1, 1),
                capacity_minutes=10_000 * 365 * 24 * 60,
                programme_share=Decimal("0.10"),
                reserve_share=Decimal("0.05"),
                equal_share=Decimal("0.35"),
            )
            compute.period_split(actor=as_operator, period=period)

    def seed_votes(self, states: dict[str, MemberState], councils: dict[str, Council]) -> None:
        """One decided project, one open vote for the demo delegates, one draft."""
        if Motion.objects.exists():
            return
        gc = councils["governing-council"]
        now = timezone.now()
        lead = self.user("researcher", "Rosa", "Researcher")
        as_lead = Actor.for_user(lead, source=AuditSource.COMMAND, mfa_verified=True)
        decided = services.project_submit(
            actor=as_lead,
            title="EuroLingua-70B: an open multilingual foundation model",
            abstract="Pre-training a 70B-parameter model on openly licensed text in all 24 official EU languages.",
            host_institution="Forschungszentrum Jülich",
            host_state=states["DE"],
            gpu_hours_requested=1_200_000,
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2026, 12, 31),
            safety_self_assessment="Text-only model; no dual-use capabilities beyond those of public models.",
            proposed_safety_level=2,
        )
        motion = services.motion_create(
            actor=self.actor, council=gc, kind=MotionKind.PROJECT_APPROVAL, project=decided,
            title="Approve EuroLingua-70B", text="The Governing Council approves the project and its GPU-hours.",
            opens_at=now - dt.timedelta(days=10), closes_at=now + dt.timedelta(days=1),
            title_translations=TITLES["Approve EuroLingua-70B"],
        )  # fmt: skip
        self.attach(motion, "Proposal: EuroLingua-70B", "eurolingua-70b-proposal.txt")
        services.motion_table(actor=self.actor, motion=motion)
        services.motion_open(actor=self.actor, motion=motion)
        for code in states:
            if code in ASSOCIATES:
                continue
            head = User.objects.get(username=f"{code.lower()}-head")
            choice = "no" if code in ("HU", "SK") else "abstain" if code in ("AT", "IE") else "yes"
            services.ballot_cast(
                actor=Actor.for_user(head, source=AuditSource.COMMAND, mfa_verified=True),
                motion=motion, member_state=states[code], choice=choice,
            )  # fmt: skip
        services.motion_close(actor=self.actor, motion=motion)
        services.motion_certify(actor=self.actor, motion=motion)
        services.motion_publish(actor=self.actor, motion=motion)
        pending = services.project_submit(
            actor=as_lead,
            title="OpenProof: formal-mathematics reasoning model",
            abstract="A 13B model trained to write machine-checked proofs in Lean.",
            host_institution="INRIA",
            host_state=states["FR"],
            gpu_hours_requested=300_000,
            period_start=dt.date(2027, 1, 1),
            period_end=dt.date(2027, 6, 30),
            safety_self_assessment="Narrow domain; low misuse potential.",
        )
        open_motion = services.motion_create(
            actor=self.actor, council=gc, kind=MotionKind.PROJECT_APPROVAL, project=pending,
            title="Approve OpenProof", text="The Governing Council approves the project and its GPU-hours.",
            opens_at=now, closes_at=now + dt.timedelta(days=7),
            title_translations=TITLES["Approve OpenProof"],
        )  # fmt: skip
        self.attach(open_motion, "Proposal: OpenProof", "openproof-proposal.txt")
        self.attach(open_motion, "Opinion of the Scientific Council", "openproof-opinion.txt")
        services.motion_table(actor=self.actor, motion=open_motion)
        services.motion_open(actor=self.actor, motion=open_motion)
        # A second open vote, closing sooner, so that a delegate's dashboard shows two.
        programme = services.motion_create(
            actor=self.actor, council=gc, kind=MotionKind.GENERAL,
            title="Adopt the 2027 work programme",
            text="The Governing Council adopts the facility's work programme for 2027, annexed.",
            opens_at=now, closes_at=now + dt.timedelta(days=3),
            title_translations=TITLES["Adopt the 2027 work programme"],
        )  # fmt: skip
        self.attach(programme, "Work programme 2027", "work-programme-2027.txt")
        services.motion_table(actor=self.actor, motion=programme)
        services.motion_open(actor=self.actor, motion=programme)
        services.motion_create(
            actor=self.actor, council=gc, kind=MotionKind.GENERAL,
            title="Open-weights release policy",
            text="Weights of models at safety level 1 or 2 are released under an open licence.",
            opens_at=now + dt.timedelta(days=3), closes_at=now + dt.timedelta(days=10),
            title_translations=TITLES["Open-weights release policy"],
        )  # fmt: skip
        # A secret vote (issue 16), tabled, its three trustee delegations named: the key ceremony
        # is theirs to hold in their browsers (de-head is trustee 1), then the vote may open.
        election = services.motion_create(
            actor=self.actor,
            council=gc,
            kind=MotionKind.GENERAL,
            secret=True,
            title="Elect the chair of the Scientific Council",
            text="The Governing Council elects Prof. A. Example chair of the Scientific Council.",
            opens_at=now + dt.timedelta(days=2),
            closes_at=now + dt.timedelta(days=9),
            title_translations=TITLES["Elect the chair of the Scientific Council"],
        )
        services.motion_table(actor=self.actor, motion=election)
        trustees_name(
            actor=self.actor, motion=election, trustees=[states[c] for c in ("DE", "FR", "IT")]
        )

    def attach(self, motion: Motion, title: str, filename: str) -> None:
        """A short demo document on a motion, as the secretariat would attach it."""
        body = (
            f"{title}\n\nDemo document for {motion.reference}. The real annex would be a PDF.\n"
        ).encode()
        services.motion_document_add(
            actor=self.actor,
            motion=motion,
            title=title,
            file=SimpleUploadedFile(filename, body, content_type="text/plain"),
        )

    def seed_safety(self, councils: dict[str, Council]) -> None:
        """The Safety Board's chair and one escalation awaiting the Board."""
        board = councils["safety-board"]
        if board.chair_id is None:
            chair = self.user("board-chair", "Ingrid", "Halvorsen")
            services.council_chair_set(actor=self.actor, council=board, user=chair)
        if Escalation.objects.exists():
            return
        officer = User.objects.get(username="safety")
        project = ResearchProject.objects.get(title__startswith="EuroLingua")
        services.escalation_raise(
            actor=Actor.for_user(officer, source=AuditSource.COMMAND, mfa_verified=True),
            projects=[project],
            severity="medium",
            confidential_account=(
                "Demo: the red-team report (annex A) shows autonomous tool use beyond the level-2 threshold "
                "in 3 of 40 agentic tasks."
            ),
            public_summary=(
                "A pre-release evaluation found agentic capabilities above those expected at safety level 2. "
                "The Safety Board is asked to raise the project to level 3."
            ),
            proposed_measure="raise_level",
            proposed_level=3,
        )

    def report(self) -> None:
        out = self.stdout
        out.write(
            self.style.SUCCESS(
                f"Demo data ready: {MemberState.objects.count()} member states, {Council.objects.count()} councils, "
                f"{Seat.objects.count()} seats, {Accreditation.objects.count()} accreditations, "
                f"{User.objects.count()} users."
            )
        )
        out.write(f"Every demo account's password: {DEMO_PASSWORD}")
        out.write(f"Every demo account's TOTP secret (second factor): {DEMO_TOTP_SECRET}")
        out.write("  e.g. `oathtool --totp -b " + DEMO_TOTP_SECRET + "` prints the current code.")
        out.write("Accounts: admin (superuser), secretary, finance, safety, operator, auditor;")
        out.write(
            "  per state, e.g. de-head, de-delegate (Governing Council), de-finance (Finance Committee),"
        )
        out.write("  de-safety (Safety Board, for " + ", ".join(SAFETY_BOARD) + ").")
        out.write("  researcher (a project lead), board-chair (chair of the Safety Board).")
        out.write(
            "An open vote waits in each head's 'My open votes'; an escalation on the Safety page."
        )
