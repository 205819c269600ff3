/**
 * Secret-ballot cryptography in the browser (issue 16): the delegate's encrypted ballot, the
 * trustee's key ceremony and partial decryption. An ES module with no inline script (the site's
 * CSP allows scripts from 'self' only); it imports @noble/curves (ristretto255) and
 * @noble/hashes (SHA-2, HMAC, scrypt) from the copies bin/setup puts in static/vendor.
 *
 * It is the twin of the Python package governance/ballotcrypto: the same group, the same
 * proofs (ElectionGuard 2.0 §3.2.2 Schnorr proofs of the trustees' coefficients, §3.3.5 the
 * 0-or-1 range proof, the sum proof, §3.6 the proof of a partial decryption), and byte for byte
 * the same canonical JSON, challenges and trackers, so a ballot made here verifies there and
 * the reverse (tests/governance/test_ballotcrypto_cross.py runs both). Points and scalars are
 * written as 64 lowercase hex digits (scalars little-endian, as libsodium); every challenge is
 * SHA-512 of {"domain": "concordia/ballotcrypto/v1/<kind>", "statement": {...}} in canonical
 * JSON, reduced modulo the group order. Each function's docstring names its Python twin.
 *
 * Everything secret (the randomness of a ballot, a trustee's polynomial and key share) stays
 * in this page's memory or in the passphrase-sealed file the trustee downloads.
 */
import { ristretto255 } from '../vendor/noble-curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '../vendor/noble-curves/utils.js';
import { hmac } from '../vendor/noble-hashes/hmac.js';
import { scryptAsync } from '../vendor/noble-hashes/scrypt.js';
import { sha256, sha512 } from '../vendor/noble-hashes/sha2.js';
import { bytesToHex, hexToBytes, randomBytes } from '../vendor/noble-hashes/utils.js';

const Point = ristretto255.Point;
/** The order of the ristretto255 group (RFC 9496 §4.1). */
export const L = Point.Fn.ORDER;
export const OPTIONS = Object.freeze(['yes', 'no', 'abstain']);
const PREFIX = 'concordia/ballotcrypto/v1/';
const HEX64 = /^[0-9a-f]{64}$/;
const encoder = new TextEncoder();

// --- Group ------------------------------------------------------------------------------------

const mod = (k) => ((k % L) + L) % L;

function mul(k, p) {
  k = mod(k);
  return k === 0n || p.is0() ? Point.ZERO : p.multiply(k);
}

const baseMul = (k) => mul(k, Point.BASE);

/** A uniformly random non-zero scalar (64 random bytes reduced modulo L). */
export function randomScalar() {
  for (;;) {
    const k = mod(bytesToNumberLE(randomBytes(64)));
    if (k !== 0n) return k;
  }
}

export const scalarHex = (k) => bytesToHex(numberToBytesLE(mod(k), 32));
export const pointHex = (p) => p.toHex();

export function parseScalar(hex) {
  if (typeof hex !== 'string' || !HEX64.test(hex)) throw new Error('scalar_malformed');
  const k = bytesToNumberLE(hexToBytes(hex));
  if (k >= L) throw new Error('scalar_out_of_range');
  return k;
}

export function parsePoint(hex) {
  if (typeof hex !== 'string' || !HEX64.test(hex)) throw new Error('point_malformed');
  return Point.fromHex(hex); // refuses non-canonical encodings
}

const hashToScalar = (bytes) => mod(bytesToNumberLE(sha512(bytes)));

// --- Canonical JSON ---------------------------------------------------------------------------

/** JSON with sorted keys and no spaces: the bytes Python's `encoding.canonical` writes. */
export function canonical(value) {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new Error('only safe integers in canonical JSON');
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(',')}}`;
  }
  throw new Error(`not allowed in canonical JSON: ${typeof value}`);
}

const domainBytes = (domain, statement) =>
  encoder.encode(canonical({ domain: PREFIX + domain, statement }));

const domainSha256 = (domain, statement) => bytesToHex(sha256(domainBytes(domain, statement)));

function challenge(domain, statement, commitments) {
  return hashToScalar(domainBytes(domain, { ...statement, commitments: commitments.map(pointHex) }));
}

// --- Proofs (governance/ballotcrypto/proofs.py) -----------------------------------------------

function schnorrProve(secret, domain, statement) {
  const u = randomScalar();
  const c = challenge(domain, statement, [baseMul(u)]);
  return { c: scalarHex(c), v: scalarHex(u - c * secret) };
}

function equalLogProve(secret, g2, domain, statement) {
  const u = randomScalar();
  const c = challenge(domain, statement, [baseMul(u), mul(u, g2)]);
  return { c: scalarHex(c), v: scalarHex(u - c * secret) };
}

function zeroOrOneProve(ct, m, r, publicKey, domain, statement) {
  const trueBranch = m === 1 ? 1 : 0;
  const fake = 1 - trueBranch;
  const cFake = randomScalar();
  const vFake = randomScalar();
  const u = randomScalar();
  const commitments = [];
  commitments[2 * trueBranch] = baseMul(u);
  commitments[2 * trueBranch + 1] = mul(u, publicKey);
  commitments[2 * fake] = baseMul(vFake).add(mul(cFake, ct.alpha));
  const shifted = ct.beta.subtract(baseMul(BigInt(fake)));
  commitments[2 * fake + 1] = mul(vFake, publicKey).add(mul(cFake, shifted));
  const c = challenge(domain, statement, commitments);
  const cTrue = mod(c - cFake);
  const vTrue = mod(u - cTrue * r);
  const [c0, c1, v0, v1] = trueBranch === 0 ? [cTrue, cFake, vTrue, vFake] : [cFake, cTrue, vFake, vTrue];
  return { c0: scalarHex(c0), c1: scalarHex(c1), v0: scalarHex(v0), v1: scalarHex(v1) };
}

// --- Ballots (governance/ballotcrypto/ballot.py) ----------------------------------------------

const ctJson = (ct) => ({ alpha: pointHex(ct.alpha), beta: pointHex(ct.beta) });

function encrypt(publicKey, m, r) {
  return { alpha: baseMul(r), beta: baseMul(BigInt(m)).add(mul(r, publicKey)) };
}

/**
 * Encrypt one choice ('yes', 'no' or 'abstain') with its proofs; the result is the ballot JSON
 * the page submits (Python: `encrypt_ballot`). `publicKey` is the vote's joint key, hex.
 */
export function encryptBallot({ voteId, voter, publicKey, choice }) {
  if (!OPTIONS.includes(choice)) throw new Error(`choice must be one of ${OPTIONS.join(', ')}`);
  const plain = Object.fromEntries(OPTIONS.map((o) => [o, o === choice ? 1 : 0]));
  return encryptWith({ voteId, voter, publicKey, plain });
}

/**
 * Encrypt the given integers per option and prove them as an honest encoder would; only 0/1
 * summing to 1 verifies (Python: `encrypt_with`). The tests use it as a cheating encoder.
 */
export function encryptWith({ voteId, voter, publicKey, plain }) {
  const key = parsePoint(publicKey);
  const randomness = Object.fromEntries(OPTIONS.map((o) => [o, randomScalar()]));
  const cts = Object.fromEntries(OPTIONS.map((o) => [o, encrypt(key, plain[o], randomness[o])]));
  const statement = {
    vote_id: voteId,
    voter,
    public_key: pointHex(key),
    ciphertexts: Object.fromEntries(OPTIONS.map((o) => [o, ctJson(cts[o])])),
  };
  const choices = {};
  for (const o of OPTIONS) {
    const proof = zeroOrOneProve(cts[o], plain[o], randomness[o], key, 'zero-or-one', {
      ...statement,
      option: o,
    });
    choices[o] = { ...ctJson(cts[o]), proof };
  }
  const rSum = OPTIONS.reduce((acc, o) => mod(acc + randomness[o]), 0n);
  return {
    format: 'concordia-ballot/1',
    vote_id: voteId,
    voter,
    public_key: pointHex(key),
    choices,
    sum_proof: equalLogProve(rSum, key, 'exactly-one', statement),
  };
}

/** The ballot's tracker: what the delegation keeps to find its ballot on the public board. */
export function tracker(ballot) {
  return domainSha256('tracker', { ballot });
}

// --- Trustees (governance/ballotcrypto/threshold.py) ------------------------------------------

function coefficientStatement(fields, index, commitment) {
  return {
    vote_id: fields.vote_id,
    trustee: fields.trustee,
    threshold: fields.threshold,
    trustees: fields.trustees,
    index,
    commitment: pointHex(commitment),
  };
}

/**
 * A trustee's random polynomial and its published commitments with Schnorr proofs (Python:
 * `trustee_generate`). Returns {secret, key}: `key` is published, `secret` is sealed with
 * `sealSecret` and downloaded, never sent.
 */
export function trusteeGenerate({ voteId, trustee, threshold, trustees }) {
  if (!(1 <= threshold && threshold <= trustees && trustees <= 64)) throw new Error('need 1 ≤ threshold ≤ trustees ≤ 64');
  if (!(1 <= trustee && trustee <= trustees)) throw new Error('trustee numbers run from 1 to trustees');
  const coefficients = Array.from({ length: threshold }, randomScalar);
  const fields = { vote_id: voteId, trustee, threshold, trustees };
  const commitments = coefficients.map(baseMul);
  const proofs = coefficients.map((a, j) =>
    schnorrProve(a, 'trustee-key', coefficientStatement(fields, j, commitments[j])),
  );
  return {
    secret: {
      format: 'concordia-trustee-secret/1',
      ...fields,
      coefficients: coefficients.map(scalarHex),
      key_share: null,
    },
    key: { format: 'concordia-trustee-key/1', ...fields, commitments: commitments.map(pointHex), proofs },
  };
}

function evaluate(secret, x) {
  let result = 0n;
  for (const a of [...secret.coefficients].reverse()) result = mod(result * BigInt(x) + parseScalar(a));
  return result;
}

function commitmentAt(key, x) {
  let result = Point.ZERO;
  let power = 1n;
  for (const c of key.commitments) {
    result = result.add(mul(power, parsePoint(c)));
    power = mod(power * BigInt(x));
  }
  return result;
}

function shareKeys(voteId, from, to, ephemeral, recipientKey, shared) {
  const digest = sha512(
    domainBytes('share-key', {
      vote_id: voteId,
      from,
      to,
      ephemeral: pointHex(ephemeral),
      recipient_key: pointHex(recipientKey),
      shared: pointHex(shared),
    }),
  );
  return [digest.slice(0, 32), digest.slice(32)];
}

function shareMac(macKey, voteId, from, to, ephemeral, ciphertext) {
  const message = domainBytes('share-mac', {
    vote_id: voteId,
    from,
    to,
    ephemeral: pointHex(ephemeral),
    ciphertext: bytesToHex(ciphertext),
  });
  return hmac(sha256, macKey, message);
}

const xor = (a, b) => a.map((x, i) => x ^ b[i]);

/** The share P_i(ℓ) for trustee ℓ, encrypted to its key (Python: `share_for`). */
export function shareFor(secret, recipientKey) {
  const recipient = parsePoint(recipientKey.commitments[0]);
  const e = randomScalar();
  const ephemeral = baseMul(e);
  const [pad, macKey] = shareKeys(secret.vote_id, secret.trustee, recipientKey.trustee, ephemeral, recipient, mul(e, recipient));
  const ciphertext = xor(numberToBytesLE(evaluate(secret, recipientKey.trustee), 32), pad);
  return {
    format: 'concordia-trustee-share/1',
    vote_id: secret.vote_id,
    from: secret.trustee,
    to: recipientKey.trustee,
    ephemeral: pointHex(ephemeral),
    ciphertext: bytesToHex(ciphertext),
    mac: bytesToHex(shareMac(macKey, secret.vote_id, secret.trustee, recipientKey.trustee, ephemeral, ciphertext)),
  };
}

/**
 * Check the shares sent to this trustee against their senders' commitments and, if all are
 * sound, return {secret (with key_share), problems: []}; else {secret: null, problems} with
 * each problem naming the sender (Python: `receive_shares`).
 */
export function receiveShares(secret, keys, messages) {
  const byNumber = new Map(keys.map((k) => [k.trustee, k]));
  const own = parseScalar(secret.coefficients[0]);
  const values = new Map([[secret.trustee, evaluate(secret, secret.trustee)]]);
  const received = new Set();
  const problems = [];
  for (const m of messages) {
    const where = `share from trustee ${m?.from}`;
    if (Number.isInteger(m?.from)) received.add(m.from);
    try {
      if (m.format !== 'concordia-trustee-share/1' || m.vote_id !== secret.vote_id || m.to !== secret.trustee)
        throw new Error('wrong_recipient');
      const ephemeral = parsePoint(m.ephemeral);
      const ciphertext = hexToBytes(m.ciphertext);
      const [pad, macKey] = shareKeys(secret.vote_id, m.from, secret.trustee, ephemeral, baseMul(own), mul(own, ephemeral));
      if (bytesToHex(shareMac(macKey, secret.vote_id, m.from, secret.trustee, ephemeral, ciphertext)) !== m.mac)
        throw new Error('mac_invalid');
      const value = bytesToNumberLE(xor(ciphertext, pad));
      if (value >= L) throw new Error('share_out_of_range');
      if (!byNumber.has(m.from)) throw new Error('unknown_sender');
      if (!baseMul(value).equals(commitmentAt(byNumber.get(m.from), secret.trustee)))
        throw new Error('share_inconsistent');
      if (values.has(m.from)) throw new Error('duplicate');
      values.set(m.from, value);
    } catch (error) {
      problems.push({ code: `share.${error.message}`, where });
    }
  }
  for (let n = 1; n <= secret.trustees; n += 1)
    if (!values.has(n) && !received.has(n)) problems.push({ code: 'share.missing', where: `share from trustee ${n}` });
  if (problems.length) return { secret: null, problems };
  let z = 0n;
  for (const v of values.values()) z = mod(z + v);
  return { secret: { ...secret, key_share: scalarHex(z) }, problems: [] };
}

/** The tally's digest, as every partial decryption names it (Python: `Tally.digest`). */
export function tallyDigest(tally) {
  const normal = {
    format: tally.format,
    vote_id: tally.vote_id,
    public_key: tally.public_key,
    totals: Object.fromEntries(Object.entries(tally.totals).map(([l, c]) => [l, { alpha: c.alpha, beta: c.beta }])),
    bounds: { ...tally.bounds },
  };
  return domainSha256('tally', { tally: normal });
}

/** This trustee's share of every total with its proof (Python: `partial_decrypt`). */
export function partialDecrypt(secret, tally) {
  if (secret.key_share === null) throw new Error('no key share yet: receive the others’ shares first');
  if (tally.vote_id !== secret.vote_id) throw new Error('the tally is for another vote');
  const z = parseScalar(secret.key_share);
  const zPoint = baseMul(z);
  const digest = tallyDigest(tally);
  const shares = {};
  for (const [label, ct] of Object.entries(tally.totals)) {
    const alpha = parsePoint(ct.alpha);
    const m = mul(z, alpha);
    const statement = {
      vote_id: secret.vote_id,
      trustee: secret.trustee,
      tally: digest,
      label,
      verification_key: pointHex(zPoint),
      alpha: pointHex(alpha),
      share: pointHex(m),
    };
    shares[label] = { share: pointHex(m), proof: equalLogProve(z, alpha, 'partial-decryption', statement) };
  }
  return { format: 'concordia-partial-decryption/1', vote_id: secret.vote_id, trustee: secret.trustee, tally: digest, shares };
}

// --- The trustee's private file (governance/ballotcrypto/keyfile.py) --------------------------

async function fileKey(passphrase, kdf) {
  const raw = await scryptAsync(encoder.encode(passphrase), hexToBytes(kdf.salt), {
    N: 2 ** kdf.log2_n,
    r: kdf.r,
    p: kdf.p,
    dkLen: 32,
    maxmem: 2 ** 31,
  });
  return globalThis.crypto.subtle.importKey('raw', raw, 'AES-GCM', false, ['encrypt', 'decrypt']);
}

/** Seal a JSON object under a passphrase: scrypt, then AES-256-GCM (Python: `keyfile.seal`). */
export async function sealSecret(content, passphrase, { label, log2N = 17 }) {
  const header = {
    format: 'concordia-secret-file/1',
    label,
    kdf: { name: 'scrypt', log2_n: log2N, r: 8, p: 1, salt: bytesToHex(randomBytes(16)) },
    cipher: { name: 'aes-256-gcm', nonce: bytesToHex(randomBytes(12)) },
  };
  const key = await fileKey(passphrase, header.kdf);
  const sealed = await globalThis.crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: hexToBytes(header.cipher.nonce), additionalData: encoder.encode(canonical(header)) },
    key,
    encoder.encode(canonical(content)),
  );
  return { ...header, ciphertext: bytesToHex(new Uint8Array(sealed)) };
}

/** Open a sealed file; rejects with 'wrong passphrase' if it does not open (Python: `open_sealed`). */
export async function openSecret(file, passphrase) {
  const { kdf, cipher } = file;
  if (file.format !== 'concordia-secret-file/1' || kdf?.name !== 'scrypt' || cipher?.name !== 'aes-256-gcm')
    throw new Error('not a Concordia secret file');
  if (!(Number.isInteger(kdf.log2_n) && kdf.log2_n >= 10 && kdf.log2_n <= 20)) throw new Error('unsupported scrypt parameters');
  const header = {
    format: file.format,
    label: file.label,
    kdf: { name: 'scrypt', log2_n: kdf.log2_n, r: kdf.r, p: kdf.p, salt: kdf.salt },
    cipher: { name: 'aes-256-gcm', nonce: cipher.nonce },
  };
  const key = await fileKey(passphrase, header.kdf);
  let plain;
  try {
    plain = await globalThis.crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: hexToBytes(cipher.nonce), additionalData: encoder.encode(canonical(header)) },
      key,
      hexToBytes(file.ciphertext),
    );
  } catch {
    throw new Error('wrong passphrase, or the file was altered');
  }
  return JSON.parse(new TextDecoder().decode(plain));
}

// --- Verifiers: the same checks and problem codes as the Python verifiers ---------------------

// Variable-time multiplication, for public values only (every verifier's inputs are public).
const mulPublic = (k, p) => p.multiplyUnsafe(mod(k));

function checkChallenge(domain, statement, commitments, c) {
  return challenge(domain, statement, commitments) === c;
}

function equalLogVerify(x, g2, y, proof, domain, statement) {
  const c = parseScalar(proof.c);
  const v = parseScalar(proof.v);
  const a = mulPublic(v, Point.BASE).add(mulPublic(c, x));
  const b = mulPublic(v, g2).add(mulPublic(c, y));
  return checkChallenge(domain, statement, [a, b], c);
}

function malformed(prefix, error) {
  return [{ code: `${prefix}.malformed`, where: '', detail: String(error?.message ?? error) }];
}

/**
 * Every problem with a ballot, as {code, where} (empty: well formed). Checks what Python's
 * `verify_ballot` checks; malformed input is one `ballot.malformed` problem, never a throw.
 */
export function verifyBallot(ballot, { voteId, publicKey, voter = null }) {
  let key;
  let cts;
  let statement;
  try {
    if (ballot?.format !== 'concordia-ballot/1') return [{ code: 'ballot.wrong_format', where: 'format' }];
    const options = Object.keys(ballot.choices ?? {});
    if (options.length !== OPTIONS.length || !OPTIONS.every((o) => options.includes(o)))
      return [{ code: 'ballot.wrong_options', where: 'choices' }];
    const problems = [];
    if (ballot.vote_id !== voteId) problems.push({ code: 'ballot.wrong_vote', where: 'vote_id' });
    if (ballot.public_key !== publicKey) problems.push({ code: 'ballot.wrong_public_key', where: 'public_key' });
    if (voter !== null && ballot.voter !== voter) problems.push({ code: 'ballot.wrong_voter', where: 'voter' });
    if (problems.length) return problems;
    key = parsePoint(ballot.public_key);
    cts = Object.fromEntries(
      OPTIONS.map((o) => [o, { alpha: parsePoint(ballot.choices[o].alpha), beta: parsePoint(ballot.choices[o].beta) }]),
    );
    if (typeof ballot.voter !== 'string') throw new Error('voter');
    statement = {
      vote_id: ballot.vote_id,
      voter: ballot.voter,
      public_key: ballot.public_key,
      ciphertexts: Object.fromEntries(OPTIONS.map((o) => [o, ctJson(cts[o])])),
    };
    for (const o of OPTIONS) for (const k of ['c0', 'c1', 'v0', 'v1']) parseScalar(ballot.choices[o].proof[k]);
    parseScalar(ballot.sum_proof.c);
    parseScalar(ballot.sum_proof.v);
  } catch (error) {
    return malformed('ballot', error);
  }
  const problems = [];
  for (const o of OPTIONS) {
    const p = ballot.choices[o].proof;
    const commitments = [];
    for (const [j, cj, vj] of [[0, p.c0, p.v0], [1, p.c1, p.v1]]) {
      const c = parseScalar(cj);
      const v = parseScalar(vj);
      commitments.push(mulPublic(v, Point.BASE).add(mulPublic(c, cts[o].alpha)));
      const shifted = cts[o].beta.subtract(mulPublic(BigInt(j), Point.BASE));
      commitments.push(mulPublic(v, key).add(mulPublic(c, shifted)));
    }
    const c = challenge('zero-or-one', { ...statement, option: o }, commitments);
    if (mod(parseScalar(p.c0) + parseScalar(p.c1)) !== c)
      problems.push({ code: 'ballot.zero_or_one_proof_invalid', where: `choices.${o}` });
  }
  let alpha = Point.ZERO;
  let beta = Point.ZERO;
  for (const o of OPTIONS) {
    alpha = alpha.add(cts[o].alpha);
    beta = beta.add(cts[o].beta);
  }
  if (!equalLogVerify(alpha, key, beta.subtract(Point.BASE), ballot.sum_proof, 'exactly-one', statement))
    problems.push({ code: 'ballot.sum_proof_invalid', where: 'sum_proof' });
  return problems;
}

/** Every problem with one trustee's published key (Python: `verify_trustee_key`). */
export function verifyTrusteeKey(key, { voteId, threshold, trustees }) {
  const where = `trustee ${key?.trustee}`;
  try {
    if (key?.format !== 'concordia-trustee-key/1') return [{ code: 'trustee_key.wrong_format', where }];
    if (key.vote_id !== voteId) return [{ code: 'trustee_key.wrong_vote', where }];
    if (key.threshold !== threshold || key.trustees !== trustees)
      return [{ code: 'trustee_key.wrong_parameters', where }];
    if (key.commitments.length !== threshold || key.proofs.length !== threshold) throw new Error('wrong_length');
    const problems = [];
    key.commitments.forEach((hex, j) => {
      const commitment = parsePoint(hex);
      if (commitment.is0()) throw new Error('point_identity');
      const c = parseScalar(key.proofs[j].c);
      const v = parseScalar(key.proofs[j].v);
      const h = mulPublic(v, Point.BASE).add(mulPublic(c, commitment));
      if (!checkChallenge('trustee-key', coefficientStatement(key, j, commitment), [h], c))
        problems.push({ code: 'trustee_key.proof_invalid', where: `${where}, coefficient ${j}` });
    });
    return problems;
  } catch (error) {
    return malformed('trustee_key', error);
  }
}

/** The joint public key K = Σ K_i0 of the published trustee keys, hex. */
export function jointPublicKey(keys) {
  return pointHex(keys.reduce((acc, k) => acc.add(parsePoint(k.commitments[0])), Point.ZERO));
}

/**
 * Every problem with one trustee's partial decryption of the tally, given every trustee's
 * published key (Python: `verify_partial_decryption`).
 */
export function verifyPartialDecryption(partial, { tally, keys }) {
  const where = `trustee ${partial?.trustee}`;
  try {
    if (partial?.format !== 'concordia-partial-decryption/1') return [{ code: 'partial.wrong_format', where: 'partial.format' }];
    if (partial.vote_id !== tally.vote_id) return [{ code: 'partial.wrong_vote', where }];
    if (partial.tally !== tallyDigest(tally)) return [{ code: 'partial.wrong_tally', where }];
    const labels = Object.keys(tally.totals);
    const given = Object.keys(partial.shares ?? {});
    if (given.length !== labels.length || !labels.every((l) => given.includes(l)))
      return [{ code: 'partial.wrong_labels', where: `${where}.shares` }];
    const z = keys.reduce((acc, k) => acc.add(commitmentAt(k, partial.trustee)), Point.ZERO);
    const problems = [];
    for (const label of labels) {
      const alpha = parsePoint(tally.totals[label].alpha);
      const m = parsePoint(partial.shares[label].share);
      const statement = {
        vote_id: tally.vote_id,
        trustee: partial.trustee,
        tally: partial.tally,
        label,
        verification_key: pointHex(z),
        alpha: pointHex(alpha),
        share: pointHex(m),
      };
      if (!equalLogVerify(z, alpha, m, partial.shares[label].proof, 'partial-decryption', statement))
        problems.push({ code: 'partial.proof_invalid', where: `${where}, totals.${label}` });
    }
    return problems;
  } catch (error) {
    return malformed('partial', error);
  }
}
