"""parse_policy's fast path agrees with the exact, hook-based parser.

``parse_policy`` reads a well-formed policy itself: the top-level object by hand, each
member value with ``json``'s C scanner (no duplicate-key hook), each statement compiled
once per source text with duplicate keys rejected. Whatever it is not sure of goes to
``parse_policy_exact``, the reference (``json.loads`` with a duplicate-key hook on every
object, then the grammar checks in order). These tests check that the two give the same
document or the same error, duplicates included, whatever the statement cache holds.
"""

from __future__ import annotations

import copy
import json
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

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
    """parse_policy's outcome, with a cold and with a warm statement cache, is the exact one."""
    expected = outcome(parse_policy_exact, text)
    for cold in (True, False):
        if cold:
            document._compiled_statement.cache_clear()
        parse_policy.cache_clear()
        assert outcome(parse_policy, text) == expected
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
