"""GetPublicKey and DeriveSharedSecret: the public half of an asymmetric key, and ECDH.

AWS facts used:

* GetPublicKey answers the DER SubjectPublicKeyInfo with ``KeyId`` = key ARN,
  ``KeySpec``, ``KeyUsage`` (VERIFIED, LocalStack's aws-validated
  ``test_get_public_key``), the deprecated ``CustomerMasterKeySpec`` (left out
  for key specs its enum lacks: Ed25519, ML-DSA) and the one algorithm list the
  key's usage has (GetPublicKey response docs; the same list DescribeKey gives).
* GetPublicKey on a symmetric or HMAC key: ``UnsupportedOperationException``
  ("a specified resource is not valid for this operation", model docs) with the
  fake's wording; AWS's text is not on record.
* DeriveSharedSecret needs a KEY_AGREEMENT key (``<key-arn> key usage is
  SIGN_VERIFY which is not valid for DeriveSharedSecret.``, VERIFIED, aws-recorded
  ``test_derive_shared_secret``); a public key it cannot read is
  ``ValidationException`` with no message (VERIFIED, same recording); the response
  carries KeyId, SharedSecret, KeyAgreementAlgorithm and KeyOrigin (same
  recording; KeyId as the key ARN is INFERRED, the recording masks it). The
  secret is the raw ECDH x-coordinate, as OpenSSL derives it (aws-recorded
  ``test_derive_shared_secret_matches_openssl``).
"""

from __future__ import annotations

from pytest_fakekms.crypto import asymmetric
from pytest_fakekms.crypto.specs import metadata_algorithms
from pytest_fakekms.domain.keys import KeyRecord, customer_master_key_spec
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.base import Context, Params, Result, operation
from pytest_fakekms.operations.crypto_common import check_dry_run, check_usage, reject_recipient

_NO_PUBLIC_KEY = ("SYMMETRIC_DEFAULT", "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512")


def _no_public_key(record: KeyRecord) -> KMSError:
    return KMSError(  # the fake's wording
        "UnsupportedOperationException",
        f"{record.arn} key spec is {record.key_spec} which is not valid for GetPublicKey.",
    )


@operation("GetPublicKey")
def get_public_key(ctx: Context, params: Params) -> Result:
    """The key's public half and what it may be used for."""
    record = ctx.key(params)
    if record.key_spec in _NO_PUBLIC_KEY:
        raise _no_public_key(record)
    result: Result = {
        "KeyId": record.arn,
        "PublicKey": asymmetric.public_key_der(record.current_material()),
        "KeySpec": record.key_spec,
        "KeyUsage": record.key_usage,
    }
    legacy_spec = customer_master_key_spec(record.key_spec)
    if legacy_spec is not None:  # deprecated member; absent for Ed25519 and ML-DSA keys
        result["CustomerMasterKeySpec"] = legacy_spec
    result.update(metadata_algorithms(record.key_spec, record.key_usage))
    return result


@operation("DeriveSharedSecret")
def derive_shared_secret(ctx: Context, params: Params) -> Result:
    """ECDH between the key's private half and the caller's public key."""
    record = ctx.key(params)
    check_usage(record, ctx.operation)
    reject_recipient(ctx, params)
    secret = asymmetric.derive_shared_secret(record.current_material(), params["PublicKey"])
    check_dry_run(params)
    ctx.use(record)
    return {
        "KeyId": record.arn,
        "SharedSecret": secret,
        "KeyAgreementAlgorithm": params["KeyAgreementAlgorithm"],
        "KeyOrigin": record.origin,
    }
