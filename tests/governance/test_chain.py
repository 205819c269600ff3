"""The ballot chain: the fast entry encoding is byte for byte `canonical`, and walk finds tampering."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from governance import chain

T = TypeVar("T")
FIELDS = ("motion", "seq", "tag", "choice", "proxy_holder")
GENESIS = hashlib.sha256(b"electorate snapshot").hexdigest()
STATES = ("DE", "FR", "IT", "ES", "NL", "BE", "AT")

# Pieces JSON treats specially, and ones a template must not take for plain or for a conversion.
AWKWARD = [
    '"',
    "\\",
    "%",
    "%d",
    "%s",
    "%%",
    "\x00",
    "\n",
    "\x1f",
    "\x7f",
    "é",
    "€",
    "\u2028",
    "\ud800",
]
texts = st.one_of(
    st.text(alphabet=st.characters(codec=None)),
    st.lists(st.sampled_from([*AWKWARD, "DE", "GC/2026/001", " "]), max_size=6).map("".join),
)
plain_texts = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E))
huge_ints = st.integers(min_value=-(10**400), max_value=10**400)
values = st.one_of(
    plain_texts,
    texts,
    st.none(),
    huge_ints,
    st.booleans(),
    st.floats(),
    st.lists(st.integers(), max_size=2),
)
tags = st.one_of(st.sampled_from(STATES), st.from_regex(r"\A[0-9a-f]{64}\Z"))


def encodable(text: str) -> bool:
    """Whether the text can be stored at all (UTF-8 has no lone surrogates)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def documented_walk(genesis: str, entries: list[Mapping[str, Any]]) -> chain.ChainCheck:
    """The walk as the published rule states it: JSON, sorted keys, no spaces, UTF-8, SHA-256."""
    problems: list[str] = []
    prev = genesis
    current: dict[str, str] = {}
    n = 0
    for n, raw in enumerate(entries, start=1):
        fields = {
            "motion": raw["motion"],
            "seq": raw["seq"],
            "tag": raw["tag"],
            "choice": raw["choice"],
            "proxy_holder": raw.get("proxy_holder"),
        }
        body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if raw["seq"] != n:
            problems.append(f"entry {n}: sequence number {raw['seq']} where {n} was expected")
        if raw["prev_hash"] != prev:
            problems.append(
                f"entry {n}: links to {raw['prev_hash'][:12]}… but the previous hash is {prev[:12]}…"
            )
        expected = hashlib.sha256(bytes.fromhex(raw["prev_hash"]) + body.encode()).hexdigest()
        if raw["entry_hash"] != expected:
            problems.append(
                f"entry {n}: hash {raw['entry_hash'][:12]}… does not match its content ({expected[:12]}…)"
            )
        prev = raw["entry_hash"]
        current[raw["tag"]] = raw["choice"]
    return chain.ChainCheck(
        ok=not problems, length=n, head=prev, problems=tuple(problems), current=current
    )


def build_chain(ballots: list[dict[str, Any]], motion: str = "GC/2026/001") -> list[dict[str, Any]]:
    """Published entries for these ballots, hashed the way ballot_cast hashes them."""
    entries = []
    prev = GENESIS
    for seq, ballot in enumerate(ballots, start=1):
        fields = {"motion": motion, "seq": seq, "proxy_holder": None, **ballot}
        digest = chain.entry_hash(prev, chain.ballot_entry(**fields))
        entries.append({**fields, "prev_hash": prev, "entry_hash": digest})
        prev = digest
    return entries


def outcome(run: Callable[[], T]) -> T | type[Exception]:
    """What the call returned, or the kind of error it stopped with."""
    try:
        return run()
    except Exception as exc:  # the two sides are compared on errors too
        return type(exc)


def rewrite(entries: list[dict[str, Any]], index: int, **changes: Any) -> list[dict[str, Any]]:
    """A copy of the chain with one entry's published fields changed."""
    copy = [dict(entry) for entry in entries]
    copy[index].update(changes)
    return copy


@given(motion=values, seq=values, tag=values, choice=values, proxy_holder=values)
@example(motion="GC/2026/001", seq=1, tag="DE", choice="yes", proxy_holder=None)
@example(motion="GC/2026/001", seq=10**5000, tag="DE", choice="yes", proxy_holder="FR")
@example(motion="GC/2026/001", seq=True, tag="DE", choice="yes", proxy_holder=None)
@example(motion="GC/2026/001", seq=1.0, tag="DE", choice="yes", proxy_holder=None)
@example(motion="GC/%d/%s", seq=1, tag="%%", choice="yes", proxy_holder="%d")
@example(motion="GC/2026/001", seq=1, tag="DE\n", choice="yes", proxy_holder=None)
@example(motion="GC/2026/001", seq=1, tag="DE", choice='y"es', proxy_holder=None)
@example(motion="GC/2026/001", seq=1, tag="DE", choice="yes", proxy_holder="F\\R")
@example(motion="GC/2026/001", seq=1, tag="DE\x7f", choice="yes", proxy_holder=None)
@example(motion="GC/2026/001", seq=1, tag="DE", choice="yes", proxy_holder="\ud800")
@example(motion="Conseil/2026/é", seq=1, tag="DE", choice="yes", proxy_holder=None)
def test_fast_encoding_is_byte_identical_to_canonical(motion, seq, tag, choice, proxy_holder):
    """Any ballot fields encode to exactly the bytes of canonical(), or fail with the same error."""
    # given
    fields = {
        "motion": motion,
        "seq": seq,
        "tag": tag,
        "choice": choice,
        "proxy_holder": proxy_holder,
    }

    # when
    fast = outcome(lambda: chain.ballot_entry_bytes(**fields))
    documented = outcome(lambda: chain.canonical(chain.ballot_entry(**fields)))

    # then
    assert fast == documented


@given(
    motion=plain_texts,
    seq=huge_ints,
    tag=plain_texts,
    choice=plain_texts,
    proxy_holder=st.none() | plain_texts,
)
def test_plain_fields_are_written_from_the_template(motion, seq, tag, choice, proxy_holder):
    """Printable-ASCII fields take the template path and still give canonical()'s bytes."""
    # given
    plain = all('"' not in v and "\\" not in v for v in (motion, tag, choice, proxy_holder or ""))

    # when
    template = chain._template(choice, motion, proxy_holder, tag)
    fast = chain.ballot_entry_bytes(
        motion=motion, seq=seq, tag=tag, choice=choice, proxy_holder=proxy_holder
    )

    # then
    assert (template is not None) == plain
    assert fast == chain.canonical(
        chain.ballot_entry(
            motion=motion, seq=seq, tag=tag, choice=choice, proxy_holder=proxy_holder
        )
    )


@given(
    ballots=st.lists(
        st.fixed_dictionaries(
            {
                "tag": tags,
                "choice": st.sampled_from(["yes", "no", "abstain"]),
                "proxy_holder": st.none() | st.sampled_from(STATES),
            }
        ),
        min_size=1,
        max_size=12,
    ),
    motion=st.one_of(st.just("GC/2026/001"), plain_texts, texts.filter(encodable)),
    tamper=st.sampled_from(
        ["none", "choice", "tag", "seq", "prev_hash", "entry_hash", "drop", "odd"]
    ),
    where=st.integers(min_value=0),
    odd=values,
)
def test_walk_agrees_with_the_documented_rule(ballots, motion, tamper, where, odd):
    """Clean or tampered, with plain or awkward values, walk returns what the documented rule does."""
    # given
    entries = build_chain(ballots, motion=motion)
    i = where % len(entries)
    if tamper == "choice":
        entries = rewrite(entries, i, choice="no" if entries[i]["choice"] == "yes" else "yes")
    elif tamper == "tag":
        entries = rewrite(entries, i, tag=entries[i]["tag"] + "x")
    elif tamper == "seq":
        entries = rewrite(entries, i, seq=entries[i]["seq"] + 1)
    elif tamper == "prev_hash":
        entries = rewrite(entries, i, prev_hash="0" * 64)
    elif tamper == "entry_hash":
        entries = rewrite(entries, i, entry_hash="f" * 64)
    elif tamper == "drop":
        entries = rewrite(entries, i)
        del entries[i]["proxy_holder"]
    elif tamper == "odd":
        entries = rewrite(entries, i, **{FIELDS[where % len(FIELDS)]: odd})

    # when
    fast = outcome(lambda: chain.walk(GENESIS, entries))
    documented = outcome(lambda: documented_walk(GENESIS, entries))

    # then
    assert fast == documented
    if tamper == "none":
        assert isinstance(fast, chain.ChainCheck) and fast.ok


def test_walk_accepts_a_valid_chain():
    """A chain as cast re-walks clean; the last ballot of each state is the one that counts."""
    # given
    entries = build_chain(
        [
            {"tag": "DE", "choice": "yes"},
            {"tag": "FR", "choice": "no", "proxy_holder": "IT"},
            {"tag": "DE", "choice": "abstain"},
        ]
    )

    # when
    result = chain.walk(GENESIS, entries)

    # then
    assert result.ok
    assert result.problems == ()
    assert result.length == 3
    assert result.head == entries[-1]["entry_hash"]
    assert result.current == {"DE": "abstain", "FR": "no"}


def test_walk_of_no_entries_ends_at_the_genesis():
    """An empty chain is valid, of length 0, and its head is the electorate hash."""
    # when
    result = chain.walk(GENESIS, [])

    # then
    assert result == chain.ChainCheck(ok=True, length=0, head=GENESIS, problems=(), current={})


def test_walk_detects_a_changed_choice():
    """A choice rewritten after the fact no longer matches its entry's hash."""
    # given
    entries = build_chain([{"tag": "DE", "choice": "yes"}, {"tag": "FR", "choice": "no"}])
    entries[1]["choice"] = "yes"
    content = chain.entry_hash(
        entries[0]["entry_hash"],
        chain.ballot_entry(motion="GC/2026/001", seq=2, tag="FR", choice="yes", proxy_holder=None),
    )

    # when
    result = chain.walk(GENESIS, entries)

    # then
    assert not result.ok
    assert result.problems == (
        f"entry 2: hash {entries[1]['entry_hash'][:12]}… does not match its content ({content[:12]}…)",
    )
    assert result.current["FR"] == "yes"


def test_walk_detects_a_broken_link():
    """An entry whose prev_hash is not the hash before it is named, with both hashes."""
    # given
    entries = build_chain([{"tag": tag, "choice": "yes"} for tag in ("DE", "FR", "IT")])
    entries[2] = {**entries[2], "prev_hash": GENESIS}
    entries[2]["entry_hash"] = chain.entry_hash(
        GENESIS,
        chain.ballot_entry(motion="GC/2026/001", seq=3, tag="IT", choice="yes", proxy_holder=None),
    )

    # when
    result = chain.walk(GENESIS, entries)

    # then
    assert result.problems == (
        f"entry 3: links to {GENESIS[:12]}… but the previous hash is "
        f"{entries[1]['entry_hash'][:12]}…",
    )


def test_walk_detects_a_skipped_sequence_number():
    """A gap in the sequence is named, even when the entry's own hash is right."""
    # given
    entries = build_chain([{"tag": "DE", "choice": "yes"}])
    digest = chain.entry_hash(
        entries[0]["entry_hash"],
        chain.ballot_entry(motion="GC/2026/001", seq=3, tag="FR", choice="no", proxy_holder=None),
    )
    entries.append(
        {
            "motion": "GC/2026/001",
            "seq": 3,
            "tag": "FR",
            "choice": "no",
            "proxy_holder": None,
            "prev_hash": entries[0]["entry_hash"],
            "entry_hash": digest,
        }
    )

    # when
    result = chain.walk(GENESIS, entries)

    # then
    assert result.problems == ("entry 2: sequence number 3 where 2 was expected",)


def test_walk_takes_entries_without_a_proxy_holder_field():
    """proxy_holder may be left out of a published entry; it then counts as null."""
    # given
    entries = build_chain([{"tag": "DE", "choice": "yes"}, {"tag": "FR", "choice": "no"}])
    for entry in entries:
        del entry["proxy_holder"]

    # when
    result = chain.walk(GENESIS, entries)

    # then
    assert result.ok


@pytest.mark.parametrize("seq", [True, 1.0])
def test_walk_hashes_a_seq_that_only_equals_1_as_json_writes_it(seq):
    """A seq of true or 1.0 passes the sequence check but is hashed as `true` / `1.0`, not `1`."""
    # given
    fields = {"motion": "GC/2026/001", "seq": seq, "tag": "DE", "choice": "yes"}
    body = json.dumps({**fields, "proxy_holder": None}, sort_keys=True, separators=(",", ":"))
    digest = hashlib.sha256(bytes.fromhex(GENESIS) + body.encode()).hexdigest()
    entries = [{**fields, "proxy_holder": None, "prev_hash": GENESIS, "entry_hash": digest}]

    # when
    result = chain.walk(GENESIS, entries)

    # then
    assert result.ok, result.problems


@pytest.mark.parametrize("missing", ["motion", "seq", "tag", "choice", "prev_hash", "entry_hash"])
def test_walk_refuses_an_entry_without_a_required_field(missing):
    """A published entry missing a required field stops the walk with a KeyError naming it."""
    # given
    entries = build_chain([{"tag": "DE", "choice": "yes"}])
    del entries[0][missing]

    # when
    with pytest.raises(KeyError) as raised:
        chain.walk(GENESIS, entries)

    # then
    assert raised.value.args == (missing,)


def _file(n: int = 6) -> tuple[str, list[bytes], dict[str, str]]:
    genesis = hashlib.sha256(b"electorate").hexdigest()
    prev, lines, current = genesis, [], {}
    for seq in range(1, n + 1):
        tag, choice = ("DE", "FR", "IT")[seq % 3], ("yes", "no", "abstain")[seq % 2]
        entry = chain.ballot_entry(
            motion="GC/2026/001", seq=seq, tag=tag, choice=choice, proxy_holder=None
        )
        prev = chain.entry_hash(prev, entry)
        lines.append(chain.chain_line(prev, chain.canonical(entry)))
        current[tag] = choice
    return genesis, lines, current


def test_chain_file_walks_like_the_entries():
    """A clean chain file verifies, ends at the same head and gives each tag's last ballot."""
    # given
    genesis, lines, current = _file()
    # when
    check = chain.walk_lines(genesis, lines)
    # then
    assert check.ok, check.problems
    assert check.length == 6
    assert check.current == current
    assert check.head == lines[-1][:64].decode()


@pytest.mark.parametrize(
    ("tamper", "line_no"),
    [
        (
            lambda ls: ls.__setitem__(
                2, ls[2].replace(b'"no"', b'"yes"').replace(b'"abstain"', b'"yes"')
            ),
            3,
        ),
        (lambda ls: ls.pop(1), 2),
        (lambda ls: ls.insert(3, ls[3]), 5),
        (lambda ls: ls.__setitem__(0, b"0" * 64 + ls[0][64:]), 1),
    ],
    ids=["changed choice", "removed line", "repeated line", "forged hash"],
)
def test_chain_file_names_the_broken_line(tamper, line_no):
    """Any change to the file breaks a named line's hash."""
    genesis, lines, _ = _file()
    tamper(lines)
    check = chain.walk_lines(genesis, lines)
    assert not check.ok
    assert check.problems[0].startswith(f"line {line_no}:")
