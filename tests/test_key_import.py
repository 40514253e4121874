"""Imported key material through real boto3 clients: GetParametersForImport,
ImportKeyMaterial and DeleteImportedKeyMaterial, cryptography with imported material,
expiry on the virtual clock, and persistence.

Oracles are the AWS recordings in shared/data/aws-recorded (``recorded(...)``) and the
texts kms-facts §3.2 marks VERIFIED; the fake's own wordings are imported, not copied."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
from typing import Any

import boto3
import pytest
from conftest import ACCOUNT, REGION, error_of, recorded
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import load_der_public_key

from pytest_fakekms import FakeKMS, KeyState
from pytest_fakekms.crypto import ecdsa_pool
from pytest_fakekms.crypto.wrapping import ALGORITHMS, wrap_key_material
from pytest_fakekms.operations import key_import
from pytest_fakekms.persistence import dump_state, load_state

ARN_PREFIX = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/"
OAEP_256 = "RSAES_OAEP_SHA_256"
AES_WRAP_256 = "RSA_AES_KEY_WRAP_SHA_256"
NO_EXPIRY = {"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}
CURVES = {
    "ECC_NIST_P256": ec.SECP256R1(),
    "ECC_NIST_P384": ec.SECP384R1(),
    "ECC_NIST_P521": ec.SECP521R1(),
    "ECC_SECG_P256K1": ec.SECP256K1(),
}


def _arn(key_id: str) -> str:
    return ARN_PREFIX + key_id


def _aws_text(template: str, key_id: str) -> str:
    """A recorded message with its placeholders filled in for this key."""
    arn = _arn(key_id)
    return template.replace("<key-arn>", arn).replace(
        "arn:<partition>:kms:<region>:111111111111:key/<key-id:1>", arn
    )


def _oracle(test: str, entry: str) -> dict[str, Any]:
    return recorded(f"TestKMS::{test}", entry)


def _shape(response: dict[str, Any]) -> set[str]:
    return set(response) - {"ResponseMetadata"}


def _external_key(kms: Any, **params: Any) -> str:
    return str(kms.create_key(Origin="EXTERNAL", **params)["KeyMetadata"]["KeyId"])


def _import(
    kms: Any, key_id: str, material: bytes, algorithm: str = OAEP_256, **extra: Any
) -> dict[str, Any]:
    """GetParametersForImport, wrap ``material`` as a client would, ImportKeyMaterial."""
    parameters = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec="RSA_2048"
    )
    wrapped = wrap_key_material(parameters["PublicKey"], algorithm, material)
    options = extra or NO_EXPIRY
    return dict(
        kms.import_key_material(
            KeyId=key_id,
            ImportToken=parameters["ImportToken"],
            EncryptedKeyMaterial=wrapped,
            **options,
        )
    )


def _der(private_key: Any) -> bytes:
    return bytes(
        private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )


# --- GetParametersForImport ------------------------------------------------------------


@pytest.mark.parametrize("wrapping_key_spec", ["RSA_2048", "RSA_3072"])
def test_parameters_match_the_recorded_shape(
    kms: Any, fake_kms: Any, wrapping_key_spec: str
) -> None:
    """aws-recorded test_rotate_key_on_demand_updates_current_key_material_for_external_keys
    "get-import-parameters-response"; 24 hours (botocore model docs)."""
    oracle = _oracle(
        "test_rotate_key_on_demand_updates_current_key_material_for_external_keys",
        "get-import-parameters-response",
    )
    key_id = _external_key(kms)
    response = kms.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm=OAEP_256, WrappingKeySpec=wrapping_key_spec
    )
    assert _shape(response) == _shape(oracle)
    assert response["KeyId"] == _arn(key_id)
    assert response["ParametersValidTo"] == fake_kms.clock.now() + dt.timedelta(hours=24)
    public_key = load_der_public_key(response["PublicKey"])
    assert isinstance(public_key, rsa.RSAPublicKey)
    assert public_key.key_size == int(wrapping_key_spec[4:])


@pytest.mark.parametrize(
    ("test", "entry"),
    [
        ("test_get_parameters_for_import", "response-error"),
        (
            "test_get_parameters_for_import_raises_for_non_external_kms_keys",
            "get-import-parameters-error",
        ),
    ],
)
def test_parameters_for_an_aws_kms_key_are_refused(
    kms: Any, key_id: str, test: str, entry: str
) -> None:
    oracle = _oracle(test, entry)["Error"]
    with pytest.raises(kms.exceptions.UnsupportedOperationException) as raised:
        kms.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm=OAEP_256, WrappingKeySpec="RSA_2048"
        )
    assert error_of(raised) == (oracle["Code"], _aws_text(oracle["Message"], key_id), 400)


@pytest.mark.parametrize("algorithm", ["RSAES_PKCS1_V1_5", "SM2PKE"])
def test_unsupported_wrapping_algorithms_are_refused(kms: Any, algorithm: str) -> None:
    """RSAES_PKCS1_V1_5 "KMS does not support" since 2023 (model docs); SM2 is China-only."""
    key_id = _external_key(kms)
    with pytest.raises(kms.exceptions.UnsupportedOperationException):
        kms.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec="RSA_2048"
        )


# --- symmetric keys ----------------------------------------------------------------------


def test_symmetric_import_follows_the_recording(kms: Any) -> None:
    """aws-recorded test_import_key_symmetric, step by step."""
    test = "test_import_key_symmetric"
    key_id = _external_key(kms, Description="imported")
    before = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert _shape(before) == _shape(_oracle(test, "describe-key-before-import")["KeyMetadata"])
    with pytest.raises(kms.exceptions.KMSInvalidStateException) as raised:
        kms.encrypt(KeyId=key_id, Plaintext=b"x")
    oracle = _oracle(test, "encrypt-before-import-error")["Error"]
    assert error_of(raised)[1] == _aws_text(oracle["Message"], key_id)

    material = os.urandom(32)
    with pytest.raises(kms.exceptions.ClientError) as raised:
        _import(kms, key_id, material, ExpirationModel="KEY_MATERIAL_EXPIRES")
    oracle = _oracle(test, "import-expiring-key-without-valid-to")["Error"]
    assert error_of(raised)[:2] == (oracle["Code"], oracle["Message"])

    imported = _import(kms, key_id, material)
    after = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    expected = _oracle(test, "describe-key-after-import")["KeyMetadata"]
    assert _shape(after) == _shape(expected)
    assert (after["KeyState"], after["Enabled"]) == ("Enabled", True)
    assert after["ExpirationModel"] == expected["ExpirationModel"]
    assert after["CurrentKeyMaterialId"] == imported["KeyMaterialId"]
    assert imported["KeyId"] == _arn(key_id)

    kms.delete_imported_key_material(KeyId=key_id)
    deleted = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    expected = _oracle(test, "describe-key-after-deleted-import")["KeyMetadata"]
    assert _shape(deleted) == _shape(expected)
    assert (deleted["KeyState"], deleted["Enabled"]) == ("PendingImport", False)
    assert deleted["CurrentKeyMaterialId"] == imported["KeyMaterialId"]
    with pytest.raises(kms.exceptions.KMSInvalidStateException) as raised:
        kms.encrypt(KeyId=key_id, Plaintext=b"x")
    oracle = _oracle(test, "encrypt-after-delete-error")["Error"]
    assert error_of(raised)[1] == _aws_text(oracle["Message"], key_id)


@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_imported_symmetric_material_round_trips(kms: Any, algorithm: str) -> None:
    key_id = _external_key(kms)
    imported = _import(kms, key_id, os.urandom(32), algorithm)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    decrypted = kms.decrypt(CiphertextBlob=blob)
    assert decrypted["Plaintext"] == b"secret"
    assert decrypted["KeyMaterialId"] == imported["KeyMaterialId"]


def test_ciphertexts_decrypt_again_after_the_same_material_is_reimported(kms: Any) -> None:
    key_id = _external_key(kms)
    material = os.urandom(32)
    first = _import(kms, key_id, material)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"kept")["CiphertextBlob"]
    deleted = kms.delete_imported_key_material(KeyId=key_id)
    assert (deleted["KeyId"], deleted["KeyMaterialId"]) == (_arn(key_id), first["KeyMaterialId"])
    with pytest.raises(kms.exceptions.KMSInvalidStateException):
        kms.decrypt(CiphertextBlob=blob)
    again = _import(kms, key_id, material, AES_WRAP_256)
    assert again["KeyMaterialId"] == first["KeyMaterialId"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"kept"


def test_different_material_is_refused_after_a_deletion(kms: Any) -> None:
    """BC IncorrectKeyMaterialException: "not the same key material that was previously
    imported"; the text is ours."""
    key_id = _external_key(kms)
    _import(kms, key_id, os.urandom(32))
    kms.delete_imported_key_material(KeyId=key_id)
    with pytest.raises(kms.exceptions.IncorrectKeyMaterialException) as raised:
        _import(kms, key_id, os.urandom(32))
    assert error_of(raised)[1] == key_import.NOT_THE_SAME.format(arn=_arn(key_id))
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_reimporting_the_same_material_updates_the_expiration(kms: Any, fake_kms: Any) -> None:
    key_id = _external_key(kms)
    material = os.urandom(32)
    _import(kms, key_id, material)
    # botocore sends whole seconds
    valid_to = (fake_kms.clock.now() + dt.timedelta(days=30)).replace(microsecond=0)
    _import(kms, key_id, material, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert (metadata["ExpirationModel"], metadata["ValidTo"]) == ("KEY_MATERIAL_EXPIRES", valid_to)
    assert metadata["KeyState"] == "Enabled"


@pytest.mark.parametrize(("first_days", "then_days"), [(7, 30), (30, 7)], ids=["later", "earlier"])
def test_a_reimport_moves_the_expiry_either_way(
    kms: Any, fake_kms: Any, first_days: int, then_days: int
) -> None:
    """The clock's schedule keeps one date per key (domain/schedule.py): a re-import with
    a later ValidTo must not expire at the old one, one with an earlier ValidTo must
    expire at the new one."""
    key_id = _external_key(kms)
    material = os.urandom(32)
    start = fake_kms.clock.now().replace(microsecond=0)
    for days in (first_days, then_days):
        valid_to = start + dt.timedelta(days=days)
        _import(kms, key_id, material, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
    fake_kms.clock.advance_to(start + dt.timedelta(days=then_days, seconds=-1))
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    fake_kms.clock.advance(seconds=1)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


@pytest.mark.parametrize("size", [16, 31, 33, 64])
def test_symmetric_material_must_be_32_bytes(kms: Any, size: int) -> None:
    key_id = _external_key(kms)
    with pytest.raises(kms.exceptions.IncorrectKeyMaterialException):
        _import(kms, key_id, os.urandom(size))
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_new_key_material_for_rotation_is_not_implemented(kms: Any) -> None:
    key_id = _external_key(kms)
    _import(kms, key_id, os.urandom(32))
    with pytest.raises(kms.exceptions.UnsupportedOperationException) as raised:
        _import(kms, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL", **NO_EXPIRY)
    assert error_of(raised)[1] == key_import.NEW_MATERIAL_UNSUPPORTED.format(arn=_arn(key_id))


def test_a_key_material_id_must_match_the_material(kms: Any) -> None:
    key_id = _external_key(kms)
    material = os.urandom(32)
    material_id = _import(kms, key_id, material)["KeyMaterialId"]
    _import(kms, key_id, material, KeyMaterialId=material_id, **NO_EXPIRY)
    with pytest.raises(kms.exceptions.IncorrectKeyMaterialException):
        _import(kms, key_id, material, KeyMaterialId="0" * 64, **NO_EXPIRY)


# --- asymmetric and HMAC keys --------------------------------------------------------------


@pytest.mark.parametrize("key_spec", sorted(CURVES))
def test_imported_ecc_keys_sign_with_the_imported_private_key(kms: Any, key_spec: str) -> None:
    """aws-recorded test_import_key_ecc_keys[<spec>]: metadata before and after, no
    CurrentKeyMaterialId; RSA_AES_KEY_WRAP as the model prescribes for private keys."""
    test = f"test_import_key_ecc_keys[{key_spec}]"
    private_key = ec.generate_private_key(CURVES[key_spec])
    key_id = _external_key(kms, KeySpec=key_spec, KeyUsage="SIGN_VERIFY")
    imported = _import(kms, key_id, _der(private_key), AES_WRAP_256)
    assert _shape(imported) == {"KeyId"}
    after = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert _shape(after) == _shape(_oracle(test, "describe-key-after-import")["KeyMetadata"])
    algorithm = after["SigningAlgorithms"][0]
    signature = kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm=algorithm)["Signature"]
    digest = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}
    private_key.public_key().verify(signature, b"m", ec.ECDSA(digest[algorithm[-3:]]))
    # Material a test brings never signs with the nonce pool (crypto/ecdsa_pool.py), whose
    # nonces everyone knows: a pooled signature would give the imported private key away.
    entries, width, count = ecdsa_pool._pool()[key_spec]
    pooled = {entries[i * width : (i + 1) * width] for i in range(count)}
    assert decode_dss_signature(signature)[0].to_bytes(width, "big") not in pooled
    kms.delete_imported_key_material(KeyId=key_id)
    deleted = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    expected = _oracle(test, "describe-key-after-deleted-import")["KeyMetadata"]
    assert _shape(deleted) == _shape(expected)


def test_an_rsa_key_imports_with_aes_key_wrap(kms: Any) -> None:
    """aws-recorded test_import_key_rsa_aes_wrap_sha256 (an RSA_4096 key there; RSA_2048
    here to keep the suite fast: the metadata members are the same)."""
    oracle = _oracle("test_import_key_rsa_aes_wrap_sha256", "import-key-material-response")
    private_key = rsa.generate_private_key(65537, 2048)
    key_id = _external_key(kms, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    _import(kms, key_id, _der(private_key), AES_WRAP_256)
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert _shape(metadata) == _shape(oracle["KeyMetadata"])
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"p", EncryptionAlgorithm="RSAES_OAEP_SHA_256")
    pad = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert private_key.decrypt(blob["CiphertextBlob"], pad) == b"p"


def test_a_private_key_of_another_spec_is_refused(kms: Any) -> None:
    key_id = _external_key(kms, KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")
    other = _der(ec.generate_private_key(ec.SECP384R1()))
    with pytest.raises(kms.exceptions.IncorrectKeyMaterialException):
        _import(kms, key_id, other, AES_WRAP_256)


@pytest.mark.parametrize("key_spec", ["HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512"])
def test_imported_hmac_keys_mac_with_the_imported_key(kms: Any, key_spec: str) -> None:
    """aws-recorded test_import_key_hmac_keys[<spec>]: metadata and GenerateMac/VerifyMac."""
    test = f"test_import_key_hmac_keys[{key_spec}]"
    secret = os.urandom(int(key_spec[-3:]) // 8)
    key_id = _external_key(kms, KeySpec=key_spec, KeyUsage="GENERATE_VERIFY_MAC")
    _import(kms, key_id, secret)
    after = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert _shape(after) == _shape(_oracle(test, "describe-key-after-import")["KeyMetadata"])
    algorithm = after["MacAlgorithms"][0]
    mac = kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm=algorithm)
    assert _shape(mac) == _shape(_oracle(test, "generate-mac-response"))
    expected = hmac.new(secret, b"m", getattr(hashlib, f"sha{key_spec[-3:]}")).digest()
    assert mac["Mac"] == expected
    kms.delete_imported_key_material(KeyId=key_id)
    deleted = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert _shape(deleted) == _shape(
        _oracle(test, "describe-key-after-deleted-import")["KeyMetadata"]
    )


def test_hmac_material_must_have_the_specs_length(kms: Any) -> None:
    key_id = _external_key(kms, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    with pytest.raises(kms.exceptions.IncorrectKeyMaterialException):
        _import(kms, key_id, os.urandom(16))


def test_symmetric_only_members_are_refused_for_other_keys(kms: Any) -> None:
    key_id = _external_key(kms, KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    with pytest.raises(kms.exceptions.ClientError) as raised:
        _import(kms, key_id, os.urandom(32), ImportType="NEW_KEY_MATERIAL", **NO_EXPIRY)
    expected = key_import.SYMMETRIC_ONLY.format(member="ImportType")
    assert error_of(raised)[:2] == ("ValidationException", expected)


# --- tokens, wrapping and expiration -------------------------------------------------------


def _parameters(kms: Any, key_id: str, algorithm: str = OAEP_256) -> dict[str, Any]:
    return dict(
        kms.get_parameters_for_import(
            KeyId=key_id, WrappingAlgorithm=algorithm, WrappingKeySpec="RSA_2048"
        )
    )


def test_a_token_of_another_key_is_invalid(kms: Any) -> None:
    key_id, other = _external_key(kms), _external_key(kms)
    parameters = _parameters(kms, other)
    wrapped = wrap_key_material(parameters["PublicKey"], OAEP_256, os.urandom(32))
    with pytest.raises(kms.exceptions.InvalidImportTokenException) as raised:
        kms.import_key_material(
            KeyId=key_id,
            ImportToken=parameters["ImportToken"],
            EncryptedKeyMaterial=wrapped,
            **NO_EXPIRY,
        )
    assert error_of(raised)[1] == key_import.INVALID_TOKEN.format(arn=_arn(key_id))


def test_a_token_expires_after_24_hours(kms: Any, fake_kms: Any) -> None:
    key_id = _external_key(kms)
    parameters = _parameters(kms, key_id)
    wrapped = wrap_key_material(parameters["PublicKey"], OAEP_256, os.urandom(32))
    fake_kms.clock.advance(hours=24)
    with pytest.raises(kms.exceptions.ExpiredImportTokenException):
        kms.import_key_material(
            KeyId=key_id,
            ImportToken=parameters["ImportToken"],
            EncryptedKeyMaterial=wrapped,
            **NO_EXPIRY,
        )


def test_material_wrapped_with_another_algorithm_does_not_unwrap(kms: Any) -> None:
    key_id = _external_key(kms)
    parameters = _parameters(kms, key_id)
    wrapped = wrap_key_material(parameters["PublicKey"], "RSAES_OAEP_SHA_1", os.urandom(32))
    with pytest.raises(kms.exceptions.InvalidCiphertextException) as raised:
        kms.import_key_material(
            KeyId=key_id,
            ImportToken=parameters["ImportToken"],
            EncryptedKeyMaterial=wrapped,
            **NO_EXPIRY,
        )
    assert error_of(raised)[1] == key_import.CANNOT_UNWRAP


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({**NO_EXPIRY, "ValidTo": dt.timedelta(days=1)}, key_import.VALID_TO_NOT_ALLOWED),
        ({"ValidTo": dt.timedelta(days=-1)}, key_import.VALID_TO_OUT_OF_RANGE),
        ({"ValidTo": dt.timedelta(days=366)}, key_import.VALID_TO_OUT_OF_RANGE),
    ],
)
def test_invalid_expirations_are_refused(
    kms: Any, fake_kms: Any, options: dict[str, Any], message: str
) -> None:
    """BC ValidTo: "required when ... KEY_MATERIAL_EXPIRES. Otherwise it is not valid",
    a future date at most 365 days ahead; the texts are ours."""
    options = {**options, "ValidTo": fake_kms.clock.now() + options["ValidTo"]}
    key_id = _external_key(kms)
    with pytest.raises(kms.exceptions.ClientError) as raised:
        _import(kms, key_id, os.urandom(32), **options)
    assert error_of(raised)[:2] == ("ValidationException", message)


def test_material_expires_on_the_virtual_clock(kms: Any, fake_kms: Any) -> None:
    """BC ValidTo: "When the key material expires, KMS deletes the key material"."""
    key_id = _external_key(kms)
    material = os.urandom(32)
    valid_to = fake_kms.clock.now() + dt.timedelta(days=7)
    _import(kms, key_id, material, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    fake_kms.clock.advance(days=6)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
    fake_kms.clock.advance(days=1)
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert metadata["KeyState"] == "PendingImport"
    assert "ExpirationModel" not in metadata
    assert "ValidTo" not in metadata
    with pytest.raises(kms.exceptions.KMSInvalidStateException):
        kms.decrypt(CiphertextBlob=blob)
    _import(kms, key_id, material)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


# --- DeleteImportedKeyMaterial ---------------------------------------------------------------


def test_deleting_from_an_aws_kms_key_is_refused(kms: Any, key_id: str) -> None:
    """Footnote [9]; the text is the VERIFIED GetParametersForImport one, INFERRED here."""
    with pytest.raises(kms.exceptions.UnsupportedOperationException) as raised:
        kms.delete_imported_key_material(KeyId=key_id)
    expected = key_import.ORIGIN_NOT_VALID.format(arn=_arn(key_id), origin="AWS_KMS")
    assert error_of(raised)[1] == expected


def test_deleting_from_a_pending_import_key_has_no_effect(kms: Any) -> None:
    key_id = _external_key(kms)
    assert kms.delete_imported_key_material(KeyId=key_id)["KeyId"] == _arn(key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingImport"


def test_a_key_pending_deletion_stays_pending_deletion(kms: Any) -> None:
    """BC DeleteImportedKeyMaterial: "When the specified KMS key is in the PendingDeletion
    state, this operation does not change the KMS key's state"."""
    key_id = _external_key(kms)
    _import(kms, key_id, os.urandom(32))
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    kms.delete_imported_key_material(KeyId=key_id)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "PendingDeletion"


def test_an_unknown_key_material_id_is_not_found(kms: Any) -> None:
    key_id = _external_key(kms)
    _import(kms, key_id, os.urandom(32))
    with pytest.raises(kms.exceptions.NotFoundException):
        kms.delete_imported_key_material(KeyId=key_id, KeyMaterialId="0" * 64)
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"


def test_seeded_state_and_imported_material(fake_kms: Any, kms: Any) -> None:
    key = fake_kms.create_key(origin="EXTERNAL")
    assert key.state is KeyState.PENDING_IMPORT
    _import(kms, key.key_id, os.urandom(32))
    assert fake_kms.key(key.key_id).state is KeyState.ENABLED


# --- persistence ---------------------------------------------------------------------------


def test_imported_material_survives_a_save_and_load() -> None:
    material = os.urandom(32)
    with FakeKMS() as before:
        kms = boto3.client("kms", region_name=REGION)
        key_id = _external_key(kms)
        valid_to = before.clock.now() + dt.timedelta(days=30)
        _import(kms, key_id, material, ExpirationModel="KEY_MATERIAL_EXPIRES", ValidTo=valid_to)
        blob = kms.encrypt(KeyId=key_id, Plaintext=b"saved")["CiphertextBlob"]
        metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
        saved = json.loads(json.dumps(dump_state(before)))

    after = FakeKMS()
    load_state(saved, after)
    with after:
        kms = boto3.client("kms", region_name=REGION)
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"] == metadata
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"saved"
        kms.delete_imported_key_material(KeyId=key_id)
        with pytest.raises(kms.exceptions.IncorrectKeyMaterialException):
            _import(kms, key_id, os.urandom(32))  # the imported material's id was kept
        _import(kms, key_id, material)
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"saved"
        after.clock.advance(days=31)  # the new import does not expire
        assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Enabled"
