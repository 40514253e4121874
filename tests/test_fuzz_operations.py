"""Every operation of botocore's KMS model, called with random members, through boto3.

The requests are built from the model's shapes (required members always, optional
ones at random; enum values, and a value outside each enum; key identifiers that name
seeded keys, aliases and ARNs, and some that name nothing), and sent with botocore's
client-side validation off, so that what reaches the fake is anything a client of
another SDK could send. Whatever the request, the fake must answer as KMS does
(api.md §6):

* with a success, or with an error the model declares for the operation (or one any
  operation may get: ValidationException, SerializationException, ...; or api.md §7's
  InvalidArnException), never with a Python exception and never with a 500;
* a success's body has only the members of the model's output shape, each of its
  type, and every required one;
* and a request that fails changes no state (``dump_state`` before and after agree).

Found by it on 2026-11-27, and fixed: GenerateMac and VerifyMac refused alias names
and alias ARNs, which their documentation allows (tests/test_identifiers_model.py);
UpdateAlias and DeleteAlias answered InvalidAliasNameException, which only CreateAlias
declares (tests/test_aliases.py). Run it longer when an operation or the request path
changes (``FAKEKMS_FUZZ_EXAMPLES``, below).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import botocore.session
from botocore.exceptions import ClientError
from botocore.model import Shape
from conftest import kms_client, state_of
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from pytest_fakekms import FakeKMS, model, protocol
from pytest_fakekms.errors import PROTOCOL_ERRORS

MODEL = botocore.session.get_session().get_service_model("kms")
ACCOUNT = "123456789012"
REGION = "us-east-1"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
POLICY = (
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"'
    + ROOT
    + '"},"Action":"kms:*","Resource":"*"}]}'
)

#: (name, CreateKey parameters) of the keys every example starts with.
SEEDED = [
    ("symmetric", {}),
    ("rsa", {"KeySpec": "RSA_2048", "KeyUsage": "ENCRYPT_DECRYPT"}),
    ("ecc", {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}),
    ("hmac", {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"}),
    ("external", {"Origin": "EXTERNAL"}),
]

#: Members whose value names a key: these draw from the seeded keys' identifiers.
KEY_MEMBERS = {"KeyId", "TargetKeyId", "DestinationKeyId", "SourceKeyId"}

_SHORT_TEXT = st.text(max_size=20)


def _identifiers(seeded: dict[str, str]) -> st.SearchStrategy[str]:
    """Ids, ARNs and aliases of the seeded keys, of keys that do not exist, and junk."""
    named = []
    for key_id in seeded.values():
        named += [key_id, f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"]
    named += ["alias/fuzz", f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/fuzz", "alias/none"]
    named += ["1234abcd-12ab-34cd-56ef-1234567890ab", f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/x"]
    return st.sampled_from(named) | _SHORT_TEXT


def _value(shape: Shape, name: str, seeded: dict[str, str], depth: int = 0) -> Any:
    """A strategy for one member of ``shape``."""
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, seeded, depth + 1)
    if kind == "list":
        return st.lists(_value(shape.member, name, seeded, depth + 1), max_size=3)  # type: ignore[attr-defined]
    if kind == "map":
        return st.dictionaries(
            _value(shape.key, name, seeded, depth + 1),  # type: ignore[attr-defined]
            _value(shape.value, name, seeded, depth + 1),  # type: ignore[attr-defined]
            max_size=3,
        )
    if kind == "boolean":
        return st.booleans()
    if kind in ("integer", "long"):
        return st.integers(-5, 5000)
    if kind == "blob":
        return st.binary(max_size=80)
    if kind == "timestamp":
        return st.datetimes(min_value=dt.datetime(2000, 1, 1), max_value=dt.datetime(2100, 1, 1))
    # strings
    if name in KEY_MEMBERS:
        return _identifiers(seeded)
    if name == "Policy":
        return st.sampled_from([POLICY, "{}", "not json"]) | _SHORT_TEXT
    if name in ("GranteePrincipal", "RetiringPrincipal"):
        return st.sampled_from([ROOT, f"arn:aws:iam::{ACCOUNT}:role/r", "*"]) | _SHORT_TEXT
    if name == "AliasName":
        return st.sampled_from(["alias/fuzz", "alias/new", "alias/aws/x", "nope"]) | _SHORT_TEXT
    enum: list[str] = getattr(shape, "enum", [])
    if enum:
        return st.sampled_from([*enum, "BOGUS"])
    return _SHORT_TEXT


def _structure(shape: Shape, seeded: dict[str, str], depth: int = 0) -> Any:
    if depth > 3:
        return st.just({})
    members: dict[str, Shape] = getattr(shape, "members", {})
    required = set(getattr(shape, "required_members", ()))
    fixed = {n: _value(s, n, seeded, depth) for n, s in members.items() if n in required}
    optional = {n: _value(s, n, seeded, depth) for n, s in members.items() if n not in required}
    return st.fixed_dictionaries(fixed, optional=optional)


def _client() -> Any:
    """botocore's client-side validation off: what reaches the fake is what any SDK
    could send."""
    return kms_client(parameter_validation=False)


def _seed(kms: Any) -> dict[str, str]:
    seeded = {name: kms.create_key(**params)["KeyMetadata"]["KeyId"] for name, params in SEEDED}
    kms.create_alias(AliasName="alias/fuzz", TargetKeyId=seeded["symmetric"])
    kms.create_grant(KeyId=seeded["symmetric"], GranteePrincipal=ROOT, Operations=["Decrypt"])
    # No key has material yet: it is made on first use, and a failed request that makes it
    # must keep none (tests/test_first_use_material.py), which this property checks too.
    return seeded


@st.composite
def _requests(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(sorted(MODEL.operation_names)))
    shape = MODEL.operation_model(operation).input_shape
    # The key ids are only known once the fake has made the keys: draw the members
    # against placeholders, then substitute the real ids.
    placeholders = {name: f"<{name}>" for name, _ in SEEDED}
    params = draw(_structure(shape, placeholders)) if shape is not None else {}
    return operation, params


def _substitute(value: Any, seeded: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, key_id in seeded.items():
            value = value.replace(f"<{name}>", key_id)
        return value
    if isinstance(value, list):
        return [_substitute(v, seeded) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, seeded) for k, v in value.items()}
    return value


def _send_and_check(
    kms: Any, fake: FakeKMS, seeded: dict[str, str], request: tuple[str, dict[str, Any]]
) -> None:
    """Send one drawn request; check the answer, and that a failure changed nothing."""
    operation, drawn = request
    method = {api: name for name, api in kms.meta.method_to_api_mapping.items()}[operation]
    declared = {shape.name for shape in MODEL.operation_model(operation).error_shapes}
    if set(drawn) & KEY_MEMBERS:
        # api.md §7: an alias ARN where only a key id or key ARN is taken, and a
        # malformed ARN, are InvalidArnException for every operation (CreateAlias and
        # the MAC operations do not declare it).
        declared.add("InvalidArnException")
    params = _substitute(drawn, seeded)
    before = state_of(fake)
    code, status = "ok", 200
    try:
        getattr(kms, method)(**params)
    except ClientError as error:
        code = error.response["Error"]["Code"]
        status = error.response["ResponseMetadata"]["HTTPStatusCode"]
    event(f"{operation}: {code}")
    if code == "ok" and fake.calls[-1].response:
        body = json.loads(protocol.result_body(fake.calls[-1].response))
        assert model.validate_output(operation, body) == [], (operation, params)
    if code != "ok":
        assert status < 500, (operation, params, code)
        assert code in declared | PROTOCOL_ERRORS, (operation, params, code)
        assert state_of(fake) == before, (operation, params, code)


#: Examples per run; ``FAKEKMS_FUZZ_EXAMPLES=2000`` for a longer hunt (about 3 minutes).
EXAMPLES = int(os.environ.get("FAKEKMS_FUZZ_EXAMPLES", "250"))


#: Examples per run; ``FAKEKMS_FUZZ_EXAMPLES=2000`` for a longer hunt (about 3 minutes).
EXAMPLES = int(os.environ.get("FAKEKMS_FUZZ_EXAMPLES", "250"))


def _shape_problems(shape: Shape | None, value: Any, path: str) -> list[str]:
    """Where a response body strays from the model's output shape: members it does not
    have, required members left out, values of another type or outside an enum."""
    if shape is None:
        return []
    kind = shape.type_name
    if kind == "structure":
        members: dict[str, Shape] = getattr(shape, "members", {})
        if not isinstance(value, dict):
            return [f"{path}: not an object"]
        required: list[str] = getattr(shape, "required_members", [])
        problems = [f"{path}.{n}: required, missing" for n in required if n not in value]
        for name, member in value.items():
            if name not in members:
                problems.append(f"{path}.{name}: not in the model")
            else:
                problems += _shape_problems(members[name], member, f"{path}.{name}")
        return problems
    if kind == "list":
        element: Shape = getattr(shape, "member")  # noqa: B009
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [p for item in value for p in _shape_problems(element, item, f"{path}[]")]
    if kind == "map":
        entry: Shape = getattr(shape, "value")  # noqa: B009
        return [p for item in value.values() for p in _shape_problems(entry, item, f"{path}{{}}")]
    expected: dict[str, tuple[type, ...]] = {
        "string": (str,),
        "blob": (str,),
        "boolean": (bool,),
        "integer": (int,),
        "long": (int,),
        "timestamp": (int, float),
    }
    if not isinstance(value, expected.get(kind, (object,))) or (
        kind != "boolean" and isinstance(value, bool)
    ):
        return [f"{path}: {type(value).__name__}, not {kind}"]
    enum: list[str] = getattr(shape, "enum", [])
    if enum and value not in enum:
        return [f"{path}: {value!r} not in the enum"]
    return []


_SETTINGS = settings(
    deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@settings(_SETTINGS, max_examples=EXAMPLES)
@given(request=_requests())
def test_any_request_gets_a_kms_answer_and_a_failure_changes_nothing(
    request: tuple[str, dict[str, Any]],
) -> None:
    kms = _client()
    with FakeKMS() as fake:
        _send_and_check(kms, fake, _seed(kms), request)


@settings(_SETTINGS, max_examples=max(1, EXAMPLES // 3))
@given(requests=st.lists(_requests(), min_size=2, max_size=6))
def test_the_same_holds_after_any_earlier_requests(
    requests: list[tuple[str, dict[str, Any]]],
) -> None:
    """The same checks after earlier random requests changed the state (disabled,
    deleted or rotated keys, new aliases, grants, tags, policies, imported material)."""
    kms = _client()
    with FakeKMS() as fake:
        seeded = _seed(kms)
        for request in requests:
            _send_and_check(kms, fake, seeded, request)
