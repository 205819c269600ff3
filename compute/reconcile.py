"""The scheduler sync as pure code: what Slurm holds, what it should hold, and the fewest commands.

The platform owns the account tree under ``root``: one account per member state (and one for the
facility's programme), one per project below it. :func:`plan` compares the desired tree with the
associations read from Slurm and returns batched operations:

1. ``sacctmgr load`` files that add every missing account (with its limits) and every missing
   user association, at most ``LOAD_CHUNK`` accounts per file, parents in earlier files;
2. one ``modify account`` per distinct set of new values (limits, freeze, parent), names batched;
3. one ``delete user`` per user losing associations;
4. one ``delete account`` for every retired account that is already frozen and has no jobs.

An account that should no longer exist is never removed while jobs may run under it: it is
frozen first (``GrpSubmitJobs=0``, ``GrpJobs=0``), and removed by a later run once idle.
Slurm's values are only compared, never copied back into the platform.

Only the platform's own accounts are retired: those whose Slurm organisation is the platform's
mark (``MANAGED_ORGANIZATION``, written on every account it creates, and on an account it wants
that lacks it, such as one made before the mark existed). Any other account (an operator's own
``ops``, another tool's) is left alone, with its users, and listed in ``Plan.unmanaged`` for a
person to decide.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

ROOT = "root"
# GrpTRES limits on GPUs as sorted (TRES, count) pairs: how many GPUs an account's running jobs
# may hold at once, in all ("gres/gpu") or of one type ("gres/gpu:h100").
Caps = tuple[tuple[str, int], ...]
# One argument of a command may hold at most 128 KiB on Linux (MAX_ARG_STRLEN); stay well below.
MAX_NAMES_CHARS = 64_000
# A load file holds at most this many accounts (with their users), and as many user associations.
# Slurm 22.05 keeps associations as a nested set: slurmdbd shifts lft/rgt once per distinct parent
# in a load, scanning the whole cluster table, so a project's user costs O(rows); and sacctmgr
# waits at most 900 s for slurmdbd's answer (a flat load of 10,000 projects + users broke there:
# DBD_ADD_ASSOCS after 907 s). Each load also reads the whole tree first, so chunks stay large.
LOAD_CHUNK = 1_000
# The Slurm organisation of every account the platform manages (Slurm stores it lower-cased).
MANAGED_ORGANIZATION = "concordia-platform"


@dataclass(frozen=True)
class Association:
    """One association as Slurm reports it; ``user`` is empty for the account's own."""

    account: str
    parent: str = ""
    user: str = ""
    gpu_minutes: int | None = None
    grp_submit_jobs: int | None = None
    grp_jobs: int | None = None
    # GrpTRES limits on GPUs, sorted: (("gres/gpu", 16), ("gres/gpu:h100", 8)); other TRES left out
    gpu_caps: Caps = ()
    # Fairshare (RawShares) against its siblings; None where Slurm says "parent"
    fairshare: int | None = 1

    @property
    def frozen(self) -> bool:
        return self.grp_submit_jobs == 0 and self.grp_jobs == 0


@dataclass(frozen=True)
class AccountSpec:
    """An account as the platform says it should be."""

    name: str
    parent: str
    gpu_minutes: int | None
    frozen: bool = False
    description: str = ""
    users: frozenset[str] = frozenset()
    organization: str = ""  # set by plan() to the platform's mark
    gpu_caps: Caps = ()  # concurrency caps (GrpTRES); empty: none
    fairshare: int | None = None  # RawShares against its siblings; None: left as Slurm has it


@dataclass(frozen=True)
class Load:
    """Add accounts (parents first) and user associations, in one ``sacctmgr load``."""

    accounts: tuple[AccountSpec, ...]
    users: tuple[tuple[str, str], ...]  # (account, user) on accounts that already exist


@dataclass(frozen=True)
class Modify:
    """Set the same values on several accounts' own associations."""

    accounts: tuple[str, ...]
    set_limit: bool = False
    gpu_minutes: int | None = None  # with set_limit; None clears the limit (-1)
    frozen: bool | None = None  # None: leave as is
    parent: str | None = None
    organization: str | None = None  # the platform's mark, on an account that lacks it
    # GrpTRES to set, a count of -1 clearing a cap that is no longer wanted; None: leave as is
    gpu_caps: Caps | None = None
    fairshare: int | None = None  # None: leave as is


@dataclass(frozen=True)
class DeleteUser:
    user: str
    accounts: tuple[str, ...]


@dataclass(frozen=True)
class SetDefaultAccount:
    """Make ``account`` these users' default on this cluster (before their others go)."""

    users: tuple[str, ...]
    account: str


@dataclass(frozen=True)
class DeleteUsers:
    """Remove users who would be left with no association on this cluster.

    Slurm refuses to remove a user's last (default) association, or an account holding one;
    removing the user from the cluster is how their last association goes. Only this cluster:
    the same slurmdbd may hold the user's associations on clusters the platform does not manage.
    Slurm 22.05 also refuses this for a user who holds more than one association here, so
    :func:`user_removal` first leaves each such user with one (made their default).
    """

    users: tuple[str, ...]


@dataclass(frozen=True)
class DeleteAccounts:
    accounts: tuple[str, ...]


Op = Load | Modify | SetDefaultAccount | DeleteUser | DeleteUsers | DeleteAccounts


@dataclass(frozen=True)
class Change:
    """One line of the diff shown to operators and kept with the run."""

    account: str
    change: str  # add, limit, cap, fairshare, freeze, unfreeze, parent, add_user, remove_user, retire, delete
    before: Any = None
    after: Any = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "change": self.change,
            "before": self.before,
            "after": self.after,
        }

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> Change:
        """A line of a diff as kept with a sync run (SyncRun.diff)."""
        return cls(
            account=str(row.get("account", "")),
            change=str(row.get("change", "")),
            before=row.get("before"),
            after=row.get("after"),
        )


@dataclass
class Plan:
    ops: list[Op] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    # Retired accounts kept frozen because jobs still run or wait under them (or accounts the
    # platform does not manage sit below them).
    waiting: list[str] = field(default_factory=list)
    # Accounts below root the platform did not make and does not want: left alone, reported.
    unmanaged: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.ops


@dataclass(frozen=True)
class Tree:
    """Slurm's associations, indexed: account → its own association, account → its users."""

    accounts: Mapping[str, Association]
    users: Mapping[str, frozenset[str]]
    # account -> its Slurm organisation, lower-cased (the platform's mark on its own accounts)
    organizations: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_associations(
        cls, rows: Iterable[Association], organizations: Mapping[str, str] | None = None
    ) -> Tree:
        accounts: dict[str, Association] = {}
        users: dict[str, set[str]] = defaultdict(set)
        for row in rows:
            if row.user:
                users[row.account].add(row.user)
            else:
                accounts[row.account] = row
        return cls(
            accounts=accounts,
            users={k: frozenset(v) for k, v in users.items()},
            organizations={k: v.lower() for k, v in (organizations or {}).items()},
        )

    def marked(self, name: str, organization: str = MANAGED_ORGANIZATION) -> bool:
        return self.organizations.get(name, "") == organization.lower()

    def managed(
        self, unmanaged: Iterable[str] = (), organization: str = MANAGED_ORGANIZATION
    ) -> set[str]:
        """The accounts below root that carry the platform's mark, less those it was told to
        leave alone."""
        skip = {ROOT, *unmanaged}
        return {n for n in self.accounts if n not in skip and self.marked(n, organization)}


def plan(
    desired: Iterable[AccountSpec],
    current: Tree,
    *,
    busy: Iterable[str] = (),
    unmanaged: Iterable[str] = (),
    organization: str = MANAGED_ORGANIZATION,
) -> Plan:
    """The operations that turn ``current`` into ``desired``, batched, and the diff they make.

    ``unmanaged`` names accounts to leave alone without reporting them (the operators know).
    """
    mark = organization.lower()
    want = {spec.name: replace(spec, organization=mark) for spec in desired}
    busy_set = set(busy)
    result = Plan()
    new_accounts: list[AccountSpec] = []
    new_users: list[tuple[str, str]] = []
    modify: dict[ModifyKey, list[str]] = defaultdict(list)
    removed_users: dict[str, list[str]] = defaultdict(list)

    for name in sorted(want):
        spec = want[name]
        have = current.accounts.get(name)
        if have is None:
            new_accounts.append(spec)
            result.changes.append(Change(name, "add", None, _spec_dict(spec)))
            if any(":" in tres for tres, _n in spec.gpu_caps):
                # A load file separates fields with ":", so gres/gpu:h100 cannot be written in
                # one: the typed caps follow in a modify, after the loads.
                modify[ModifyKey(gpu_caps=spec.gpu_caps)].append(name)
            continue
        set_limit = False
        minutes: int | None = None
        frozen: bool | None = None
        parent: str | None = None
        adopt: str | None = None
        caps: Caps | None = None
        if not current.marked(name, mark):
            adopt = mark
            result.changes.append(Change(name, "adopt", current.organizations.get(name), mark))
        if have.gpu_minutes != spec.gpu_minutes:
            set_limit, minutes = True, spec.gpu_minutes
            result.changes.append(Change(name, "limit", have.gpu_minutes, spec.gpu_minutes))
        if have.frozen != spec.frozen:
            frozen = spec.frozen
            result.changes.append(Change(name, "freeze" if spec.frozen else "unfreeze"))
        if have.parent != spec.parent:
            parent = spec.parent
            result.changes.append(Change(name, "parent", have.parent, spec.parent))
        if have.gpu_caps != spec.gpu_caps:
            caps = caps_change(have.gpu_caps, spec.gpu_caps)
            result.changes.append(
                Change(name, "cap", dict(have.gpu_caps) or None, dict(spec.gpu_caps) or None)
            )
        fairshare: int | None = None
        if spec.fairshare is not None and have.fairshare != spec.fairshare:
            fairshare = spec.fairshare
            result.changes.append(Change(name, "fairshare", have.fairshare, spec.fairshare))
        key = ModifyKey(set_limit, minutes, frozen, parent, adopt, caps, fairshare)
        if key != ModifyKey():
            modify[key].append(name)
        have_users = current.users.get(name, frozenset())
        for user in sorted(spec.users - have_users):
            new_users.append((name, user))
            result.changes.append(Change(name, "add_user", None, user))
        for user in sorted(have_users - spec.users):
            removed_users[user].append(name)
            result.changes.append(Change(name, "remove_user", user, None))

    managed = current.managed(unmanaged, mark)
    retired = sorted(managed - set(want))
    result.unmanaged = sorted(set(current.accounts) - managed - set(want) - {ROOT, *unmanaged})
    deletable: list[str] = []
    for name in retired:
        have = current.accounts[name]
        if not have.frozen:
            modify[ModifyKey(frozen=True)].append(name)
            result.changes.append(Change(name, "retire", None, "frozen until idle"))
        elif (
            name in busy_set
            or _has_busy_child(name, current, busy_set)
            # Deleting it would delete them too: a person decides about those first.
            or _descendants({name}, current) - managed - {name}
        ):
            result.waiting.append(name)
        else:
            deletable.append(name)
            result.changes.append(Change(name, "delete"))

    result.ops += _loads(_parents_first(new_accounts), new_users)
    for key, names in sorted(modify.items(), key=lambda kv: repr(kv[0])):
        for chunk in _chunks(sorted(names)):
            result.ops.append(
                Modify(
                    chunk,
                    set_limit=key.set_limit,
                    gpu_minutes=key.gpu_minutes,
                    frozen=key.frozen,
                    parent=key.parent,
                    organization=key.organization,
                    gpu_caps=key.gpu_caps,
                    fairshare=key.fairshare,
                )
            )
    # Deleting a parent deletes its children in Slurm: only name the top of each retired branch.
    deletable_set = set(deletable)
    tops = [n for n in deletable if current.accounts[n].parent not in deletable_set]
    gone = _descendants(set(tops), current)
    remaining: dict[str, set[str]] = defaultdict(set)
    for account, holders in current.users.items():
        if account not in gone:
            for user in holders:
                remaining[user].add(account)
    for user, names in removed_users.items():
        remaining[user].difference_update(names)
    for account, user in new_users:
        remaining[user].add(account)
    for spec in new_accounts:
        for user in spec.users:
            remaining[user].add(spec.name)
    losing = set(removed_users) | {u for a in gone for u in current.users.get(a, ())}
    whole = sorted(u for u in losing if not remaining[u])
    partial = [
        DeleteUser(user, chunk)
        for user, names in sorted(removed_users.items())
        if user not in whole
        for chunk in _chunks(sorted(names))
    ]
    result.ops += user_removal(current, whole, before=partial)
    for chunk in _chunks(tops):
        result.ops.append(DeleteAccounts(chunk))
    return result


@dataclass(frozen=True)
class ModifyKey:
    """The values one ``modify account`` sets; accounts needing the same ones share a command."""

    set_limit: bool = False
    gpu_minutes: int | None = None
    frozen: bool | None = None
    parent: str | None = None
    organization: str | None = None
    gpu_caps: Caps | None = None
    fairshare: int | None = None


def caps_change(have: Caps, want: Caps) -> Caps:
    """The GrpTRES values that turn ``have`` into ``want``: Slurm keeps a TRES not named, so a
    cap no longer wanted is cleared with -1."""
    wanted = dict(want)
    return tuple(
        sorted({**{tres: -1 for tres, _n in have if tres not in wanted}, **wanted}.items())
    )


def user_removal(current: Tree, users: Iterable[str], *, before: Iterable[Op] = ()) -> list[Op]:
    """The operations that remove these users from this cluster, and only from it.

    A user holding several associations here first gets the first of them as their default
    and loses the others; then every user goes with one ``delete user ... cluster=`` per chunk.
    ``before`` (partial removals of other users) runs after the defaults are set.
    """
    users = sorted(set(users))
    held: dict[str, list[str]] = defaultdict(list)
    for account in sorted(current.users):
        for user in current.users[account]:
            held[user].append(account)
    keep: dict[str, list[str]] = defaultdict(list)
    others: list[Op] = []
    for user in users:
        accounts = held.get(user, [])
        if len(accounts) > 1:
            keep[accounts[0]].append(user)
            others += [DeleteUser(user, chunk) for chunk in _chunks(accounts[1:])]
    ops: list[Op] = [
        SetDefaultAccount(chunk, account)
        for account, names in sorted(keep.items())
        for chunk in _chunks(names)
    ]
    ops += list(before)
    ops += others
    ops += [DeleteUsers(chunk) for chunk in _chunks(users)]
    return ops


def _loads(accounts: tuple[AccountSpec, ...], users: list[tuple[str, str]]) -> list[Load]:
    """Loads of at most LOAD_CHUNK accounts, parents first; then the user associations.

    Users come after every account, so a user is never attached to an account not yet loaded.
    """
    # Equal chunks (2,040 accounts: 3 x 680, not 1,000 + 1,000 + 40): each load first reads the
    # whole tree, so a small tail chunk costs nearly as much as a full one.
    parts = -(-len(accounts) // LOAD_CHUNK)
    size = -(-len(accounts) // parts) if parts else LOAD_CHUNK
    loads = [Load(accounts=accounts[i : i + size], users=()) for i in range(0, len(accounts), size)]
    loads += [
        Load(accounts=(), users=tuple(users[i : i + LOAD_CHUNK]))
        for i in range(0, len(users), LOAD_CHUNK)
    ]
    if len(loads) == 2 and len(accounts) <= LOAD_CHUNK and len(users) <= LOAD_CHUNK:
        # A small tree stays one invocation, as before.
        return [Load(accounts=accounts, users=tuple(users))]
    return loads


def _descendants(tops: set[str], current: Tree) -> set[str]:
    found = set(tops)
    grew = True
    while grew:
        children = {a for a, row in current.accounts.items() if row.parent in found} - found
        found |= children
        grew = bool(children)
    return found


def _has_busy_child(name: str, current: Tree, busy: set[str]) -> bool:
    return any(a.parent == name and a.account in busy for a in current.accounts.values())


def _spec_dict(spec: AccountSpec) -> dict[str, Any]:
    return {
        "parent": spec.parent,
        "gpu_minutes": spec.gpu_minutes,
        "frozen": spec.frozen,
        "users": sorted(spec.users),
        "gpu_caps": dict(spec.gpu_caps),
        "fairshare": spec.fairshare,
    }


def _parents_first(specs: list[AccountSpec]) -> tuple[AccountSpec, ...]:
    """New accounts ordered so that each comes after its parent when both are new."""
    by_name = {s.name: s for s in specs}
    depth: dict[str, int] = {}
    for spec in specs:
        chain = [spec]
        while chain[-1].parent in by_name and chain[-1].parent not in depth:
            chain.append(by_name[chain[-1].parent])
        for item in reversed(chain):
            depth[item.name] = depth[item.parent] + 1 if item.parent in by_name else 0
    return tuple(sorted(specs, key=lambda s: (depth[s.name], s.parent, s.name)))


def _chunks(names: list[str]) -> list[tuple[str, ...]]:
    chunks: list[tuple[str, ...]] = []
    current: list[str] = []
    size = 0
    for name in names:
        if current and size + len(name) + 1 > MAX_NAMES_CHARS:
            chunks.append(tuple(current))
            current, size = [], 0
        current.append(name)
        size += len(name) + 1
    if current:
        chunks.append(tuple(current))
    return chunks
