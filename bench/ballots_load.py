"""Benchmark: 2,000 ballots over 100 open motions from 20 concurrent clients against gunicorn.

    .venv/bin/python bench/ballots_load.py [--states 20] [--motions 100] [--workers 4] [--threads 4]

Creates a fresh PostgreSQL database (concordia_bench_<random>), migrates it, seats the states
with one voting head each (TOTP set up, API token made after MFA) and opens the motions through
the project's own services. Then starts gunicorn (config.wsgi, test settings) on a free port of
127.0.0.1 in its own session and runs, with one keep-alive client thread per state:

- reference: each client sends as many `GET /api/v1/councils/` as it will cast ballots;
- ballots:   each client casts one ballot on every motion, in its own shuffled order, with
             `POST /api/v1/motions/<id>/ballots/`, and keeps the receipt.

It prints count, throughput and p50/p90/p99/max latency of both, the ratio of the medians, and,
checked straight in the database, ballots lost (a receipt without its row) or doubled (a row
without a receipt, or two current ballots of one state on one motion), which must both be 0,
and whether every motion's chain re-walks. A few untimed requests (and one ballot per client on a
separate warm-up motion) come first, so no worker's first-request start-up is timed.

gunicorn is stopped by its process group and the database dropped at the end, also on error.
Nothing is asserted about speed; the exit status is 1 only if a ballot was lost or doubled, a
chain did not re-walk, or a request failed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import secrets
import sys
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.client import HTTPConnection, HTTPException
from pathlib import Path
from typing import Any

# `python bench/ballots_load.py` puts bench/ on the path, not the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._server import HOST, create_database, drop_database, gunicorn
from bench._setup import machine, percentile

SETTINGS = "config.settings.test"
SEED = 2026
# 35 ISO codes to seat from; the first --states of them take part.
CODES = (
    "DE", "FR", "IT", "ES", "NL", "BE", "AT", "SE", "PL", "DK", "FI", "IE", "PT", "GR", "CZ", "HU",
    "RO", "BG", "SK", "SI", "HR", "LT", "LV", "EE", "LU", "MT", "CY", "CH", "NO", "GB", "IS", "TR",
    "UA", "RS", "ME",
)  # fmt: skip
CHOICES = ("yes", "no", "abstain")


@dataclass
class World:
    """What the clients need: each state's token, and the motions to vote on."""

    tokens: dict[str, str]  # state code -> API key
    motions: list[int]  # timed
    warmup_motion: int


def set_up(states: int, motions: int) -> World:
    """Seat the states, give each a voting head with TOTP and a token, open the motions."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from core.actors import Actor
    from core.models import AuditSource, User
    from core.services import api_token_create
    from governance import services
    from governance.models import (
        Accreditation,
        AccreditationApproval,
        Council,
        CouncilKind,
        DelegateRole,
        MemberState,
        MemberStatus,
        Seat,
    )

    founded = dt.date(2024, 1, 1)
    # Fixture rows, as the test factories make them; what follows goes through the services.
    council = Council.objects.create(
        code="governing-council",
        kind=CouncilKind.GOVERNING_COUNCIL,
        name_en="Governing Council",
        name_de="Verwaltungsrat",
        name_fr="Conseil d'administration",
    )
    tokens = {}
    for code in CODES[:states]:
        state = MemberState.objects.create(
            code=code,
            name_en=f"State {code}",
            name_de=f"Staat {code}",
            name_fr=f"État {code}",
            status=MemberStatus.FULL,
            accession_date=founded,
            population=10_000_000,
            currency="EUR",
        )
        Seat.objects.create(council=council, member_state=state, seated_from=founded)
        head = User.objects.create(
            username=f"{code.lower()}-head",
            email=f"{code.lower()}@example.org",
            password=make_password(secrets.token_urlsafe(16)),
        )
        Accreditation.objects.create(
            user=head,
            council=council,
            member_state=state,
            role=DelegateRole.HEAD,
            valid_from=founded,
            approval=AccreditationApproval.APPROVED,
        )
        TOTP.activate(head, generate_totp_secret())
        _token, key = api_token_create(
            actor=Actor.for_user(head, source=AuditSource.API, mfa_verified=True), name="bench"
        )
        tokens[code] = key
    system = Actor.system("bench")
    opened = []
    now = timezone.now()
    for number in range(motions + 1):
        motion = services.motion_create(
            actor=system,
            council=council,
            kind="general",
            title=f"Benchmark motion {number}" if number else "Warm-up motion",
            text="The Council adopts the annexed policy.",
            opens_at=now + dt.timedelta(minutes=1),
            closes_at=now + dt.timedelta(days=2),
        )
        services.motion_table(actor=system, motion=motion)
        opened.append(services.motion_open(actor=system, motion=motion).pk)
    return World(tokens=tokens, motions=opened[1:], warmup_motion=opened[0])


# -- the clients -----------------------------------------------------------------------------


@dataclass
class Client:
    """One state's delegation: a keep-alive connection and what came back."""

    state: str
    key: str
    port: int
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    receipts: dict[int, dict[str, Any]] = field(default_factory=dict)  # motion id -> receipt
    sent: dict[int, str] = field(default_factory=dict)  # motion id -> choice
    conn: HTTPConnection | None = None

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """One request on the kept-alive connection; its latency is recorded, never retried."""
        if self.conn is None:
            self.conn = HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Authorization": f"Token {self.key}", "Accept": "application/json"}
        payload = None
        if body is not None:
            payload = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            self.conn.request(method, path, body=payload, headers=headers)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, HTTPException) as exc:
            # Whether the server acted on it is unknown: the database check will tell.
            self.conn.close()
            self.conn = None
            self.errors.append(f"{method} {path}: {type(exc).__name__}: {exc}")
            return None
        self.latencies.append(time.perf_counter() - started)
        expected = 201 if method == "POST" else 200
        if response.status != expected:
            self.errors.append(f"{method} {path}: {response.status} {data[:200]!r}")
            return None
        return json.loads(data)

    def vote(self, motion: int, choice: str) -> None:
        """Cast this state's ballot on a motion and keep the receipt."""
        self.sent[motion] = choice
        receipt = self.call(
            "POST",
            f"/api/v1/motions/{motion}/ballots/",
            {"member_state": self.state, "choice": choice},
        )
        if receipt is not None:
            self.receipts[motion] = receipt

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def run_together(clients: list[Client], job: Callable[[Client], None], limit: float) -> float:
    """Run `job` for every client on its own thread, all released at once; the wall time."""
    barrier = threading.Barrier(len(clients) + 1)

    def work(client: Client) -> None:
        barrier.wait()
        job(client)

    threads = [threading.Thread(target=work, args=(c,), daemon=True) for c in clients]
    for t in threads:
        t.start()
    barrier.wait()
    started = time.perf_counter()
    deadline = time.monotonic() + limit
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        raise RuntimeError(f"the clients did not finish within {limit:.0f} s")
    return time.perf_counter() - started


@dataclass
class Phase:
    """The figures of one timed phase."""

    name: str
    requests: int
    errors: int
    wall: float
    latencies: list[float]

    def line(self) -> str:
        ms = sorted(x * 1000 for x in self.latencies)
        cells = [
            str(self.requests),
            str(self.errors),
            f"{self.requests / self.wall:.1f}",
            *(f"{percentile(ms, p):.1f}" for p in (0.50, 0.90, 0.99, 1.0)),
        ]
        return f"  {self.name:34s} " + " ".join(f"{c:>7s}" for c in cells)


def measure(name: str, clients: list[Client], job: Callable[[Client], None]) -> Phase:
    """Run one timed phase and collect its latencies and errors."""
    for c in clients:
        c.latencies.clear()
    errors_before = sum(len(c.errors) for c in clients)
    wall = run_together(clients, job, limit=60)
    latencies = [x for c in clients for x in c.latencies]
    errors = sum(len(c.errors) for c in clients) - errors_before
    return Phase(name, len(latencies) + errors, errors, wall, latencies)


# -- the check -------------------------------------------------------------------------------


@dataclass
class Check:
    """What the database says about the receipts the clients got."""

    recorded: int
    receipts: int
    lost: int
    doubled: int
    wrong_choice: int
    chains_clean: int
    chains: int

    @property
    def ok(self) -> bool:
        return (
            self.lost == 0
            and self.doubled == 0
            and self.wrong_choice == 0
            and self.chains_clean == self.chains
            and self.recorded == self.receipts
        )


def check_database(world: World, clients: list[Client]) -> Check:
    """Compare the receipts with the rows, and re-walk every motion's chain."""
    from governance.chain import walk
    from governance.models import Ballot, Motion
    from governance.verification import chain_entries

    motion_ids = [world.warmup_motion, *world.motions]
    rows = list(
        Ballot.objects.filter(motion_id__in=motion_ids).values_list(
            "motion_id", "tag", "choice", "entry_hash", "is_current"
        )
    )
    receipts = {
        (motion, c.state): r["receipt"] for c in clients for motion, r in c.receipts.items()
    }
    row_of = {entry_hash: (motion, tag, choice) for motion, tag, choice, entry_hash, _ in rows}
    lost = sum(
        1
        for (motion, state), h in receipts.items()
        if row_of.get(h, (None, None))[:2] != (motion, state)
    )
    receipted = set(receipts.values())
    unreceipted = sum(1 for *_, entry_hash, _ in rows if entry_hash not in receipted)
    current = Counter((motion, tag) for motion, tag, _, _, is_current in rows if is_current)
    doubled = unreceipted + sum(n - 1 for n in current.values() if n > 1)
    sent = {(motion, c.state): choice for c in clients for motion, choice in c.sent.items()}
    wrong_choice = sum(
        1
        for h, (motion, tag, choice) in row_of.items()
        if h in receipted and sent.get((motion, tag)) != choice
    )
    last: dict[int, tuple[int, str]] = {}  # motion -> (seq, receipt) of its latest ballot
    for c in clients:
        for motion, r in c.receipts.items():
            last[motion] = max(last.get(motion, (0, "")), (r["seq"], r["receipt"]))
    clean = 0
    for row in Motion.objects.filter(pk__in=motion_ids).select_related("electorate"):
        walked = walk(row.electorate.sha256, chain_entries(row))
        seq, head = last.get(row.pk, (0, row.electorate.sha256))
        clean += walked.ok and walked.length == seq and walked.head == head
    return Check(
        recorded=len(rows),
        receipts=len(receipts),
        lost=lost,
        doubled=doubled,
        wrong_choice=wrong_choice,
        chains_clean=clean,
        chains=len(motion_ids),
    )


# -- the run ---------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Create the database, run, and drop it again whatever happened."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--states", type=int, default=20, help=f"clients, at most {len(CODES)}")
    parser.add_argument("--motions", type=int, default=100)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=60,
        help="seconds a worker keeps its database connection (production: 60; 0: one per request)",
    )
    parser.add_argument(
        "--server",
        default=os.environ.get("BENCH_POSTGRES", f"postgres://postgres@{HOST}:5432"),
        help="PostgreSQL server to create the throw-away database on",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.states <= len(CODES):
        parser.error(f"--states must be 1..{len(CODES)}")
    if urllib.parse.urlsplit(args.server).hostname not in (HOST, "localhost"):
        parser.error("the benchmark only talks to 127.0.0.1")

    name = f"concordia_bench_{secrets.token_hex(4)}"
    url = f"{args.server}/{name}?conn_max_age={args.conn_max_age}"
    print(
        f"ballots_load: {args.states} clients x {args.motions} motions; gunicorn {args.workers} "
        f"workers x {args.threads} threads (gthread), CONN_MAX_AGE={args.conn_max_age}; {machine()}"
    )
    started = time.monotonic()
    create_database(args.server, name)
    try:
        return run(args, url, name, started)
    finally:
        drop_database(args.server, name)
        print(f"database {name} dropped; {time.monotonic() - started:.0f} s in all")


def run(args: argparse.Namespace, url: str, name: str, started: float) -> int:
    """Point Django in this process at the throw-away database, and close its connections after."""
    # This process sets up and checks through the ORM, on the same throw-away database.
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["DATABASE_URL"] = url
    os.environ["CELERY_TASK_ALWAYS_EAGER"] = "true"
    import django

    django.setup()
    from django.db import connections

    try:
        return run_on_database(args, url, name, started)
    finally:
        connections.close_all()


def run_on_database(args: argparse.Namespace, url: str, name: str, started: float) -> int:
    """Migrate, set up, serve, load, check, report; 0 if nothing was lost, doubled or refused."""
    from django.core.management import call_command
    from django.db import connections

    print(f"migrating {name} ...", flush=True)
    call_command("migrate", verbosity=0, interactive=False)
    world = set_up(args.states, args.motions)
    connections.close_all()
    print(f"set up in {time.monotonic() - started:.0f} s; starting gunicorn ...", flush=True)

    env = {
        # config.wsgi would otherwise pick the production settings.
        "DJANGO_SETTINGS_MODULE": SETTINGS,
        "DATABASE_URL": url,
        "DJANGO_ALLOWED_HOSTS": HOST,
        "CELERY_TASK_ALWAYS_EAGER": "true",
    }
    with gunicorn(env, args.workers, args.threads) as port:
        clients = [Client(state, key, port) for state, key in world.tokens.items()]
        rng = random.Random(SEED)
        plans = {c.state: rng.sample(world.motions, len(world.motions)) for c in clients}
        choices = {
            (c.state, m): rng.choice(CHOICES)
            for c in clients
            for m in [world.warmup_motion, *world.motions]
        }

        def warm_up(c: Client) -> None:
            for _ in range(3):
                c.call("GET", "/api/v1/councils/")
            c.vote(world.warmup_motion, choices[(c.state, world.warmup_motion)])

        def reads(c: Client) -> None:
            for _ in plans[c.state]:
                c.call("GET", "/api/v1/councils/")

        def ballots(c: Client) -> None:
            for motion in plans[c.state]:
                c.vote(motion, choices[(c.state, motion)])

        run_together(clients, warm_up, limit=30)
        read = measure("GET /api/v1/councils/ (reference)", clients, reads)
        cast = measure("POST /api/v1/motions/<id>/ballots/", clients, ballots)
        for c in clients:
            c.close()
    errors = [e for c in clients for e in c.errors]
    check = check_database(world, clients)

    columns = ("count", "errors", "req/s", "p50", "p90", "p99", "max")
    print(f"  {'':34s} " + " ".join(f"{c:>7s}" for c in columns) + "  (latency in ms)")
    print(read.line())
    print(cast.line())
    ratio = percentile(sorted(cast.latencies), 0.5) / percentile(sorted(read.latencies), 0.5)
    print(f"  ballot p50 / read p50 = {ratio:.2f}")
    print(
        f"  in the database: {check.recorded} ballots for {check.receipts} receipts "
        f"({len(world.motions) * len(clients)} timed + {len(clients)} warm-up); "
        f"lost {check.lost}, doubled {check.doubled}, wrong choice {check.wrong_choice}; "
        f"chains re-walked clean: {check.chains_clean}/{check.chains}"
    )
    for e in errors[:10]:
        print(f"  error: {e}", file=sys.stderr)
    return 0 if check.ok and not errors else 1


if __name__ == "__main__":
    sys.exit(main())
