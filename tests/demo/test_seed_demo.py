"""The demo data loads, and loading it again changes nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from core.models import AuditEvent, User
from governance.models import (
    Accreditation,
    Council,
    MemberState,
    MemberStatus,
    Seat,
    StaffRole,
    StaffRoleKind,
)

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_loads_members_councils_and_delegates():
    """EU-27 plus GB, US, CA, AU, CH, NO and two associates, four councils, delegates."""
    output = seed()
    codes = set(MemberState.objects.values_list("code", flat=True))
    assert {"DE", "FR", "GB", "US", "CA", "AU", "CH", "NO", "UA", "IL"} <= codes
    assert len(codes) == 35
    assert MemberState.objects.filter(status=MemberStatus.ASSOCIATE).count() == 2
    assert set(Council.objects.values_list("kind", flat=True)) == {
        "governing_council",
        "scientific_council",
        "finance_committee",
        "safety_board",
    }
    assert Seat.objects.filter(council__code="governing-council").count() == 35
    assert Accreditation.objects.filter(
        user__username="de-head", council__code="governing-council"
    ).exists()
    assert User.objects.get(username="admin").is_superuser
    auditor = User.objects.get(username="auditor")
    assert auditor.is_staff
    assert StaffRole.objects.filter(user=auditor, role=StaffRoleKind.AUDITOR).exists()
    assert "concordia-demo" in output
    germany = MemberState.objects.get(code="DE")
    assert germany.name_de == "Deutschland"
    assert germany.population > 80_000_000


def test_seed_is_idempotent():
    """The second run writes nothing: no new rows, no new audit events."""
    seed()
    counts = (
        MemberState.objects.count(),
        Seat.objects.count(),
        Accreditation.objects.count(),
        User.objects.count(),
    )
    events = AuditEvent.objects.count()
    seed()
    assert (
        MemberState.objects.count(),
        Seat.objects.count(),
        Accreditation.objects.count(),
        User.objects.count(),
    ) == counts
    assert AuditEvent.objects.count() == events


def test_demo_users_can_sign_in_with_the_printed_password_and_code(client):
    """The password and TOTP secret printed by the command work on the real sign-in pages."""
    seed()
    from tests.conftest import totp_code

    response = client.post("/accounts/login/", {"login": "de-head", "password": "concordia-demo"})
    assert response["Location"].startswith("/accounts/2fa/authenticate/")
    client.post(
        "/accounts/2fa/authenticate/", {"code": totp_code(User.objects.get(username="de-head"))}
    )
    assert "Governing Council" in client.get("/my/councils/").content.decode()


@override_settings(DEMO_DATA_ALLOWED=False)
def test_seed_refuses_where_demo_data_is_not_allowed():
    """Production never gets demo accounts with printed passwords."""
    with pytest.raises(CommandError, match="not allowed"):
        seed()
    assert not MemberState.objects.exists()


def test_seed_publishes_this_years_annual_report(django_capture_on_commit_callbacks):
    """The demo's reports archive holds this year's report in English, German and French."""
    from django.test import Client
    from django.utils import timezone

    from transparency.models import AnnualReport, AnnualReportStatus

    with django_capture_on_commit_callbacks(execute=True):
        seed()
    archive = Client().get("/portal/reports/").content.decode()
    for language in ("en", "de", "fr"):
        report = AnnualReport.objects.get(year=timezone.localdate().year, language=language)
        assert report.status == AnnualReportStatus.DONE, report.error
        assert report.sha256 in archive
    assert "Not published in" not in archive
