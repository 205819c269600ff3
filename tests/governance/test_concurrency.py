"""Races on PostgreSQL with real threads: nothing is lost, nothing is doubled."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection

from core.errors import Conflict
from governance import services
from governance.models import Ballot, Motion
from tests.factories import AccreditationFactory, UserFactory
from tests.governance.voting_fixtures import make_council5

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Start every job at the same instant on its own thread and connection; collect results or errors."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def work(i: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            results[i] = job()
        except Exception as exc:  # the test inspects every outcome
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    close_old_connections()
    return results


def test_two_delegates_of_one_state_at_once_give_one_current_ballot():
    """The head and the delegate of Germany vote at the same moment: one counts, both are in the chain."""
    c5 = make_council5()
    from core.actors import Actor

    second = UserFactory(username="de-delegate")
    AccreditationFactory(
        user=second, council=c5.council, member_state=c5.states["DE"], role="delegate"
    )
    c5.actors["DE2"] = Actor.for_user(second, source="web", mfa_verified=True)
    motion = c5.open()
    for _round in range(5):
        run_together(
            [lambda: c5.vote(motion, "DE", "yes"), lambda: c5.vote(motion, "DE", "no", by="DE2")]
        )
    assert Ballot.objects.filter(motion=motion, tag="DE", is_current=True).count() == 1
    assert Ballot.objects.filter(motion=motion).count() == 10
    seqs = list(Ballot.objects.filter(motion=motion).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 11))
    from governance.verification import verify_motion

    assert verify_motion(Motion.objects.get(pk=motion.pk)).ok


def test_ballots_racing_the_close_are_counted_or_refused_never_lost():
    """Ballots and the closing run together: every receipt is in the tally, every refusal is absent."""
    c5 = make_council5()
    for attempt in range(3):
        motion = c5.open(title=f"Race {attempt}")
        # Everyone but NL votes first, so the early close is allowed exactly when NL's ballot is in.
        for state in ("DE", "FR", "IT", "ES"):
            c5.vote(motion, state, "yes")

        def vote(state: str, choice: str, m: Motion = motion) -> Any:
            return c5.vote(m, state, choice)

        def close(m: Motion = motion) -> Any:
            return services.motion_close(actor=c5.sec, motion=m)

        results = run_together([lambda: vote("NL", "no"), close, lambda: vote("DE", "no")])
        # A ballot is refused only because the vote had closed; the close only for lack of NL's ballot.
        for r in (results[0], results[2]):
            assert hasattr(r, "entry_hash") or (
                isinstance(r, Conflict) and r.code == "voting_closed"
            ), r
        assert isinstance(results[1], Motion) or (
            isinstance(results[1], Conflict) and "not voted yet" in results[1].message
        ), results[1]
        motion.refresh_from_db()
        if motion.status != "voting_closed":
            services.motion_close(actor=c5.sec, motion=motion)
            motion.refresh_from_db()
        chain = set(Ballot.objects.filter(motion=motion).values_list("entry_hash", flat=True))
        receipts = [r for r in (results[0], results[2]) if hasattr(r, "entry_hash")]
        for receipt in receipts:
            assert receipt.entry_hash in chain
        # No ballot landed after the count: the certified chain covers every recorded ballot.
        assert motion.chain_length == len(chain)
        counted = motion.tally["yes"] + motion.tally["no"] + motion.tally["abstain"]
        assert counted == Ballot.objects.filter(motion=motion, is_current=True).count()


def test_redis_down_does_not_stop_voting():
    """The vote is a database write: with the broker unreachable, ballots are still cast."""
    from config.celery import app

    previous = app.conf.broker_url
    app.conf.update(broker_url="redis://127.0.0.1:1/0", task_always_eager=False)
    try:
        c5 = make_council5()
        motion = c5.open()
        receipt = c5.vote(motion, "DE", "yes")
        assert Ballot.objects.filter(entry_hash=receipt.entry_hash).exists()
    finally:
        app.conf.update(broker_url=previous, task_always_eager=True)
