"""Benchmark: secret-ballot cryptography, each figure beside one bare scalar multiplication.

    .venv/bin/python bench/ballotcrypto.py [--ballots N] [--no-browser]

Measures, in this one run (issue 16):

- the reference: one ristretto255 scalar multiplication in libsodium (variable base, what
  every proof is made of), and one base-point multiplication and one addition;
- encrypting and proving one ballot in Python (what an API client does);
- verifying every proof of a 35-state vote in Python (what the server does at each ballot,
  and `transparency.recompute` does for the whole board);
- the homomorphic tally of 1,000 simulated ballots with population weights (one count and
  one population-weighted total per option), two trustees' partial decryptions with proofs,
  and their combination (checking both partial decryptions, Lagrange, and the discrete logs,
  the population totals up to about 10^9): cold (baby-step table built) and warm;
- encrypting and proving one ballot in node and in headless Chromium with
  static/js/ballot-crypto.js, beside one @noble/curves scalar multiplication in the same run.

Each figure is printed with its ratio to the bare scalar multiplication of its own runtime.
Nothing is asserted about speed; the run fails only if a proof does not verify or the
decrypted totals differ from the plain sums.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import random
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import ROOT, machine
from governance.ballotcrypto import (
    OPTIONS,
    combine,
    elgamal,
    encrypt_ballot,
    group,
    partial_decrypt,
    receive_shares,
    share_for,
    tally_ballots,
    trustee_generate,
    verify_ballot,
)
from governance.ballotcrypto.threshold import joint_public_key

SEED = 2026
VOTE = "GC/2026/016"


def best(rounds: int, count: int, run: Callable[[int], object]) -> float:
    """Seconds per call, the best of `rounds` runs of `count` calls."""
    fastest = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for i in range(count):
            run(i)
        fastest = min(fastest, (time.perf_counter() - started) / count)
    return fastest


def ceremony() -> tuple[list[Any], list[Any]]:
    pairs = [trustee_generate(vote_id=VOTE, trustee=i, threshold=2, trustees=3) for i in (1, 2, 3)]
    keys = [k for _, k in pairs]
    messages = [share_for(s, k) for s, _ in pairs for k in keys if k.trustee != s.trustee]
    secrets = []
    for s, _ in pairs:
        done, problems = receive_shares(s, keys, [m for m in messages if m["to"] == s.trustee])
        assert done is not None, problems
        secrets.append(done)
    return secrets, keys


def browser_figures(no_browser: bool) -> dict[str, Any] | None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if no_browser or chromium is None:
        return None
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_QuietHandler, directory=str(ROOT))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=chromium, headless=True, args=["--no-sandbox"]
            )
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{server.server_port}/bench/ballotcrypto_browser.html")
            page.wait_for_selector("body[data-done=yes]", timeout=120_000)
            figures = json.loads(page.inner_text("#result"))
            browser.close()
            return figures
    finally:
        server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: Any) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--ballots", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--no-browser", action="store_true", help="skip headless Chromium")
    args = parser.parse_args()
    rng = random.Random(SEED)
    print(f"# ballot cryptography, {machine()}")

    # The reference, in the same run: one variable-base scalar multiplication in libsodium.
    points = [group.base_mul(group.random_scalar()) for _ in range(50)]
    scalars = [group.random_scalar() for _ in range(2000)]
    mult = best(args.rounds, 2000, lambda i: group.mul(scalars[i], points[i % 50]))
    base = best(args.rounds, 2000, lambda i: group.base_mul(scalars[i]))
    add = best(args.rounds, 2000, lambda i: group.add(points[i % 50], points[(i + 1) % 50]))
    rows: list[tuple[str, float, float]] = []

    def row(label: str, secs: float, reference: float = mult) -> None:
        rows.append((label, secs, secs / reference))

    row("libsodium scalar multiplication (reference)", mult)
    row("libsodium base-point multiplication", base)
    row("libsodium point addition", add)

    secrets, keys = ceremony()
    joint = joint_public_key(keys)
    row(
        "Python: encrypt + prove one ballot",
        best(
            args.rounds,
            50,
            lambda i: encrypt_ballot(
                vote_id=VOTE, voter="DE", public_key=joint, choice=OPTIONS[i % 3]
            ),
        ),
    )

    states = [f"S{i:02d}" for i in range(35)]
    council = [
        encrypt_ballot(
            vote_id=VOTE, voter=s, public_key=joint, choice=rng.choice(OPTIONS)
        ).to_json()
        for s in states
    ]

    def verify_council(_: int) -> None:
        for b in council:
            assert verify_ballot(b, vote_id=VOTE, public_key=joint) == []

    row("Python: verify all proofs of a 35-state vote", best(args.rounds, 1, verify_council))

    # 1,000 simulated ballots with population weights (up to 2,000,000 each: totals near 10^9).
    voters = [f"V{i:04d}" for i in range(args.ballots)]
    choice = {v: rng.choice(OPTIONS) for v in voters}
    population = {v: rng.randint(1, 2_000_000) for v in voters}
    print(f"# encrypting {args.ballots} ballots (not timed) ...", flush=True)
    ballots = {
        v: encrypt_ballot(vote_id=VOTE, voter=v, public_key=joint, choice=choice[v]) for v in voters
    }
    weightings = {"count": dict.fromkeys(voters, 1), "population": population}
    started = time.perf_counter()
    tally = tally_ballots(vote_id=VOTE, public_key=joint, ballots=ballots, weightings=weightings)
    row(
        f"tally of {args.ballots} ballots (count + population, 6 totals)",
        time.perf_counter() - started,
    )
    started = time.perf_counter()
    partials = [partial_decrypt(s, tally) for s in (secrets[0], secrets[2])]
    row("two trustees' partial decryptions with proofs", time.perf_counter() - started)
    expected = {
        f"{w}.{o}": sum(weightings[w][v] for v in voters if choice[v] == o)
        for w in weightings
        for o in OPTIONS
    }
    elgamal._tables.clear()
    started = time.perf_counter()
    result = combine(tally=tally, partials=partials, trustee_keys=keys)
    row("combine: check both, Lagrange, 6 discrete logs (cold)", time.perf_counter() - started)
    assert result.totals == expected, result
    started = time.perf_counter()
    combine(tally=tally, partials=partials, trustee_keys=keys)
    row("combine again (baby-step table kept)", time.perf_counter() - started)
    print(f"# population bound {tally.bounds['population.yes']:,}; totals {result.totals}")

    width = max(len(r[0]) for r in rows)
    print(f"\n{'Python + libsodium':<{width}}  {'time':>12}  {'÷ scalar mult':>13}")
    for label, secs, ratio in rows:
        shown = f"{secs * 1e6:,.1f} µs" if secs < 1e-3 else f"{secs * 1e3:,.1f} ms"
        print(f"{label:<{width}}  {shown:>12}  {ratio:>13,.1f}")

    js_runs: list[dict[str, Any]] = []
    if shutil.which("node"):
        done = subprocess.run(
            ["node", "bench/ballotcrypto_node.js"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        js_runs.append(json.loads(done.stdout))
    browser = browser_figures(args.no_browser)
    if browser:
        js_runs.append(browser)
    for figures in js_runs:
        print(f"\n{figures['runtime'][:70]}")
        m = figures["scalar_mult_ms"]
        for key, label in (
            ("scalar_mult_ms", "@noble/curves scalar multiplication (reference)"),
            ("base_mult_ms", "@noble/curves base-point multiplication"),
            ("encrypt_ballot_ms", "encrypt + prove one ballot"),
            ("verify_ballot_ms", "verify one ballot"),
        ):
            print(f"{label:<{width}}  {figures[key]:>9,.2f} ms  {figures[key] / m:>13,.1f}")


if __name__ == "__main__":
    main()
