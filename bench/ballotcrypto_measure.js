// The browser side of bench/ballotcrypto.py: encrypting and proving one ballot with
// static/js/ballot-crypto.js, beside one bare ristretto255 scalar multiplication of
// @noble/curves, measured in the same run. Loaded by node (ballotcrypto_node.js) and by
// headless Chromium (ballotcrypto_browser.html), so both print the same figures.
import * as bc from '../static/js/ballot-crypto.js';
import { ristretto255 } from '../static/vendor/noble-curves/ed25519.js';

const Point = ristretto255.Point;

function best(rounds, count, run) {
  let fastest = Infinity;
  for (let r = 0; r < rounds; r += 1) {
    const started = performance.now();
    for (let i = 0; i < count; i += 1) run(i);
    fastest = Math.min(fastest, (performance.now() - started) / count);
  }
  return fastest; // milliseconds per call
}

export function measure({ rounds = 3, mults = 200, ballots = 20 } = {}) {
  const point = Point.BASE.multiply(bc.randomScalar());
  const scalars = Array.from({ length: mults }, bc.randomScalar);
  const publicKey = Point.BASE.multiply(bc.randomScalar()).toHex();
  const choices = ['yes', 'no', 'abstain'];
  // warm up the JIT and noble's precomputed base-point tables before timing
  for (let i = 0; i < 5; i += 1) bc.encryptBallot({ voteId: 'B/1', voter: 'DE', publicKey, choice: 'yes' });
  const scalarMult = best(rounds, mults, (i) => point.multiply(scalars[i]));
  const baseMult = best(rounds, mults, (i) => Point.BASE.multiply(scalars[i]));
  const encrypt = best(rounds, ballots, (i) =>
    bc.encryptBallot({ voteId: 'B/1', voter: 'DE', publicKey, choice: choices[i % 3] }),
  );
  const ballot = bc.encryptBallot({ voteId: 'B/1', voter: 'DE', publicKey, choice: 'no' });
  const verify = best(rounds, ballots, () => bc.verifyBallot(ballot, { voteId: 'B/1', publicKey }));
  return { scalar_mult_ms: scalarMult, base_mult_ms: baseMult, encrypt_ballot_ms: encrypt, verify_ballot_ms: verify };
}
