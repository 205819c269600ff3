/**
 * The secret-ballot form (templates/governance/secret_vote.html): the choice is encrypted here,
 * with its proofs, under the vote's public key (static/js/ballot-crypto.js), and only the
 * encrypted ballot is posted; the plain choice never leaves the browser (its radio buttons are
 * disabled before the form is sent, so the browser does not submit them).
 */
import { encryptBallot } from './ballot-crypto.js';

for (const form of document.querySelectorAll('form.secret-ballot')) {
  const button = form.querySelector('button[type="submit"]');
  const status = form.querySelector('.secret-ballot__status');
  button.disabled = false;
  form.addEventListener('submit', (event) => {
    if (form.elements.ballot.value) return;
    event.preventDefault();
    const picked = form.querySelector('input[name="choice"]:checked');
    if (!picked) return;
    button.disabled = true;
    status.textContent = form.dataset.msgEncrypting || '…';
    const ballot = encryptBallot({
      voteId: form.dataset.voteId,
      voter: form.dataset.voter,
      publicKey: form.dataset.publicKey,
      choice: picked.value,
    });
    form.elements.ballot.value = JSON.stringify(ballot);
    for (const radio of form.querySelectorAll('input[name="choice"]')) radio.disabled = true;
    form.submit();
  });
}
