"""Load the funding demo on top of seed_demo: a fiscal year run end to end through the services."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.models import AuditSource
from funding import clock, selectors, services
from funding.models import (
    ContributionCall,
    ContributionScale,
    FiscalYear,
    FiscalYearStatus,
    NationalIncomeFigure,
    Payment,
    ScaleStatus,
)
from funding.services.decisions import decision_apply
from governance import rules
from governance import selectors as governance_selectors
from governance import services as governance
from governance.choices import DelegateRole
from governance.selectors import accreditation_list

if TYPE_CHECKING:
    from governance.models import Council, Motion

SCALE = "SCALE-2026-2028"
YEAR = 2026
ISSUED_ON = dt.date(2026, 1, 15)
PAID_ON = dt.date(2026, 1, 16)  # the ECB sample's last rates are of 12 January: 4 days before
BUDGET = [  # euro cents
    ("compute", "Compute operations (GPU cluster, power, cooling)", 620_000_000_00),
    ("research", "Research programmes", 410_000_000_00),
    ("staff", "Staff", 180_000_000_00),
    ("buildings", "Buildings and infrastructure", 40_000_000_00),
]
FILES = [
    ("national_income", "national_income.csv"),
    ("annual_rates", "exchange_rates_annual.csv"),
    ("ecb_rates", "exchange_rates_ecb_sample.csv"),
]
# How the demo states pay: in full in their own currency by default; these differ.
PART_PAYERS = {"IT": Decimal("0.6"), "RO": Decimal("0.25")}
NON_PAYERS = {"HU", "SK"}
LATE_PAYERS = {"ES": dt.date(2026, 3, 2)}
FOREIGN = {"GB", "US", "CA", "AU", "CH", "NO", "SE", "DK", "PL", "CZ"}


class Command(BaseCommand):
    help = (
        "Load the funding demo after seed_demo: the demo statistics and rates, the scale "
        f"{SCALE} adopted by a Finance Committee vote, the {YEAR} budget approved by another, "
        "its assessments and calls (with letters), and payments in several currencies. "
        "Running it again changes nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, default=Path(settings.BASE_DIR) / "demo" / "data")
        parser.add_argument("--no-letters", action="store_true", help="skip the PDF letters")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Demo data is not allowed with these settings.")
        self.actor = Actor.system("funding_seed_demo", source=AuditSource.COMMAND)
        council = governance_selectors.council_get(code=settings.FUNDING_FINANCE_COUNCIL)
        if council is None:
            raise CommandError("The finance committee does not exist: run seed_demo first.")
        with transaction.atomic():
            self.import_files(options["data"])
            scale = self.adopt_scale(council)
            fiscal_year = self.approve_budget(council)
            self.call(fiscal_year, letters=not options["no_letters"])
            self.pay(fiscal_year)
        self.stdout.write(
            f"Funding demo: scale {scale.reference} ({scale.get_status_display()}), budget {YEAR} "
            f"{fiscal_year.get_status_display()}, {ContributionCall.objects.count()} calls, "
            f"{Payment.objects.count()} payments. Sign in as 'finance' and open /finance/."
        )

    def import_files(self, data: Path) -> None:
        if NationalIncomeFigure.objects.exists():
            return
        for kind, name in FILES:
            preview = services.data_import_preview(
                actor=self.actor, kind=kind, filename=name, content=(data / name).read_bytes()
            )
            if preview.problems:
                raise CommandError(f"{name}: {preview.problems[:3]}")
            services.data_import_apply(actor=self.actor, data_import=preview)

    def vote(
        self,
        council: Council,
        title: str,
        *,
        rule: dict[str, Any] | None = None,
        translations: dict[str, str] | None = None,
    ) -> Motion:
        """A budget motion voted by every delegation of the committee (all yes but two)."""
        now = timezone.now()
        return governance.motion_create(
            actor=self.actor, council=council, kind="budget", title=title, text=title,
            opens_at=now + dt.timedelta(minutes=1), closes_at=now + dt.timedelta(days=2),
            rule=rule, title_translations=translations,
        )  # fmt: skip

    def decide(self, motion: Motion) -> None:
        governance.motion_table(actor=self.actor, motion=motion)
        motion = governance.motion_open(actor=self.actor, motion=motion)
        heads = {
            a.member_state.code: a
            for a in accreditation_list(council=motion.council, on=clock.today()).filter(
                role=DelegateRole.HEAD
            )
        }
        for elector in motion.electorate.as_electorate().electors:
            head = heads.get(elector.state)
            if head is None:
                continue
            governance.ballot_cast(
                actor=Actor.for_user(head.user, source=AuditSource.COMMAND, mfa_verified=True),
                motion=motion, member_state=head.member_state,
                choice="abstain" if elector.state in ("HU", "SK") else "yes",
            )  # fmt: skip
        governance.motion_close(actor=self.actor, motion=motion)
        governance.motion_certify(actor=self.actor, motion=motion)
        # The certification's signal reaches funding on commit; the rest of this seed needs
        # the decision now, inside the same transaction (the signal then finds nothing to do).
        decision_apply(motion_id=motion.pk)

    def adopt_scale(self, council: Council) -> ContributionScale:
        scale = ContributionScale.objects.filter(reference=SCALE).first()
        if scale is None:
            scale = services.scale_compute(
                actor=self.actor, reference=SCALE, first_year=YEAR, last_year=YEAR + 2,
                parameters={"associate_share": "1/200"},
            )  # fmt: skip
        if scale.status == ScaleStatus.DRAFT:
            # The founding scale is adopted by simple majority: no shares exist yet to weigh.
            motion = self.vote(
                council,
                f"Adopt the contribution scale {SCALE}",
                rule=rules.VotingRule.simple_majority().to_dict(),
                translations={
                    "de": f"Annahme der Beitragsskala {SCALE}",
                    "fr": f"Adoption du barème des contributions {SCALE}",
                },
            )
            services.scale_propose(actor=self.actor, scale=scale, motion=motion)
            self.decide(motion)
            scale.refresh_from_db()
        return scale

    def approve_budget(self, council: Council) -> FiscalYear:
        fiscal_year = FiscalYear.objects.filter(year=YEAR).first()
        if fiscal_year is None:
            fiscal_year = services.fiscal_year_create(actor=self.actor, year=YEAR)
            for code, title, cents in BUDGET:
                services.budget_line_set(
                    actor=self.actor, fiscal_year=fiscal_year, code=code, title=title,
                    amount_cents=cents,
                )  # fmt: skip
        if fiscal_year.status == FiscalYearStatus.DRAFT:
            motion = self.vote(
                council,
                f"Approve the budget {YEAR}",
                translations={
                    "de": f"Genehmigung des Haushalts {YEAR}",
                    "fr": f"Approbation du budget {YEAR}",
                },
            )
            services.fiscal_year_submit_budget(
                actor=self.actor, fiscal_year=fiscal_year, motion=motion
            )
            self.decide(motion)
            fiscal_year.refresh_from_db()
        return fiscal_year

    def call(self, fiscal_year: FiscalYear, *, letters: bool) -> None:
        if not fiscal_year.assessments.exists():
            services.assessments_compute(actor=self.actor, fiscal_year=fiscal_year)
        if not fiscal_year.calls.exists():
            services.calls_issue(
                actor=self.actor, fiscal_year=fiscal_year, issued_on=ISSUED_ON, letters=letters
            )

    def pay(self, fiscal_year: FiscalYear) -> None:
        if Payment.objects.exists():
            return
        for call in fiscal_year.calls.select_related("member_state").order_by("member_state__code"):
            code = call.member_state.code
            if code in NON_PAYERS:
                continue
            cents = call.amount_cents
            if code in PART_PAYERS:
                cents = int(cents * PART_PAYERS[code])
            currency = call.member_state.currency if code in FOREIGN else "EUR"
            value_date = LATE_PAYERS.get(code, PAID_ON)
            quote = selectors.rate_on(currency, fiscal_year.base_currency, PAID_ON)
            # Pay enough in the state's currency to cover the euros (rounded up to its cent).
            amount = Decimal(math.ceil(Decimal(cents) * quote.per_base_unit)).scaleb(-2)
            services.payment_record(
                actor=self.actor, member_state=call.member_state,
                value_date=value_date if currency == "EUR" else PAID_ON,
                amount=amount, currency=currency, reference=call.reference,
            )  # fmt: skip
