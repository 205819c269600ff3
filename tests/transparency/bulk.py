"""Many published decisions at once, written in bulk (fixtures, not app writes)."""

from __future__ import annotations

from django.utils import timezone

from governance.models import ElectorateSnapshot, Motion
from tests.governance.voting_fixtures import Council5


def bulk_decisions(c5: Council5, count: int) -> None:
    now = timezone.now()
    rule = {"kind": "simple_majority", "threshold": "1/2", "strict": True, "tie_break": "fails"}
    motions = Motion.objects.bulk_create(
        [
            Motion(
                reference=f"BULK/{i:05d}",
                council=c5.council,
                kind="general",
                title=f"Bulk {i}",
                text="x",
                status="published",
                rule=rule,
                opens_at=now,
                closes_at=now + timezone.timedelta(days=1),
                closed_at=now,
                certified_at=now,
                published_at=now,
                outcome="adopted",
                tally={
                    "summary": "adopted",
                    "members": 5,
                    "yes": 3,
                    "no": 2,
                    "abstain": 0,
                    "absent": 0,
                    "conditions": [],
                },
                chain_head="0" * 64,
            )
            for i in range(count)
        ]
    )
    ElectorateSnapshot.objects.bulk_create(
        [
            ElectorateSnapshot(motion=m, entries={"electors": []}, canonical="{}", sha256="0" * 64)
            for m in motions
        ]
    )
