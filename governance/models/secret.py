"""Secret votes with encrypted ballots (issue 16): trustees, their key ceremony, the board.

A secret vote drafted since issue 16 has a `SecretVote`: its trustees (delegations) hold the
decryption key between them, t of n, and no part of it ever reaches the server. Delegations
cast ballots encrypted under the joint key; who voted is public (the state's code is on the
ballot and in the chain), how is not. At close the server adds the current ballots up under
encryption; the trustees post partial decryptions of the totals only; t sound ones decrypt
them. Everything here is the public board: keys, commitments, encrypted shares (each readable
only by its recipient), ballots, totals and partial decryptions.

A secret vote opened before issue 16 has no `SecretVote` and keeps the HMAC-pseudonym path
(`Motion.secret_key`, `Ballot.tag`, `BallotParticipation`), readable and verifiable as before.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models.membership import MemberState
from governance.models.motions import Motion


class SecretVote(models.Model):
    """The cryptographic set-up of one secret vote: t of n trustees, the joint key, the totals."""

    motion = models.OneToOneField(Motion, on_delete=models.PROTECT, related_name="secret_vote")
    threshold = models.PositiveSmallIntegerField(_("trustees needed to decrypt"))
    trustee_count = models.PositiveSmallIntegerField(_("trustees"))
    # Hex of K = Σ K_i0, set once every trustee has confirmed the shares it received.
    joint_public_key = models.CharField(max_length=64, blank=True)
    # At close: the encrypted (weighted) totals, `ballotcrypto.Tally.to_json()`.
    encrypted_tally = models.JSONField(null=True, blank=True)
    # Once t sound partial decryptions are in: {label: int} and the trustees used.
    totals = models.JSONField(null=True, blank=True)
    decrypted_with = models.JSONField(null=True, blank=True)
    decrypted_at = models.DateTimeField(null=True, blank=True)
    # Integer weights used for the totals ("population", "share"), and the shares' denominator.
    weightings = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("secret vote")
        verbose_name_plural = _("secret votes")
        constraints = [
            models.CheckConstraint(
                condition=Q(threshold__gte=1) & Q(threshold__lte=models.F("trustee_count")),
                name="secret_vote_threshold_in_range",
            ),
            models.CheckConstraint(
                condition=Q(trustee_count__lte=64), name="secret_vote_at_most_64_trustees"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.motion.reference}: {self.threshold} of {self.trustee_count}"

    @property
    def ceremony_done(self) -> bool:
        return bool(self.joint_public_key)


class Trustee(models.Model):
    """A delegation holding one share of a secret vote's key, numbered 1..n."""

    secret_vote = models.ForeignKey(SecretVote, on_delete=models.PROTECT, related_name="trustees")
    number = models.PositiveSmallIntegerField()
    member_state = models.ForeignKey(MemberState, on_delete=models.PROTECT, related_name="+")
    # `ballotcrypto.TrusteeKey.to_json()`: the commitments and their proofs of knowledge.
    public_key = models.JSONField(null=True, blank=True)
    key_published_at = models.DateTimeField(null=True, blank=True)
    shares_sent_at = models.DateTimeField(null=True, blank=True)
    # The trustee's device checked every share it received against the senders' commitments.
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("trustee")
        verbose_name_plural = _("trustees")
        ordering = ("secret_vote", "number")
        constraints = [
            models.UniqueConstraint(fields=["secret_vote", "number"], name="trustee_unique_number"),
            models.UniqueConstraint(
                fields=["secret_vote", "member_state"], name="trustee_one_per_state"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="trustee_number_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.secret_vote_id} trustee {self.number} ({self.member_state_id})"


class TrusteeShare(models.Model):
    """Trustee i's share P_i(ℓ) for trustee ℓ, encrypted to ℓ's key: only ℓ can read it."""

    secret_vote = models.ForeignKey(SecretVote, on_delete=models.PROTECT, related_name="shares")
    sender = models.PositiveSmallIntegerField()
    recipient = models.PositiveSmallIntegerField()
    message = models.JSONField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["secret_vote", "sender", "recipient"], name="trustee_share_once"
            ),
            models.CheckConstraint(
                condition=~Q(sender=models.F("recipient")), name="trustee_share_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.secret_vote_id}: {self.sender} → {self.recipient}"


class EncryptedBallot(models.Model):
    """One entry of a secret vote's chain: the state (public) and its encrypted ballot.

    A later ballot of the same state supersedes the earlier one, which stays on the board.
    The ballot's proofs name the state, so it cannot be replayed as another state's.
    """

    motion = models.ForeignKey(Motion, on_delete=models.PROTECT, related_name="encrypted_ballots")
    seq = models.PositiveIntegerField()
    state = models.CharField(max_length=8)
    ballot = models.JSONField()
    tracker = models.CharField(max_length=64, unique=True)
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    is_current = models.BooleanField(default=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("encrypted ballot")
        verbose_name_plural = _("encrypted ballots")
        ordering = ("motion", "seq")
        constraints = [
            models.UniqueConstraint(fields=["motion", "seq"], name="encrypted_ballot_unique_seq"),
            models.UniqueConstraint(
                fields=["motion", "state"],
                condition=Q(is_current=True),
                name="encrypted_ballot_one_current_per_state",
            ),
            models.CheckConstraint(condition=Q(seq__gte=1), name="encrypted_ballot_seq_from_one"),
        ]

    def __str__(self) -> str:
        return f"{self.motion_id}#{self.seq} ({self.state})"


class PartialDecryption(models.Model):
    """A trustee's share of the decryption of the totals, with its proofs (already verified)."""

    secret_vote = models.ForeignKey(
        SecretVote, on_delete=models.PROTECT, related_name="partial_decryptions"
    )
    trustee = models.ForeignKey(Trustee, on_delete=models.PROTECT, related_name="+")
    data = models.JSONField()
    posted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["secret_vote", "trustee"], name="partial_decryption_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.secret_vote_id}: partial of trustee {self.trustee_id}"
