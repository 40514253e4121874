"""Encrypt, Decrypt and ReEncrypt through real boto3 clients, symmetric and RSA, and every
data operation refused in each unusable key state with AWS's code and message.

Recorded AWS answers are cited by their aws-recorded snapshot entry names."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from conftest import ACCOUNT, REGION, error_of, recorded
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography_helpers import assert_wire_valid

from pytest_fakekms.errors import INCORRECT_KEY_MESSAGE

RSA_CASES = [
    (spec, algorithm)
    for spec in ("RSA_2048", "RSA_3072", "RSA_4096")
    for algorithm in ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
]
OAEP_HASH = {"RSAES_OAEP_SHA_1": hashes.SHA1, "RSAES_OAEP_SHA_256": hashes.SHA256}


def arn_of(key_id: str) -> str:
    return f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{key_id}"


def fails(kms: Any, call: Callable[..., Any], **params: Any) -> tuple[str, str, int]:
    with pytest.raises(kms.exceptions.ClientError) as raised:
        call(**params)
    return error_of(raised)


def oaep(algorithm: str) -> padding.OAEP:
    digest = OAEP_HASH[algorithm]()
    return padding.OAEP(mgf=padding.MGF1(digest), algorithm=digest, label=None)


# --- symmetric ---------------------------------------------------------------------------


def test_encrypt_answers_exactly_the_model_members(kms: Any, fake_kms: Any, key_id: str) -> None:
    """aws-recorded test_encrypt_decrypt_encryption_context "encrypt_response": CiphertextBlob,
    EncryptionAlgorithm, KeyId; KeyId is the key ARN (Encrypt docs)."""
    response = kms.encrypt(KeyId=key_id, Plaintext=b"secret")
    assert set(response) - {"ResponseMetadata"} == {
        "CiphertextBlob",
        "KeyId",
        "EncryptionAlgorithm",
    }
    assert response["KeyId"] == arn_of(key_id)
    assert response["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert_wire_valid(fake_kms, "Encrypt")


def test_decrypt_finds_the_key_in_the_blob(kms: Any, fake_kms: Any, key_id: str) -> None:
    """Decrypt needs no KeyId for symmetric ciphertext; the response has KeyMaterialId since
    2025 (aws-recorded test_encrypt_decrypt_encryption_context "decrypt_response_with_...")."""
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    response = kms.decrypt(CiphertextBlob=blob)
    assert_wire_valid(fake_kms, "Decrypt")
    assert response["Plaintext"] == b"secret"
    assert response["KeyId"] == arn_of(key_id)
    assert response["EncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    metadata = kms.describe_key(KeyId=key_id)["KeyMetadata"]
    assert response["KeyMaterialId"] == metadata["CurrentKeyMaterialId"]
    assert fake_kms.calls.filter("Decrypt").last.key_id == key_id


@pytest.mark.parametrize("size", [1, 17, 4096])
def test_round_trip_sizes(kms: Any, key_id: str, size: int) -> None:
    plaintext = bytes(range(256)) * (size // 256) + bytes(size % 256)
    blob = kms.encrypt(KeyId=key_id, Plaintext=plaintext)["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, KeyId=key_id)["Plaintext"] == plaintext


def test_every_key_id_form_encrypts(kms: Any, key_id: str) -> None:
    """LocalStack's aws-validated test_all_types_of_key_id_can_be_used_for_encryption."""
    kms.create_alias(AliasName="alias/app", TargetKeyId=key_id)
    alias_arn = f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/app"
    for form in (key_id, arn_of(key_id), "alias/app", alias_arn):
        response = kms.encrypt(KeyId=form, Plaintext=b"x")
        assert response["KeyId"] == arn_of(key_id), form
        assert kms.decrypt(CiphertextBlob=response["CiphertextBlob"])["Plaintext"] == b"x"


def test_unknown_alias_is_not_found(kms: Any) -> None:
    code, message, _ = fails(kms, kms.encrypt, KeyId="alias/none", Plaintext=b"x")
    assert (code, message) == (
        "NotFoundException",
        f"Alias arn:aws:kms:{REGION}:{ACCOUNT}:alias/none is not found.",
    )


def test_contexts_are_not_interchangeable(kms: Any, key_id: str) -> None:
    """{"ab": "c"} and {"a": "bc"} must not open each other's ciphertext; AWS answers
    InvalidCiphertextException with no message (aws-recorded
    test_encrypt_decrypt_encryption_context "decrypt_response_without_encryption_context")."""
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"ab": "c"})[
        "CiphertextBlob"
    ]
    for context in ({"a": "bc"}, {}, {"ab": "c", "d": "e"}, {"ab": "C"}):
        error = fails(kms, kms.decrypt, CiphertextBlob=blob, EncryptionContext=context)
        assert error == ("InvalidCiphertextException", "", 400), context
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext={"ab": "c"})["Plaintext"] == b"x"


def test_context_pair_order_does_not_matter(kms: Any, key_id: str) -> None:
    context = {"tenant": "a", "purpose": "b"}
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext=context)["CiphertextBlob"]
    reordered = dict(reversed(list(context.items())))
    assert kms.decrypt(CiphertextBlob=blob, EncryptionContext=reordered)["Plaintext"] == b"x"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda blob: blob[:-1] + bytes([blob[-1] ^ 1]),
        lambda blob: blob[:20] + bytes([blob[20] ^ 1]) + blob[21:],
        lambda blob: blob[:30],
        lambda blob: blob + b"bad_data",  # aws-recorded test_key_rotations_... "bad-ciphertext"
        lambda blob: b"not a ciphertext at all",
    ],
    ids=["tag", "header", "truncated", "appended", "garbage"],
)
def test_tampered_ciphertext_is_invalid(
    kms: Any, key_id: str, tamper: Callable[[bytes], bytes]
) -> None:
    """aws-recorded test_encrypt_decrypt_encryption_context "..._with_invalid_ciphertext"."""
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    error = fails(kms, kms.decrypt, CiphertextBlob=tamper(blob))
    assert error == ("InvalidCiphertextException", "", 400)


def test_decrypt_with_another_keys_id_is_incorrect_key(kms: Any, key_id: str) -> None:
    """aws-recorded test_error_messaging_for_invalid_keys "decrypt-invalid-key-id": the KeyId
    of an HMAC key with a symmetric blob; the same for another symmetric key."""
    expected = recorded("TestKMS::test_error_messaging_for_invalid_keys", "decrypt-invalid-key-id")
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    hmac_key = kms.create_key(KeySpec="HMAC_224", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    other = kms.create_key()["KeyMetadata"]
    for wrong in (hmac_key["KeyId"], other["Arn"]):
        code, message, status = fails(kms, kms.decrypt, CiphertextBlob=blob, KeyId=wrong)
        assert (code, message) == (expected["Error"]["Code"], expected["Error"]["Message"])
        assert (message, status) == (INCORRECT_KEY_MESSAGE, 400)


def test_decrypt_applies_the_state_of_the_blobs_key(kms: Any, key_id: str) -> None:
    """Decrypt without KeyId still goes through the key-state table for the blob's key
    (kms-facts §3.2 [1], VERIFIED text)."""
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    kms.disable_key(KeyId=key_id)
    error = fails(kms, kms.decrypt, CiphertextBlob=blob)
    assert error == ("DisabledException", f"{arn_of(key_id)} is disabled.", 400)
    kms.enable_key(KeyId=key_id)
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"x"


def test_ciphertext_of_a_deleted_key_is_not_found(kms: Any, fake_kms: Any, key_id: str) -> None:
    """A guess (docs/cryptography.md): the resolver's NotFoundException for the blob's key."""
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    fake_kms.clock.advance(8 * 86400)
    error = fails(kms, kms.decrypt, CiphertextBlob=blob)
    assert error == ("NotFoundException", f"Key '{arn_of(key_id)}' does not exist", 400)


def test_ciphertext_of_another_accounts_key(kms: Any, fake_kms: Any) -> None:
    """Encrypt and Decrypt are cross-account operations (botocore docs). The fake's blob names
    its key by id only, so Decrypt needs the key ARN to find another account's key."""
    other = fake_kms.create_key(account_id="111122223333")
    blob = kms.encrypt(KeyId=other.arn, Plaintext=b"x")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob, KeyId=other.arn)["Plaintext"] == b"x"
    code, message, _ = fails(kms, kms.decrypt, CiphertextBlob=blob)
    assert (code, message) == ("NotFoundException", f"Key '{arn_of(other.key_id)}' does not exist")


def test_plaintext_over_4096_bytes(kms: Any, key_id: str) -> None:
    """aws-recorded test_plaintext_size_for_encrypt: the server's ValidationException."""
    expected = recorded(
        "TestKMS::test_plaintext_size_for_encrypt", "invalid-plaintext-size-encrypt"
    )
    code, message, _ = fails(kms, kms.encrypt, KeyId=key_id, Plaintext=b"x" * 4097)
    assert (code, message) == (expected["Error"]["Code"], expected["Error"]["Message"])


def test_encrypt_with_a_signing_key(kms: Any) -> None:
    """aws-recorded test_error_messaging_for_invalid_keys "encrypt-invalid-key-id"."""
    expected = recorded("TestKMS::test_error_messaging_for_invalid_keys", "encrypt-invalid-key-id")
    key = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    code, message, _ = fails(kms, kms.encrypt, KeyId=key["KeyId"], Plaintext=b"x")
    assert code == expected["Error"]["Code"]
    assert message == expected["Error"]["Message"].replace("<key-arn>", key["Arn"])


def test_symmetric_key_refuses_rsa_algorithm(kms: Any, key_id: str) -> None:
    """The incompatibility text is real-AWS output (crypto/specs.py)."""
    error = fails(
        kms, kms.encrypt, KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256"
    )
    assert error == (
        "InvalidKeyUsageException",
        "Algorithm RSAES_OAEP_SHA_256 is incompatible with key spec SYMMETRIC_DEFAULT.",
        400,
    )


def test_decrypt_needs_a_ciphertext(kms: Any, key_id: str) -> None:
    """CiphertextBlob is optional in the model (for IGNORE_CIPHERTEXT dry runs only)."""
    code, message, _ = fails(kms, kms.decrypt, KeyId=key_id)
    assert code == "ValidationException"
    assert "'ciphertextBlob'" in message


def test_encrypt_dry_run(kms: Any, fake_kms: Any, key_id: str) -> None:
    """aws-recorded test_generate_data_key_pair_dry_run gives the text (INFERRED for Encrypt)."""
    expected = recorded(
        "TestKMSGenerateKeys::test_generate_data_key_pair_dry_run", "dryrun_exception"
    )
    code, message, _ = fails(kms, kms.encrypt, KeyId=key_id, Plaintext=b"x", DryRun=True)
    assert (code, message) == (expected["Error"]["Code"], expected["Error"]["Message"])


def test_decrypt_dry_run_ignoring_the_ciphertext(kms: Any, key_id: str) -> None:
    """Decrypt DryRunModifiers docs: IGNORE_CIPHERTEXT checks the key, not the blob, and then
    needs KeyId."""
    code, _, _ = fails(
        kms,
        kms.decrypt,
        KeyId=key_id,
        DryRun=True,
        DryRunModifiers=["IGNORE_CIPHERTEXT"],
    )
    assert code == "DryRunOperationException"
    code, message, _ = fails(kms, kms.decrypt, DryRun=True, DryRunModifiers=["IGNORE_CIPHERTEXT"])
    assert code == "ValidationException"
    assert "KeyId" in message


# --- RSA ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("spec", "algorithm"), RSA_CASES)
def test_rsa_round_trip_and_outside_encryption(
    kms: Any, fake_kms: Any, spec: str, algorithm: str
) -> None:
    """KMS ciphertext is raw OAEP (modulus-sized); ciphertext made outside KMS with the public
    key decrypts (LocalStack's aws-validated test_symmetric_encrypt_offline_decrypt_online)."""
    key = kms.create_key(KeySpec=spec, KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    response = kms.encrypt(KeyId=key["KeyId"], Plaintext=b"hello", EncryptionAlgorithm=algorithm)
    assert_wire_valid(fake_kms, "Encrypt")
    assert len(response["CiphertextBlob"]) == int(spec[4:]) // 8
    assert response["EncryptionAlgorithm"] == algorithm
    der = kms.get_public_key(KeyId=key["KeyId"])["PublicKey"]
    outside = serialization.load_der_public_key(der).encrypt(b"offline", oaep(algorithm))  # type: ignore[union-attr]
    for blob, plaintext in ((response["CiphertextBlob"], b"hello"), (outside, b"offline")):
        decrypted = kms.decrypt(
            KeyId=key["KeyId"], CiphertextBlob=blob, EncryptionAlgorithm=algorithm
        )
        assert_wire_valid(fake_kms, "Decrypt")
        assert decrypted["Plaintext"] == plaintext
        assert "KeyMaterialId" not in decrypted  # symmetric keys only (Decrypt docs)


@pytest.mark.parametrize(("spec", "algorithm"), RSA_CASES)
def test_rsa_plaintext_limit(kms: Any, spec: str, algorithm: str) -> None:
    """aws-recorded test_encrypt_validate_plaintext_size_per_key_type[<spec>-<algorithm>]."""
    expected = recorded(
        f"TestKMS::test_encrypt_validate_plaintext_size_per_key_type[{spec}-{algorithm}]",
        "generate-random-exc",
    )
    key_id = kms.create_key(KeySpec=spec, KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    limit = int(expected["Error"]["Message"].split()[-2])
    kms.encrypt(KeyId=key_id, Plaintext=b"x" * limit, EncryptionAlgorithm=algorithm)
    code, message, _ = fails(
        kms, kms.encrypt, KeyId=key_id, Plaintext=b"x" * (limit + 1), EncryptionAlgorithm=algorithm
    )
    assert (code, message) == (expected["Error"]["Code"], expected["Error"]["Message"])


def test_rsa_needs_an_algorithm(kms: Any) -> None:
    """The default SYMMETRIC_DEFAULT does not fit an RSA key: real-AWS output
    (zalando/spring-cloud-config-aws-kms#82, getsops/sops#684)."""
    key_id = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    expected = (
        "InvalidKeyUsageException",
        "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.",
        400,
    )
    assert fails(kms, kms.encrypt, KeyId=key_id, Plaintext=b"x") == expected
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_1")[
        "CiphertextBlob"
    ]
    assert fails(kms, kms.decrypt, KeyId=key_id, CiphertextBlob=blob) == expected


def test_rsa_decrypt_failures(kms: Any) -> None:
    """The other OAEP hash: IncorrectKeyException (INFERRED, Terraform provider docs);
    garbage: InvalidCiphertextException; no KeyId: the blob names no key."""
    key_id = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionAlgorithm="RSAES_OAEP_SHA_256")[
        "CiphertextBlob"
    ]
    other = {"KeyId": key_id, "EncryptionAlgorithm": "RSAES_OAEP_SHA_1"}
    code, message, _ = fails(kms, kms.decrypt, CiphertextBlob=blob, **other)
    assert (code, message) == ("IncorrectKeyException", INCORRECT_KEY_MESSAGE)
    garbage = bytes(256)
    assert fails(kms, kms.decrypt, CiphertextBlob=garbage, **other)[0] == (
        "InvalidCiphertextException"
    )
    assert fails(kms, kms.decrypt, CiphertextBlob=blob)[0] == "InvalidCiphertextException"


def test_rsa_refuses_an_encryption_context(kms: Any) -> None:
    """A guess (docs/cryptography.md): contexts are for symmetric keys only (Encrypt docs)."""
    key_id = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]["KeyId"]
    code, _, _ = fails(
        kms,
        kms.encrypt,
        KeyId=key_id,
        Plaintext=b"x",
        EncryptionAlgorithm="RSAES_OAEP_SHA_256",
        EncryptionContext={"a": "b"},
    )
    assert code == "ValidationException"


# --- ReEncrypt ---------------------------------------------------------------------------


def test_re_encrypt_symmetric(kms: Any, fake_kms: Any, key_id: str) -> None:
    """aws-recorded test_re_encrypt[SYMMETRIC_DEFAULT-SYMMETRIC_DEFAULT]: both key members are
    ARNs; the destination may be an alias (ReEncrypt DestinationKeyId docs)."""
    destination = kms.create_key()["KeyMetadata"]
    kms.create_alias(AliasName="alias/dest", TargetKeyId=destination["KeyId"])
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x", EncryptionContext={"a": "1"})["CiphertextBlob"]
    response = kms.re_encrypt(
        CiphertextBlob=blob,
        SourceEncryptionContext={"a": "1"},
        DestinationKeyId="alias/dest",
        DestinationEncryptionContext={"b": "2"},
    )
    assert_wire_valid(fake_kms, "ReEncrypt")
    assert response["SourceKeyId"] == arn_of(key_id)
    assert response["KeyId"] == destination["Arn"]
    assert response["SourceEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert response["DestinationEncryptionAlgorithm"] == "SYMMETRIC_DEFAULT"
    assert response["DestinationKeyMaterialId"] == destination["CurrentKeyMaterialId"]
    new_blob = response["CiphertextBlob"]
    decrypted = kms.decrypt(CiphertextBlob=new_blob, EncryptionContext={"b": "2"})
    assert (decrypted["Plaintext"], decrypted["KeyId"]) == (b"x", destination["Arn"])


def test_re_encrypt_between_symmetric_and_rsa(kms: Any, fake_kms: Any, key_id: str) -> None:
    """aws-recorded test_re_encrypt[RSA_2048-RSAES_OAEP_SHA_256] (RSA to RSA) and the
    mixed directions; no KeyMaterialId member for the RSA side."""
    rsa_key = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    algorithm = "RSAES_OAEP_SHA_256"
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    to_rsa = kms.re_encrypt(
        CiphertextBlob=blob,
        DestinationKeyId=rsa_key["KeyId"],
        DestinationEncryptionAlgorithm=algorithm,
    )
    assert_wire_valid(fake_kms, "ReEncrypt")
    assert "DestinationKeyMaterialId" not in to_rsa
    back = kms.re_encrypt(
        CiphertextBlob=to_rsa["CiphertextBlob"],
        SourceKeyId=rsa_key["Arn"],
        SourceEncryptionAlgorithm=algorithm,
        DestinationKeyId=key_id,
    )
    assert (back["SourceKeyId"], back["SourceEncryptionAlgorithm"]) == (rsa_key["Arn"], algorithm)
    assert "SourceKeyMaterialId" not in back
    assert kms.decrypt(CiphertextBlob=back["CiphertextBlob"])["Plaintext"] == b"x"


def test_re_encrypt_with_the_wrong_source_key(kms: Any, key_id: str) -> None:
    """aws-recorded test_re_encrypt_incorrect_source_key."""
    expected = recorded("TestKMS::test_re_encrypt_incorrect_source_key", "incorrect-source-key")
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    code, message, _ = fails(
        kms, kms.re_encrypt, CiphertextBlob=blob, SourceKeyId=other, DestinationKeyId=other
    )
    assert (code, message) == (expected["Error"]["Code"], expected["Error"]["Message"])


def test_re_encrypt_checks_both_keys_states(kms: Any, key_id: str) -> None:
    """Both keys go through the ReEncrypt row of the key-state table (kms-facts §3.2)."""
    destination = kms.create_key()["KeyMetadata"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    kms.disable_key(KeyId=destination["KeyId"])
    params = {"CiphertextBlob": blob, "DestinationKeyId": destination["KeyId"]}
    disabled_destination = ("DisabledException", f"{destination['Arn']} is disabled.", 400)
    assert fails(kms, kms.re_encrypt, **params) == disabled_destination
    kms.enable_key(KeyId=destination["KeyId"])
    kms.disable_key(KeyId=key_id)
    assert fails(kms, kms.re_encrypt, **params) == (
        "DisabledException",
        f"{arn_of(key_id)} is disabled.",
        400,
    )


# --- every data operation in every unusable key state --------------------------------------

Peer = dict[str, Any]


def _peer_public_key() -> bytes:
    return (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def _blob(kms: Any, key_id: str) -> Peer:
    return {"CiphertextBlob": kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]}


def _signature(kms: Any, key_id: str) -> Peer:
    message = {"Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}
    return {**message, "Signature": kms.sign(KeyId=key_id, **message)["Signature"]}


def _mac(kms: Any, key_id: str) -> Peer:
    message = {"Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}
    return {**message, "Mac": kms.generate_mac(KeyId=key_id, **message)["Mac"]}


SYMMETRIC = ("SYMMETRIC_DEFAULT", None)
SIGNING = ("ECC_NIST_P256", "SIGN_VERIFY")
HMAC = ("HMAC_256", "GENERATE_VERIFY_MAC")
AGREEMENT = ("ECC_NIST_P256", "KEY_AGREEMENT")

#: operation -> (key spec and usage, request members made while the key is still Enabled)
DATA_OPERATIONS: dict[str, tuple[tuple[str, str | None], Callable[[Any, str], Peer]]] = {
    "Encrypt": (SYMMETRIC, lambda kms, k: {"Plaintext": b"x"}),
    "Decrypt": (SYMMETRIC, _blob),
    "ReEncrypt": (SYMMETRIC, _blob),  # the blob's key is also the destination
    "GenerateDataKey": (SYMMETRIC, lambda kms, k: {"KeySpec": "AES_256"}),
    "GenerateDataKeyWithoutPlaintext": (SYMMETRIC, lambda kms, k: {"NumberOfBytes": 8}),
    "GenerateDataKeyPair": (SYMMETRIC, lambda kms, k: {"KeyPairSpec": "ECC_NIST_P256"}),
    "GenerateDataKeyPairWithoutPlaintext": (
        SYMMETRIC,
        lambda kms, k: {"KeyPairSpec": "ECC_NIST_P256"},
    ),
    "GetPublicKey": (SIGNING, lambda kms, k: {}),
    "Sign": (SIGNING, lambda kms, k: {"Message": b"m", "SigningAlgorithm": "ECDSA_SHA_256"}),
    "Verify": (SIGNING, _signature),
    "GenerateMac": (HMAC, lambda kms, k: {"Message": b"m", "MacAlgorithm": "HMAC_SHA_256"}),
    "VerifyMac": (HMAC, _mac),
    "DeriveSharedSecret": (
        AGREEMENT,
        lambda kms, k: {"KeyAgreementAlgorithm": "ECDH", "PublicKey": _peer_public_key()},
    ),
}

#: AWS's answer in each state (kms-facts §3.2 footnotes [1], [3], [5], [11], [14], with the
#: single-Region wording real AWS uses today), written out independently of the table.
STATE_ERRORS: dict[str, tuple[str, str]] = {
    "Disabled": ("DisabledException", "{arn} is disabled."),
    "PendingDeletion": ("KMSInvalidStateException", "{arn} is pending deletion."),
    "PendingImport": ("KMSInvalidStateException", "{arn} is pending import."),
    "Unavailable": ("KMSInvalidStateException", "{arn} is unavailable."),
    "Creating": ("KMSInvalidStateException", "{arn} is creating."),
}


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


@pytest.mark.parametrize("state", list(STATE_ERRORS))
@pytest.mark.parametrize("operation", list(DATA_OPERATIONS))
def test_data_operation_refused_in_state(
    kms: Any, fake_kms: Any, operation: str, state: str
) -> None:
    """Each data operation in each state the key-state table rejects: AWS's code and exact
    message, naming the key ARN, HTTP 400 (kms-facts §3.2, §5.3)."""
    (spec, usage), members = DATA_OPERATIONS[operation]
    key = fake_kms.create_key(key_spec=spec, key_usage=usage)
    member = "DestinationKeyId" if operation == "ReEncrypt" else "KeyId"
    params = {member: key.key_id, **members(kms, key.key_id)}
    fake_kms.set_key_state(key.key_id, state)
    code, template = STATE_ERRORS[state]
    error = fails(kms, getattr(kms, _snake(operation)), **params)
    assert error == (code, template.format(arn=key.arn), 400)
