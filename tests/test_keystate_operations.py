"""The key-state table, cell by cell, against every implemented key-scoped operation
(issue #3 point 6): for each operation and each of the eight states, a real boto3 call
gets exactly the table's outcome: the error code and message it names, or no state error.

Each operation needs a small recipe for a valid request below; an implemented key-scoped
operation without one fails ``test_every_implemented_operation_has_a_recipe``, so new
operations cannot slip past the table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from pytest_fakekms import KeyState
from pytest_fakekms.crypto.wrapping import wrap_key_material
from pytest_fakekms.domain.keystates import KEY_SCOPED, Outcome, cell
from pytest_fakekms.operations import load_all
from pytest_fakekms.operations.base import OPERATIONS

Recipe = Callable[[Any, Any, str], dict[str, Any]]


def _plain(kms: Any, fake: Any, key_id: str) -> dict[str, Any]:
    return {"KeyId": key_id}


def _alias(kms: Any, fake: Any, key_id: str) -> dict[str, Any]:
    return {"AliasName": "alias/state-test", "TargetKeyId": key_id}


def _update_alias(kms: Any, fake: Any, key_id: str) -> dict[str, Any]:
    other = fake.create_key().key_id
    kms.create_alias(AliasName="alias/state-test", TargetKeyId=other)
    return {"AliasName": "alias/state-test", "TargetKeyId": key_id}


def _symmetric_blob(kms: Any, fake: Any, key_id: str) -> dict[str, Any]:
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    return {"CiphertextBlob": blob, "KeyId": key_id}


def _re_encrypt(kms: Any, fake: Any, key_id: str) -> dict[str, Any]:
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    return {"CiphertextBlob": blob, "DestinationKeyId": fake.create_key().key_id}


def _delete_alias(kms: Any, fake: Any, key_id: str) -> dict[str, Any]:
    kms.create_alias(AliasName="alias/state-test", TargetKeyId=key_id)
    return {"AliasName": "alias/state-test"}


def _peer(kms: Any, fake: Any) -> bytes:
    peer = fake.create_key(key_spec="ECC_NIST_P256", key_usage="KEY_AGREEMENT").key_id
    return bytes(kms.get_public_key(KeyId=peer)["PublicKey"])


_GRANTEE = "arn:aws:iam::123456789012:role/grantee"
_ML_KEM = {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE"}


def _grant(kms: Any, key_id: str) -> dict[str, Any]:
    return dict(
        kms.create_grant(KeyId=key_id, GranteePrincipal=_GRANTEE, Operations=["DescribeKey"])
    )


_EXTERNAL = {"Origin": "EXTERNAL"}
_WRAPPING = {"WrappingAlgorithm": "RSAES_OAEP_SHA_256", "WrappingKeySpec": "RSA_2048"}


def _import_params(kms: Any, fake: Any, key_id: str) -> dict[str, Any]:
    """An ImportKeyMaterial request for the key, made while it is still PendingImport."""
    parameters = kms.get_parameters_for_import(KeyId=key_id, **_WRAPPING)
    wrapped = wrap_key_material(parameters["PublicKey"], _WRAPPING["WrappingAlgorithm"], b"k" * 32)
    return {
        "KeyId": key_id,
        "ImportToken": parameters["ImportToken"],
        "EncryptedKeyMaterial": wrapped,
        "ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE",
    }


def _imported(kms: Any, fake: Any, key_id: str) -> dict[str, Any]:
    """A key with imported material, for DeleteImportedKeyMaterial."""
    kms.import_key_material(**_import_params(kms, fake, key_id))
    return {"KeyId": key_id}


RECIPES: dict[str, tuple[dict[str, Any], Recipe]] = {
    "DeleteAlias": ({}, _delete_alias),
    "ListAliases": ({}, _plain),
    "PutKeyPolicy": ({}, lambda k, f, i: {"KeyId": i, "Policy": f.key(i).policy_text}),
    "GetKeyPolicy": ({}, _plain),
    "ListKeyPolicies": ({}, _plain),
    "DescribeKey": ({}, _plain),
    "GetKeyLastUsage": ({}, _plain),
    "EnableKey": ({}, _plain),
    "DisableKey": ({}, _plain),
    "ScheduleKeyDeletion": ({}, lambda k, f, i: {"KeyId": i, "PendingWindowInDays": 7}),
    "CancelKeyDeletion": ({}, _plain),
    "UpdateKeyDescription": ({}, lambda k, f, i: {"KeyId": i, "Description": "d"}),
    "CreateAlias": ({}, _alias),
    "UpdateAlias": ({}, _update_alias),
    "TagResource": ({}, lambda k, f, i: {"KeyId": i, "Tags": [{"TagKey": "a", "TagValue": "b"}]}),
    "UntagResource": ({}, lambda k, f, i: {"KeyId": i, "TagKeys": ["a"]}),
    "ListResourceTags": ({}, _plain),
    "Encrypt": ({}, lambda k, f, i: {"KeyId": i, "Plaintext": b"x"}),
    "Decrypt": ({}, _symmetric_blob),
    "ReEncrypt": ({}, _re_encrypt),
    "GenerateDataKey": ({}, lambda k, f, i: {"KeyId": i, "KeySpec": "AES_256"}),
    "GenerateDataKeyWithoutPlaintext": ({}, lambda k, f, i: {"KeyId": i, "NumberOfBytes": 16}),
    "GenerateDataKeyPair": (
        {"KeySpec": "SYMMETRIC_DEFAULT"},
        lambda k, f, i: {"KeyId": i, "KeyPairSpec": "ECC_NIST_P256"},
    ),
    "GenerateDataKeyPairWithoutPlaintext": (
        {},
        lambda k, f, i: {"KeyId": i, "KeyPairSpec": "ECC_NIST_P256"},
    ),
    "GetPublicKey": ({"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"}, _plain),
    "Sign": (
        {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"},
        lambda k, f, i: {"KeyId": i, "Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"},
    ),
    "Verify": (
        {"KeySpec": "ECC_NIST_P256", "KeyUsage": "SIGN_VERIFY"},
        lambda k, f, i: {
            "KeyId": i,
            "Message": b"m",
            "Signature": b"\x30\x06\x02\x01\x01\x02\x01\x01",
            "SigningAlgorithm": "ECDSA_SHA_256",
        },
    ),
    "GenerateMac": (
        {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
        lambda k, f, i: {"KeyId": i, "Message": b"m", "MacAlgorithm": "HMAC_SHA_256"},
    ),
    "DeriveSharedSecret": (
        {"KeySpec": "ECC_NIST_P256", "KeyUsage": "KEY_AGREEMENT"},
        lambda k, f, i: {"KeyId": i, "KeyAgreementAlgorithm": "ECDH", "PublicKey": _peer(k, f)},
    ),
    "Encapsulate": (
        _ML_KEM,
        lambda k, f, i: {"KeyId": i, "EncapsulationAlgorithm": "ML_KEM"},
    ),
    "Decapsulate": (
        _ML_KEM,
        lambda k, f, i: {
            "KeyId": i,
            "EncapsulationAlgorithm": "ML_KEM",
            "SharedSecretCiphertextBlob": b"0" * 1088,  # ML-KEM-768's length
        },
    ),
    "VerifyMac": (
        {"KeySpec": "HMAC_256", "KeyUsage": "GENERATE_VERIFY_MAC"},
        lambda k, f, i: {
            "KeyId": i,
            "Message": b"m",
            "Mac": b"0" * 32,
            "MacAlgorithm": "HMAC_SHA_256",
        },
    ),
    "CreateGrant": (
        {},
        lambda k, f, i: {"KeyId": i, "GranteePrincipal": _GRANTEE, "Operations": ["Decrypt"]},
    ),
    "ListGrants": ({}, _plain),
    "RetireGrant": ({}, lambda k, f, i: {"GrantToken": _grant(k, i)["GrantToken"]}),
    "RevokeGrant": ({}, lambda k, f, i: {"KeyId": i, "GrantId": _grant(k, i)["GrantId"]}),
    "EnableKeyRotation": ({}, lambda k, f, i: {"KeyId": i, "RotationPeriodInDays": 90}),
    "DisableKeyRotation": ({}, _plain),
    "GetKeyRotationStatus": ({}, _plain),
    "RotateKeyOnDemand": ({}, _plain),
    "ListKeyRotations": ({}, _plain),
    "GetParametersForImport": (_EXTERNAL, lambda k, f, i: {"KeyId": i, **_WRAPPING}),
    "ImportKeyMaterial": (_EXTERNAL, _import_params),
    "DeleteImportedKeyMaterial": (_EXTERNAL, _imported),
}

load_all()
IMPLEMENTED = sorted(op for op in OPERATIONS if op in KEY_SCOPED)


def test_every_implemented_operation_has_a_recipe() -> None:
    assert [op for op in IMPLEMENTED if op not in RECIPES] == []


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


@pytest.mark.parametrize("state", list(KeyState), ids=str)
@pytest.mark.parametrize("operation", IMPLEMENTED)
def test_cell(kms: Any, fake_kms: Any, operation: str, state: KeyState) -> None:
    if operation not in kms.meta.service_model.operation_names:
        pytest.skip(f"this botocore has no {operation} (botocore 1.44 brought it)")
    key_args, recipe = RECIPES[operation]
    spec = {k.lower().replace("keyspec", "key_spec").replace("keyusage", "key_usage"): v
            for k, v in key_args.items()}  # fmt: skip
    key = fake_kms.create_key(**spec)
    params = recipe(kms, fake_kms, key.key_id)
    fake_kms.set_key_state(key.key_id, state)
    expected = cell(operation, state)
    call = getattr(kms, _snake(operation))
    if expected.rejects:  # REJECTED, and NOT_APPLICABLE (the state's usual error)
        with pytest.raises(kms.exceptions.ClientError) as raised:
            call(**params)
        error = raised.value.response["Error"]
        assert (error["Code"], error["Message"]) == (expected.code, expected.error(key.arn).message)
        return
    try:
        call(**params)
    except kms.exceptions.ClientError as raised:  # other checks may refuse; never the state
        error = raised.response["Error"]
        if expected.outcome is Outcome.CONDITIONAL and expected.code is not None:
            # e.g. footnote [10]: UpdateAlias refuses a destination key pending deletion.
            assert (error["Code"], error["Message"]) == (
                expected.code,
                expected.error(key.arn).message,
            )
            return
        assert error["Code"] not in {"KMSInvalidStateException", "DisabledException"}, error
