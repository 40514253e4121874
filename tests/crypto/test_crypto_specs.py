"""Key-spec tables: parity with botocore's model and with the lists AWS was recorded giving."""

from __future__ import annotations

import subprocess
import sys

import botocore.session
import pytest

from pytest_fakekms import crypto
from pytest_fakekms.crypto import specs
from pytest_fakekms.errors import KMSError


@pytest.fixture(scope="module")
def kms_model() -> object:
    return botocore.session.get_session().get_service_model("kms")


def _enum(model: object, shape: str) -> set[str]:
    return set(model.shape_for(shape).enum)  # type: ignore[attr-defined]


#: Key specs botocore 1.44 added (ML-KEM), known to the fake before the model has them.
BOTOCORE_1_44_SPECS = {"ML_KEM_512", "ML_KEM_768", "ML_KEM_1024"}


def test_key_specs_are_botocores(kms_model: object) -> None:
    # Newer botocore releases add specs; ours must all be botocore's, or ML-KEM's, which
    # an older model (1.43) does not know yet.
    assert _enum(kms_model, "KeySpec") | BOTOCORE_1_44_SPECS >= specs.ALL_KEY_SPECS
    if "EncapsulationAlgorithmSpec" in kms_model.shape_names:  # type: ignore[attr-defined]
        assert _enum(kms_model, "KeySpec") >= specs.ALL_KEY_SPECS
        algorithms = {alg for algs in specs.ENCAPSULATION.values() for alg in algs}
        assert algorithms == _enum(kms_model, "EncapsulationAlgorithmSpec")
        assert set(specs.ENCAPSULATION) <= _enum(kms_model, "KeySpec")


def test_customer_master_key_specs_are_botocores(kms_model: object) -> None:
    assert _enum(kms_model, "CustomerMasterKeySpec") == specs.CUSTOMER_MASTER_KEY_SPECS


def test_every_algorithm_is_in_botocores_enums(kms_model: object) -> None:
    tables = {
        "EncryptionAlgorithmSpec": specs.ENCRYPTION,
        "SigningAlgorithmSpec": specs.SIGNING,
        "MacAlgorithmSpec": specs.MAC,
        "KeyAgreementAlgorithmSpec": specs.KEY_AGREEMENT,
    }
    for shape, table in tables.items():
        assert {alg for algs in table.values() for alg in algs} == _enum(kms_model, shape)


def test_data_key_pair_specs_are_botocores_minus_sm2(kms_model: object) -> None:
    assert _enum(kms_model, "DataKeyPairSpec") - {"SM2"} >= specs.DATA_KEY_PAIR_SPECS


@pytest.mark.parametrize(
    ("key_spec", "key_usage", "expected"),
    [
        # recorded from AWS (aws-recorded snapshot entries named in specs.py)
        ("SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT", {"EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"]}),
        ("HMAC_224", "GENERATE_VERIFY_MAC", {"MacAlgorithms": ["HMAC_SHA_224"]}),
        ("HMAC_256", "GENERATE_VERIFY_MAC", {"MacAlgorithms": ["HMAC_SHA_256"]}),
        ("HMAC_384", "GENERATE_VERIFY_MAC", {"MacAlgorithms": ["HMAC_SHA_384"]}),
        ("HMAC_512", "GENERATE_VERIFY_MAC", {"MacAlgorithms": ["HMAC_SHA_512"]}),
        ("ECC_NIST_P256", "SIGN_VERIFY", {"SigningAlgorithms": ["ECDSA_SHA_256"]}),
        ("ECC_NIST_P384", "SIGN_VERIFY", {"SigningAlgorithms": ["ECDSA_SHA_384"]}),
        ("ECC_NIST_P521", "SIGN_VERIFY", {"SigningAlgorithms": ["ECDSA_SHA_512"]}),
        ("ECC_SECG_P256K1", "SIGN_VERIFY", {"SigningAlgorithms": ["ECDSA_SHA_256"]}),
        (
            "RSA_4096",
            "ENCRYPT_DECRYPT",
            {"EncryptionAlgorithms": ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]},
        ),
        # botocore examples-1.json DescribeKey example
        (
            "RSA_2048",
            "SIGN_VERIFY",
            {
                "SigningAlgorithms": [
                    "RSASSA_PKCS1_V1_5_SHA_256",
                    "RSASSA_PKCS1_V1_5_SHA_384",
                    "RSASSA_PKCS1_V1_5_SHA_512",
                    "RSASSA_PSS_SHA_256",
                    "RSASSA_PSS_SHA_384",
                    "RSASSA_PSS_SHA_512",
                ]
            },
        ),
        ("ECC_NIST_P384", "KEY_AGREEMENT", {"KeyAgreementAlgorithms": ["ECDH"]}),
        (
            "ECC_NIST_EDWARDS25519",
            "SIGN_VERIFY",
            {"SigningAlgorithms": ["ED25519_SHA_512", "ED25519_PH_SHA_512"]},
        ),
        ("ML_DSA_65", "SIGN_VERIFY", {"SigningAlgorithms": ["ML_DSA_SHAKE_256"]}),
        ("RSA_2048", "KEY_AGREEMENT", {}),  # not a legal pair: no member
    ],
)
def test_metadata_algorithms(key_spec: str, key_usage: str, expected: dict[str, list[str]]) -> None:
    assert crypto.metadata_algorithms(key_spec, key_usage) == expected


def test_list_functions_are_empty_for_other_usages() -> None:
    assert crypto.signing_algorithms("RSA_2048", "ENCRYPT_DECRYPT") == []
    assert crypto.encryption_algorithms("RSA_2048", "SIGN_VERIFY") == []
    assert crypto.encryption_algorithms("RSA_3072") == ["RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"]
    assert crypto.mac_algorithms("HMAC_384") == ["HMAC_SHA_384"]
    assert crypto.mac_algorithms("SYMMETRIC_DEFAULT") == []
    assert crypto.key_agreement_algorithms("ECC_NIST_P521", "KEY_AGREEMENT") == ["ECDH"]
    assert crypto.key_agreement_algorithms("ECC_SECG_P256K1", "KEY_AGREEMENT") == []
    assert crypto.key_agreement_algorithms("ECC_NIST_P256", "SIGN_VERIFY") == []


@pytest.mark.parametrize(
    ("key_spec", "usages"),
    [
        ("SYMMETRIC_DEFAULT", ("ENCRYPT_DECRYPT",)),
        ("RSA_3072", ("ENCRYPT_DECRYPT", "SIGN_VERIFY")),
        ("ECC_NIST_P256", ("SIGN_VERIFY", "KEY_AGREEMENT")),
        ("ECC_SECG_P256K1", ("SIGN_VERIFY",)),
        ("ECC_NIST_EDWARDS25519", ("SIGN_VERIFY",)),
        ("ML_DSA_44", ("SIGN_VERIFY",)),
        ("HMAC_512", ("GENERATE_VERIFY_MAC",)),
        ("SM2", ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT")),
    ],
)
def test_key_usages_follow_createkey_docs(key_spec: str, usages: tuple[str, ...]) -> None:
    assert crypto.key_usages(key_spec) == usages


def test_unknown_key_spec_is_a_caller_mistake() -> None:
    with pytest.raises(ValueError, match="unknown KMS key spec 'RSA_1024'"):
        crypto.signing_algorithms("RSA_1024")


@pytest.mark.parametrize(
    ("check", "key_spec", "algorithm"),
    [
        (crypto.check_mac_algorithm, "HMAC_224", "HMAC_SHA_256"),
        (crypto.check_signing_algorithm, "ECC_NIST_P521", "ECDSA_SHA_256"),
        (crypto.check_encryption_algorithm, "RSA_4096", "SYMMETRIC_DEFAULT"),
        (crypto.check_encryption_algorithm, "SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256"),
        (crypto.check_signing_algorithm, "SYMMETRIC_DEFAULT", "ECDSA_SHA_256"),
    ],
)
def test_incompatible_algorithm_is_awss_error(check: object, key_spec: str, algorithm: str) -> None:
    with pytest.raises(KMSError) as info:
        check(key_spec, algorithm)  # type: ignore[operator]
    assert info.value.code == "InvalidKeyUsageException"
    assert info.value.message == f"Algorithm {algorithm} is incompatible with key spec {key_spec}."
    assert info.value.status == 400


def test_compatible_algorithms_pass() -> None:
    crypto.check_mac_algorithm("HMAC_224", "HMAC_SHA_224")
    crypto.check_signing_algorithm("RSA_2048", "RSASSA_PSS_SHA_512")
    crypto.check_encryption_algorithm("SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT")


def test_unsupported_key_spec_error() -> None:
    error = crypto.unsupported_key_spec("SM2")
    assert error.code == "UnsupportedOperationException"
    assert error.message is not None
    assert "SM2" in error.message
    assert "China" in error.message
    assert "SM2" not in crypto.SUPPORTED_KEY_SPECS


def test_importing_the_package_does_not_import_cryptography() -> None:
    code = (
        "import sys\n"
        "import pytest_fakekms.crypto, pytest_fakekms.crypto.specs, pytest_fakekms.crypto.mac\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] == 'cryptography')\n"
        "assert not loaded, loaded\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_post_quantum_specs_are_supported_key_specs() -> None:
    """The table of post-quantum key classes names only specs CreateKey accepts."""
    assert specs.POST_QUANTUM_SPECS <= specs.SUPPORTED_KEY_SPECS
    assert "ML_KEM_512" not in specs.POST_QUANTUM_SPECS
