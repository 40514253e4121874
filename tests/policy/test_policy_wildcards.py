"""IAM wildcards (``*`` any run of characters, ``?`` one character) in Action, Resource,
``*Like`` conditions and ARN parts: what they match, and that no pattern makes the
matcher backtrack for ever.

The regex a pattern becomes (``policy.matching.wildcard_regex``) takes each piece between
stars at its leftmost place instead of letting ``.*`` try every split. These tests hold it
to a plain reference matcher: dynamic programming over the pattern and the value, the
textbook definition of the two wildcards.
"""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import boto3
import pytest
from conftest import ACCOUNT, REGION, allow, policy
from hypothesis import given, settings
from hypothesis import strategies as st

from pytest_fakekms.policy.matching import WildcardSet, wildcard_regex


def reference_match(pattern: str, value: str, *, forbidden: str = "") -> bool:
    """Whether ``pattern`` matches all of ``value``; wildcards never stand for a character
    of ``forbidden`` (ArnLike's parts: ``:``)."""

    @functools.cache
    def match(i: int, j: int) -> bool:
        if i == len(pattern):
            return j == len(value)
        if pattern[i] == "*":
            return match(i + 1, j) or (
                j < len(value) and value[j] not in forbidden and match(i, j + 1)
            )
        if j == len(value):
            return False
        if pattern[i] == "?":
            return value[j] not in forbidden and match(i + 1, j + 1)
        return pattern[i] == value[j] and match(i + 1, j + 1)

    return match(0, 0)


# A small alphabet with the regex-special characters a pattern may carry, so that
# pieces repeat and overlap often.
_ALPHABET = st.sampled_from("ab:.+()[]\\$^|{}")
_PATTERNS = st.text(st.one_of(_ALPHABET, st.sampled_from("*?")), max_size=10)
_VALUES = st.text(_ALPHABET, max_size=14)


@settings(max_examples=400, deadline=None)
@given(pattern=_PATTERNS, value=_VALUES)
def test_matches_exactly_what_the_definition_matches(pattern: str, value: str) -> None:
    regex = re.compile(wildcard_regex(pattern), re.DOTALL)
    assert (regex.fullmatch(value) is not None) == reference_match(pattern, value)


@settings(max_examples=400, deadline=None)
@given(pattern=_PATTERNS, value=_VALUES)
def test_a_part_of_an_arn_never_crosses_a_colon(pattern: str, value: str) -> None:
    regex = re.compile(wildcard_regex(pattern, any_char="[^:]"), re.DOTALL)
    expected = reference_match(pattern, value, forbidden=":")
    assert (regex.fullmatch(value) is not None) == expected


@settings(max_examples=200, deadline=None)
@given(patterns=st.lists(_PATTERNS, min_size=1, max_size=4), value=_VALUES)
def test_a_set_matches_when_any_of_its_patterns_does(patterns: list[str], value: str) -> None:
    """Patterns are joined into one alternation: their group names must not clash."""
    wildcards = WildcardSet(patterns, ignore_case=False)
    assert wildcards.matches(value) == any(reference_match(p, value) for p in patterns)


@pytest.mark.parametrize(
    "pattern",
    [
        "*" * 40 + "x",
        "*a" * 30 + "*b",
        "?*" * 30 + "x",
        "arn:aws:kms:*" + "*:" * 3 + "key/" + "*a" * 25 + "*z",
    ],
)
def test_patterns_that_used_to_backtrack_for_ever_answer(pattern: str) -> None:
    """Each of these took exponential time with one ``.*`` per star (seven stars and an
    ``x`` against a key ARN: 8.6 s; forty would never end). The value does not match."""
    value = "arn:aws:kms:us-east-1:111122223333:key/" + "a" * 200
    assert not WildcardSet([pattern], ignore_case=False).matches(value)


def _policy(statement: dict[str, Any]) -> str:
    return policy(allow({"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, Sid="Admin"), statement)


@pytest.mark.parametrize(
    "element",
    [
        {"Resource": "*" * 40 + "x"},
        {"Action": "kms:" + "*" * 40 + "x"},
        {"Condition": {"StringLike": {"kms:CallerAccount": "*" * 40 + "x"}}},
        {"Condition": {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:" + "*" * 40 + "x"}}},
    ],
)
def test_put_key_policy_with_runs_of_stars(fake_kms: Any, element: dict[str, Any]) -> None:
    """Through boto3: a policy whose patterns once hung the lockout check is accepted
    like any other (the admin statement keeps the caller in), and its patterns behave
    as their single-star forms when a request is evaluated."""
    kms = boto3.client("kms", region_name=REGION)
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    statement = {
        "Sid": "Stars",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "kms:Encrypt",
        "Resource": "*",
        **element,
    }
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=_policy(statement))
    assert json.loads(kms.get_key_policy(KeyId=key_id)["Policy"])["Statement"][1]["Sid"] == "Stars"
    # None of the patterns matches this request (nothing here ends in "x"), so the
    # Deny does not apply and the admin statement allows the call.
    kms.encrypt(KeyId=key_id, Plaintext=b"data")
