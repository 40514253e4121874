"""The validator's two ways through a structure agree (pytest_fakekms.validation).

``_Structure.run`` visits the members a request sent, in the order it sent them: a
CreateKey names few of its 13 members, so visiting all 13 cost more than the rest of
the check (issue #8). AWS reports problems in the model's member order
(``test_validation.py::test_errors_follow_model_member_order``), so as soon as a
member is refused, ``run`` hands the value to ``run_in_model_order``, the member-by-
member way. These properties say the two are one function: for any JSON body, in any
member order, with nulls, unknown members, wrong types and values that break the
model's constraints, both give the same decoded copy (same members, same order of
the model's members), the same error texts, or the same exception.
"""

from __future__ import annotations

import base64
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakekms import model, validation
from pytest_fakekms.errors import KMSError

OPERATIONS = sorted(model.operation_names())


def _wire_value(shape: Any, rnd: random.Random, depth: int) -> Any:
    """A value of ``shape`` (a botocore ``Shape`` of any kind, so typed ``Any``) as JSON
    carries it, right or (now and then) wrong."""
    roll = rnd.random()
    if roll < 0.04:
        return None
    if roll < 0.08:
        return rnd.choice([True, 7, 1.5, "text", [], {}])  # often the wrong JSON type
    kind = shape.type_name
    if kind == "string":
        enum = shape.metadata.get("enum")
        if enum and rnd.random() < 0.8:
            return rnd.choice(enum)
        return rnd.choice(["", "a", "alias/x", "x" * 3000, "1234abcd-12ab-34cd-56ef-1234567890ab"])
    if kind == "blob":
        return rnd.choice([base64.b64encode(b"data").decode(), "", "not base64!"])
    if kind in ("integer", "long"):
        return rnd.choice([0, 1, 5, 1024, 2**40])
    if kind == "boolean":
        return rnd.choice([True, False])
    if kind == "timestamp":
        return rnd.choice([1_700_000_000, 1.5, "2026-11-27T00:00:00Z"])
    if kind == "list":
        if depth > 2:
            return []
        return [_wire_value(shape.member, rnd, depth + 1) for _ in range(rnd.randint(0, 3))]
    if kind == "map":
        if depth > 2:
            return {}
        return {
            rnd.choice(["k", "", "key" * 100]): _wire_value(shape.value, rnd, depth + 1)
            for _ in range(rnd.randint(0, 2))
        }
    if kind == "structure":
        return _wire_structure(shape, rnd, depth + 1) if depth <= 2 else {}
    return None  # pragma: no cover - the KMS model has no other types


def _wire_structure(shape: Any, rnd: random.Random, depth: int) -> dict[str, Any]:
    names = [name for name in shape.members if rnd.random() < 0.5]
    if rnd.random() < 0.2:
        names.append(rnd.choice(["Unknown", "keyid", "Extra"]))
    rnd.shuffle(names)  # the order the request sends them in
    members = shape.members
    return {
        name: _wire_value(members[name], rnd, depth) if name in members else "anything"
        for name in names
    }


def _outcome(run: Any, body: dict[str, Any]) -> tuple[str, Any, list[str]]:
    errors: list[str] = []
    try:
        decoded = run(body, "", errors)
    except KMSError as error:
        return ("raised", (error.code, error.message), errors)
    return ("decoded", list(decoded.items()), errors)


def _model_ordered(decoded: list[tuple[str, Any]], plan: Any) -> list[tuple[str, Any]]:
    """The decoded members, the model's first in model order, unknown ones after."""
    order = {member.name: index for index, member in enumerate(plan.members)}
    return sorted(decoded, key=lambda item: order.get(item[0], len(order)))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(OPERATIONS), st.randoms(use_true_random=False))
def test_both_ways_through_a_structure_agree(operation: str, rnd: random.Random) -> None:
    shape = model.service_model().operation_model(operation).input_shape
    if shape is None:  # pragma: no cover - every KMS operation has an input
        pytest.skip("no input shape")
    body = _wire_structure(shape, rnd, 0)
    plan = validation._plan(operation)
    fast = _outcome(plan.run, body)
    ordered = _outcome(plan.run_in_model_order, body)
    if fast[0] == "decoded" and ordered[0] == "decoded":
        assert _model_ordered(fast[1], plan) == _model_ordered(ordered[1], plan)
        assert dict(fast[1]) == dict(ordered[1])
        assert fast[2] == ordered[2]
    else:
        assert fast == ordered


def test_a_refused_member_is_reported_in_model_order_whatever_the_request_order() -> None:
    """Two problems sent in the reverse of the model's order (Plaintext comes after
    KeyId in Encrypt's input shape) are still reported KeyId first."""
    body = {"Plaintext": "", "KeyId": ""}
    with pytest.raises(KMSError) as caught:
        validation.validate_request("Encrypt", body)
    message = caught.value.message or ""
    assert message.startswith("2 validation errors detected: ")
    assert message.index("'keyId'") < message.index("'plaintext'")


def test_a_valid_request_is_decoded_without_visiting_absent_members() -> None:
    """A bare CreateKey: nothing to check, nothing decoded, unknown members kept."""
    assert validation.validate_request("CreateKey", {}) == {}
    assert validation.validate_request("CreateKey", {"Surprise": 1, "Description": None}) == {
        "Surprise": 1
    }
