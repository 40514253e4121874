"""parse_policy's fast path agrees with the exact, hook-based parser.

``parse_policy`` reads a well-formed policy itself: the top-level object by hand, each
member value with ``json``'s C scanner (no duplicate-key hook), each statement compiled
once per source text with duplicate keys rejected. Whatever it is not sure of goes to
``parse_policy_exact``, the reference (``json.loads`` with a duplicate-key hook on every
object, then the grammar checks in order). These tests check that the two give the same
document or the same error, duplicates included, whatever the statement cache holds.

A statement the fast path has read before is found again by comparing the text with its
recorded source (``document._SEEN``, ``document._FOLLOWING``), without reading it: the
tests below also parse policies that repeat earlier statements verbatim, changed by one
character, cut short, extended or laid out differently, after the earlier ones.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import random
import sys
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakekms.errors import KMSError
from pytest_fakekms.policy import document
from pytest_fakekms.policy.document import parse_policy, parse_policy_exact
from pytest_fakekms.policy.render import render_aws

if TYPE_CHECKING:
    from collections.abc import Callable

    from pytest_fakekms.policy.document import PolicyDocument

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ROOT = "arn:aws:iam::111122223333:root"
ROLE = "arn:aws:iam::111122223333:role/app"


def outcome(parse: Callable[[str], PolicyDocument], text: str) -> tuple[object, ...]:
    """Everything a caller can see of a parse: the document's parts, or the error."""
    try:
        doc = parse(text)
    except KMSError as exc:
        return ("error", exc.code, exc.message, exc.status, type(exc.__context__))
    # repr, not ==: 1 == 1.0 == True, but the values must match in type too.
    return (
        "ok",
        doc.version,
        doc.id,
        doc.statements,
        repr(doc.value),
        doc.principal_items,
        doc.has_conditions,
    )


def agree(text: str) -> tuple[object, ...]:
    """parse_policy's outcome, with cold statement caches and then with warm ones (the
    statements it just read, found again without reading them), is the exact one."""
    expected = outcome(parse_policy_exact, text)
    for cold in (True, False):
        if cold:
            document._forget_statements()
        parse_policy.cache_clear()
        assert outcome(parse_policy, text) == expected
    return expected


def agree_after(text: str) -> tuple[object, ...]:
    """parse_policy's outcome with the statement caches as earlier parses left them is the
    exact one; and when that is a document, the fast path gives it on its own."""
    expected = outcome(parse_policy_exact, text)
    parse_policy.cache_clear()
    assert outcome(parse_policy, text) == expected
    if expected[0] == "ok":
        assert outcome(lambda _: document._parse_fast(text), text) == expected
    return expected


def fast(text: str) -> tuple[object, ...]:
    """The fast path's own outcome: it must answer, and answer as the exact path does."""
    doc = document._parse_fast(text)
    result = outcome(lambda _: doc, text)
    assert result == agree(text)
    return result


def duplicate_message(key: str) -> tuple[object, ...]:
    message = f"Policy contains a duplicate element: {key}"
    return ("error", "MalformedPolicyDocumentException", message, 400, type(None))


STATEMENTS: list[dict[str, object]] = [
    {
        "Sid": "Root",
        "Effect": "Allow",
        "Principal": {"AWS": ROOT},
        "Action": "kms:*",
        "Resource": "*",
    },
    {
        "Sid": "App",
        "Effect": "Allow",
        "Principal": {"AWS": [ROLE, ROOT]},
        "Action": ["kms:Decrypt", "kms:Encrypt"],
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:ViaService": "s3.us-east-1.amazonaws.com"},
            "Bool": {"aws:SecureTransport": True},
        },
    },
]


def condition_policy() -> dict[str, object]:
    return {"Version": "2012-10-17", "Id": "key-policy", "Statement": STATEMENTS}


BASE = json.dumps(condition_policy())


def after(anchor: str, extra: str) -> str:
    """BASE with ``extra`` written right after ``anchor`` (which BASE has once)."""
    assert BASE.count(anchor) == 1, anchor
    return BASE.replace(anchor, anchor + extra)


# --- duplicate keys -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (after('"Id": "key-policy"', ', "Id": "x"'), "Id"),
        (after('"Version": "2012-10-17"', ', "Version": 1'), "Version"),
        (BASE[:-1] + ', "Statement": []}', "Statement"),
        (after('"Sid": "App"', ', "Sid": "App"'), "Sid"),
        (after('"Sid": "Root", "Effect": "Allow"', ', "Effect": "Deny"'), "Effect"),
        (after(f'{{"AWS": "{ROOT}"', f', "AWS": "{ROOT}"'), "AWS"),
        (after('"Condition": {', '"Bool": {}, '), "Bool"),
        (after('"s3.us-east-1.amazonaws.com"', ', "kms:ViaService": "x"'), "kms:ViaService"),
        (
            after('"aws:SecureTransport": true', ', "aws:SecureTransport": false'),
            "aws:SecureTransport",
        ),
        # Only in values the grammar rejects anyway: the JSON error still comes first.
        ('{"Version": {"a": 1, "a": 1}, "Statement": []}', "a"),
        ('{"Unknown": [{"b": 1, "b": 2}]}', "b"),
        ('{"Statement": [1, {"Effect": "Allow", "Effect": "Allow"}]}', "Effect"),
        ('{"Statement": {"Effect": "Allow", "x": {"y": {"z": 1, "z": 1}}}}', "z"),
        # A duplicate inside an object that closes before a syntax error.
        ('{"Statement": [{"Sid": "a", "Sid": "b"}], oops', "Sid"),
    ],
    ids=[
        "top-id",
        "top-version",
        "top-statement",
        "statement-sid",
        "statement-effect",
        "principal",
        "condition",
        "operator-block",
        "operator-block-bool",
        "in-bad-version",
        "in-unknown-element",
        "after-a-bad-statement",
        "deep-in-single-statement",
        "before-syntax-error",
    ],
)
def test_duplicate_keys_rejected_at_every_depth(text: str, key: str) -> None:
    """Same message as the exact parser, with the statement cache cold or warm."""
    parse_policy(BASE)  # the duplicate-free statements are cached
    assert agree(text) == duplicate_message(key)


def test_duplicate_in_a_statement_whose_twin_is_cached() -> None:
    """The statement cache is keyed by source text: a cached duplicate-free twin (under its
    text as sent, or under its compact JSON) does not vouch for a statement with a duplicate."""
    statement = {"Effect": "Allow", "Principal": "*", "Action": "kms:*", "Resource": "*"}
    for comma, colon in ((", ", ": "), (",", ":")):
        clean = json.dumps({"Statement": [statement]}, separators=(comma, colon))
        assert parse_policy(clean) == parse_policy_exact(clean)  # both keys now cached
        effect = f'"Effect"{colon}"Allow"'
        twin = clean.replace(effect, effect + comma + effect)
        assert agree(twin) == duplicate_message("Effect")


def test_duplicate_beats_a_grammar_error_earlier_in_the_text() -> None:
    """JSON problems come before grammar problems, wherever they are in the text."""
    bad_first = {"Effect": "Maybe", "Principal": "*", "Action": "*", "Resource": "*"}
    dup_second = '{"Effect": "Allow", "Effect": "Allow"}'
    text = '{"Statement": [' + json.dumps(bad_first) + ", " + dup_second + "]}"
    assert agree(text) == duplicate_message("Effect")


# --- texts a key count would misjudge, on the fast path ----------------------------------


def spaced(text: str, space: str) -> str:
    """``text`` with ``space`` before every colon that follows a key."""
    return text.replace('": ', '"' + space + ": ")


@pytest.mark.parametrize(
    "text",
    [
        BASE,
        json.dumps(condition_policy(), separators=(",", ":")),
        json.dumps(condition_policy(), indent=2),
        json.dumps(condition_policy(), indent="\t"),
        json.dumps(condition_policy(), indent=4).replace("\n", "\r\n"),
        render_aws(condition_policy()),  # AWS style: "Version" : "2012-10-17"
        spaced(BASE, " "),
        spaced(BASE, "\t"),
        spaced(BASE, "\n  "),
        " \n\t" + BASE + "\r\n ",
        json.dumps({**condition_policy(), "Id": 'say \\": hi, "quoted": yes'}),
        json.dumps({**condition_policy(), "Id": "\u00e9\u2603 \\u0022"}, ensure_ascii=False),
        json.dumps({"Statement": STATEMENTS, "Version": "2008-10-17"}),
        json.dumps({"Statement": STATEMENTS[1]}),  # a single statement
        json.dumps(
            {
                "Statement": [
                    {
                        "Sid": 'a": "b',
                        "Effect": "Deny",
                        "NotPrincipal": {"AWS": ROOT, "Service": "logs.amazonaws.com"},
                        "NotAction": "kms:Get*",
                        "NotResource": ["x", "y:z"],
                        "Condition": {"NumericLessThan": {"n": [1, 2.5, -0.0]}},
                    }
                ]
            }
        ),
    ],
    ids=[
        "default",
        "compact",
        "indent-2",
        "indent-tab",
        "crlf",
        "aws-style",
        "space-before-colon",
        "tab-before-colon",
        "newline-before-colon",
        "padded",
        "escaped-quote-colon",
        "unicode",
        "statement-first",
        "single-statement",
        "not-elements-and-numbers",
    ],
)
def test_well_formed_policies_take_the_fast_path(text: str) -> None:
    """The fast path answers, with the exact parser's document, however the text is laid out."""
    assert fast(text)[0] == "ok"


def test_fast_path_document_value_is_the_json_value() -> None:
    """``value`` is what json.loads gives, members in text order, Statement as written."""
    text = render_aws(condition_policy())
    doc = document._parse_fast(text)
    assert doc.value == json.loads(text)
    assert list(doc.value) == ["Version", "Id", "Statement"]
    single = json.dumps({"Statement": STATEMENTS[0]})
    assert document._parse_fast(single).value == json.loads(single)


def test_fast_path_document_has_every_field_init_sets() -> None:
    """``PolicyDocument._of`` (the fast path's constructor) sets the instance dictionary
    at once: the same fields as ``__init__`` sets, in the same order, with memo tables of its
    own (the lockout decisions and principal verdicts of one document are not another's)."""
    text = render_aws(condition_policy())
    fast_doc, exact_doc = document._parse_fast(text), parse_policy_exact(text)
    assert list(vars(fast_doc)) == list(vars(exact_doc))
    assert set(vars(fast_doc)) == {f.name for f in dataclasses.fields(document.PolicyDocument)}
    assert fast_doc == exact_doc
    assert (fast_doc.principal_items, fast_doc.has_conditions) == (
        exact_doc.principal_items,
        exact_doc.has_conditions,
    )
    other = document._parse_fast(text.replace('"Version"', ' "Version"', 1))
    assert other.lockout_decisions is not fast_doc.lockout_decisions
    assert other.principals_valid_in is not fast_doc.principals_valid_in
    assert (fast_doc.lockout_decisions, fast_doc.principals_valid_in) == ({}, set())


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


DECLINED = [
    ("", "empty"),
    ("   ", "blank"),
    ("\ufeff" + BASE, "byte-order-mark"),
    (BASE + " x", "data-after"),
    (BASE + "{}", "second-object"),
    (BASE[:-1], "truncated"),
    ("[" + BASE + "]", "array"),
    ("{}", "empty-object"),
    ('{"Version": "2012-10-17"}', "no-statement"),
    ('{"Version": "2012-10-17", "Statement": []}', "empty-statement-list"),
    ('{"Statement": [], }', "trailing-comma-object"),
    (BASE.replace("}]}", "},]}"), "trailing-comma-array"),
    (BASE.replace('"key-policy"', "NaN"), "nan"),
    (BASE.replace('"key-policy"', "1e999"), "infinite"),
    (BASE.replace('"key-policy"', "5"), "id-number"),
    (BASE.replace('"key-policy"', '["x"]'), "id-list"),
    (BASE.replace('"Id": "key-policy"', '"Extra": "x"'), "unknown-element"),
    (BASE.replace('"2012-10-17"', '"2012-10-18"'), "bad-version"),
    (BASE.replace('"Effect": "Allow"', '"Effect": "Permit"', 1), "bad-effect"),
    (BASE.replace('"Resource": "*"', '"Resource": 1e400', 1), "resource-infinite"),
    ('{"Statement": "x"}', "statement-string"),
    ('{"Statement": ["x"]}', "statement-list-of-string"),
    ('{"Statement": [{}, 1]}', "statement-list-with-number"),
    ('{"Statement" "x"}', "no-colon"),
    ('{"Statement": [{"Effect": "Allow"} {"Effect": "Allow"}]}', "no-comma-array"),
    ('{"Id": "a" "Statement": []}', "no-comma-object"),
    ('{"Id": "\x01"}', "control-character"),
    ('{"Version": "2012-10-17", "Statement": [' + nested(5000) + "]}", "deep-statement"),
    ('{"Id": ' + nested(5000) + "}", "deep-id"),
    ('{"Id": ' + "1" * 5000 + "}", "long-int"),
]


@pytest.mark.parametrize("text", [pytest.param(text, id=problem) for text, problem in DECLINED])
def test_fast_path_declines_and_the_exact_error_is_raised(text: str) -> None:
    """Whatever the fast path cannot vouch for, the exact path reports, in its own words."""
    with pytest.raises(Exception):  # noqa: B017, PT011 - any exception: the exact path decides
        document._parse_fast(text)
    assert agree(text)[0] == "error"


# --- statements seen before ------------------------------------------------------------------


def statement_text(
    index: int, *, sid: bool = True, separators: tuple[str, str] = (", ", ": ")
) -> str:
    """A valid statement of more than 64 characters (the seen-statement prefix); without a
    Sid, statements of different ``index`` share their first ~100 characters."""
    statement: dict[str, object] = {
        "Effect": "Allow",
        "Principal": {"AWS": [ROOT, ROLE]},
        "Action": ["kms:Decrypt", f"kms:Get{index}*"],
        "Resource": "*",
    }
    if sid:
        statement = {"Sid": f"S{index}", **statement}
    return json.dumps(statement, separators=separators)


def policy_of(statements: list[str], *, between: str = ", ", policy_id: str = "p") -> str:
    return (
        '{"Version": "2012-10-17", "Id": "'
        + policy_id
        + '", "Statement": ['
        + between.join(statements)
        + "]}"
    )


def test_repeated_statements_are_reused_not_read_again() -> None:
    """A policy that repeats statements (a new Id) reuses their values and statements."""
    document._forget_statements()
    sources = [statement_text(i) for i in range(5)]
    first = parse_policy(policy_of(sources, policy_id="one"))
    second_text = policy_of([*sources[:3], statement_text(9), sources[4]], policy_id="two")
    assert agree_after(second_text)[0] == "ok"
    second = parse_policy(second_text)
    before = cast("list[object]", first.value["Statement"])
    after_ = cast("list[object]", second.value["Statement"])
    for index in (0, 1, 2, 4):
        assert after_[index] is before[index]  # the very same, never re-read
        assert second.statements[index] is first.statements[index]
    assert after_[3] == json.loads(statement_text(9))


CHANGED = [
    ("verbatim", lambda s: s),
    ("one-character-in-sid", lambda s: s.replace('"S1"', '"S7"')),
    ("one-character-late", lambda s: s.replace("Decrypt", "Decrypu")),
    ("last-character", lambda s: s[:-1] + "]"),
    ("cut-short", lambda s: s[:-1]),
    ("extended-with-member", lambda s: s[:-1] + ', "Condition": {}}'),
    ("extended-after-brace", lambda s: s + ', "Condition": {}}'),
    ("followed-by-brace", lambda s: s + "}"),
    ("followed-by-string", lambda s: s + ' "x"'),
    ("followed-by-statement", lambda s: s + " " + s),
    ("duplicate-late", lambda s: s.replace('"Resource": "*"', '"Resource": "*", "Resource": "*"')),
    ("bad-effect-late", lambda s: s.replace('"Resource": "*"', '"Resource": 1')),
    ("whitespace-inside", lambda s: s.replace('"Action": ', '"Action" :\n ')),
    ("compact", lambda s: json.dumps(json.loads(s), separators=(",", ":"))),
    ("escaped", lambda s: s.replace('"S1"', '"\\u00531"')),
]


@pytest.mark.parametrize("between", [",", ", ", ",\n  ", " ,\t", "\r\n,\r\n"])
@pytest.mark.parametrize("change", [c for _, c in CHANGED], ids=[name for name, _ in CHANGED])
@pytest.mark.parametrize("sid", [True, False], ids=["sid", "no-sid"])
def test_statements_like_seen_ones_parse_as_the_exact_parser_says(
    change: Callable[[str], str], between: str, sid: bool
) -> None:
    """A seen statement is reused only when the text has it in full, and what follows it is
    still checked: one character changed, cut short or extended, it is read anew."""
    document._forget_statements()
    sources = [statement_text(i, sid=sid) for i in range(3)]
    agree_after(policy_of(sources))  # all three seen, each after the one before
    changed = change(sources[1])
    for statements in (
        [sources[0], changed, sources[2]],  # after the statement it followed before
        [changed, sources[2], sources[0]],  # first, then seen ones in another order
        [sources[2], sources[0], changed],  # last
        [changed],
    ):
        agree_after(policy_of(statements, between=between))
        single = '{"Statement": ' + statements[0] + between.strip(",") + "}"
        agree_after(single)
    agree_after(policy_of(sources, between=between))  # the originals, seen next to the changes


@pytest.mark.parametrize(
    "after",
    ['}, "Version": "2012-10-17"}', ' }, "Id": "x"}', ' "x"]}', ",]}", "]", ",", " ]}, ", "}]}"],
)
def test_what_follows_a_seen_statement_is_checked(after: str) -> None:
    """Found without reading it, a statement is still followed by nothing but a separator."""
    document._forget_statements()
    sources = [statement_text(i) for i in range(2)]
    assert agree_after(policy_of(sources))[0] == "ok"
    for statements in ([sources[0]], sources):
        text = '{"Statement": [' + ", ".join(statements) + after
        assert agree_after(text)[0] == "error"


def test_many_statements_sharing_a_long_prefix() -> None:
    """Statements without a Sid that share far more than the prefix (more of them than a
    prefix keeps candidates), in their order, reversed and shuffled."""
    document._forget_statements()
    sources = [statement_text(i, sid=False) for i in range(3 * document._SEEN_CANDIDATES)]
    assert len({s[: document._SEEN_PREFIX] for s in sources}) == 1
    rng = random.Random(0)
    for order in (sources, sources[::-1], rng.sample(sources, len(sources)), sources[::2]):
        for between in (", ", ",\n"):
            assert agree_after(policy_of(order, between=between))[0] == "ok"


def test_an_invalid_statement_is_never_recorded() -> None:
    """A statement that fails to compile raises every time, and leaves no entry behind."""
    document._forget_statements()
    valid = statement_text(0)
    invalid = statement_text(1).replace('"Allow"', '"Permit"')
    duplicate = statement_text(2).replace('"Resource": "*"', '"Resource": "*", "Resource": "*"')
    for bad in (invalid, duplicate):
        text = policy_of([valid, bad])
        for _ in range(2):
            assert agree_after(text)[0] == "error"
        recorded = [entry[0] for entries in document._SEEN.values() for entry in entries]
        recorded += [entry[0] for entry in document._FOLLOWING.values()]
        assert valid in recorded
        assert bad not in recorded


def test_seen_statements_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both tables stay within their limits, and emptying them changes no answer."""
    monkeypatch.setattr(document, "_SEEN_PREFIXES", 3)
    monkeypatch.setattr(document, "_FOLLOWING_LIMIT", 4)
    document._forget_statements()
    sources = [statement_text(i) for i in range(12)]
    rng = random.Random(1)
    for round_ in range(30):
        text = policy_of(rng.sample(sources, rng.randint(1, 6)), policy_id=str(round_))
        assert agree_after(text)[0] == "ok"
        assert len(document._SEEN) <= 3
        assert len(document._FOLLOWING) <= 4
        assert all(len(e) <= document._SEEN_CANDIDATES for e in document._SEEN.values())
    document._forget_statements()


def test_threads_sharing_the_seen_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    """Threads parsing policies that mix seen, changed and new statements (with tables
    small enough to be emptied often) all get the exact parser's answers."""
    monkeypatch.setattr(document, "_SEEN_PREFIXES", 4)
    monkeypatch.setattr(document, "_FOLLOWING_LIMIT", 6)
    sources = [statement_text(i, sid=i % 2 == 0) for i in range(16)]
    sources += [s.replace("Decrypt", "Decrypu") for s in sources[:4]]
    sources += [s.replace('"Allow"', '"Permit"') for s in sources[4:6]]
    texts = [
        policy_of(random.Random(n).sample(sources, 1 + n % 5), policy_id=str(n)) for n in range(60)
    ]
    expected = {text: outcome(parse_policy_exact, text) for text in texts}
    uncached = parse_policy.__wrapped__  # the fast path, then the exact one if it declines
    failures: list[str] = []

    def work(seed: int) -> None:
        rng = random.Random(seed)
        for _ in range(200):
            text = rng.choice(texts)
            if outcome(uncached, text) != expected[text]:
                failures.append(text)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert failures == []
    document._forget_statements()


# --- property: any text, both parsers --------------------------------------------------------


@dataclass
class Obj:
    """A JSON object as written: its members in order, duplicates allowed."""

    pairs: list[tuple[str, Any]]


@dataclass
class Raw:
    """A literal token (NaN, 1e999...) that json.dumps would not write."""

    text: str


WHITESPACE = ["", "", "", " ", "  ", "\n", "\t", "\r\n", "\n    "]


def dump(node: object, rng: random.Random) -> str:
    """``node`` as JSON text with random whitespace between tokens (and random escaping)."""

    def ws() -> str:
        return rng.choice(WHITESPACE)

    if isinstance(node, Obj):
        members = [
            f"{ws()}{dump(key, rng)}{ws()}:{ws()}{dump(value, rng)}{ws()}"
            for key, value in node.pairs
        ]
        return "{" + (",".join(members) or ws()) + "}"
    if isinstance(node, list):
        return "[" + (",".join(f"{ws()}{dump(item, rng)}{ws()}" for item in node) or ws()) + "]"
    if isinstance(node, Raw):
        return node.text
    return json.dumps(node, ensure_ascii=rng.random() < 0.5)


def objects(node: object) -> list[Obj]:
    """Every object in ``node``, outermost first."""
    found: list[Obj] = []
    if isinstance(node, Obj):
        found.append(node)
        for _, value in node.pairs:
            found.extend(objects(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(objects(item))
    return found


def duplicate_somewhere(tree: object, rng: random.Random) -> object:
    """A copy of ``tree`` with one member of one object repeated (same or other value)
    somewhere after the original; an unchanged copy if it has no members."""
    tree = copy.deepcopy(tree)  # generated trees share objects (st.just): never mutate them
    candidates = [obj for obj in objects(tree) if obj.pairs]
    if candidates:
        target = rng.choice(candidates)
        index = rng.randrange(len(target.pairs))
        key, value = target.pairs[index]
        if rng.random() < 0.5:
            value = rng.choice(["other", 1, True, None, Obj([("k", "v")])])
        target.pairs.insert(rng.randrange(index + 1, len(target.pairs) + 1), (key, value))
    return tree


BREAKAGE: list[object] = ["", 1, 1.5, True, None, [], Obj([]), Raw("NaN"), Raw("1e999"), "x"]


def break_somewhere(tree: object, rng: random.Random) -> object:
    """A copy of ``tree`` with one member of one object replaced, removed or added."""
    tree = copy.deepcopy(tree)
    target = rng.choice(objects(tree))
    action = rng.choice(["replace", "remove", "add"]) if target.pairs else "add"
    if action == "add":
        target.pairs.append((rng.choice(["Extra", "Sid", "Principal"]), rng.choice(BREAKAGE)))
    elif action == "remove":
        del target.pairs[rng.randrange(len(target.pairs))]
    else:
        index = rng.randrange(len(target.pairs))
        target.pairs[index] = (target.pairs[index][0], rng.choice(BREAKAGE))
    return tree


strings = st.text(st.sampled_from('ab :"\\/\u00e9\u2603\n'), max_size=6)
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    strings,
)


def one_or_list(values: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return values | st.lists(values, min_size=1, max_size=3)


def members(*pairs: st.SearchStrategy[tuple[str, object]]) -> st.SearchStrategy[Obj]:
    """An object with distinct member names: a permutation of ``pairs``."""
    return st.tuples(*pairs).flatmap(st.permutations).map(lambda drawn: Obj(list(drawn)))


principals = st.one_of(
    st.just("*"),
    st.sampled_from(["AWS", "Service", "CanonicalUser"]).flatmap(
        lambda kind: one_or_list(
            st.sampled_from(
                {
                    "AWS": [ROOT, ROLE, "111122223333", "*"],
                    "Service": ["logs.amazonaws.com"],
                    "CanonicalUser": ["ab" * 32],
                }[kind]
            )
        ).map(lambda values: Obj([(kind, values)]))
    ),
)
operators = st.sampled_from(["StringEquals", "Bool", "NumericLessThan", "ForAnyValue:StringLike"])
conditions = st.lists(
    st.tuples(
        operators,
        st.lists(
            st.tuples(
                st.sampled_from(["kms:ViaService", "aws:SecureTransport", "n"]),
                one_or_list(scalars.filter(lambda value: value is not None)),
            ),
            min_size=1,
            max_size=2,
            unique_by=lambda pair: pair[0],
        ).map(Obj),
    ),
    min_size=1,
    max_size=2,
    unique_by=lambda pair: pair[0],
).map(Obj)


def element(
    names: list[str], values: st.SearchStrategy[object]
) -> st.SearchStrategy[tuple[str, object]]:
    return st.tuples(st.sampled_from(names), values)


statements = st.tuples(
    members(
        element(["Effect"], st.sampled_from(["Allow", "Deny"])),
        element(["Principal", "NotPrincipal"], principals),
        element(["Action", "NotAction"], one_or_list(st.sampled_from(["kms:*", "kms:Get*", "*"]))),
        element(["Resource", "NotResource"], one_or_list(st.sampled_from(["*", "arn:aws:kms:*"]))),
    ),
    st.lists(element(["Sid"], strings), max_size=1),
    st.lists(element(["Condition"], conditions), max_size=1),
).map(lambda drawn: Obj(drawn[0].pairs + drawn[1] + drawn[2]))


@st.composite
def policies(draw: st.DrawFn) -> Obj:
    """A valid policy: 1-4 statements (or one, not in a list), optional Version and Id."""
    statement_list = draw(st.lists(statements, min_size=1, max_size=4))
    single = len(statement_list) == 1 and draw(st.booleans())
    pairs: list[tuple[str, object]] = [
        ("Statement", statement_list[0] if single else statement_list)
    ]
    if draw(st.booleans()):
        pairs.append(("Version", draw(st.sampled_from(["2012-10-17", "2008-10-17"]))))
    if draw(st.booleans()):
        pairs.append(("Id", draw(strings)))
    return Obj(draw(st.permutations(pairs)))


json_trees = st.recursive(
    scalars | st.sampled_from([Raw("NaN"), Raw("-Infinity"), Raw("1e999")]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(
            st.tuples(st.sampled_from(["Statement", "a", "b", "Effect"]), inner), max_size=3
        ).map(Obj)
    ),
    max_leaves=10,
)


@SETTINGS
@given(
    tree=policies(),
    rng=st.randoms(use_true_random=False),
    duplicate=st.booleans(),
    broken=st.booleans(),
)
def test_policy_shaped_texts_parse_as_the_exact_parser_says(
    tree: object, rng: random.Random, duplicate: bool, broken: bool
) -> None:
    """Same document or same error, duplicates and broken members included; and every
    policy the exact parser accepts, the fast path accepts on its own."""
    if duplicate:
        tree = duplicate_somewhere(tree, rng)
    if broken:
        tree = break_somewhere(tree, rng)
    text = dump(tree, rng)
    result = agree(text)
    if result[0] == "ok":
        assert fast(text) == result
    if not broken:  # else the breakage may have removed the duplicate, or added one
        assert result[0] == ("error" if duplicate else "ok"), result


@SETTINGS
@given(tree=json_trees, rng=st.randoms(use_true_random=False), duplicate=st.booleans())
def test_any_json_text_parses_as_the_exact_parser_says(
    tree: object, rng: random.Random, duplicate: bool
) -> None:
    """Arbitrary JSON values, duplicate keys and non-JSON tokens included."""
    if duplicate:
        tree = duplicate_somewhere(tree, rng)
    agree(dump(tree, rng))


@SETTINGS
@given(text=st.text(st.sampled_from('{}[]",: \t\n0aS"\\'), max_size=30))
def test_any_text_parses_as_the_exact_parser_says(text: str) -> None:
    """Fragments of JSON syntax: the exact parser's error, in its words."""
    agree(text)


# --- property: policies that repeat statements seen before -----------------------------------

EDITS = ["same", "same", "same", "letter", "character", "insert", "delete", "cut", "extend"]


def edit(source: str, how: str, rng: random.Random) -> str:
    """``source`` as is, or with one character changed, inserted or deleted, cut short, or
    with text after it."""
    at = rng.randrange(len(source))
    if how == "letter":
        letters = [i for i, char in enumerate(source) if char.isalpha()]
        at = rng.choice(letters) if letters else at
        return source[:at] + rng.choice("abcSAz") + source[at + 1 :]
    if how == "character":
        return source[:at] + rng.choice('{}[]",: 1a\\') + source[at + 1 :]
    if how == "insert":
        return source[:at] + rng.choice([" ", "\n", "\t", "{", "}", '"', ",", ":"]) + source[at:]
    if how == "delete":
        return source[:at] + source[at + 1 :]
    if how == "cut":
        return source[:at]
    if how == "extend":
        return source + rng.choice(["}", "]", ' "x"', ", {}", ', "Sid": "x"}', " " + source])
    return source


def statement_policy(sources: list[str], rng: random.Random) -> str:
    """A policy of these statement texts, with random whitespace around the separators."""

    def ws() -> str:
        return rng.choice(WHITESPACE)

    if len(sources) == 1 and rng.random() < 0.3:
        statement = ws() + sources[0] + ws()
    else:
        statement = "[" + ",".join(ws() + source + ws() for source in sources) + "]"
    return '{"Id": ' + json.dumps(str(rng.random())) + ', "Statement": ' + statement + "}"


@SETTINGS
@given(
    trees=st.lists(statements, min_size=1, max_size=5),
    picks=st.lists(st.tuples(st.integers(0, 4), st.sampled_from(EDITS)), min_size=1, max_size=6),
    prefix=st.sampled_from([1, 8, 64]),
    rng=st.randoms(use_true_random=False),
    duplicate=st.booleans(),
)
def test_policies_repeating_seen_statements_parse_as_the_exact_parser_says(
    trees: list[Obj],
    picks: list[tuple[int, str]],
    prefix: int,
    rng: random.Random,
    duplicate: bool,
) -> None:
    """A policy's statements are seen; then a policy of some of them verbatim, some
    changed, cut short or extended, in any order and layout, and then the first policy's
    statements again: each gives the exact parser's answer. A short ``prefix`` makes
    many statements candidates for the same text."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(document, "_SEEN_PREFIX", prefix)
        document._forget_statements()
        if duplicate:  # some statements with a duplicate key: never reused
            trees = [
                cast("Obj", duplicate_somewhere(tree, rng)) if rng.random() < 0.4 else tree
                for tree in trees
            ]
        sources = [dump(tree, rng) for tree in trees]
        result = agree_after(statement_policy(sources, rng))
        assert duplicate or result[0] == "ok", result
        chosen = [edit(sources[index % len(sources)], how, rng) for index, how in picks]
        agree_after(statement_policy(chosen, rng))
        agree_after(statement_policy(sources, rng))
        agree_after(statement_policy(chosen[::-1], rng))
    document._forget_statements()
