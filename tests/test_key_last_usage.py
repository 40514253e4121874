"""GetKeyLastUsage, and the last usage every key view shows, through real boto3 clients.

Facts (botocore 1.44 model, GetKeyLastUsage and KeyLastUsageData docs [BC]):

* it reports "the last successful cryptographic operation performed with a specified KMS
  key": its ``Operation`` (one of the model's ``KeyLastUsageTrackingOperation`` values),
  ``Timestamp``, ``KmsRequestId`` and ``CloudTrailEventId``; "If the key has not been
  used since tracking began, this response element is an empty object";
* "The ReEncrypt operation uses two keys ... Usage information is recorded for both keys
  independently, each with the CloudTrail event ID from the respective key owner's
  account";
* ``TrackingStartDate`` is "the date from which KMS began recording cryptographic
  activity for this key, or the date the KMS key was created, whichever is later";
* ``KeyId``: "use its key ID or key ARN. Alias names are not supported"; cross-account
  use: No; errors: NotFound, InvalidArn, DependencyTimeout, KMSInternal (no
  KMSInvalidStateException: any key state, as kms-facts §3.3 infers).

The fake's choices where the docs leave room: it tracks every key from its creation
(``TrackingStartDate`` = ``KeyCreationDate``), answers ``KeyId`` as the key id, and
derives the CloudTrail event id from the request id and the key owner's account.

Tests that call GetKeyLastUsage skip with a botocore too old to have the operation (1.43.11
and 1.44.8 have it); the key views' ``last_usage`` works with any.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import ACCOUNT, error_of, kms_client, state_of

from pytest_fakekms import FakeKMS, KeyState, KeyUsage
from pytest_fakekms.operations import load_all
from pytest_fakekms.operations.base import OPERATIONS

UUID4 = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
OTHER_ACCOUNT = "111122223333"


def _has_operation(kms: Any) -> bool:
    return "GetKeyLastUsage" in kms.meta.service_model.operation_names


@pytest.fixture
def kms(fake_kms: FakeKMS) -> Any:
    client = kms_client()
    if not _has_operation(client):
        pytest.skip("this botocore has no GetKeyLastUsage")
    return client


def _symmetric(fake: FakeKMS, **kwargs: Any) -> str:
    return fake.create_key(**kwargs).key_id


def _request_id(response: dict[str, Any]) -> str:
    return str(response["ResponseMetadata"]["RequestId"])


# --- what each operation does to the key ----------------------------------------------


def _encrypt(kms: Any, fake: FakeKMS) -> tuple[str, dict[str, Any]]:
    key_id = _symmetric(fake)
    return key_id, kms.encrypt(KeyId=key_id, Plaintext=b"secret")


def _decrypt(kms: Any, fake: FakeKMS) -> tuple[str, dict[str, Any]]:
    key_id = _symmetric(fake)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    return key_id, kms.decrypt(CiphertextBlob=blob)


def _data_key(operation: str, **extra: Any) -> Any:
    def run(kms: Any, fake: FakeKMS) -> tuple[str, dict[str, Any]]:
        key_id = _symmetric(fake)
        return key_id, getattr(kms, operation)(KeyId=key_id, **extra)

    return run


def _sign(kms: Any, fake: FakeKMS) -> tuple[str, dict[str, Any]]:
    key_id = _symmetric(fake, key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    return key_id, kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")


def _verify(kms: Any, fake: FakeKMS) -> tuple[str, dict[str, Any]]:
    key_id = _symmetric(fake, key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    signature = kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    return key_id, kms.verify(
        KeyId=key_id,
        Message=b"m",
        Signature=signature["Signature"],
        SigningAlgorithm="ECDSA_SHA_256",
    )


def _mac_key(fake: FakeKMS) -> str:
    return _symmetric(fake, key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC")


def _generate_mac(kms: Any, fake: FakeKMS) -> tuple[str, dict[str, Any]]:
    key_id = _mac_key(fake)
    return key_id, kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")


def _verify_mac(kms: Any, fake: FakeKMS) -> tuple[str, dict[str, Any]]:
    key_id = _mac_key(fake)
    tag = kms.generate_mac(KeyId=key_id, Message=b"m", MacAlgorithm="HMAC_SHA_256")["Mac"]
    return key_id, kms.verify_mac(KeyId=key_id, Message=b"m", Mac=tag, MacAlgorithm="HMAC_SHA_256")


def _ml_kem_key(kms: Any, fake: FakeKMS) -> str:
    if "Encapsulate" not in kms.meta.service_model.operation_names:
        pytest.skip("this botocore has no Encapsulate (botocore 1.44 brought it)")
    return _symmetric(fake, key_spec="ML_KEM_768", key_usage="ENCAPSULATE_DECAPSULATE")


def _encapsulate(kms: Any, fake: FakeKMS) -> tuple[str, dict[str, Any]]:
    key_id = _ml_kem_key(kms, fake)
    return key_id, kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM")


def _decapsulate(kms: Any, fake: FakeKMS) -> tuple[str, dict[str, Any]]:
    key_id = _ml_kem_key(kms, fake)
    blob = kms.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM")
    return key_id, kms.decapsulate(
        KeyId=key_id,
        EncapsulationAlgorithm="ML_KEM",
        SharedSecretCiphertextBlob=blob["SharedSecretCiphertextBlob"],
    )


def _derive_shared_secret(kms: Any, fake: FakeKMS) -> tuple[str, dict[str, Any]]:
    key_id = _symmetric(fake, key_spec="ECC_NIST_P256", key_usage="KEY_AGREEMENT")
    peer = _symmetric(fake, key_spec="ECC_NIST_P256", key_usage="KEY_AGREEMENT")
    public_key = kms.get_public_key(KeyId=peer)["PublicKey"]
    return key_id, kms.derive_shared_secret(
        KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=public_key
    )


#: Every tracked operation the fake implements, and a successful call of it.
USES = {
    "Encrypt": _encrypt,
    "Decrypt": _decrypt,
    "GenerateDataKey": _data_key("generate_data_key", NumberOfBytes=32),
    "GenerateDataKeyWithoutPlaintext": _data_key(
        "generate_data_key_without_plaintext", KeySpec="AES_256"
    ),
    "GenerateDataKeyPair": _data_key("generate_data_key_pair", KeyPairSpec="ECC_NIST_P256"),
    "GenerateDataKeyPairWithoutPlaintext": _data_key(
        "generate_data_key_pair_without_plaintext", KeyPairSpec="ECC_NIST_P256"
    ),
    "Sign": _sign,
    "Verify": _verify,
    "GenerateMac": _generate_mac,
    "VerifyMac": _verify_mac,
    "DeriveSharedSecret": _derive_shared_secret,
    "Encapsulate": _encapsulate,  # botocore 1.44
    "Decapsulate": _decapsulate,
}  # ReEncrypt uses two keys: its own tests below


def test_the_tracked_operations_are_the_models(kms: Any) -> None:
    """The model's KeyLastUsageTrackingOperation enum is what these tests cover (an older
    botocore's enum lacks Encapsulate and Decapsulate), and the fake implements them all."""
    load_all()
    output = kms.meta.service_model.operation_model("GetKeyLastUsage").output_shape
    tracked = set(output.members["KeyLastUsage"].members["Operation"].enum)
    assert tracked <= set(OPERATIONS)
    assert tracked == {*USES, "ReEncrypt"} & tracked
    assert {*USES, "ReEncrypt"} - tracked <= {"Encapsulate", "Decapsulate"}


def test_a_new_key_has_no_usage(kms: Any, fake_kms: FakeKMS) -> None:
    meta = kms.create_key()["KeyMetadata"]
    answer = kms.get_key_last_usage(KeyId=meta["Arn"])
    assert answer["KeyId"] == meta["KeyId"]
    assert answer["KeyLastUsage"] == {}  # present and empty, as the docs say
    assert answer["TrackingStartDate"] == meta["CreationDate"]
    assert answer["KeyCreationDate"] == meta["CreationDate"]
    assert fake_kms.key(meta["KeyId"]).last_usage is None


@pytest.mark.parametrize("operation", sorted(USES))
def test_a_successful_cryptographic_operation_is_the_keys_last_usage(
    kms: Any, fake_kms: FakeKMS, operation: str
) -> None:
    fake_kms.clock.advance(3600)
    key_id, response = USES[operation](kms, fake_kms)
    used_at = fake_kms.clock.now()
    fake_kms.clock.advance(60)  # the usage keeps its own time
    last = kms.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]
    assert last["Operation"] == operation
    assert last["Timestamp"] == used_at
    assert last["KmsRequestId"] == _request_id(response)
    assert re.fullmatch(UUID4, last["CloudTrailEventId"])
    assert last["CloudTrailEventId"] != last["KmsRequestId"]
    view = fake_kms.key(key_id).last_usage
    assert isinstance(view, KeyUsage)
    assert (view.operation, view.timestamp, view.request_id, view.cloudtrail_event_id) == (
        operation,
        used_at,
        last["KmsRequestId"],
        last["CloudTrailEventId"],
    )


def test_the_latest_use_wins_and_the_answer_is_stable(kms: Any, fake_kms: FakeKMS) -> None:
    key_id = _symmetric(fake_kms)
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"x")["CiphertextBlob"]
    fake_kms.clock.advance(10)
    decrypted = kms.decrypt(CiphertextBlob=blob)
    first = kms.get_key_last_usage(KeyId=key_id)
    second = kms.get_key_last_usage(KeyId=key_id)
    assert first["KeyLastUsage"] == second["KeyLastUsage"]
    assert first["KeyLastUsage"]["Operation"] == "Decrypt"
    assert first["KeyLastUsage"]["KmsRequestId"] == _request_id(decrypted)


def test_re_encrypt_records_both_keys(kms: Any, fake_kms: FakeKMS) -> None:
    source, destination = _symmetric(fake_kms), _symmetric(fake_kms)
    blob = kms.encrypt(KeyId=source, Plaintext=b"x")["CiphertextBlob"]
    response = kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=destination)
    for key_id in (source, destination):
        last = kms.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]
        assert last["Operation"] == "ReEncrypt"
        assert last["KmsRequestId"] == _request_id(response)
    # One account, one CloudTrail event.
    events = {
        kms.get_key_last_usage(KeyId=k)["KeyLastUsage"]["CloudTrailEventId"]
        for k in (source, destination)
    }
    assert len(events) == 1


def test_re_encrypt_across_accounts_gives_each_owner_its_own_event(
    kms: Any, fake_kms: FakeKMS
) -> None:
    """Each key's usage carries "the CloudTrail event ID from the respective key owner's
    account"; GetKeyLastUsage itself is not cross-account, so the other owner reads it
    through the key view."""
    source = _symmetric(fake_kms)
    other = fake_kms.create_key(account_id=OTHER_ACCOUNT)
    blob = kms.encrypt(KeyId=source, Plaintext=b"x")["CiphertextBlob"]
    response = kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=other.arn)
    mine = kms.get_key_last_usage(KeyId=source)["KeyLastUsage"]
    theirs = fake_kms.key(other.arn).last_usage
    assert theirs is not None
    assert theirs.operation == mine["Operation"] == "ReEncrypt"
    assert theirs.request_id == mine["KmsRequestId"] == _request_id(response)
    assert theirs.cloudtrail_event_id != mine["CloudTrailEventId"]


def _failures(kms: Any, fake: FakeKMS, key_id: str, sign_key: str, mac_key: str) -> list[Any]:
    """Requests that name the keys but do not succeed."""
    wrong_blob = kms.encrypt(KeyId=_symmetric(fake), Plaintext=b"x")["CiphertextBlob"]
    return [
        lambda: kms.encrypt(KeyId=key_id, Plaintext=b"x", DryRun=True),
        lambda: kms.decrypt(CiphertextBlob=wrong_blob, KeyId=key_id),
        lambda: kms.generate_data_key(KeyId=key_id),  # neither NumberOfBytes nor KeySpec
        lambda: kms.verify(
            KeyId=sign_key, Message=b"m", Signature=b"0" * 70, SigningAlgorithm="ECDSA_SHA_256"
        ),
        lambda: kms.verify_mac(
            KeyId=mac_key, Message=b"m", Mac=b"0" * 32, MacAlgorithm="HMAC_SHA_256"
        ),
        lambda: kms.sign(KeyId=sign_key, Message=b"m", SigningAlgorithm="RSASSA_PSS_SHA_256"),
    ]


def test_failed_requests_leave_the_last_usage_alone(kms: Any, fake_kms: FakeKMS) -> None:
    key_id = _symmetric(fake_kms)
    sign_key = _symmetric(fake_kms, key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    mac_key = _mac_key(fake_kms)
    failures = _failures(kms, fake_kms, key_id, sign_key, mac_key)
    for failing in failures:
        with pytest.raises(kms.exceptions.ClientError):
            failing()
    used = {k["key_id"] for k in state_of(fake_kms)["keys"] if "last_usage" in k}
    assert used.isdisjoint({key_id, sign_key, mac_key})  # only wrong_blob's key has one
    for key in (key_id, sign_key, mac_key):
        assert kms.get_key_last_usage(KeyId=key)["KeyLastUsage"] == {}


def test_injected_faults_and_refused_key_states_record_nothing(kms: Any, fake_kms: FakeKMS) -> None:
    key_id = _symmetric(fake_kms)
    fake_kms.inject_fault("Encrypt", "KMSInternalException")
    with pytest.raises(kms.exceptions.KMSInternalException):
        kms.encrypt(KeyId=key_id, Plaintext=b"x")
    kms.disable_key(KeyId=key_id)
    with pytest.raises(kms.exceptions.DisabledException):
        kms.encrypt(KeyId=key_id, Plaintext=b"x")
    assert kms.get_key_last_usage(KeyId=key_id)["KeyLastUsage"] == {}


def test_other_operations_are_not_usage(kms: Any, fake_kms: FakeKMS) -> None:
    """GetPublicKey, DescribeKey, GenerateRandom and the rest are not in the model's list."""
    key_id = _symmetric(fake_kms, key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    kms.get_public_key(KeyId=key_id)
    kms.describe_key(KeyId=key_id)
    kms.get_key_policy(KeyId=key_id)
    kms.generate_random(NumberOfBytes=8)
    kms.create_grant(KeyId=key_id, GranteePrincipal=fake_kms.caller, Operations=["Sign"])
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "k", "TagValue": "v"}])
    assert kms.get_key_last_usage(KeyId=key_id)["KeyLastUsage"] == {}


@pytest.mark.parametrize("state", list(KeyState))
def test_any_key_state_answers(kms: Any, fake_kms: FakeKMS, state: KeyState) -> None:
    key_id = _symmetric(fake_kms)
    kms.encrypt(KeyId=key_id, Plaintext=b"x")
    fake_kms.set_key_state(key_id, state)
    assert kms.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]["Operation"] == "Encrypt"


def test_aliases_are_refused_like_every_key_id_only_member(kms: Any, fake_kms: FakeKMS) -> None:
    """ "Alias names are not supported": the answer GetKeyPolicy (key id or ARN only)
    gives for the same alias name and alias ARN."""
    key_id = _symmetric(fake_kms)
    kms.create_alias(AliasName="alias/app", TargetKeyId=key_id)
    alias_arn = f"arn:aws:kms:{fake_kms.region}:{ACCOUNT}:alias/app"
    for name in ("alias/app", alias_arn):
        with pytest.raises(kms.exceptions.ClientError) as usage:
            kms.get_key_last_usage(KeyId=name)
        with pytest.raises(kms.exceptions.ClientError) as policy:
            kms.get_key_policy(KeyId=name)
        assert error_of(usage) == error_of(policy)


def test_another_accounts_key_is_not_found(kms: Any, fake_kms: FakeKMS) -> None:
    """Cross-account use: No."""
    other = fake_kms.create_key(account_id=OTHER_ACCOUNT)
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.get_key_last_usage(KeyId=other.arn)
    assert error_of(raised)[0] == "NotFoundException"


def test_the_last_usage_survives_a_saved_state(kms: Any, fake_kms: FakeKMS) -> None:
    from pytest_fakekms.persistence import dump_state, load_state

    key_id, _ = _sign(kms, fake_kms)
    last = kms.get_key_last_usage(KeyId=key_id)["KeyLastUsage"]
    saved = dump_state(fake_kms)
    assert saved["keys"][-1]["last_usage"]["operation"] == "Sign"
    restored = FakeKMS()  # not started: its views are enough
    load_state(saved, restored)
    usage = restored.key(key_id).last_usage
    assert usage == fake_kms.key(key_id).last_usage
    assert usage is not None
    assert (usage.operation, usage.timestamp, usage.request_id, usage.cloudtrail_event_id) == (
        last["Operation"],
        last["Timestamp"],
        last["KmsRequestId"],
        last["CloudTrailEventId"],
    )
