"""The AWS Encryption SDK for Python against the fake, in process: envelope encryption
under two KMS keys (GenerateDataKey with one, Encrypt with the other), decryption with
either key alone, and a disabled key failing encryption with DisabledException.

The SDK checks that each response's KeyId is the ARN it asked for, so these tests also
pin the ARN form of the KeyId members."""

from __future__ import annotations

from typing import Any

import botocore.session
import pytest

aws_encryption_sdk = pytest.importorskip("aws_encryption_sdk")
from aws_encryption_sdk.exceptions import DecryptKeyError, GenerateKeyError  # noqa: E402
from aws_encryption_sdk.identifiers import CommitmentPolicy  # noqa: E402

CONTEXT = {"purpose": "test", "tenant": "a"}


@pytest.fixture
def session(fake_kms: Any) -> Any:
    """A botocore session with dummy credentials; the fake answers its KMS clients."""
    session = botocore.session.Session()
    session.set_credentials("AKIAEXAMPLEEXAMPLE00", "secret")
    session.set_config_variable("region", "us-east-1")
    return session


@pytest.fixture
def sdk() -> Any:
    return aws_encryption_sdk.EncryptionSDKClient(
        commitment_policy=CommitmentPolicy.REQUIRE_ENCRYPT_REQUIRE_DECRYPT
    )


def provider(session: Any, *arns: str) -> Any:
    return aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(
        key_ids=list(arns), botocore_session=session
    )


def test_envelope_encryption_with_two_keys(fake_kms: Any, session: Any, sdk: Any) -> None:
    first, second = fake_kms.create_key().arn, fake_kms.create_key().arn
    ciphertext, _ = sdk.encrypt(
        source=b"attack at dawn",
        key_provider=provider(session, first, second),
        encryption_context=CONTEXT,
    )
    assert [c.operation for c in fake_kms.calls] == ["GenerateDataKey", "Encrypt"]
    fake_kms.assert_called_once("GenerateDataKey", KeyId=first)
    fake_kms.assert_called_once("Encrypt", KeyId=second)
    for arn in (first, second):
        plaintext, header = sdk.decrypt(source=ciphertext, key_provider=provider(session, arn))
        assert plaintext == b"attack at dawn"
        assert header.encryption_context.items() >= CONTEXT.items()
        assert fake_kms.calls.last.operation == "Decrypt"
        assert fake_kms.calls.last.error is None


def test_a_key_outside_the_message_cannot_decrypt(fake_kms: Any, session: Any, sdk: Any) -> None:
    ciphertext, _ = sdk.encrypt(
        source=b"x", key_provider=provider(session, fake_kms.create_key().arn)
    )
    with pytest.raises(DecryptKeyError):
        sdk.decrypt(source=ciphertext, key_provider=provider(session, fake_kms.create_key().arn))


def test_disabled_key_fails_encryption(fake_kms: Any, session: Any, sdk: Any) -> None:
    key = fake_kms.create_key()
    fake_kms.set_key_state(key.key_id, "Disabled")
    with pytest.raises(GenerateKeyError):
        sdk.encrypt(source=b"x", key_provider=provider(session, key.arn))
    call = fake_kms.calls.one("GenerateDataKey")
    assert (call.error, call.error_message) == ("DisabledException", f"{key.arn} is disabled.")
