"""Anyone can check the books: balances recomputed from the entries must equal those stored."""

from __future__ import annotations

from funding import ledger, selectors
from funding.models import StateAccount, YearBalance


def verify_ledger() -> list[str]:
    """Every difference between the stored balances and a recomputation from the entries."""
    entries = selectors.entries_by_state()
    stored_years: dict[int, dict[int, tuple[int, int]]] = {}
    for b in YearBalance.objects.select_related("fiscal_year"):
        stored_years.setdefault(b.member_state_id, {})[b.fiscal_year.year] = (
            b.assessed_cents,
            b.paid_cents,
        )
    differences = []
    accounts = {a.member_state_id: a for a in StateAccount.objects.select_related("member_state")}
    for state_id in sorted(set(entries) | set(stored_years) | set(accounts)):
        position = ledger.balances(entries.get(state_id, []))
        account = accounts.get(state_id)
        label = account.member_state.code if account else f"state #{state_id}"
        computed = {
            y: (b.assessed, b.paid) for y, b in position.years.items() if b.assessed or b.paid
        }
        stored = {y: v for y, v in stored_years.get(state_id, {}).items() if v != (0, 0)}
        if computed != stored:
            differences.append(f"{label}: years {stored} stored, {computed} from the entries")
        credit = account.credit_cents if account else 0
        if credit != position.credit:
            differences.append(
                f"{label}: credit {credit} stored, {position.credit} from the entries"
            )
    return differences
