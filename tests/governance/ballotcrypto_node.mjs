// Runs static/js/ballot-crypto.js under node for tests/governance/test_ballotcrypto_cross.py:
// reads a JSON list of calls on stdin, writes the list of their results on stdout.
import * as bc from '../../static/js/ballot-crypto.js';

const calls = JSON.parse(await new Promise((resolve) => {
  let text = '';
  process.stdin.on('data', (chunk) => { text += chunk; });
  process.stdin.on('end', () => resolve(text));
}));
const results = [];
for (const { fn, args } of calls) {
  if (!(fn in bc) || typeof bc[fn] !== 'function') throw new Error(`no function ${fn}`);
  results.push(await bc[fn](...args));
}
process.stdout.write(JSON.stringify(results));
