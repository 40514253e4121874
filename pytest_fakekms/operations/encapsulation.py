"""Encapsulate and Decapsulate: ML-KEM key encapsulation (botocore 1.44 model).

AWS facts used (botocore model documentation [BC]; no recorded answer yet):

* both need an ML-KEM key (KeySpec ML_KEM_512/768/1024, KeyUsage
  ENCAPSULATE_DECAPSULATE); any other key is InvalidKeyUsageException, with the
  VERIFIED text every data operation uses (``operations/crypto_common.py``);
* ``EncapsulationAlgorithm`` is required and ``ML_KEM`` is its only value;
* Encapsulate answers ``KeyId``, ``SharedSecret`` (32 random bytes),
  ``SharedSecretCiphertextBlob`` and ``EncapsulationAlgorithm``; Decapsulate answers
  ``KeyId``, ``SharedSecret`` and ``EncapsulationAlgorithm``. ``KeyId`` is the key ARN,
  as every other data operation answers it (INFERRED);
* Decapsulate: InvalidCiphertextException when the ciphertext's length does not fit
  the key spec, else a 32-byte value, pseudo-random for a ciphertext made for another
  key or altered (implicit rejection: ``crypto/asymmetric.py``);
* DryRun, once every other check has passed, as the other data operations.

ML_KEM_512 keys cannot be created: ``cryptography`` has no ML-KEM-512.
"""

from __future__ import annotations

from pytest_fakekms.crypto import asymmetric
from pytest_fakekms.crypto.specs import check_encapsulation_algorithm
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.operations.base import Context, Params, Result, operation
from pytest_fakekms.operations.crypto_common import check_dry_run, key_and_algorithm


def _encapsulation_key(ctx: Context, params: Params) -> tuple[KeyRecord, str]:
    return key_and_algorithm(ctx, params, "EncapsulationAlgorithm", check_encapsulation_algorithm)


@operation("Encapsulate")
def encapsulate(ctx: Context, params: Params) -> Result:
    """A new shared secret and its encapsulated form under the key's public half."""
    record, algorithm = _encapsulation_key(ctx, params)
    secret, ciphertext = asymmetric.encapsulate(record.current_material())
    check_dry_run(params)
    ctx.use(record)
    return {
        "KeyId": record.arn,
        "SharedSecret": secret,
        "SharedSecretCiphertextBlob": ciphertext,
        "EncapsulationAlgorithm": algorithm,
    }


@operation("Decapsulate")
def decapsulate(ctx: Context, params: Params) -> Result:
    """The shared secret an Encapsulate with this key produced."""
    record, algorithm = _encapsulation_key(ctx, params)
    secret = asymmetric.decapsulate(record.current_material(), params["SharedSecretCiphertextBlob"])
    check_dry_run(params)
    ctx.use(record)
    return {"KeyId": record.arn, "SharedSecret": secret, "EncapsulationAlgorithm": algorithm}
