"""Named problems: what a verifier reports instead of raising."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a published object: a stable `code`, where, and a plain detail.

    Codes are dotted and stable (`ballot.zero_or_one_proof_invalid`); `where` names the part
    (`choices.yes`, `trustee 2`, `totals.yes`), so a page can show it and a test can assert it.
    """

    code: str
    where: str = ""
    detail: str = ""

    def __str__(self) -> str:
        place = f" at {self.where}" if self.where else ""
        more = f": {self.detail}" if self.detail else ""
        return f"{self.code}{place}{more}"

    def to_json(self) -> dict[str, str]:
        return {"code": self.code, "where": self.where, "detail": self.detail}


class Malformed(Exception):
    """Raised inside the parsers and caught by the verifiers, which turn it into a Problem."""

    def __init__(self, code: str, where: str, detail: str = "") -> None:
        super().__init__(f"{code} at {where}: {detail}")
        self.problem = Problem(code, where, detail)
