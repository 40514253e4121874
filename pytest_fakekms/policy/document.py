"""Key-policy documents: parse the JSON text, check its grammar, compile its statements.

:func:`parse_policy` reads the text with duplicate keys rejected, checks the
policy grammar (kms-facts §1.2, api.md §7) and returns an immutable
:class:`PolicyDocument` whose statements carry precompiled matchers
(:mod:`.matching`) and conditions (:mod:`.conditions`). Results are cached by
text, so PutKeyPolicy, GetKeyPolicy and every evaluation of the same policy
parse it once; compiled statements are cached by their own JSON text, so a new
policy that repeats statements (a new Id, one statement added) compiles only
what is new, and the fast path does not even re-read a statement it has seen
verbatim. :func:`parse_policy_exact` is the reference parser; the fast path
in :func:`parse_policy` answers only when it is sure to give the same result.

Every problem raises ``MalformedPolicyDocumentException``. AWS's text is on
record only for a statement without a principal (kms-facts §0 row 13) and for
invalid principals (row 14); every other message here is our own wording
(row 16: code inferred, message unknown) and names the offending element.
Anything wrong inside ``Principal``/``NotPrincipal`` (a bare ARN string, an
unknown principal type, a non-string or an empty list) is reported with AWS's
invalid-principals text, since that is the answer AWS is on record giving for
principals it cannot use. Whether the principal values are well-formed ARNs is
checked separately by :func:`.principals.validate_principals`.
"""

from __future__ import annotations

import functools
import itertools
import json
import json.scanner
import math
import operator
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, cast

from pytest_fakekms import errors
from pytest_fakekms.policy.conditions import Condition, compile_conditions
from pytest_fakekms.policy.elements import (
    DEFAULT_VERSION,
    PRINCIPAL_TYPES,
    STATEMENT_ELEMENTS,
    TOP_ELEMENTS,
    VERSIONS,
)
from pytest_fakekms.policy.matching import (
    NOBODY,
    NOTHING,
    PrincipalSet,
    StatementMatchers,
    WildcardSet,
    wildcard_set,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

_STATEMENT_ELEMENTS = frozenset(STATEMENT_ELEMENTS)
# `service:action` with IAM wildcards, or `*` alone.
_ACTION = re.compile(r"\*|[A-Za-z0-9*?-]+:[A-Za-z0-9*?_-]+", re.ASCII)


Effect = Literal["Allow", "Deny"]


@dataclass(frozen=True)
class Principal:
    """A ``Principal``/``NotPrincipal`` element: ``"*"`` or values by principal type."""

    everyone: bool = False  # the bare string "*"
    aws: tuple[str, ...] = ()
    service: tuple[str, ...] = ()
    federated: tuple[str, ...] = ()
    canonical_user: tuple[str, ...] = ()

    def items(self) -> Iterator[tuple[str, str]]:
        """Every (principal type, value) pair, e.g. ``("AWS", "arn:aws:iam::…:root")``."""
        for kind, values in zip(PRINCIPAL_TYPES, self._columns(), strict=True):
            for value in values:
                yield kind, value

    def matcher(self) -> PrincipalSet:
        """The compiled matcher: ``*`` and ``{"AWS": "*"}`` match every caller."""
        everyone = self.everyone or "*" in self.aws
        return PrincipalSet.build(everyone, itertools.chain(*self._columns()))

    def _columns(self) -> tuple[tuple[str, ...], ...]:
        return (self.aws, self.service, self.federated, self.canonical_user)


@dataclass(frozen=True)
class Statement:
    """One policy statement; ``matchers`` is derived from the other fields."""

    sid: str | None
    effect: Effect
    principal: Principal | None
    not_principal: Principal | None
    action: tuple[str, ...] | None
    not_action: tuple[str, ...] | None
    resource: tuple[str, ...] | None
    not_resource: tuple[str, ...] | None
    condition: tuple[Condition, ...] = ()
    matchers: StatementMatchers = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matchers", self._compile())

    @functools.cached_property
    def principal_items(self) -> tuple[tuple[str, str], ...]:
        """Every (principal type, value) of Principal, then of NotPrincipal.

        Computed once per statement: compiled statements are cached and shared by every
        document that repeats them, so a new document only gathers these tuples.
        """
        return tuple(
            item
            for principal in (self.principal, self.not_principal)
            if principal is not None
            for item in principal.items()
        )

    def _compile(self) -> StatementMatchers:
        # A statement that names neither form of an element matches nothing.
        if self.principal is not None:
            principals, p_neg = self.principal.matcher(), False
        elif self.not_principal is not None:
            principals, p_neg = self.not_principal.matcher(), True
        else:
            principals, p_neg = NOBODY, False
        actions, a_neg = _patterns(self.action, self.not_action, ignore_case=True)
        resources, r_neg = _patterns(self.resource, self.not_resource, ignore_case=False)
        return StatementMatchers(principals, p_neg, actions, a_neg, resources, r_neg)


def _patterns(
    positive: tuple[str, ...] | None, negative: tuple[str, ...] | None, *, ignore_case: bool
) -> tuple[WildcardSet, bool]:
    if positive is not None:
        return wildcard_set(positive, ignore_case), False
    if negative is not None:
        return wildcard_set(negative, ignore_case), True
    return NOTHING, False


@dataclass(frozen=True)
class PolicyDocument:
    """A parsed key policy. ``value`` is the JSON value as sent: treat it as read-only."""

    version: str
    id: str | None
    statements: tuple[Statement, ...]
    value: dict[str, object] = field(compare=False)
    #: Every distinct (principal type, value) named by Principal or NotPrincipal.
    principal_items: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False)
    #: True when some statement has a Condition (its decisions then depend on the request's
    #: condition keys, such as the time).
    has_conditions: bool = field(init=False, repr=False, compare=False)
    #: Lockout-check decisions, by (caller ARN, key ARN), and also Region and time for a
    #: document with conditions: see :func:`.evaluator.check_lockout`. Documents are
    #: cached by text, so a policy that is put again is not evaluated again.
    lockout_decisions: dict[tuple[object, ...], bool] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )
    #: Partitions in which every principal passed :func:`.principals.validate_principals`
    #: judged by shape alone (no ``exists``): that verdict depends on the values and the
    #: partition only, so a policy put again is not checked again (200 principals: 60 µs).
    principals_valid_in: set[str] = field(
        init=False, repr=False, compare=False, default_factory=set
    )

    def __post_init__(self) -> None:
        statements = self.statements
        object.__setattr__(self, "has_conditions", _has_conditions(statements))
        object.__setattr__(self, "principal_items", _principal_items(statements))

    @classmethod
    def _of(
        cls,
        version: str,
        policy_id: str | None,
        statements: tuple[Statement, ...],
        value: dict[str, object],
    ) -> PolicyDocument:
        """The parser's fast path constructor: the document ``__init__`` would build.

        A frozen dataclass's ``__init__`` sets its fields one ``object.__setattr__`` at a
        time, about 1.9 µs for this one, on every new text; this sets the instance
        dictionary once (0.6 µs). The field list is pinned to the dataclass's by a test.
        """
        document = object.__new__(cls)
        object.__setattr__(
            document,
            "__dict__",
            {
                "version": version,
                "id": policy_id,
                "statements": statements,
                "value": value,
                "lockout_decisions": {},
                "principals_valid_in": set(),
                "has_conditions": _has_conditions(statements),
                "principal_items": _principal_items(statements),
            },
        )
        return document


# map/attrgetter rather than generators: a new 100-statement document computes these on
# every parse-cache miss, while its statements mostly come from their own cache.
def _has_conditions(statements: tuple[Statement, ...]) -> bool:
    return any(map(_CONDITION, statements))


def _principal_items(statements: tuple[Statement, ...]) -> tuple[tuple[str, str], ...]:
    """Every distinct (principal type, value) of the statements, in document order."""
    return tuple(dict.fromkeys(itertools.chain.from_iterable(map(_PRINCIPAL_ITEMS, statements))))


_CONDITION = operator.attrgetter("condition")
_PRINCIPAL_ITEMS = operator.attrgetter("principal_items")


@functools.lru_cache(maxsize=256)
def parse_policy(text: str) -> PolicyDocument:
    """Parse and check a key policy (cached by text); raises MalformedPolicyDocument.

    The same result, or the same error, as :func:`parse_policy_exact`: the fast path
    answers for well-formed policies and hands everything else to the exact one.
    """
    try:
        return _parse_fast(text)
    except Exception:  # whatever it was, the exact path decides
        pass
    # Called here rather than in the handler, so that its errors carry no __context__.
    return parse_policy_exact(text)


def parse_policy_exact(text: str) -> PolicyDocument:
    """The reference parser (uncached): duplicate keys are caught by a hook on every object,
    and problems are reported in the order the checks meet them."""
    value = load_json(text)
    if not isinstance(value, dict):
        raise errors.malformed_policy("Policy document must be a JSON object")
    unknown = [k for k in value if k not in TOP_ELEMENTS]
    if unknown:
        raise errors.malformed_policy(f"Policy contains an unknown element: {unknown[0]}")
    return PolicyDocument(
        version=_version(value.get("Version", DEFAULT_VERSION)),
        id=_policy_id(value),
        statements=tuple(_known_statement(s) for s in _statement_list(value)),
        value=value,
    )


def load_json(text: str) -> object:
    """``json.loads`` that rejects duplicate keys, NaN/Infinity and non-JSON text."""
    try:
        return json.loads(
            text,
            object_pairs_hook=_unique_keys,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
    except RecursionError:
        raise errors.malformed_policy("Policy is nested too deeply") from None
    except ValueError as exc:  # JSONDecodeError, or an int too long to convert
        raise errors.malformed_policy(f"Policy is not valid JSON: {_reason(exc)}") from None


def _reason(exc: ValueError) -> str:
    if isinstance(exc, json.JSONDecodeError):
        return f"{exc.msg} (line {exc.lineno}, column {exc.colno})"
    return str(exc)


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result = dict(pairs)
    if len(result) != len(pairs):
        duplicate = _first_duplicate([k for k, _ in pairs])
        raise errors.malformed_policy(f"Policy contains a duplicate element: {duplicate}")
    return result


def _first_duplicate(keys: list[str]) -> str:
    seen: set[str] = set()
    for key in keys:
        if key in seen:
            return key
        seen.add(key)
    raise AssertionError("no duplicate")  # pragma: no cover - caller checked


def _reject_constant(name: str) -> object:
    raise errors.malformed_policy(f"Policy is not valid JSON: {name} is not a JSON number")


def _finite_float(literal: str) -> float:
    number = float(literal)
    if not math.isfinite(number):
        raise errors.malformed_policy(f"Policy contains a number out of range: {literal[:40]}")
    return number


#: What :func:`load_json` runs, built once, for the statement cache's misses (a policy of
#: 100 new statements would build 100 decoders): without its BOM check and its wrapping of
#: errors, neither of which a statement's source text, an object, can need.
_EXACT_DECODER = json.JSONDecoder(
    object_pairs_hook=_unique_keys, parse_constant=_reject_constant, parse_float=_finite_float
)


# --- the fast path ---------------------------------------------------------------------
#
# On a miss of a 100-statement policy, the exact path spent ~75 us in the duplicate-key
# hook (a Python call per object) and ~300 us on statement cache keys (a compact
# ``json.dumps`` per statement). The fast path reads the top-level object itself, with
# the C scanner behind ``json.loads`` reading each member value, and so gets each
# statement's exact source text for free. That text is the statement cache key, and a
# statement is compiled from it (read with duplicate keys rejected) only the first time
# it is seen: a statement found in the cache has no duplicate key at any depth. The
# top-level members are checked for duplicates here, and the only other values that can
# reach a document are the Version and Id strings, so a document the fast path returns
# has no duplicate key anywhere. Anything unexpected (bad JSON, an error of any kind, a
# duplicate, a shape the grammar rejects) makes it give up and the exact path answers:
# the fast path never has to reproduce an error, only a success.
#
# Rejected alternative, measured: proving "no duplicates" by counting. In valid JSON every
# key token ends with a ``"`` followed by optional whitespace and ``:``, so the number M of
# matches of ``"[ \t\n\r]*:`` is at least the number T of keys written (it also counts
# ``\":`` inside strings), while the number K of keys parsed (the sum of ``len`` over all
# parsed objects) is at most T, with equality iff nothing was duplicated: M == K proves
# K == T. But on 30 KB the regex count costs ~105 us, more than the ~75 us hook it would
# replace, and so do cheaper bounds (``text.count('":')`` ~35 us, plus a scan per
# whitespace character to rule out ``" :``), before the walk that counts K.


class _Unsure(Exception):
    """The fast path cannot vouch for an answer: the exact path gives it."""


#: JSON whitespace, as :mod:`json` defines it and skips it between tokens.
_WHITESPACE_CHARS = " \t\n\r"
#: ``_skip(text, i).end()`` is the index of the first non-whitespace character from ``i``
#: (the pattern matches the empty string, so there is always a match).
_skip = cast("Callable[[str, int], re.Match[str]]", re.compile(r"[ \t\n\r]*").match)
#: The scanner ``json.loads`` uses, with load_json's checks of NaN, Infinity and floats
#: but without the duplicate-key hook: ``_scan_value(text, i)`` reads the JSON value that
#: starts at ``text[i]`` (no whitespace before it) and returns it with the index after it.
_scan_value: Callable[[str, int], tuple[object, int]] = json.scanner.make_scanner(
    cast("Any", json.JSONDecoder(parse_constant=_reject_constant, parse_float=_finite_float))
)


def _parse_fast(text: str) -> PolicyDocument:
    """The document :func:`parse_policy_exact` would return, or an exception: _Unsure, or
    whatever reading the text raised (IndexError at its end, StopIteration or
    JSONDecodeError from the scanner, MalformedPolicyDocument...)."""
    skip = _skip
    members: dict[str, object] = {}
    statements: list[Statement] = []
    i = skip(text, 0).end()
    if text[i] != "{":
        raise _Unsure
    i = skip(text, i + 1).end()
    while True:
        if text[i] != '"':
            raise _Unsure  # "}" (an empty policy) included: the exact path reports it
        key, i = _scan_value(text, i)
        if not isinstance(key, str) or key in members or key not in TOP_ELEMENTS:
            raise _Unsure
        i = skip(text, i).end()
        if text[i] != ":":
            raise _Unsure
        i = skip(text, i + 1).end()
        if key == "Statement":
            value, i = _scan_statements(text, i, statements)
        else:
            value, i = _scan_value(text, i)
            if not isinstance(value, str):
                raise _Unsure  # a Version or Id that is not a string
        members[key] = value
        i = skip(text, i).end()
        if text[i] == "}":
            break
        if text[i] != ",":
            raise _Unsure
        i = skip(text, i + 1).end()
    if skip(text, i + 1).end() != len(text) or not statements:
        raise _Unsure  # data after the object, or no (or an empty) Statement
    version = members.get("Version", DEFAULT_VERSION)
    policy_id = members.get("Id")
    if version not in VERSIONS:
        raise _Unsure
    return PolicyDocument._of(version, cast("str | None", policy_id), tuple(statements), members)


# Statements seen before, found without scanning them. On a miss of a policy whose
# statements were all seen before (a new Id, a statement added or changed), scanning each
# statement (to find its end and build its value) and hashing its whole text for the
# statement cache was nearly all of the parse: ~2.4 us a statement, ~240 us of ~250 us for
# 100 statements of ~300 characters. Instead, the fast path remembers the statements it
# read, and where one starts it tries a few candidates with ``text.startswith(source, i)``
# (a memcmp, ~0.15 us): first the statement that followed the previous one last time
# (_FOLLOWING), then those that began with the same _SEEN_PREFIX characters (_SEEN).
#
# Why a match gives the right answer. An entry is (source, value, statement): ``source``
# is the exact text of a statement object, from its "{" to its matching "}", as the
# scanner read it in some earlier text; ``value`` is what the scanner returned for it and
# ``statement`` what _compiled_statement compiled from it, and the entry is made only once
# that compiled without error (so the statement is valid, and has no duplicate key at any
# depth, see above). A JSON object ends at its matching "}", found from the characters up
# to it alone, so when ``text`` at ``i`` starts with ``source``, scanning there would read
# exactly ``source`` again, stop after it, and give an equal value and the same statement.
# Nor can one statement's text be a proper prefix of another's: the shorter one's closing
# "}" would close the longer one there too. After a match the loop goes on at
# ``i + len(source)`` and checks what follows exactly as after a scan. Both tables are
# only indexes: a wrong or stale candidate fails ``startswith`` and costs a miss, never a
# wrong answer (a statement shorter than the prefix is simply never found in _SEEN).
#
# Sharing. A match reuses the recorded value itself, so documents that repeat a statement
# share its dict (and the lists and dicts inside it) in their ``value`` trees. That is safe
# because nothing mutates a document's value or anything in it (checked by grepping the
# package for item assignment, del, update/pop/append/clear...): PolicyDocument.value is
# documented read-only; set_policy (operations/policy_checks.py) stores it as the key's
# ``policy_source``, which KeyRecord.policy_text only renders (render_document reads it,
# and relies on the same rule: it keeps each statement's text with the statement's dict,
# so that documents sharing a statement render it once), and in the PolicyVersion it
# appends, which deep-freezes a copy (recorder.freeze builds new FrozenDict and
# FrozenList objects) on first read; persistence and the history diffs
# read those frozen copies; the evaluator and the principal checks read the compiled
# statements, not the value. Whole documents were already shared by parse_policy's cache.
#
# Bounds and threads. _SEEN holds at most _SEEN_PREFIXES prefixes with at most
# _SEEN_CANDIDATES entries each (newest first), and _FOLLOWING at most _FOLLOWING_LIMIT
# entries: about as many statements as the statement cache holds. A full table is
# emptied (what it held is scanned again, once, on its next use). The HTTP server
# dispatches from many threads: entries are immutable tuples, a prefix's candidates are
# replaced by a new tuple rather than changed in place, and every dict operation used is
# atomic under the GIL, so a race can only lose an entry or record one twice (a later
# miss), never pair a source with another's value.
#
# Measured: the prefix alone is not enough. Statements with a Sid differ within their
# first ~40 characters however they are laid out, but statements without one often share
# far more than any prefix worth hashing (``{"Effect": "Allow", "Principal": {"AWS":
# "arn:aws:iam::111122223333:role/app-001"}`` and so on, or statements differing only in
# a Condition at their end); for 100 such statements a prefix table alone was 40-70%
# slower than no table (failed candidates plus an update per statement). Following
# statements in order handles them, and costs less than the prefix (a dict lookup on a
# string whose hash is already computed, instead of a slice and its hash). 64 characters
# cost about as much to slice and hash as 32 (~0.12 us). A statement not seen before
# costs ~1 us more than it did (the lookups, and recording it), against the ~20 us of
# compiling it; the tables also keep the recorded values alive until they are emptied.

_SEEN_PREFIX = 64
_SEEN_PREFIXES = 1024
_SEEN_CANDIDATES = 4
_FOLLOWING_LIMIT = 4096
_Seen = tuple[str, object, Statement]
#: Statements seen by the fast path, by the first _SEEN_PREFIX characters of their source.
_SEEN: dict[str, tuple[_Seen, ...]] = {}
#: The statement last seen right after the one whose source is the key ("": the first of
#: a list).
_FOLLOWING: dict[str, _Seen] = {}


def _scan_statements(text: str, i: int, out: list[Statement]) -> tuple[object, int]:
    """Read the Statement value at ``text[i]`` (an object or an array of objects),
    compiling each statement into ``out``; returns the value and the index after it.
    Raises (_Unsure, IndexError, StopIteration...) when it cannot."""
    if text[i] == "{":  # a single statement
        source, value, statement = _seen_at(text, i)
        out.append(statement)
        return value, i + len(source)
    if text[i] != "[":
        raise _Unsure
    # Locals, and the common layouts first: this loop runs once per statement.
    following, skip, whitespace = _FOLLOWING, _skip, _WHITESPACE_CHARS
    items: list[object] = []
    previous = ""  # the source of the statement before this one
    i += 1
    while True:
        char = text[i]
        if char != "{":
            if char == " " and text[i + 1] == "{":  # json.dumps's ", " (a regex costs 0.3 us)
                i += 1
            else:
                i = skip(text, i).end()
                if text[i] != "{":
                    raise _Unsure  # "]" (an empty list) included
        entry = following.get(previous)
        if entry is None or not text.startswith(entry[0], i):
            entry = _seen_at(text, i)
            if len(following) >= _FOLLOWING_LIMIT:
                following.clear()
            following[previous] = entry
        previous = entry[0]
        i += len(previous)
        items.append(entry[1])
        out.append(entry[2])
        char = text[i]
        if char in whitespace:
            i = skip(text, i).end()
            char = text[i]
        if char == ",":
            i += 1
        elif char == "]":
            return items, i + 1
        else:
            raise _Unsure


def _seen_at(text: str, i: int) -> _Seen:
    """The statement object that starts at ``text[i]``: (its source, its value, the
    compiled statement), from _SEEN when it was seen before, else scanned, compiled and
    recorded. Raises, recording nothing, when the statement is invalid."""
    seen = _SEEN
    key = text[i : i + _SEEN_PREFIX]
    entries = seen.get(key, ())
    for entry in entries:
        if text.startswith(entry[0], i):  # the whole statement, character for character
            return entry
    value, end = _scan_value(text, i)
    source = text[i:end]
    entry = (source, value, _compiled_statement(source))
    if len(source) >= _SEEN_PREFIX:  # else key holds what follows it, and never matches
        if not entries and len(seen) >= _SEEN_PREFIXES:
            seen.clear()
        seen[key] = (entry, *entries[: _SEEN_CANDIDATES - 1])
    return entry


def _forget_statements() -> None:
    """Empty the statement caches, for tests and benchmarks: the compiled statements and
    the statements the fast path has seen."""
    _SEEN.clear()
    _FOLLOWING.clear()
    _compiled_statement.cache_clear()


# --- the policy grammar -------------------------------------------------------------------


def _show(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 60 else text[:57] + "..."


def _version(value: object) -> str:
    if not isinstance(value, str) or value not in VERSIONS:
        raise errors.malformed_policy(f"Policy has an invalid Version: {_show(value)}")
    return value


def _policy_id(policy: dict[str, object]) -> str | None:
    if "Id" not in policy:
        return None
    policy_id = policy["Id"]
    if not isinstance(policy_id, str):
        raise errors.malformed_policy(f"Policy has an invalid Id: {_show(policy_id)}")
    return policy_id


def _statement_list(policy: dict[str, object]) -> list[dict[str, object]]:
    if "Statement" not in policy:
        raise errors.malformed_policy("Policy has no Statement")
    raw = policy["Statement"]
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise errors.malformed_policy("Policy has an empty Statement list")
    if not all(isinstance(s, dict) for s in items):
        raise errors.malformed_policy("Policy contains a statement that is not a JSON object")
    return items  # type: ignore[return-value]  # every item checked to be a dict


def _known_statement(raw: dict[str, object]) -> Statement:
    """``_statement`` through the statement cache, keyed by the statement's compact JSON
    (the exact path has no source text to key it by)."""
    return _compiled_statement(_compact_json(raw))


#: ``json.dumps(raw, separators=(",", ":"))`` without building a new encoder per statement
#: (a 100-statement policy would build 100 of them).
_compact_json = json.JSONEncoder(separators=(",", ":")).encode


@functools.lru_cache(maxsize=4096)
def _compiled_statement(source: str) -> Statement:
    """The statement whose JSON text is ``source``, compiled once per text: successive
    policies of a key mostly repeat their statements, and compiling one costs ~15 us.

    ``source`` is the statement's text as sent (fast path) or its compact JSON (exact
    path); any JSON text of a value determines the value, so both kinds of key can share
    the cache. It is read with duplicate keys rejected, so a cached statement has none.
    """
    raw = _EXACT_DECODER.decode(source)  # load_json's checks, minus its per-call set-up
    if not isinstance(raw, dict):  # pragma: no cover - callers pass objects only
        raise errors.malformed_policy("Policy contains a statement that is not a JSON object")
    return _statement(raw)


def _statement(raw: dict[str, object]) -> Statement:
    unknown = [k for k in raw if k not in _STATEMENT_ELEMENTS]
    if unknown:
        raise errors.malformed_policy(
            f"Policy contains a statement with an unknown element: {unknown[0]}"
        )
    sid, effect = _sid(raw), _effect(raw)
    principal, not_principal = _principals(raw)
    action, not_action = _either(raw, "Action", _ACTION.fullmatch)
    resource, not_resource = _either(raw, "Resource", bool)  # any non-empty string
    return Statement(
        sid=sid,
        effect=effect,
        principal=principal,
        not_principal=not_principal,
        action=action,
        not_action=not_action,
        resource=resource,
        not_resource=not_resource,
        condition=compile_conditions(raw["Condition"]) if "Condition" in raw else (),
    )


def _sid(raw: dict[str, object]) -> str | None:
    # Key-policy Sids may contain spaces, unlike IAM's (kms-facts §1.2).
    if "Sid" not in raw:
        return None
    sid = raw["Sid"]
    if not isinstance(sid, str):
        raise errors.malformed_policy(
            f"Policy contains a statement with an invalid Sid: {_show(sid)}"
        )
    return sid


def _effect(raw: dict[str, object]) -> Effect:
    if "Effect" not in raw:
        raise errors.malformed_policy("Policy contains a statement with no Effect")
    effect = raw["Effect"]
    if effect == "Allow":
        return "Allow"
    if effect == "Deny":
        return "Deny"
    raise errors.malformed_policy(
        f"Policy contains a statement with an invalid Effect: {_show(effect)}"
    )


def _principals(raw: dict[str, object]) -> tuple[Principal | None, Principal | None]:
    if "Principal" in raw and "NotPrincipal" in raw:
        raise errors.malformed_policy(
            "Policy contains a statement with both Principal and NotPrincipal"
        )
    if "Principal" in raw:
        return _principal(raw["Principal"]), None
    if "NotPrincipal" in raw:
        return None, _principal(raw["NotPrincipal"])
    raise errors.malformed_policy(errors.NO_PRINCIPAL_MESSAGE)  # kms-facts §0 row 13


def _principal(value: object) -> Principal:
    if value == "*":
        return Principal(everyone=True)
    if not isinstance(value, dict) or not value or not set(value) <= set(PRINCIPAL_TYPES):
        raise errors.malformed_policy(errors.INVALID_PRINCIPALS_MESSAGE)
    columns = [_principal_values(value[kind]) if kind in value else () for kind in PRINCIPAL_TYPES]
    return Principal(False, *columns)


def _principal_values(value: object) -> tuple[str, ...]:
    items = _string_list(value)
    if items is None:
        raise errors.malformed_policy(errors.INVALID_PRINCIPALS_MESSAGE)
    return items


def _string_list(value: object) -> tuple[str, ...] | None:
    """A string or non-empty list of strings as a tuple; None for anything else."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _either(
    raw: dict[str, object], name: str, check: Callable[[str], object]
) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
    """Read ``name`` or ``Not<name>``: exactly one must be present (api.md §7); ``check``
    returns something false for an invalid value."""
    negated = f"Not{name}"
    if name in raw and negated in raw:
        raise errors.malformed_policy(f"Policy contains a statement with both {name} and {negated}")
    if name not in raw and negated not in raw:
        # Rejected since 2025-08-18 per AWS's notice (kms-facts §0 row 17, api.md §7).
        raise errors.malformed_policy(f"Policy contains a statement with no {name}")
    element = name if name in raw else negated
    values = _string_list(raw[element])
    if values is None:
        raise errors.malformed_policy(
            f"Policy contains a statement whose {element} is not a string "
            "or a non-empty list of strings"
        )
    if not all(map(check, values)):  # C-level loop: check is a C function
        invalid = next(value for value in values if not check(value))
        raise errors.malformed_policy(
            f"Policy contains a statement with an invalid {element}: {_show(invalid)}"
        )
    return (values, None) if element == name else (None, values)
