"""ML-KEM keys, Encapsulate and Decapsulate, through real boto3 clients (botocore 1.44).

Facts (botocore 1.44 model documentation [BC]; no recorded answer yet):

* CreateKey ``KeySpec`` ML_KEM_512, ML_KEM_768 or ML_KEM_1024 with ``KeyUsage``
  ENCAPSULATE_DECAPSULATE ("For asymmetric KMS keys with ML-KEM key pairs, specify
  ENCAPSULATE_DECAPSULATE"); KeyMetadata and GetPublicKey list
  ``EncapsulationAlgorithms``, whose only value is ``ML_KEM``;
* Encapsulate answers a 32-byte ``SharedSecret`` and its ``SharedSecretCiphertextBlob``
  under the key's public half; Decapsulate recovers the secret ("a 32-byte value");
* Decapsulate "returns an InvalidCiphertextException when the length of the
  SharedSecretCiphertextBlob is inconsistent with the ML-KEM key spec. In all other
  cases, Decapsulate returns a 32-byte pseudo-random value. This is true even when the
  SharedSecretCiphertextBlob was created using a different ML-KEM key or altered";
* both are cross-account operations that take alias names and ARNs, need an ML-KEM
  key (InvalidKeyUsageException otherwise) and have DryRun.

The fake cannot create ML_KEM_512 keys (``cryptography`` has ML-KEM-768 and -1024 only).
These tests skip with a botocore whose model has no Encapsulate, or a ``cryptography``
without ML-KEM.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import error_of, kms_client

from pytest_fakekms import FakeKMS
from pytest_fakekms.persistence import dump_state, load_state

mlkem = pytest.importorskip("cryptography.hazmat.primitives.asymmetric.mlkem")
serialization = pytest.importorskip("cryptography.hazmat.primitives.serialization")

CIPHERTEXT_BYTES = {"ML_KEM_768": 1088, "ML_KEM_1024": 1568}  # FIPS 203, table 3


@pytest.fixture
def kms(fake_kms: FakeKMS) -> Any:
    client = kms_client()
    if "Encapsulate" not in client.meta.service_model.operation_names:
        pytest.skip("this botocore has no Encapsulate (botocore 1.44 brought it)")
    return client


def _ml_kem_key(kms: Any, spec: str = "ML_KEM_768") -> dict[str, Any]:
    meta: dict[str, Any] = kms.create_key(KeySpec=spec, KeyUsage="ENCAPSULATE_DECAPSULATE")[
        "KeyMetadata"
    ]
    return meta


def _encapsulate(kms: Any, key_id: str) -> dict[str, Any]:
    answer: dict[str, Any] = kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM")
    return answer


def _decapsulate(kms: Any, key_id: str, blob: bytes, **extra: Any) -> bytes:
    answer = kms.decapsulate(
        KeyId=key_id, EncapsulationAlgorithm="ML_KEM", SharedSecretCiphertextBlob=blob, **extra
    )
    return bytes(answer["SharedSecret"])


@pytest.mark.parametrize("spec", sorted(CIPHERTEXT_BYTES))
def test_create_describe_and_public_key(kms: Any, spec: str) -> None:
    meta = _ml_kem_key(kms, spec)
    assert (meta["KeySpec"], meta["KeyUsage"]) == (spec, "ENCAPSULATE_DECAPSULATE")
    assert meta["EncapsulationAlgorithms"] == ["ML_KEM"]
    algorithm_lists = {k for k in meta if k.endswith("Algorithms")}
    assert algorithm_lists == {"EncapsulationAlgorithms"}  # one list, the usage's
    assert "CustomerMasterKeySpec" not in meta  # the deprecated enum has no ML-KEM value
    assert "CurrentKeyMaterialId" not in meta  # asymmetric keys have none
    assert kms.describe_key(KeyId=meta["KeyId"])["KeyMetadata"] == meta
    public = kms.get_public_key(KeyId=meta["KeyId"])
    assert (public["KeyId"], public["KeySpec"], public["KeyUsage"]) == (
        meta["Arn"],
        spec,
        "ENCAPSULATE_DECAPSULATE",
    )
    assert public["EncapsulationAlgorithms"] == ["ML_KEM"]
    loaded = serialization.load_der_public_key(public["PublicKey"])
    expected = mlkem.MLKEM768PublicKey if spec == "ML_KEM_768" else mlkem.MLKEM1024PublicKey
    assert isinstance(loaded, expected)


@pytest.mark.parametrize("spec", sorted(CIPHERTEXT_BYTES))
def test_encapsulate_then_decapsulate(kms: Any, spec: str) -> None:
    meta = _ml_kem_key(kms, spec)
    sealed = _encapsulate(kms, meta["KeyId"])
    assert sealed["KeyId"] == meta["Arn"]
    assert sealed["EncapsulationAlgorithm"] == "ML_KEM"
    assert len(sealed["SharedSecret"]) == 32
    assert len(sealed["SharedSecretCiphertextBlob"]) == CIPHERTEXT_BYTES[spec]
    answer = kms.decapsulate(
        KeyId=meta["Arn"],
        EncapsulationAlgorithm="ML_KEM",
        SharedSecretCiphertextBlob=sealed["SharedSecretCiphertextBlob"],
    )
    assert answer["SharedSecret"] == sealed["SharedSecret"]
    assert (answer["KeyId"], answer["EncapsulationAlgorithm"]) == (meta["Arn"], "ML_KEM")
    assert _encapsulate(kms, meta["KeyId"])["SharedSecret"] != sealed["SharedSecret"]


def test_an_outside_party_encapsulates_with_the_public_key(kms: Any) -> None:
    """What ML-KEM in KMS is for: a peer encapsulates a secret with the exported public key,
    and only Decapsulate with the KMS key recovers it."""
    key_id = _ml_kem_key(kms)["KeyId"]
    public = serialization.load_der_public_key(kms.get_public_key(KeyId=key_id)["PublicKey"])
    secret, ciphertext = public.encapsulate()
    assert _decapsulate(kms, key_id, ciphertext) == secret


def test_implicit_rejection_and_the_length_check(kms: Any) -> None:
    key_id = _ml_kem_key(kms)["KeyId"]
    other = _ml_kem_key(kms)["KeyId"]
    sealed = _encapsulate(kms, key_id)
    blob = bytes(sealed["SharedSecretCiphertextBlob"])
    altered = bytes([blob[0] ^ 1]) + blob[1:]
    for wrong in (_decapsulate(kms, other, blob), _decapsulate(kms, key_id, altered)):
        assert len(wrong) == 32
        assert wrong != sealed["SharedSecret"]
    assert _decapsulate(kms, key_id, altered) == _decapsulate(kms, key_id, altered)  # FIPS 203
    for length in (1, len(blob) - 1, len(blob) + 1, CIPHERTEXT_BYTES["ML_KEM_1024"]):
        with pytest.raises(kms.exceptions.InvalidCiphertextException):
            _decapsulate(kms, key_id, blob[:length].ljust(length, b"\0"))


def test_key_usage_and_key_spec_are_checked(kms: Any, fake_kms: FakeKMS) -> None:
    ml_kem = _ml_kem_key(kms)
    symmetric = fake_kms.create_key()
    with pytest.raises(kms.exceptions.InvalidKeyUsageException) as raised:
        _encapsulate(kms, symmetric.key_id)
    message = f"{symmetric.arn} key usage is ENCRYPT_DECRYPT which is not valid for Encapsulate."
    assert error_of(raised) == ("InvalidKeyUsageException", message, 400)
    with pytest.raises(kms.exceptions.InvalidKeyUsageException) as raised:
        kms.sign(KeyId=ml_kem["KeyId"], Message=b"m", SigningAlgorithm="ML_DSA_SHAKE_256")
    assert error_of(raised)[1] == (
        f"{ml_kem['Arn']} key usage is ENCAPSULATE_DECAPSULATE which is not valid for Sign."
    )
    cases = [
        ({"KeySpec": "ML_KEM_768"}, "ValidationException"),  # KeyUsage is required
        ({"KeySpec": "ML_KEM_768", "KeyUsage": "SIGN_VERIFY"}, "ValidationException"),
        ({"KeySpec": "RSA_2048", "KeyUsage": "ENCAPSULATE_DECAPSULATE"}, "ValidationException"),
        (
            {"KeySpec": "ML_KEM_768", "KeyUsage": "ENCAPSULATE_DECAPSULATE", "Origin": "EXTERNAL"},
            "UnsupportedOperationException",
        ),
    ]
    for params, code in cases:
        with pytest.raises(kms.exceptions.ClientError) as raised:
            kms.create_key(**params)
        assert error_of(raised)[0] == code, params
    incompatible = "KeyUsage SIGN_VERIFY is not compatible with KeySpec ML_KEM_768"
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.create_key(KeySpec="ML_KEM_768", KeyUsage="SIGN_VERIFY")
    assert error_of(raised)[1] == incompatible


def test_ml_kem_512_is_refused_as_not_implemented(kms: Any) -> None:
    with pytest.raises(kms.exceptions.UnsupportedOperationException) as raised:
        _ml_kem_key(kms, "ML_KEM_512")
    assert "ML_KEM_512" in error_of(raised)[1]
    assert "cryptography" in error_of(raised)[1]
    assert kms.list_keys()["Keys"] == []


def test_dry_run_aliases_and_grants(kms: Any, fake_kms: FakeKMS) -> None:
    meta = _ml_kem_key(kms)
    kms.create_alias(AliasName="alias/exchange", TargetKeyId=meta["KeyId"])
    sealed = _encapsulate(kms, "alias/exchange")
    assert _decapsulate(kms, "alias/exchange", sealed["SharedSecretCiphertextBlob"]) == bytes(
        sealed["SharedSecret"]
    )
    last = fake_kms.key(meta["KeyId"]).last_usage
    with pytest.raises(kms.exceptions.DryRunOperationException):
        kms.encapsulate(KeyId=meta["KeyId"], EncapsulationAlgorithm="ML_KEM", DryRun=True)
    with pytest.raises(kms.exceptions.DryRunOperationException):
        _decapsulate(kms, meta["KeyId"], sealed["SharedSecretCiphertextBlob"], DryRun=True)
    assert fake_kms.key(meta["KeyId"]).last_usage == last  # a dry run is no usage
    grant = kms.create_grant(
        KeyId=meta["KeyId"],
        GranteePrincipal=fake_kms.caller,
        Operations=["Encapsulate", "Decapsulate", "GetPublicKey"],
    )
    listed = kms.list_grants(KeyId=meta["KeyId"])["Grants"]
    assert [g["GrantId"] for g in listed] == [grant["GrantId"]]
    with pytest.raises(kms.exceptions.ClientError):
        kms.create_grant(KeyId=meta["KeyId"], GranteePrincipal=fake_kms.caller, Operations=["Sign"])


def test_a_saved_state_still_decapsulates(kms: Any, fake_kms: FakeKMS) -> None:
    key_id = _ml_kem_key(kms, "ML_KEM_1024")["KeyId"]
    sealed = _encapsulate(kms, key_id)
    saved = dump_state(fake_kms)
    restored = FakeKMS()
    load_state(saved, restored)
    fake_kms.stop()  # one active fake at a time
    try:
        with restored:
            again = kms_client().decapsulate(
                KeyId=key_id,
                EncapsulationAlgorithm="ML_KEM",
                SharedSecretCiphertextBlob=sealed["SharedSecretCiphertextBlob"],
            )
    finally:
        fake_kms.start()
    assert again["SharedSecret"] == sealed["SharedSecret"]
