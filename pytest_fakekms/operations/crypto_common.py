"""What every data operation checks after the key-state table: key usage, DryRun, Recipient.

The data operations (``encryption``, ``data_keys``, ``signing``, ``public_keys``,
``macs``) resolve their key with :meth:`Context.key`, which applies the key-state
table, and then call these in AWS's order (kms-facts §1.1: key resolution, key
state, then the operation's own checks):

* :func:`check_usage`: the key's KeyUsage must be the one the operation needs,
  else ``InvalidKeyUsageException`` ``<key-arn> key usage is ENCRYPT_DECRYPT
  which is not valid for Sign.`` (VERIFIED, aws-recorded
  ``test_error_messaging_for_invalid_keys`` for GenerateMac, Sign, Verify and
  Encrypt, ``test_derive_shared_secret`` for DeriveSharedSecret; real-AWS output
  for Encrypt also in github.com/jonathankeebler/jwt-kms/issues/4).
* :func:`check_dry_run`: ``DryRun: true`` answers ``DryRunOperationException``
  ``The request would have succeeded, but the DryRun option is set.`` once every
  other check has passed (VERIFIED for GenerateDataKeyPair and
  GenerateDataKeyPairWithoutPlaintext, aws-recorded
  ``test_generate_data_key_pair_dry_run`` and ``..._without_plaintext_dry_run``;
  INFERRED for the other operations that have the member).
* :func:`reject_recipient`: the Nitro Enclaves ``Recipient`` member needs an
  attestation document signed by AWS, which a fake cannot check; the request is
  refused with a clear message (the fake's decision).
"""

from __future__ import annotations

from collections.abc import Callable

from pytest_fakekms import errors, model
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.base import Context, Params

#: aws-recorded test_generate_data_key_pair_dry_run (VERIFIED).
DRY_RUN_MESSAGE = "The request would have succeeded, but the DryRun option is set."

#: The KeyUsage each data operation needs (botocore model operation docs).
REQUIRED_USAGE: dict[str, str] = {
    **dict.fromkeys(
        (
            "Encrypt",
            "Decrypt",
            "ReEncrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
        ),
        "ENCRYPT_DECRYPT",
    ),
    "Sign": "SIGN_VERIFY",
    "Verify": "SIGN_VERIFY",
    "GenerateMac": "GENERATE_VERIFY_MAC",
    "VerifyMac": "GENERATE_VERIFY_MAC",
    "DeriveSharedSecret": "KEY_AGREEMENT",
    "Encapsulate": "ENCAPSULATE_DECAPSULATE",
    "Decapsulate": "ENCAPSULATE_DECAPSULATE",
}


def invalid_key_usage(record: KeyRecord, operation: str) -> KMSError:
    """AWS's InvalidKeyUsageException naming the key's usage and the operation (VERIFIED)."""
    return KMSError(
        "InvalidKeyUsageException",
        f"{record.arn} key usage is {record.key_usage} which is not valid for {operation}.",
    )


def check_usage(record: KeyRecord, operation: str) -> None:
    """Raise InvalidKeyUsageException unless ``record`` has the usage ``operation`` needs."""
    if record.key_usage != REQUIRED_USAGE[operation]:
        raise invalid_key_usage(record, operation)


def key_and_algorithm(
    ctx: Context, params: Params, member: str, check: Callable[[str, str], None]
) -> tuple[KeyRecord, str]:
    """The request's key, its usage checked, and the algorithm ``params[member]``, which
    ``check(key_spec, algorithm)`` refuses if the key spec does not support it (the order
    AWS checks them: kms-facts §1.1)."""
    record = ctx.key(params)
    check_usage(record, ctx.operation)
    algorithm: str = params[member]
    check(record.key_spec, algorithm)
    return record, algorithm


def check_dry_run(params: Params) -> None:
    """Raise DryRunOperationException when the request asked for a dry run."""
    if params.get("DryRun"):
        raise KMSError("DryRunOperationException", DRY_RUN_MESSAGE)


def reject_recipient(ctx: Context, params: Params) -> None:
    """Refuse the Nitro Enclaves ``Recipient`` member, which the fake cannot honour.

    UnsupportedOperationException where the operation declares it, else the
    protocol-level ValidationException (the fake's wording either way).
    """
    if "Recipient" not in params:
        return
    code = (
        "UnsupportedOperationException"
        if "UnsupportedOperationException" in model.declared_errors(ctx.operation)
        else "ValidationException"
    )
    raise KMSError(
        code,
        "pytest-fakekms does not support the Recipient parameter: it cannot verify "
        "a Nitro Enclaves attestation document.",
    )


def missing_member(member: str) -> KMSError:
    """A member the operation needs here is absent, in AWS's validation format (INFERRED,
    see :mod:`pytest_fakekms.validation`)."""
    path = member[0].lower() + member[1:]
    return errors.validation(
        f"1 validation error detected: Value null at '{path}' failed to satisfy constraint: "
        "Member must not be null"
    )
