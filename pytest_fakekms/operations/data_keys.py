"""GenerateDataKey, GenerateDataKeyPair (each with a WithoutPlaintext twin) and GenerateRandom.

A data key (or a data key pair's private key) is encrypted under a symmetric
encryption key into the same blob Encrypt makes (``operations.encryption.seal``),
so Decrypt opens it with the same encryption context. AWS facts used:

* Exactly one of NumberOfBytes (1-1024, the model's range) and KeySpec
  (AES_128 = 16 bytes, AES_256 = 32) (GenerateDataKey docs: "either ... but not
  both"). Neither: ``ValidationException`` ``Please specify either number of bytes
  or key spec.`` (INFERRED: real-AWS text for an empty GenerateRandom request in
  2019, quoted in github.com/nsmithuk/local-kms/issues/6). Both: the fake's wording.
* Only symmetric encryption keys make data keys (GenerateDataKey docs). An RSA
  ENCRYPT_DECRYPT key gets ``Algorithm SYMMETRIC_DEFAULT is incompatible with key
  spec <spec>.``, Encrypt's real-AWS answer for the default algorithm (INFERRED for
  these operations).
* Responses: KeyId is the key ARN and there is no KeyMaterialId in the 2023
  recordings (aws-recorded ``test_generate_data_key``, ``..._without_plaintext``,
  ``test_generate_data_key_pair``, ``..._without_plaintext``, all ARN-shaped), but
  the current model documents KeyMaterialId ("omitted if the request includes the
  Recipient parameter") and AWS returned it from Decrypt in 2025 (aws-recorded
  ``test_encrypt_decrypt_encryption_context``), so it is sent.
* GenerateRandom: ``ValidationException`` ``NumberOfBytes is required.`` (VERIFIED,
  aws-recorded ``test_generate_random_invalid_number_of_bytes[None]``); the range is
  the model's (same recordings, [0] and [1025]). The fake has no custom key
  stores, so CustomKeyStoreId gets UnsupportedOperationException (declared).
"""

from __future__ import annotations

import secrets

from pytest_fakekms import errors
from pytest_fakekms.crypto.specs import (
    DATA_KEY_PAIR_SPECS,
    check_encryption_algorithm,
    unsupported_key_spec,
)
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.base import Context, Params, Result, operation
from pytest_fakekms.operations.crypto_common import check_dry_run, check_usage, reject_recipient
from pytest_fakekms.operations.encryption import DEFAULT_ALGORITHM, seal

DATA_KEY_SPEC_BYTES: dict[str, int] = {"AES_128": 16, "AES_256": 32}
#: INFERRED (see the module docstring).
EITHER_SIZE_MESSAGE = "Please specify either number of bytes or key spec."
#: The fake's wording.
NOT_BOTH_SIZES_MESSAGE = "Specify either NumberOfBytes or KeySpec, not both."
#: VERIFIED, aws-recorded test_generate_random_invalid_number_of_bytes[None].
NUMBER_OF_BYTES_REQUIRED = "NumberOfBytes is required."


def _data_key_bytes(params: Params) -> int:
    has_number, has_spec = "NumberOfBytes" in params, "KeySpec" in params
    if not (has_number or has_spec):
        raise errors.validation(EITHER_SIZE_MESSAGE)
    if has_number and has_spec:
        raise errors.validation(NOT_BOTH_SIZES_MESSAGE)
    return int(params["NumberOfBytes"]) if has_number else DATA_KEY_SPEC_BYTES[params["KeySpec"]]


def _wrapping_key(ctx: Context, params: Params) -> KeyRecord:
    """The symmetric encryption key a data key is encrypted under."""
    record = ctx.key(params)
    check_usage(record, ctx.operation)
    check_encryption_algorithm(record.key_spec, DEFAULT_ALGORITHM)
    reject_recipient(ctx, params)
    return record


def _data_key(ctx: Context, params: Params) -> Result:
    size = _data_key_bytes(params)
    record = _wrapping_key(ctx, params)
    check_dry_run(params)
    plaintext = secrets.token_bytes(size)
    sealed = seal(record, plaintext, DEFAULT_ALGORITHM, params.get("EncryptionContext"))
    ctx.use(record)
    return {
        "CiphertextBlob": sealed.blob,
        "Plaintext": plaintext,
        "KeyId": record.arn,
        "KeyMaterialId": sealed.material_id,
    }


def _data_key_pair(ctx: Context, params: Params) -> Result:
    record = _wrapping_key(ctx, params)
    spec: str = params["KeyPairSpec"]
    if spec not in DATA_KEY_PAIR_SPECS:  # SM2: AWS China Regions only
        raise unsupported_key_spec(spec)
    check_dry_run(params)  # before generating: an RSA_4096 pair takes a second
    from pytest_fakekms.crypto import asymmetric  # loaded by the first pair (issue #8)

    private, public = asymmetric.generate_data_key_pair(spec)
    sealed = seal(record, private, DEFAULT_ALGORITHM, params.get("EncryptionContext"))
    ctx.use(record)
    return {
        "PrivateKeyCiphertextBlob": sealed.blob,
        "PrivateKeyPlaintext": private,
        "PublicKey": public,
        "KeyId": record.arn,
        "KeyPairSpec": spec,
        "KeyMaterialId": sealed.material_id,
    }


@operation("GenerateDataKey")
def generate_data_key(ctx: Context, params: Params) -> Result:
    """A random data key, in plaintext and encrypted under the symmetric key."""
    return _data_key(ctx, params)


@operation("GenerateDataKeyWithoutPlaintext")
def generate_data_key_without_plaintext(ctx: Context, params: Params) -> Result:
    """GenerateDataKey without the Plaintext member."""
    result = _data_key(ctx, params)
    del result["Plaintext"]
    return result


@operation("GenerateDataKeyPair")
def generate_data_key_pair(ctx: Context, params: Params) -> Result:
    """A fresh key pair: DER PKCS#8 private key (plaintext and encrypted), DER SPKI public key."""
    return _data_key_pair(ctx, params)


@operation("GenerateDataKeyPairWithoutPlaintext")
def generate_data_key_pair_without_plaintext(ctx: Context, params: Params) -> Result:
    """GenerateDataKeyPair without the PrivateKeyPlaintext member."""
    result = _data_key_pair(ctx, params)
    del result["PrivateKeyPlaintext"]
    return result


@operation("GenerateRandom")
def generate_random(ctx: Context, params: Params) -> Result:
    """NumberOfBytes random bytes; not key-scoped."""
    if "NumberOfBytes" not in params:
        raise errors.validation(NUMBER_OF_BYTES_REQUIRED)
    if "CustomKeyStoreId" in params:
        raise KMSError(
            "UnsupportedOperationException",
            "pytest-fakekms does not support custom key stores (CustomKeyStoreId).",
        )
    reject_recipient(ctx, params)
    return {"Plaintext": secrets.token_bytes(int(params["NumberOfBytes"]))}
