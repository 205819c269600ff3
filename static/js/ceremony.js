/**
 * A trustee's key ceremony page (templates/governance/secret_ceremony.html), over the API
 * /api/v1/secret-votes/<id>/ceremony/...: make the key share and download the private file,
 * send the encrypted shares, check the shares received against their senders' commitments and
 * confirm, and after the close post the partial decryption of the totals. Everything secret
 * stays in this page's memory and in the passphrase-sealed file; none of it is ever posted.
 */
import {
  openSecret,
  partialDecrypt,
  receiveShares,
  sealSecret,
  shareFor,
  trusteeGenerate,
} from './ballot-crypto.js';

const root = document.getElementById('ceremony');
const data = root.dataset;
const me = Number(data.trustee);
const status = document.getElementById('ceremony-status');
const buttons = {
  makeKey: document.getElementById('make-key'),
  sendShares: document.getElementById('send-shares'),
  checkShares: document.getElementById('check-shares'),
  decrypt: document.getElementById('decrypt'),
};
const msg = (name) => data[`msg${name}`] || name;
const say = (text) => {
  status.textContent = text;
};
let state = null;
let busy = false;

async function api(url, body) {
  const response = await fetch(url, {
    method: body === undefined ? 'GET' : 'POST',
    credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': data.csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(answer.message || `HTTP ${response.status}`);
  return answer;
}

function download(name, content) {
  const blob = new Blob([`${JSON.stringify(content, null, 2)}\n`], { type: 'application/json' });
  const link = document.createElement('a');
  link.href = URL.createObjectURL(blob);
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
}

const fileName = (suffix) => `trustee-${me}-${data.motion.replaceAll('/', '-')}${suffix}.secret.json`;
const label = () => `trustee ${me} of vote ${data.motion}`;

async function readSecret() {
  const file = document.getElementById('secret-file').files[0];
  if (!file) throw new Error(msg('ChooseFile'));
  const sealed = JSON.parse(await file.text());
  return openSecret(sealed, document.getElementById('passphrase').value);
}

const mine = () => state.trustees.find((t) => t.number === me);
const keys = () => state.trustees.map((t) => t.public_key);

function show() {
  const self = mine();
  const before = state.status === 'draft' || state.status === 'tabled';
  const allKeys = state.trustees.every((t) => t.key_published);
  buttons.makeKey.disabled = busy || !before || self.key_published;
  buttons.sendShares.disabled = busy || !before || !allKeys || self.shares_sent;
  buttons.checkShares.disabled =
    busy || !before || self.confirmed || state.shares_for_me.length !== state.trustees.length - 1;
  buttons.decrypt.disabled =
    busy || state.status !== 'voting_closed' || !state.encrypted_tally || state.decrypted ||
    state.partials_posted.includes(me);
  if (busy) return;
  if (!self.key_published) say(msg('MakeKey'));
  else if (!allKeys) say(msg('WaitKeys'));
  else if (!self.shares_sent) say(msg('SendShares'));
  else if (!self.confirmed && buttons.checkShares.disabled) say(msg('WaitShares'));
  else if (!self.confirmed) say(msg('CheckShares'));
  else if (!state.joint_public_key) say(msg('WaitOthers'));
  else if (state.decrypted) say(msg('Decrypted'));
  else if (!buttons.decrypt.disabled) say(msg('Decrypt'));
  else if (state.partials_posted.includes(me)) say(msg('PartialPosted'));
  else say(msg('Ready'));
}

async function refresh() {
  try {
    state = await api(data.apiState);
    show();
  } catch (error) {
    say(error.message);
  }
}

async function step(button, work) {
  busy = true;
  Object.values(buttons).forEach((b) => { b.disabled = true; });
  say(msg('Working'));
  try {
    await work();
    busy = false;
    await refresh();
  } catch (error) {
    busy = false;
    if (state) show();
    say(error.message);
  }
}

buttons.makeKey.addEventListener('click', () => step(buttons.makeKey, async () => {
  const phrase = document.getElementById('new-passphrase').value;
  if (phrase.length < 12) throw new Error(msg('PassphraseShort'));
  if (phrase !== document.getElementById('new-passphrase-again').value) throw new Error(msg('PassphraseDiffer'));
  const { secret, key } = trusteeGenerate({
    voteId: data.motion,
    trustee: me,
    threshold: state.threshold,
    trustees: state.trustees.length,
  });
  const sealed = await sealSecret(secret, phrase, { label: label() });
  download(fileName(''), sealed);
  await api(data.apiKey, { key });
}));

buttons.sendShares.addEventListener('click', () => step(buttons.sendShares, async () => {
  const secret = await readSecret();
  if (secret.vote_id !== data.motion || secret.trustee !== me) throw new Error(msg('WrongFile'));
  const shares = keys().filter((k) => k.trustee !== me).map((k) => shareFor(secret, k));
  await api(data.apiShares, { shares });
}));

buttons.checkShares.addEventListener('click', () => step(buttons.checkShares, async () => {
  const secret = await readSecret();
  const checked = receiveShares(secret, keys(), state.shares_for_me);
  if (!checked.secret) {
    throw new Error(`${msg('BadShares')} ${checked.problems.map((p) => `${p.code} (${p.where})`).join('; ')}`);
  }
  const sealed = await sealSecret(checked.secret, document.getElementById('passphrase').value, { label: label() });
  download(fileName('-with-key-share'), sealed);
  await api(data.apiConfirm, {});
}));

buttons.decrypt.addEventListener('click', () => step(buttons.decrypt, async () => {
  const secret = await readSecret();
  if (secret.key_share === null) throw new Error(msg('NoKeyShare'));
  await api(data.apiPartial, { partial: partialDecrypt(secret, state.encrypted_tally) });
}));

refresh();
setInterval(() => { if (!busy) refresh(); }, 4000);
