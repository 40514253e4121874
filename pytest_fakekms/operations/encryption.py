"""Encrypt, Decrypt and ReEncrypt, on symmetric (AES-GCM blob) and RSA (raw OAEP) keys.

How a ciphertext finds its key
------------------------------
A symmetric ciphertext is the fake's self-describing blob (``crypto.symmetric``): it
names its key id and material version, so Decrypt needs no KeyId, as on AWS
(Decrypt ``KeyId`` docs). The key named inside the blob is looked up in the
caller's account and Region (the blob carries no account or Region) and then
goes through the key-state table for the operation, exactly like a KeyId in the
request: a disabled key gives ``DisabledException`` ``<arn> is disabled.``.
When the request also names a key, it is resolved (and state-checked) first and
must be the blob's key, else ``IncorrectKeyException`` with AWS's text (VERIFIED,
aws-recorded ``test_error_messaging_for_invalid_keys`` "decrypt-invalid-key-id",
``test_re_encrypt_incorrect_source_key``). A blob naming a key that no longer
exists gives ``NotFoundException`` ``Key '<arn>' does not exist``, the resolver's
usual answer (INFERRED: AWS's answer for a deleted key's ciphertext is not on
record; Decrypt declares NotFoundException).

An RSA ciphertext is the raw RSAES-OAEP output, so it names no key: the request
must name the RSA key (Decrypt ``KeyId`` docs: "required only when the ciphertext
was encrypted under an asymmetric KMS key"), and its EncryptionAlgorithm, which
defaults to ``SYMMETRIC_DEFAULT`` and therefore fails for RSA keys with AWS's
``Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_4096.`` (real-AWS
output, github.com/zalando/spring-cloud-config-aws-kms/issues/82). An RSA
ciphertext that opens only with the other OAEP hash gives
``IncorrectKeyException`` (INFERRED from the Terraform provider's docs, PR
hashicorp/terraform-provider-aws#28604: "else you will get IncorrectKeyException").

Every other failure to open a ciphertext (wrong context, tampered bytes, unknown
material version) is ``InvalidCiphertextException`` with no message (VERIFIED,
aws-recorded ``test_encrypt_decrypt_encryption_context``; kms-facts §5.3).

Guesses, marked in the docs: an EncryptionContext sent with an RSA key is refused
with ``ValidationException`` (the Encrypt docs say a context is "supported only on
operations with symmetric encryption KMS keys"; the fake's wording), and
``DryRunModifiers: [IGNORE_CIPHERTEXT]`` without the key member is a
``ValidationException`` in the fake's wording.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

from pytest_fakekms import errors
from pytest_fakekms.crypto import symmetric
from pytest_fakekms.crypto.specs import check_encryption_algorithm
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.base import Context, Params, Result, operation
from pytest_fakekms.operations.crypto_common import check_dry_run, check_usage, missing_member

if TYPE_CHECKING:
    from pytest_fakekms.crypto.material import Material

#: The EncryptionAlgorithm AWS assumes when the request gives none (Encrypt docs).
DEFAULT_ALGORITHM = "SYMMETRIC_DEFAULT"
_RSA_ALGORITHMS = ("RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256")
#: The fake's wording (see the module docstring).
CONTEXT_NEEDS_SYMMETRIC_KEY = (
    "EncryptionContext is supported only with symmetric encryption KMS keys."
)


class Sealed(NamedTuple):  # a tuple: built in C, where a frozen dataclass sets each field
    """A ciphertext and, for symmetric keys, the id of the material that made it."""

    blob: bytes
    material_id: str | None


class Opened(NamedTuple):
    """A decrypted ciphertext: whose key, what plaintext, which algorithm and material."""

    record: KeyRecord
    plaintext: bytes
    algorithm: str
    material_id: str | None


def seal(
    record: KeyRecord, plaintext: bytes, algorithm: str, context: Mapping[str, str] | None
) -> Sealed:
    """Encrypt ``plaintext`` under an ENCRYPT_DECRYPT key with ``algorithm``."""
    check_encryption_algorithm(record.key_spec, algorithm)
    material = record.current_material()
    if record.key_spec == "SYMMETRIC_DEFAULT":
        blob = symmetric.encrypt(record.key_id, material, plaintext, context)
        return Sealed(blob, material.material_id)
    _refuse_context(context)
    from pytest_fakekms.crypto import asymmetric  # RSA: loaded by the first use (issue #8)

    return Sealed(asymmetric.encrypt(material, algorithm, plaintext), None)


def open_ciphertext(ctx: Context, params: Params, *, prefix: str = "") -> Opened:
    """Decrypt ``params["CiphertextBlob"]``; ``prefix`` is ``"Source"`` for ReEncrypt's
    members (SourceKeyId, SourceEncryptionAlgorithm, SourceEncryptionContext)."""
    member = f"{prefix}KeyId"
    named = ctx.key(params, member) if member in params else None
    if "CiphertextBlob" not in params:  # optional in the model only for IGNORE_CIPHERTEXT
        raise missing_member("CiphertextBlob")
    blob: bytes = params["CiphertextBlob"]
    algorithm: str = params.get(f"{prefix}EncryptionAlgorithm", DEFAULT_ALGORITHM)
    context = params.get(f"{prefix}EncryptionContext")
    if named is not None and _is_rsa_encryption_key(named):
        return _open_rsa(named, algorithm, blob, context)
    parts = symmetric.split_blob(blob)
    if named is not None and named.key_id != parts.key_id:
        raise incorrect_key()
    record = named or ctx.key({member: parts.key_id}, member)
    check_usage(record, ctx.operation)
    check_encryption_algorithm(record.key_spec, algorithm)
    material = record.material(parts.material_version)
    if material is None:
        raise symmetric.invalid_ciphertext()
    plaintext = symmetric.decrypt(material, parts, context)
    return Opened(record, plaintext, algorithm, material.material_id)


def incorrect_key() -> KMSError:
    """AWS's IncorrectKeyException (VERIFIED text, errors.INCORRECT_KEY_MESSAGE)."""
    return KMSError("IncorrectKeyException", errors.INCORRECT_KEY_MESSAGE)


def _is_rsa_encryption_key(record: KeyRecord) -> bool:
    return record.key_usage == "ENCRYPT_DECRYPT" and record.key_spec != "SYMMETRIC_DEFAULT"


def _open_rsa(
    record: KeyRecord, algorithm: str, blob: bytes, context: Mapping[str, str] | None
) -> Opened:
    _refuse_context(context)
    from pytest_fakekms.crypto import asymmetric  # RSA: loaded by the first use (issue #8)

    material = record.current_material()
    try:
        plaintext = asymmetric.decrypt(material, algorithm, blob)
    except KMSError as error:
        others = [a for a in _RSA_ALGORITHMS if a != algorithm]
        if error.code == "InvalidCiphertextException" and any(
            _opens_with(material, other, blob) for other in others
        ):
            raise incorrect_key() from None
        raise
    return Opened(record, plaintext, algorithm, None)


def _opens_with(material: Material, algorithm: str, blob: bytes) -> bool:
    from pytest_fakekms.crypto import asymmetric

    try:
        asymmetric.decrypt(material, algorithm, blob)
    except KMSError:
        return False
    return True


def _refuse_context(context: Mapping[str, str] | None) -> None:
    if context:
        raise errors.validation(CONTEXT_NEEDS_SYMMETRIC_KEY)


def _ignores_ciphertext(params: Params) -> bool:
    """DryRun with IGNORE_CIPHERTEXT: authorization checks only (Decrypt DryRunModifiers)."""
    return bool(params.get("DryRun")) and "IGNORE_CIPHERTEXT" in params.get("DryRunModifiers", ())


def _check_key_without_ciphertext(ctx: Context, params: Params, member: str) -> None:
    if member not in params:  # the fake's wording
        raise errors.validation(
            f"{member} is required when DryRunModifiers includes IGNORE_CIPHERTEXT."
        )
    check_usage(ctx.key(params, member), ctx.operation)


def _destination(ctx: Context, params: Params) -> tuple[KeyRecord, str]:
    record = ctx.key(params, "DestinationKeyId")
    check_usage(record, ctx.operation)
    algorithm: str = params.get("DestinationEncryptionAlgorithm", DEFAULT_ALGORITHM)
    check_encryption_algorithm(record.key_spec, algorithm)
    return record, algorithm


@operation("Encrypt")
def encrypt(ctx: Context, params: Params) -> Result:
    """Encrypt up to 4096 bytes (the model's limit) under a symmetric or RSA key."""
    record = ctx.key(params)
    check_usage(record, ctx.operation)
    algorithm: str = params.get("EncryptionAlgorithm", DEFAULT_ALGORITHM)
    sealed = seal(record, params["Plaintext"], algorithm, params.get("EncryptionContext"))
    check_dry_run(params)
    ctx.use(record)
    # KeyId is the key ARN (Encrypt response docs; kms-facts §1.1).
    return {"CiphertextBlob": sealed.blob, "KeyId": record.arn, "EncryptionAlgorithm": algorithm}


@operation("Decrypt")
def decrypt(ctx: Context, params: Params) -> Result:
    """Open a ciphertext; KeyMaterialId only for symmetric keys (Decrypt response docs)."""
    if _ignores_ciphertext(params):
        _check_key_without_ciphertext(ctx, params, "KeyId")
        check_dry_run(params)
    opened = open_ciphertext(ctx, params)
    check_dry_run(params)
    ctx.use(opened.record)
    result: Result = {
        "KeyId": opened.record.arn,
        "Plaintext": opened.plaintext,
        "EncryptionAlgorithm": opened.algorithm,
    }
    if opened.material_id is not None:
        result["KeyMaterialId"] = opened.material_id  # aws-recorded 2025 Decrypt response
    return result


@operation("ReEncrypt")
def re_encrypt(ctx: Context, params: Params) -> Result:
    """Decrypt under the blob's (or SourceKeyId's) key, encrypt under DestinationKeyId."""
    if _ignores_ciphertext(params):
        _check_key_without_ciphertext(ctx, params, "SourceKeyId")
        _destination(ctx, params)
        check_dry_run(params)
    opened = open_ciphertext(ctx, params, prefix="Source")
    destination, algorithm = _destination(ctx, params)
    context = params.get("DestinationEncryptionContext")
    sealed = seal(destination, opened.plaintext, algorithm, context)
    check_dry_run(params)
    ctx.use(opened.record, destination)  # both keys record the use (GetKeyLastUsage docs)
    # Both key members are key ARNs (aws-recorded test_re_encrypt: SourceKeyId "<key-arn>").
    result: Result = {
        "CiphertextBlob": sealed.blob,
        "SourceKeyId": opened.record.arn,
        "KeyId": destination.arn,
        "SourceEncryptionAlgorithm": opened.algorithm,
        "DestinationEncryptionAlgorithm": algorithm,
    }
    if opened.material_id is not None:
        result["SourceKeyMaterialId"] = opened.material_id
    if sealed.material_id is not None:
        result["DestinationKeyMaterialId"] = sealed.material_id
    return result
