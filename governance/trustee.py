"""A trustee's key ceremony and decryption on the command line, for trustees who prefer one.

Run as `python -m governance.trustee --help`. It imports no Django and talks to no server:
it reads and writes JSON files the trustee moves to and from the vote's ceremony page, and
keeps the trustee's private part in a passphrase-protected file that never leaves this machine.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from governance.ballotcrypto import keyfile, threshold
from governance.ballotcrypto.problems import Malformed
from governance.ballotcrypto.tally import Tally

DESCRIPTION = """\
A trustee's part of a secret vote (Concordia, issue 16): four steps, each reading and
writing JSON files; the private file is sealed with your passphrase (scrypt + AES-256-GCM)
and never leaves this machine.

  1. keygen   make your key: writes your PUBLIC key (upload it on the ceremony page) and
              your PRIVATE file (keep it; without it and its passphrase you cannot decrypt).
  2. shares   once every trustee's public key is published, download them as one JSON list
              and make the encrypted shares for the other trustees (upload the output).
  3. receive  download the shares sent to you; they are checked against their senders'
              published commitments and your key share is added to your private file.
  4. decrypt  after the vote closes, download the encrypted totals (tally JSON) and make
              your partial decryption with its proof (upload the output).

The passphrase is asked for on the terminal, or read from the first line of
--passphrase-file. Exit status: 0 done, 1 a problem was found (each is printed, named),
2 wrong usage.
"""

EPILOG = """\
examples:
  python -m governance.trustee keygen --vote-id GC/2026/007 --trustee 2 --threshold 2 \\
      --trustees 3 --public trustee-2.json --secret trustee-2.secret.json
  python -m governance.trustee shares --secret trustee-2.secret.json \\
      --keys trustee-keys.json --out shares-from-2.json
  python -m governance.trustee receive --secret trustee-2.secret.json \\
      --keys trustee-keys.json --shares shares-from-1.json shares-from-3.json
  python -m governance.trustee decrypt --secret trustee-2.secret.json \\
      --keys trustee-keys.json --tally tally.json --out partial-2.json
"""


class Failure(Exception):
    def __init__(self, lines: Sequence[str]) -> None:
        super().__init__("; ".join(lines))
        self.lines = list(lines)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise Failure([f"cannot read {path}: {error}"]) from None


def _write_json(path: Path, data: Any, *, private: bool = False) -> None:
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if private:
        # Readable by this user only, from the first byte written.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(path, 0o600)
    else:
        path.write_text(text, encoding="utf-8")


def _passphrase(args: argparse.Namespace, *, new: bool) -> str:
    if args.passphrase_file:
        lines = Path(args.passphrase_file).read_text(encoding="utf-8").splitlines()
        if not lines or not lines[0]:
            raise Failure(["the passphrase file is empty"])
        return lines[0]
    phrase = getpass.getpass("Passphrase for your private file: ")
    if new and getpass.getpass("The same passphrase again: ") != phrase:
        raise Failure(["the two passphrases differ"])
    if new and len(phrase) < 12:
        raise Failure(["choose a passphrase of at least 12 characters"])
    return phrase


def _open_secret(args: argparse.Namespace) -> tuple[threshold.TrusteeSecret, str]:
    phrase = _passphrase(args, new=False)
    try:
        content = keyfile.open_sealed(_read_json(Path(args.secret)), phrase)
        return threshold.TrusteeSecret.from_json(content), phrase
    except keyfile.WrongPassphrase as error:
        raise Failure([str(error)]) from None
    except Malformed as error:
        raise Failure([f"{args.secret}: {error.problem}"]) from None


def _seal(secret: threshold.TrusteeSecret, phrase: str, path: Path) -> None:
    label = f"trustee {secret.trustee} of vote {secret.vote_id}"
    _write_json(path, keyfile.seal(secret.to_json(), phrase, label=label), private=True)


def _checked_keys(
    args: argparse.Namespace, secret: threshold.TrusteeSecret
) -> list[threshold.TrusteeKey]:
    data = _read_json(Path(args.keys))
    problems = threshold.verify_trustee_keys(
        data if isinstance(data, list) else [data],
        vote_id=secret.vote_id,
        threshold=secret.threshold,
        trustees=secret.trustees,
    )
    if problems:
        raise Failure([str(p) for p in problems])
    return [threshold.TrusteeKey.from_json(item) for item in data]


def cmd_keygen(args: argparse.Namespace) -> None:
    secret, key = threshold.trustee_generate(
        vote_id=args.vote_id, trustee=args.trustee, threshold=args.threshold, trustees=args.trustees
    )
    phrase = _passphrase(args, new=True)
    _seal(secret, phrase, Path(args.secret))
    _write_json(Path(args.public), key.to_json())
    print(f"public key written to {args.public}; private file to {args.secret}")


def cmd_shares(args: argparse.Namespace) -> None:
    secret, _ = _open_secret(args)
    keys = _checked_keys(args, secret)
    mine = next(k for k in keys if k.trustee == secret.trustee)
    if mine.commitments != threshold.commitments_of(secret):
        raise Failure(
            [f"the published key of trustee {secret.trustee} is not the one in {args.secret}"]
        )
    messages = [threshold.share_for(secret, key) for key in keys if key.trustee != secret.trustee]
    _write_json(Path(args.out), messages)
    print(f"{len(messages)} encrypted shares written to {args.out}")


def cmd_receive(args: argparse.Namespace) -> None:
    secret, phrase = _open_secret(args)
    keys = _checked_keys(args, secret)
    messages: list[Any] = []
    for path in args.shares:
        data = _read_json(Path(path))
        messages.extend(
            m
            for m in (data if isinstance(data, list) else [data])
            if not isinstance(m, dict) or m.get("to") == secret.trustee
        )
    updated, problems = threshold.receive_shares(secret, keys, messages)
    if updated is None:
        raise Failure([str(p) for p in problems])
    _seal(updated, phrase, Path(args.secret))
    print(f"all shares sound; key share added to {args.secret}")
    print(f"joint public key: {threshold.joint_public_key(keys).hex()}")


def cmd_decrypt(args: argparse.Namespace) -> None:
    secret, _ = _open_secret(args)
    keys = _checked_keys(args, secret)
    try:
        tally = Tally.from_json(_read_json(Path(args.tally)))
    except Malformed as error:
        raise Failure([f"{args.tally}: {error.problem}"]) from None
    if tally.public_key != threshold.joint_public_key(keys):
        raise Failure(["the tally is not encrypted under the trustees' joint key"])
    if tally.vote_id != secret.vote_id:
        raise Failure([f"the tally is for vote {tally.vote_id}, this file for {secret.vote_id}"])
    if secret.key_share is None:
        raise Failure(["no key share yet: run `receive` with the others' shares first"])
    _write_json(Path(args.out), threshold.partial_decrypt(secret, tally))
    print(f"partial decryption written to {args.out}")


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(
        prog="python -m governance.trustee",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    steps = top.add_subparsers(dest="command", required=True)
    private_help = "your private file (passphrase-protected JSON)"

    keygen = steps.add_parser("keygen", help="1. make your key share and its proofs")
    keygen.add_argument("--vote-id", required=True, help="the vote's identifier, as on its page")
    keygen.add_argument("--trustee", type=int, required=True, help="your number, 1..trustees")
    keygen.add_argument("--threshold", type=int, required=True, help="trustees needed to decrypt")
    keygen.add_argument("--trustees", type=int, required=True, help="number of trustees")
    keygen.add_argument("--public", required=True, help="where to write your public key (JSON)")
    keygen.add_argument("--secret", required=True, help=f"where to write {private_help}")
    keygen.set_defaults(run=cmd_keygen)

    shares = steps.add_parser("shares", help="2. encrypt your shares for the other trustees")
    shares.add_argument("--secret", required=True, help=private_help)
    shares.add_argument("--keys", required=True, help="every trustee's public key, a JSON list")
    shares.add_argument("--out", required=True, help="where to write the shares (JSON list)")
    shares.set_defaults(run=cmd_shares)

    receive = steps.add_parser(
        "receive", help="3. check the shares sent to you; add your key share"
    )
    receive.add_argument("--secret", required=True, help=private_help + " (updated in place)")
    receive.add_argument("--keys", required=True, help="every trustee's public key, a JSON list")
    receive.add_argument("--shares", required=True, nargs="+", help="share files (JSON lists)")
    receive.set_defaults(run=cmd_receive)

    decrypt = steps.add_parser("decrypt", help="4. partially decrypt the totals, with proofs")
    decrypt.add_argument("--secret", required=True, help=private_help)
    decrypt.add_argument("--keys", required=True, help="every trustee's public key, a JSON list")
    decrypt.add_argument("--tally", required=True, help="the encrypted totals (tally JSON)")
    decrypt.add_argument("--out", required=True, help="where to write the partial decryption")
    decrypt.set_defaults(run=cmd_decrypt)

    for sub in (keygen, shares, receive, decrypt):
        sub.add_argument(
            "--passphrase-file", help="read the passphrase from this file's first line"
        )
    return top


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        args.run(args)
    except Failure as failure:
        for line in failure.lines:
            print(f"problem: {line}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"problem: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
