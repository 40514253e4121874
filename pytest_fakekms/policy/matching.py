"""Precompiled matchers for a statement's principals, actions and resources.

Parsing builds these once per statement and the parsed document is cached, so
evaluating a request costs a few set look-ups and at most one regular-expression
match per element:

* :class:`WildcardSet` holds patterns with IAM's ``*`` (any run of characters)
  and ``?`` (one character). Patterns without wildcards go into a set, the rest
  are joined into one alternation regex; a bare ``*`` matches everything.
* :class:`PrincipalSet` holds a ``Principal``'s values sorted by how they match
  a caller (api.md §7): ``*`` matches everyone, an account root ARN or a 12-digit
  account id matches every caller in that account (delegation to IAM, taken as
  allowed), a role ARN matches the role and its sessions, and any other value
  matches the caller with exactly that ARN.
"""

from __future__ import annotations

import functools
import itertools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pytest_fakekms.policy.identity import ACCOUNT_ID, ROLE_ARN, ROOT_ARN

if TYPE_CHECKING:
    from collections.abc import Iterable

    from pytest_fakekms.policy.identity import Caller


class WildcardSet:
    """A set of ``*``/``?`` patterns; a value matches when any pattern matches all of it."""

    __slots__ = ("_everything", "_exact", "_ignore_case", "_regex")

    def __init__(self, patterns: Iterable[str], *, ignore_case: bool) -> None:
        fold = str.lower if ignore_case else str
        plain = [fold(p) for p in patterns]
        self._ignore_case = ignore_case
        self._everything = "*" in plain
        self._exact = frozenset(p for p in plain if "*" not in p and "?" not in p)
        wild = sorted({p for p in plain if p not in self._exact})
        self._regex = re.compile("|".join(map(wildcard_regex, wild)), re.DOTALL) if wild else None

    def matches(self, value: str) -> bool:
        """Whether ``value`` matches one of the patterns."""
        if self._everything:
            return True
        if self._ignore_case:
            value = value.lower()
        if value in self._exact:
            return True
        return self._regex is not None and self._regex.fullmatch(value) is not None


def wildcard_regex(pattern: str, *, any_char: str = ".") -> str:
    """The regex source for an IAM wildcard pattern (``*`` any run, ``?`` one char),
    to be matched with ``fullmatch``; ``any_char`` is what a wildcard may stand for.

    The plain translation (each ``*`` a ``.*``) backtracks exponentially when a value
    does not match: a Resource of seven ``*`` and an ``x`` took 8.6 s to check against a
    key ARN (found by fuzzing on 2026-11-27), and a policy may hold thousands of them.
    Instead, the pieces between stars are found one after another, each at its
    leftmost place, and never reconsidered: the first piece must start the value, the
    last must end it, and each middle piece (a run of literals and ``?``, so of fixed
    length) is best taken where it first fits, since that leaves the most room for the
    rest. A lookahead finds that place and a back-reference consumes it; Python's
    lookarounds are atomic, so a later failure does not retry other places (the same as
    the atomic groups of Python 3.11, which 3.10 lacks). Matching then costs at most
    the value's length times the pattern's.
    """
    pieces = _STARS.split(pattern)  # consecutive stars are one star
    regex = [_piece(pieces[0], any_char)]
    for middle in pieces[1:-1]:
        name = f"w{next(_GROUP_NAMES)}"  # unique across the alternations it is joined into
        regex.append(f"(?=(?P<{name}>{any_char}*?{_piece(middle, any_char)}))(?P={name})")
    if len(pieces) > 1:
        regex.append(f"{any_char}*{_piece(pieces[-1], any_char)}")
    return "".join(regex)


_STARS = re.compile(r"\*+")
_GROUP_NAMES = itertools.count()


def _piece(literal: str, any_char: str) -> str:
    """The regex for a run of literal characters and ``?`` (one character each)."""
    return re.escape(literal).replace(r"\?", any_char)


@functools.lru_cache(maxsize=4096)
def wildcard_set(patterns: tuple[str, ...], ignore_case: bool) -> WildcardSet:
    """A cached :class:`WildcardSet` (policies repeat the same few action lists)."""
    return WildcardSet(patterns, ignore_case=ignore_case)


@dataclass(frozen=True)
class PrincipalSet:
    """Principal values indexed by the way each matches a caller."""

    everyone: bool
    exact: frozenset[str]
    accounts: frozenset[str]
    roles: frozenset[tuple[str, str]]  # (account, role name)

    @classmethod
    def build(cls, everyone: bool, values: Iterable[str]) -> PrincipalSet:
        """Index ``values`` (all principal types); ``everyone`` for ``*``/``{"AWS": "*"}``."""
        exact = frozenset(values)
        accounts: set[str] = set()
        roles: set[tuple[str, str]] = set()
        for value in exact:
            account, role = _scope(value)
            if role is not None:
                roles.add((account, role))
            elif account:
                accounts.add(account)
        return cls(everyone, exact, frozenset(accounts), frozenset(roles))

    def matches(self, caller: Caller) -> bool:
        """Whether one of the values names ``caller`` (api.md §7)."""
        if self.everyone or caller.arn in self.exact:
            return True
        if caller.account is None:
            return False
        if caller.account in self.accounts:
            return True
        return caller.role is not None and (caller.account, caller.role) in self.roles


@functools.lru_cache(maxsize=4096)
def _scope(value: str) -> tuple[str, str | None]:
    """(account, None) for a root or account id, (account, role) for a role, else ("", None)."""
    if ACCOUNT_ID.fullmatch(value):
        return value, None
    if m := ROOT_ARN.fullmatch(value):
        return m["account"], None
    if m := ROLE_ARN.fullmatch(value):
        return m["account"], m["name"]
    return "", None


NOBODY = PrincipalSet(False, frozenset(), frozenset(), frozenset())
NOTHING = WildcardSet((), ignore_case=False)


@dataclass(frozen=True)
class StatementMatchers:
    """A statement's compiled Principal/Action/Resource tests (``negated`` for Not*)."""

    principals: PrincipalSet
    principals_negated: bool
    actions: WildcardSet
    actions_negated: bool
    resources: WildcardSet
    resources_negated: bool

    def covers(self, caller: Caller, action: str, resource: str) -> bool:
        """Whether the statement's principal, action and resource all match."""
        return (
            self.principals.matches(caller) != self.principals_negated
            and self.actions.matches(action) != self.actions_negated
            and self.resources.matches(resource) != self.resources_negated
        )
