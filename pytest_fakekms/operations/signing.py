"""Sign and Verify with SIGN_VERIFY keys (RSA, ECC, Ed25519, ML-DSA).

Signatures are standard (see ``crypto.asymmetric``), so anyone holding the public
key from GetPublicKey can verify them outside KMS. AWS facts used:

* Checks in AWS's order: key state (the table), key usage (``<key-arn> key usage
  is GENERATE_VERIFY_MAC which is not valid for Sign.``, VERIFIED: aws-recorded
  ``test_error_messaging_for_invalid_keys`` gives the usage error for an HMAC key
  with an RSA algorithm, so usage comes before the algorithm), then the algorithm
  (``Algorithm <alg> is incompatible with key spec <spec>.``), then the digest
  length for MessageType DIGEST (``Digest is invalid length for algorithm <alg>.``,
  VERIFIED, aws-recorded ``test_sign_verify[*]`` "bad-digest").
* MessageType defaults to RAW (Sign/Verify docs).
* A signature that does not verify: ``KMSInvalidSignatureException`` with no
  message (VERIFIED, aws-recorded ``test_sign_verify[*]`` "bad-signature"); a valid
  one answers ``SignatureValid: true``.
* KeyId in both responses is the key ARN (VERIFIED, aws-recorded
  ``test_import_key_ecc_keys[*]`` "sign-result" and "verify-result").
"""

from __future__ import annotations

from pytest_fakekms.crypto import asymmetric
from pytest_fakekms.crypto.specs import check_signing_algorithm
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.base import Context, Params, Result, operation
from pytest_fakekms.operations.crypto_common import check_dry_run, key_and_algorithm


def _signing_key(ctx: Context, params: Params) -> tuple[KeyRecord, str, str]:
    """The key, algorithm and message type of a Sign or Verify request, checked."""
    # The algorithm is checked before any RSA key is generated.
    record, algorithm = key_and_algorithm(ctx, params, "SigningAlgorithm", check_signing_algorithm)
    return record, algorithm, params.get("MessageType", "RAW")


@operation("Sign")
def sign(ctx: Context, params: Params) -> Result:
    """Sign a message (RAW) or a digest (DIGEST) with the key's private half."""
    record, algorithm, message_type = _signing_key(ctx, params)
    material = record.current_material()
    signature = asymmetric.sign(material, params["Message"], message_type, algorithm)
    check_dry_run(params)
    ctx.use(record)
    return {"KeyId": record.arn, "Signature": signature, "SigningAlgorithm": algorithm}


@operation("Verify")
def verify(ctx: Context, params: Params) -> Result:
    """Check a signature; a bad one is KMSInvalidSignatureException, never ``false``."""
    record, algorithm, message_type = _signing_key(ctx, params)
    material = record.current_material()
    valid = asymmetric.verify(
        material, params["Message"], message_type, algorithm, params["Signature"]
    )
    if not valid:
        raise KMSError("KMSInvalidSignatureException", None)
    check_dry_run(params)
    ctx.use(record)
    return {"KeyId": record.arn, "SignatureValid": True, "SigningAlgorithm": algorithm}
