"""GenerateMac and VerifyMac with HMAC (GENERATE_VERIFY_MAC) keys.

Standard RFC 2104 HMACs (``crypto.mac``). AWS facts used:

* A key of another usage: ``InvalidKeyUsageException`` ``<key-arn> key usage is
  ENCRYPT_DECRYPT which is not valid for GenerateMac.`` (VERIFIED, aws-recorded
  ``test_error_messaging_for_invalid_keys``).
* An algorithm of another key spec: ``InvalidKeyUsageException`` ``Algorithm
  HMAC_SHA_256 is incompatible with key spec HMAC_224.`` (VERIFIED, aws-recorded
  ``test_invalid_generate_mac[HMAC_224-HMAC_SHA_256]``).
* A MAC that does not match: ``KMSInvalidMacException`` with no message (VERIFIED,
  aws-recorded ``test_invalid_verify_mac[HMAC_256-HMAC_SHA_256-...]``); a match
  answers ``MacValid: true``.
* KeyId in the responses is the key ARN, as for Sign (INFERRED: the recordings
  mask it).
"""

from __future__ import annotations

from pytest_fakekms.crypto import mac
from pytest_fakekms.crypto.specs import check_mac_algorithm
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.base import Context, Params, Result, operation
from pytest_fakekms.operations.crypto_common import check_dry_run, key_and_algorithm


def _mac_key(ctx: Context, params: Params) -> tuple[KeyRecord, str]:
    return key_and_algorithm(ctx, params, "MacAlgorithm", check_mac_algorithm)


@operation("GenerateMac")
def generate_mac(ctx: Context, params: Params) -> Result:
    """The HMAC tag of Message under the key."""
    record, algorithm = _mac_key(ctx, params)
    tag = mac.generate_mac(record.current_material(), algorithm, params["Message"])
    check_dry_run(params)
    ctx.use(record)
    return {"Mac": tag, "MacAlgorithm": algorithm, "KeyId": record.arn}


@operation("VerifyMac")
def verify_mac(ctx: Context, params: Params) -> Result:
    """Check a tag; a wrong one is KMSInvalidMacException, never ``false``."""
    record, algorithm = _mac_key(ctx, params)
    material = record.current_material()
    if not mac.verify_mac(material, algorithm, params["Message"], params["Mac"]):
        raise KMSError("KMSInvalidMacException", None)
    check_dry_run(params)
    ctx.use(record)
    return {"KeyId": record.arn, "MacValid": True, "MacAlgorithm": algorithm}
