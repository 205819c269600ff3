"""The audit trail records every service write and can never be rewritten."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from core.audit import audit_record
from core.errors import AuditImmutableError
from core.models import AuditEvent
from governance import services
from governance.models import StaffRoleKind
from tests.conftest import enable_totp
from tests.factories import MemberStateFactory, StaffRoleFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(system_actor):
    state = MemberStateFactory(code="DE")
    return services.member_state_update(
        actor=system_actor, state=state, population=84_000_000
    ) and (AuditEvent.objects.get(action="member_state.update"))


def test_service_write_records_who_what_when_and_before_after(system_actor):
    """Changing a member state leaves one audit row with the old and new values."""
    # given
    state = MemberStateFactory(code="DE", population=83_000_000)
    # when
    services.member_state_update(actor=system_actor, state=state, population=84_000_000)
    # then
    row = AuditEvent.objects.get(action="member_state.update")
    assert row.actor_label == "system:tests"
    assert row.target_type == "governance.memberstate"
    assert row.target_id == str(state.pk)
    assert row.before == {"population": 83_000_000}
    assert row.after == {"population": 84_000_000}
    assert row.occurred_at is not None


def test_no_change_writes_no_audit_row(system_actor):
    """Saving the same values again is not an event."""
    state = MemberStateFactory(code="DE", population=83_000_000)
    services.member_state_update(actor=system_actor, state=state, population=83_000_000)
    assert not AuditEvent.objects.filter(action="member_state.update").exists()


def test_failed_write_leaves_no_audit_row(system_actor):
    """A write refused half-way leaves neither the change nor its audit row."""
    state = MemberStateFactory(code="DE", population=83_000_000)
    with pytest.raises(Exception, match="population"):
        services.member_state_update(actor=system_actor, state=state, population=0)
    state.refresh_from_db()
    assert state.population == 83_000_000
    assert not AuditEvent.objects.filter(action="member_state.update").exists()


@pytest.mark.django_db(transaction=True)
def test_audit_record_outside_a_transaction_is_refused(system_actor):
    """An audit row must share the write's transaction, so it cannot outlive a rollback."""
    with pytest.raises(RuntimeError, match="inside the service's transaction"):
        audit_record(actor=system_actor, action="test.loose")
    assert not AuditEvent.objects.filter(action="test.loose").exists()


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda e: AuditEvent.objects.filter(pk=e.pk).update(action="forged"),
            id="queryset.update",
        ),
        pytest.param(lambda e: AuditEvent.objects.filter(pk=e.pk).delete(), id="queryset.delete"),
        pytest.param(lambda e: AuditEvent.objects.bulk_update([e], ["action"]), id="bulk_update"),
        pytest.param(lambda e: e.__dict__.update(action="forged") or e.save(), id="instance.save"),
        pytest.param(lambda e: e.delete(), id="instance.delete"),
    ],
)
def test_orm_refuses_to_change_past_rows(event, change):
    """Every ORM path to change or remove an audit row raises."""
    with pytest.raises(AuditImmutableError):
        change(event)
    event.refresh_from_db()
    assert event.action == "member_state.update"


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE core_auditevent SET action = 'forged' WHERE id = %s",
        "UPDATE core_auditevent SET after = NULL WHERE id = %s",
        "DELETE FROM core_auditevent WHERE id = %s",
    ],
)
def test_postgresql_refuses_raw_sql_changes(event, sql):
    """Even raw SQL from the application's own database role cannot change past rows."""
    # given a row written by a service; when raw SQL tries to change it
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cur,
    ):
        cur.execute(sql, [event.pk])
    # then it is unchanged
    event.refresh_from_db()
    assert event.action == "member_state.update"
    assert event.after == {"population": 84_000_000}


def test_inserting_new_rows_still_works(system_actor):
    """Append-only means new rows are welcome."""
    user = UserFactory()
    with transaction.atomic():
        row = audit_record(actor=system_actor, action="test.append", target=user, after={"x": 1})
    assert AuditEvent.objects.filter(pk=row.pk).exists()


def test_admin_cannot_add_change_or_delete_audit_rows(event, client, secretary):
    """The staff admin shows the trail read-only."""
    from tests.conftest import sign_in

    secretary.is_staff = True
    secretary.is_superuser = True
    secretary.save()
    sign_in(client, secretary, with_mfa=True)
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200
    response = client.post(f"/admin/core/auditevent/{event.pk}/change/", {"action": "forged"})
    assert response.status_code == 403
    assert (
        client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    event.refresh_from_db()
    assert event.action == "member_state.update"


def test_api_offers_the_trail_read_only(event, api_as, auditor):
    """An auditor reads the trail through the API; no method changes it."""
    client = api_as(auditor)
    listing = client.get("/api/v1/audit/?action=member_state.update")
    assert listing.status_code == 200
    assert listing.json()["results"][0]["after"] == {"population": 84_000_000}
    for method in ("put", "patch", "delete"):
        response = getattr(client, method)("/api/v1/audit/", {}, format="json")
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"
    assert AuditEvent.objects.filter(action="member_state.update").count() == 1


@pytest.mark.parametrize(
    "role", [StaffRoleKind.COUNCIL_SECRETARY, StaffRoleKind.FINANCE_OFFICER, "delegate"]
)
def test_api_trail_is_for_auditors_only(event, api_as, de_head, role):
    """A secretary, a finance officer (staff accounts both) and a delegate cannot read the trail."""
    # given
    if role == "delegate":
        user = de_head
    else:
        user = UserFactory(username=f"staff-{role}", is_staff=True)
        StaffRoleFactory(user=user, role=role)
        enable_totp(user)
    # when
    response = api_as(user).get("/api/v1/audit/?action=member_state.update")
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"


def test_admin_trail_is_for_auditors_and_superusers(event, client, auditor, secretary):
    """The admin's audit screens open to an auditor and stay shut to a secretary with staff access."""
    from tests.conftest import sign_in

    secretary.is_staff = True
    secretary.save()
    sign_in(client, secretary, with_mfa=True)
    assert client.get("/admin/core/auditevent/").status_code == 403
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code in (302, 403)
    client.logout()
    sign_in(client, auditor, with_mfa=True)
    assert client.get("/admin/core/auditevent/").status_code == 200
    assert client.get(f"/admin/core/auditevent/{event.pk}/change/").status_code == 200
