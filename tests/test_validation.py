"""Server-side request validation (pytest_fakekms.validation) against AWS's wording.

Exact messages come from real AWS responses recorded in
``data/aws-recorded/kms.snapshot.json``; each test that relies on one names the
snapshot entry in its docstring. Where AWS's answer for KMS is not on record,
the test pins the fake's documented choice (see the module docstring of
``pytest_fakekms.validation``).
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakekms import model, validation
from pytest_fakekms.errors import KMSError

KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"
B64 = base64.b64encode(b"data").decode()
POLICY_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"


def error_of(operation: str, params: object) -> KMSError:
    with pytest.raises(KMSError) as caught:
        validation.validate_request(operation, params)
    return caught.value


def message_of(operation: str, params: object, code: str = "ValidationException") -> str | None:
    error = error_of(operation, params)
    assert error.code == code, error
    return error.message


def one(problem: str) -> str:
    return f"1 validation error detected: {problem}"


# --- messages on record in the snapshot --------------------------------------------


@pytest.mark.parametrize(
    ("number", "constraint"),
    [
        (0, "Member must have value greater than or equal to 1"),
        (1025, "Member must have value less than or equal to 1024"),
    ],
)
def test_integer_range(number: int, constraint: str) -> None:
    """Snapshot ``test_generate_random_invalid_number_of_bytes[0]`` and ``[1025]``."""
    assert message_of("GenerateRandom", {"NumberOfBytes": number}) == one(
        f"Value '{number}' at 'numberOfBytes' failed to satisfy constraint: {constraint}"
    )


def test_enum_in_the_order_aws_printed_it() -> None:
    """Snapshot ``test_invalid_generate_mac[HMAC_256-INVALID]`` (set unchanged since)."""
    params = {"KeyId": KEY_ID, "Message": B64, "MacAlgorithm": "INVALID"}
    assert message_of("GenerateMac", params) == one(
        "Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy "
        "enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]"
    )
    params["Mac"] = B64
    assert message_of("VerifyMac", params) == message_of("GenerateMac", params)


def test_single_value_enum() -> None:
    """Snapshot ``test_derive_shared_secret`` (response-invalid-key-agreement-algo)."""
    params = {"KeyId": KEY_ID, "KeyAgreementAlgorithm": "INVALID", "PublicKey": B64}
    assert message_of("DeriveSharedSecret", params) == one(
        "Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy constraint: "
        "Member must satisfy enum value set: [ECDH]"
    )


@pytest.mark.parametrize(
    ("member", "recorded"),
    [
        (
            "KeySpec",
            "Value 'HMAC_random' at 'keySpec' failed to satisfy constraint: Member must satisfy "
            "enum value set: [RSA_2048, ECC_NIST_P384, ECC_NIST_P256, ECC_NIST_P521, HMAC_384, "
            "RSA_3072, ECC_SECG_P256K1, RSA_4096, SYMMETRIC_DEFAULT, HMAC_256, HMAC_224, HMAC_512",
        ),
        (
            "KeyUsage",
            "Value 'RANDOM' at 'keyUsage' failed to satisfy constraint: Member must satisfy "
            "enum value set: [ENCRYPT_DECRYPT, SIGN_VERIFY, GENERATE_VERIFY_MAC",
        ),
    ],
)
def test_grown_enum_keeps_recorded_order_then_new_values(member: str, recorded: str) -> None:
    """Snapshot ``test_hmac_create_key_invalid_operations``.

    The model has gained values since the recording; they follow the recorded ones.
    """
    value = "HMAC_random" if member == "KeySpec" else "RANDOM"
    message = message_of("CreateKey", {member: value})
    assert message is not None
    assert message.startswith(one(recorded))
    shape = "KeySpec" if member == "KeySpec" else "KeyUsageType"
    listed = re.search(r"\[(.*)\]$", message)
    assert listed is not None
    enum = model.service_model().shape_for(shape).metadata["enum"]
    assert sorted(listed.group(1).split(", ")) == sorted(enum)


def test_blob_value_is_not_printed() -> None:
    """Snapshot ``test_plaintext_size_for_encrypt`` (lengths count decoded bytes)."""
    params = {"KeyId": KEY_ID, "Plaintext": base64.b64encode(b"x" * 4097).decode()}
    assert message_of("Encrypt", params) == one(
        "Value at 'plaintext' failed to satisfy constraint: "
        "Member must have length less than or equal to 4096"
    )
    params["Plaintext"] = base64.b64encode(b"x" * 4096).decode()
    assert validation.validate_request("Encrypt", params)["Plaintext"] == b"x" * 4096


def test_tag_value_too_long() -> None:
    """Snapshot ``test_key_with_long_tag_value_raises_error`` (too-long-tag-value)."""
    value = "v" * 257
    params = {"Tags": [{"TagKey": "tag1", "TagValue": value}]}
    assert message_of("CreateKey", params) == one(
        f"Value '{value}' at 'tags.1.member.tagValue' failed to satisfy constraint: "
        "Member must have length less than or equal to 256"
    )


def test_tag_key_too_long() -> None:
    """Snapshot ``test_create_key_with_invalid_tag_key[too_long_key]``."""
    key = "a" * 129
    params = {"Tags": [{"TagKey": key, "TagValue": "x"}]}
    assert message_of("CreateKey", params) == one(
        f"Value '{key}' at 'tags.1.member.tagKey' failed to satisfy constraint: "
        "Member must have length less than or equal to 128"
    )


# --- required, lengths, patterns ---------------------------------------------------


def test_missing_and_null_required_members() -> None:
    """AWS's ``Value null at`` form; several errors joined with ``; ``."""
    expected = (
        "2 validation errors detected: "
        "Value null at 'keyId' failed to satisfy constraint: Member must not be null; "
        "Value null at 'policy' failed to satisfy constraint: Member must not be null"
    )
    assert message_of("PutKeyPolicy", {}) == expected
    assert message_of("PutKeyPolicy", {"KeyId": None, "Policy": None}) == expected


def test_empty_key_id() -> None:
    assert message_of("PutKeyPolicy", {"KeyId": "", "Policy": "{}"}) == one(
        "Value '' at 'keyId' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_key_id_of_2049_characters() -> None:
    """kms-facts §0 row 10."""
    key_id = "k" * 2049
    assert message_of("PutKeyPolicy", {"KeyId": key_id, "Policy": "{}"}) == one(
        f"Value '{key_id}' at 'keyId' failed to satisfy constraint: "
        "Member must have length less than or equal to 2048"
    )
    validation.validate_request("PutKeyPolicy", {"KeyId": "k" * 2048, "Policy": "{}"})


@pytest.mark.parametrize("name", ["foo-bar", "défaut", "two words"])
def test_policy_name_pattern(name: str) -> None:
    """``[\\w]+`` is Java's ASCII-only ``\\w`` (kms-facts §0 row 10)."""
    params = {"KeyId": KEY_ID, "PolicyName": name, "Policy": "{}"}
    assert message_of("PutKeyPolicy", params) == one(
        f"Value '{name}' at 'policyName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w]+"
    )


def test_policy_name_default_and_absent_pass() -> None:
    for params in ({"PolicyName": "default"}, {"PolicyName": "Policy_1"}, {}):
        validation.validate_request("PutKeyPolicy", {"KeyId": KEY_ID, "Policy": "{}", **params})


POLICY_PROBLEM = (
    "at 'policy' failed to satisfy constraint: "
    "Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u00FF]+"
)


@pytest.mark.parametrize("size", [10, 5000], ids=["short", "long"])
@pytest.mark.parametrize("bad", ["\u0100", "\u20ac", "\x01", "\x0b", "\x1f", "\U0001f600"])
def test_policy_outside_latin1_or_with_control_characters_fails(size: int, bad: str) -> None:
    """kms-facts §0 row 19 / §1.1; long values take the regex-free path."""
    policy = "{" + " " * size + bad + "}"
    assert message_of("PutKeyPolicy", {"KeyId": KEY_ID, "Policy": policy}) == one(
        f"Value '{policy}' {POLICY_PROBLEM}"
    )


@pytest.mark.parametrize("size", [10, 5000], ids=["short", "long"])
@pytest.mark.parametrize("good", ["\t", "\n", "\r", "\x7f", "é", "\xff", "\xa0"])
def test_policy_with_tab_newline_and_latin1_passes(size: int, good: str) -> None:
    policy = '{\n\t"Version" : "2012-10-17",' + " " * size + good + "\r\n}"
    validation.validate_request("PutKeyPolicy", {"KeyId": KEY_ID, "Policy": policy})


def test_policy_too_long_and_bad_characters_gives_two_errors() -> None:
    """Length comes before pattern for one member (guess; AWS shows both orders)."""
    policy = "\u0100" * 131073
    message = message_of("PutKeyPolicy", {"KeyId": KEY_ID, "Policy": policy})
    assert message == (
        "2 validation errors detected: "
        f"Value '{policy}' at 'policy' failed to satisfy constraint: "
        "Member must have length less than or equal to 131072; "
        f"Value '{policy}' {POLICY_PROBLEM}"
    )


def test_lengths_count_utf16_code_units_like_java() -> None:
    """An astral character counts twice (Java ``String.length()``; guess)."""
    validation.validate_request("CreateKey", {"Tags": [{"TagKey": "k", "TagValue": "x" * 256}]})
    value = "x" * 254 + "\U0001f600"  # 255 code points, 256 UTF-16 units
    validation.validate_request("CreateKey", {"Tags": [{"TagKey": "k", "TagValue": value}]})
    value = "x" * 255 + "\U0001f600"
    assert "tags.1.member.tagValue" in str(
        message_of("CreateKey", {"Tags": [{"TagKey": "k", "TagValue": value}]})
    )


def test_sensitive_string_is_not_printed() -> None:
    """Sensitive members are not echoed (INFERRED from real AWS Cognito messages)."""
    params = {"CustomKeyStoreName": "store", "KeyStorePassword": "short"}
    assert message_of("CreateCustomKeyStore", params) == one(
        "Value at 'keyStorePassword' failed to satisfy constraint: "
        "Member must have length greater than or equal to 7"
    )


# --- lists, maps, nesting ------------------------------------------------------------


def test_list_too_long() -> None:
    tokens = [f"t{i}" for i in range(11)]
    params = {"KeyId": KEY_ID, "Plaintext": B64, "GrantTokens": tokens}
    assert message_of("Encrypt", params) == one(
        f"Value '[{', '.join(tokens)}]' at 'grantTokens' failed to satisfy constraint: "
        "Member must have length less than or equal to 10"
    )


def test_list_element_constraints_are_reported_once_for_the_list() -> None:
    """Java list rendering and ``Member must satisfy constraint: [...]``."""
    keys = ["ok", "k" * 129, "also-ok", "k" * 130]
    assert message_of("UntagResource", {"KeyId": KEY_ID, "TagKeys": keys}) == one(
        f"Value '[{', '.join(keys)}]' at 'tagKeys' failed to satisfy constraint: "
        "Member must satisfy constraint: [Member must have length less than or equal to 128, "
        "Member must have length greater than or equal to 1]"
    )


def test_list_of_enums() -> None:
    params = {"KeyId": KEY_ID, "GranteePrincipal": "p", "Operations": ["Decrypt", "Fly"]}
    message = message_of("CreateGrant", params)
    assert message is not None
    assert message.startswith(
        one(
            "Value '[Decrypt, Fly]' at 'operations' failed to satisfy constraint: "
            "Member must satisfy constraint: [Member must satisfy enum value set: ["
        )
    )
    assert message.endswith("]]")


def test_nested_list_of_structures_paths() -> None:
    tags = [{"TagKey": "a", "TagValue": "b"}, {"TagValue": "c"}, {"TagKey": "", "TagValue": "d"}]
    assert message_of("CreateKey", {"Tags": tags}) == (
        "2 validation errors detected: "
        "Value null at 'tags.2.member.tagKey' failed to satisfy constraint: "
        "Member must not be null; "
        "Value '' at 'tags.3.member.tagKey' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_nested_structure_path() -> None:
    credential = {"AccessKeyId": "SHORT", "RawSecretAccessKey": "s" * 43}
    params = {"CustomKeyStoreName": "s", "XksProxyAuthenticationCredential": credential}
    assert message_of("CreateCustomKeyStore", params) == one(
        "Value at 'xksProxyAuthenticationCredential.accessKeyId' failed to satisfy "
        "constraint: Member must have length greater than or equal to 20"
    )


def test_errors_follow_model_member_order() -> None:
    params = {
        "Tags": [{"TagKey": "k", "TagValue": "v" * 300}],
        "KeySpec": "nope",
        "Description": "d" * 8193,
        "KeyUsage": "nope",
    }
    message = message_of("CreateKey", params)
    assert message is not None
    assert message.startswith("4 validation errors detected: ")
    paths = re.findall(r"at '([^']+)' failed", message)
    assert paths == ["description", "keyUsage", "keySpec", "tags.1.member.tagValue"]


def test_map_values_decode_and_pass() -> None:
    params = {"KeyId": KEY_ID, "Plaintext": B64, "EncryptionContext": {"a": "b", "c": ""}}
    assert validation.validate_request("Encrypt", params)["EncryptionContext"] == {
        "a": "b",
        "c": "",
    }


# --- blobs, timestamps, decoding -------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "raw"),
    [("ZGF0YQ==", b"data"), ("ZGF0YQ", b"data"), ("YWJj", b"abc"), ("YQ", b"a")],
)
def test_base64_with_or_without_padding(text: str, raw: bytes) -> None:
    params = {"KeyId": KEY_ID, "Plaintext": text}
    assert validation.validate_request("Encrypt", params)["Plaintext"] == raw


@pytest.mark.parametrize("text", ["ZGF0YQ=!", "ZGF 0YQ==", "Z", "ZGF0YQ===", "ZGF0YQ=", "é"])
def test_invalid_base64_is_a_serialization_exception(text: str) -> None:
    """No message, as local-kms answers (guess for AWS)."""
    error = error_of("Encrypt", {"KeyId": KEY_ID, "Plaintext": text})
    assert (error.code, error.message) == ("SerializationException", None)


_B64_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _reference_base64(text: str) -> bytes | None:
    """The accepted forms, spelled out bit by bit: the standard alphabet, padding
    optional but, when present, only at the end, at most two "=", and completing a quad
    (the rules of Java's basic decoder, which KMS's SDK side uses)."""
    body = text.rstrip("=")
    padding = len(text) - len(body)
    if padding > 2 or (padding and len(text) % 4) or len(body) % 4 == 1:
        return None
    if any(c not in _B64_ALPHABET for c in body):
        return None
    bits = "".join(format(_B64_ALPHABET.index(c), "06b") for c in body)
    whole = len(bits) - len(bits) % 8
    return bytes(int(bits[i : i + 8], 2) for i in range(0, whole, 8))


@settings(max_examples=400)
@given(
    st.one_of(
        st.binary(max_size=40).map(lambda b: base64.b64encode(b).decode()),
        st.text(alphabet=_B64_ALPHABET + "=", max_size=16),
        st.text(alphabet=_B64_ALPHABET + "= \n-_é", max_size=12),
        st.tuples(st.binary(max_size=12), st.integers(0, 4)).map(
            lambda t: base64.b64encode(t[0]).decode().rstrip("=") + "=" * t[1]
        ),
    )
)
def test_base64_decoding_agrees_with_the_reference_rules(text: str) -> None:
    """Guards the strict one-call fast path in ``validation._base64_decode``: Python's
    strict mode alone would take "AAAA=" or "AAAA====", which the rules refuse."""
    assert validation._base64_decode(text) == _reference_base64(text)


def test_long_values_that_matched_are_remembered_by_identity_only() -> None:
    """compile_pattern remembers the last long values that matched (the same 30 KB policy
    sent again is the same object); a different object is always checked."""
    check = validation.compile_pattern(POLICY_PATTERN)
    good = "{" + "a" * 5000 + "}"
    assert check(good)
    assert check(good)
    bad = good[:100] + "\x01" + good[101:]
    assert not check(bad)
    assert not check(bad)
    for n in range(10):  # pushes ``good`` out of the remembered few
        assert check("b" * (2000 + n))
    assert check(good)
    assert not check("".join(bad))  # equal to a refused value, a new object: checked
    medium = "m" * 300  # from 256 characters, below the regex-free path's 1024
    assert check(medium)
    assert check(medium)
    assert not check(medium[:-1] + "\x02")


def test_empty_blob_fails_min_length() -> None:
    """Matches real AWS CLI output for an empty ciphertext file (ciphertextBlob)."""
    assert message_of("Decrypt", {"CiphertextBlob": ""}) == one(
        "Value at 'ciphertextBlob' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_timestamp_decodes_to_utc_datetime() -> None:
    params = {
        "KeyId": KEY_ID,
        "ImportToken": B64,
        "EncryptedKeyMaterial": B64,
        "ValidTo": 1700000000.5,
    }
    decoded = validation.validate_request("ImportKeyMaterial", params)
    assert decoded["ValidTo"] == dt.datetime(2023, 11, 14, 22, 13, 20, 500000, dt.timezone.utc)
    assert decoded["ImportToken"] == b"data"
    params["ValidTo"] = "2024-01-01"
    error = error_of("ImportKeyMaterial", params)
    assert error.code == "SerializationException"


def test_decoded_copy_drops_nulls_and_keeps_unknown_members() -> None:
    """AWS ignores unknown members and treats null as absent (Athena probe, INFERRED)."""
    params: dict[str, Any] = {"KeyId": KEY_ID, "Policy": "{}", "PolicyName": None, "Extra": [1]}
    decoded = validation.validate_request("PutKeyPolicy", params)
    assert decoded == {"KeyId": KEY_ID, "Policy": "{}", "Extra": [1]}
    assert decoded is not params
    assert "PolicyName" in params


def test_integer_given_as_fraction_is_truncated() -> None:
    """Coral truncates numbers (guess)."""
    assert validation.validate_request("GenerateRandom", {"NumberOfBytes": 32.9}) == {
        "NumberOfBytes": 32
    }


def test_integer_beyond_java_range_is_not_printed() -> None:
    """Athena probe: ``Value at 'maxResults'`` for 99999999999 (INFERRED)."""
    assert message_of("GenerateRandom", {"NumberOfBytes": 99999999999}) == one(
        "Value at 'numberOfBytes' failed to satisfy constraint: "
        "Member must have value less than or equal to 1024"
    )


def test_decode_params_is_lenient() -> None:
    params = {"KeyId": 5, "Plaintext": "ZGF0YQ==", "GrantTokens": "x", "Other": True}
    assert validation.decode_params("Encrypt", params) == {
        "KeyId": 5,
        "Plaintext": b"data",
        "GrantTokens": "x",
        "Other": True,
    }
    assert validation.decode_params("Encrypt", {"Plaintext": "not base64!"}) == {
        "Plaintext": "not base64!"
    }
    assert validation.decode_params("NoSuchOperation", {"A": 1}) == {"A": 1}
    assert validation.decode_params("Encrypt", ["not", "a", "dict"]) == {}


# --- type errors --------------------------------------------------------------------------


CONVERT = "{} can not be converted to {}"
MAP_START = "Start of structure or map found where not expected."
ENCRYPT = {"KeyId": "k", "Plaintext": B64}


@pytest.mark.parametrize(
    ("operation", "params", "message"),
    [
        ("GenerateRandom", {"NumberOfBytes": "32"}, CONVERT.format("STRING_VALUE", "an Integer")),
        ("GenerateRandom", {"NumberOfBytes": True}, CONVERT.format("TRUE_VALUE", "an Integer")),
        ("GenerateRandom", {"NumberOfBytes": [1]}, "Start of list found where not expected"),
        ("GenerateRandom", {"NumberOfBytes": {}}, MAP_START),
        ("DescribeKey", {"KeyId": 1}, CONVERT.format("NUMBER_VALUE", "a String")),
        ("DescribeKey", {"KeyId": False}, CONVERT.format("FALSE_VALUE", "a String")),
        ("CreateKey", {"MultiRegion": "true"}, CONVERT.format("STRING_VALUE", "an Boolean")),
        ("CreateKey", {"MultiRegion": 1}, CONVERT.format("NUMBER_VALUE", "a Boolean")),
        ("CreateKey", {"Tags": "x"}, "Expected list or null"),
        ("CreateKey", {"Tags": ["x"]}, "Expected null"),
        ("Encrypt", {**ENCRYPT, "Plaintext": 5}, CONVERT.format("NUMBER_VALUE", "a ByteBuffer")),
        ("Encrypt", {**ENCRYPT, "EncryptionContext": []}, "Expected map or null"),
        ("Encrypt", {**ENCRYPT, "EncryptionContext": {"a": 1}},
         CONVERT.format("NUMBER_VALUE", "a String")),
    ],
)  # fmt: skip
def test_wrong_json_type_is_a_serialization_exception(
    operation: str, params: dict[str, Any], message: str
) -> None:
    """Coral's texts as probed on Athena/SES (INFERRED for KMS; ByteBuffer/map: guesses)."""
    assert message_of(operation, params, "SerializationException") == message


def test_type_error_wins_over_validation_errors() -> None:
    """Deserialization fails before validation runs (Athena probe, INFERRED)."""
    params = {"KeyId": "", "Policy": "{}", "BypassPolicyLockoutSafetyCheck": "yes"}
    error = error_of("PutKeyPolicy", params)
    assert error.code == "SerializationException"


def test_unknown_members_are_not_type_checked() -> None:
    validation.validate_request("ListKeys", {"Whatever": {"deep": [1, None]}})


@pytest.mark.parametrize(
    ("body", "message"),
    [([], "Start of list found where not expected"), ("x", None), (3, None), (None, None)],
)
def test_body_that_is_not_an_object(body: object, message: str | None) -> None:
    error = error_of("ListKeys", body)
    assert (error.code, error.message) == ("SerializationException", message)
    assert validation.body_not_object_error(body).message == message


def test_unknown_operation() -> None:
    error = error_of("Frobnicate", {})
    assert error.code == "UnknownOperationException"


# --- patterns -----------------------------------------------------------------------------


def test_every_model_pattern_compiles_for_python() -> None:
    service = model.service_model()
    patterns: set[str] = set()
    for name in service.shape_names:
        pattern = service.shape_for(name).metadata.get("pattern")
        if pattern is not None:
            patterns.add(pattern)
    assert patterns
    for pattern in patterns:
        re.compile(pattern, re.ASCII)
        assert validation.compile_pattern(pattern) is validation.compile_pattern(pattern)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    pattern=st.sampled_from([POLICY_PATTERN, r"[\u0020-\u00FF]*"]),
    body=st.text(alphabet=st.characters(max_codepoint=0x110), max_size=40),
    filler=st.sampled_from(["", " " * 1100, "é" * 1100, "\t\n" * 600]),
)
def test_fast_path_agrees_with_the_regex(pattern: str, body: str, filler: str) -> None:
    value = filler + body
    expected = re.fullmatch(pattern, value, re.ASCII) is not None
    assert validation.compile_pattern(pattern)(value) is expected


# --- property: never anything but the two client errors ------------------------------------

OPERATIONS = sorted(model.operation_names())

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["", "ZGF0YQ==", "default", "SYMMETRIC_DEFAULT", "x" * 300])
)


def json_containers(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)


json_values = st.recursive(json_scalars, json_containers, max_leaves=12)


@st.composite
def member_params(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    operation = draw(st.sampled_from(OPERATIONS))
    names = sorted(model.input_member_names(operation))
    chosen = draw(st.lists(st.sampled_from(names), unique=True)) if names else []
    params = {name: draw(json_values) for name in chosen}
    return operation, params


VALIDATION_PREFIX = re.compile(r"(1 validation error|[2-9]\d* validation errors) detected: Value")


def assert_client_error_or_success(operation: str, params: object) -> None:
    failure: KMSError | None = None
    try:
        decoded = validation.validate_request(operation, params)
    except KMSError as error:
        failure = error
    if failure is None:
        assert isinstance(decoded, dict)
        return
    assert failure.code in ("ValidationException", "SerializationException"), failure
    if failure.code == "ValidationException":
        assert VALIDATION_PREFIX.match(failure.message or ""), failure


@settings(max_examples=300, deadline=None)
@given(operation=st.sampled_from(OPERATIONS), params=json_values)
def test_arbitrary_json_never_crashes(operation: str, params: object) -> None:
    assert_client_error_or_success(operation, params)


@settings(max_examples=400, deadline=None)
@given(case=member_params())
def test_arbitrary_member_values_never_crash(case: tuple[str, dict[str, Any]]) -> None:
    operation, params = case
    assert_client_error_or_success(operation, params)
    validation.decode_params(operation, params)


# --- through botocore ----------------------------------------------------------------------


def test_botocore_receives_aws_shaped_validation_errors(fake_kms: Any) -> None:
    """End to end: botocore leaves max length and patterns to the server (kms-facts §1.1)."""
    boto3 = pytest.importorskip("boto3")
    from botocore.config import Config

    kms = boto3.client(
        "kms",
        region_name="us-east-1",
        aws_access_key_id="AKIAEXAMPLEEXAMPLE00",
        aws_secret_access_key="secret",
        config=Config(retries={"max_attempts": 1}),
    )
    with pytest.raises(kms.exceptions.ClientError) as caught:
        kms.put_key_policy(KeyId=KEY_ID, PolicyName="foo-bar", Policy="{}")
    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert error["Message"] == one(
        "Value 'foo-bar' at 'policyName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [\\w]+"
    )
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
