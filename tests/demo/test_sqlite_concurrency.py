"""The embedded default (SQLite) holds a room of delegates voting at once, as PostgreSQL does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Run in a process of its own on the local settings: the demo's SQLite file, real threads, each
# with its own connection, all released at the same moment by a barrier.
VOTERS = textwrap.dedent(
    """
    import json, threading
    import django
    django.setup()
    from django.db import connection
    from core.actors import Actor
    from core.models import AuditSource
    from governance import selectors, services
    from governance.models import Motion, MotionStatus
    from governance.verification import verify_motion

    motion = Motion.objects.get(status=MotionStatus.VOTING_OPEN, title="Approve OpenProof")
    from governance.services.ballots import states_voted
    voted = states_voted(motion)
    heads = []
    for entry in motion.electorate.entries["electors"]:
        if entry["recused"] or entry["state"] in voted:
            continue
        acc = selectors.accreditation_list(council=motion.council, on=selectors.today()).filter(
            member_state__code=entry["state"], role="head"
        ).first()
        if acc is not None:
            heads.append(acc)
        if len(heads) == 5:
            break
    barrier = threading.Barrier(len(heads))
    outcome = {}

    def vote(acc):
        actor = Actor.for_user(acc.user, source=AuditSource.WEB, mfa_verified=True)
        try:
            barrier.wait()
            services.ballot_cast(
                actor=actor, motion=motion, member_state=acc.member_state, choice="yes"
            )
            outcome[acc.member_state.code] = "ok"
        except Exception as exc:  # what a delegate would see as a 500
            outcome[acc.member_state.code] = f"{type(exc).__name__}: {exc}"
        finally:
            connection.close()

    threads = [threading.Thread(target=vote, args=(a,)) for a in heads]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = verify_motion(motion)
    chain_problems = [p for p in result.problems if "chain" in p or "entry" in p]
    print(json.dumps({"outcome": outcome, "chain_ok": not chain_problems}))
    """
)


def test_five_heads_voting_at_once_on_sqlite_all_get_their_vote(tmp_path):
    """Five heads casting at the same instant on the demo's SQLite: five ballots, no "locked"."""
    # given the demo on a fresh SQLite file, as bin/run makes it
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        "DECISION_SIGNING_KEY_FILE": str(tmp_path / "key.pem"),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "--no-input"], env=env, check=True, capture_output=True)
    subprocess.run([*manage, "seed_demo"], env=env, check=True, capture_output=True)
    # when five heads vote in five threads released together
    run = subprocess.run(
        [sys.executable, "-c", VOTERS],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    # then every one of them was recorded, and the chain still verifies
    assert len(result["outcome"]) == 5
    assert set(result["outcome"].values()) == {"ok"}, result["outcome"]
    assert result["chain_ok"]
