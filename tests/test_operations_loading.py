"""Operation modules that need ``cryptography`` or the policy engine load on first use
(issue #8: the first ``fake_kms`` test of a session); the table that says which
operations they hold must match what the modules register."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from pytest_fakekms import operations
from pytest_fakekms.operations import base
from pytest_fakekms.operations.base import LOADED_ON_FIRST_USE, OPERATIONS

#: What every session below starts with: a fresh interpreter, boto3 and a client.
_PROLOGUE = """
import sys
import boto3
from pytest_fakekms import FakeKMS

kms = boto3.client("kms", region_name="us-east-1", aws_access_key_id="AKIAEXAMPLE",
                   aws_secret_access_key="secret")
"""


def _runs_ok(session: str) -> None:
    """Run ``session`` in a fresh interpreter (earlier tests have imported everything):
    it must finish and print ``ok``."""
    done = subprocess.run(
        [sys.executable, "-c", session], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


_SESSION = (
    _PROLOGUE
    + """
with FakeKMS():
    key_id = kms.create_key(Description="no crypto yet")["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/app", TargetKeyId=key_id)
    kms.put_key_policy(KeyId=key_id, Policy=kms.get_key_policy(KeyId=key_id)["Policy"])
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "a"}])
    kms.describe_key(KeyId="alias/app")
    assert "cryptography" not in sys.modules, "loaded before any cryptographic call"
    blob = kms.encrypt(KeyId="alias/app", Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    assert "cryptography" in sys.modules
print("ok")
"""
)


def test_a_session_without_cryptographic_calls_never_imports_cryptography() -> None:
    """A fresh interpreter (earlier tests have imported everything): keys, aliases,
    policies and tags need no ``cryptography``; the first Encrypt loads its module."""
    _runs_ok(_SESSION)


_POLICY_ENGINE = "pytest_fakekms.policy.document"

_SESSION_WITHOUT_POLICIES = (
    _PROLOGUE
    + """
ENGINE = %r
with FakeKMS() as fake:
    key_id = kms.create_key(Description="no policy sent")["KeyMetadata"]["KeyId"]
    kms.describe_key(KeyId=key_id)
    text = kms.get_key_policy(KeyId=key_id)["Policy"]
    assert kms.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"]
    assert '"Sid" : "Enable IAM User Permissions"' in text
    assert fake.policy_history(key_id)[0].operation == "CreateKey"
    assert ENGINE not in sys.modules, "the policy engine loaded before any policy was sent"
    %s
print("ok")
"""
)

_FIRST_POLICY = {
    "PutKeyPolicy": "kms.put_key_policy(KeyId=key_id, Policy=text)",
    "CreateKey": "kms.create_key(Policy=text, BypassPolicyLockoutSafetyCheck=True)",
}


@pytest.mark.parametrize("first", sorted(_FIRST_POLICY))
def test_a_session_loads_the_policy_engine_with_its_first_policy(first: str) -> None:
    """A fresh interpreter: reading policies (GetKeyPolicy, ListKeyPolicies, the policy
    history of a key CreateKey gave the default policy) needs no policy engine; the
    first policy sent, by PutKeyPolicy or by CreateKey, loads it, and every later
    PutKeyPolicy is answered either way (issue #8: about 8 ms of a session's start)."""
    then = f"""{_FIRST_POLICY[first]}
    assert ENGINE in sys.modules
    kms.put_key_policy(KeyId=key_id, Policy=text.replace("IAM User", "IAM users"))
    assert "IAM users" in kms.get_key_policy(KeyId=key_id)["Policy"]
    assert len(fake.policy_history(key_id)) == 2 if {first!r} == "CreateKey" else 3"""
    session = _SESSION_WITHOUT_POLICIES % (_POLICY_ENGINE, then)
    _runs_ok(session)


_ASYMMETRIC = (
    "pytest_fakekms.crypto.asymmetric",
    "pytest_fakekms.crypto.private_keys",
    "cryptography.hazmat.primitives.serialization",
    "cryptography.hazmat.primitives.asymmetric.rsa",
)

_SYMMETRIC_SESSION = (
    _PROLOGUE
    + """
ASYMMETRIC = %r
with FakeKMS() as fake:
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
    data_key = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256")
    assert kms.decrypt(CiphertextBlob=data_key["CiphertextBlob"])["Plaintext"] == (
        data_key["Plaintext"])
    kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key_id)
    mac_key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")
    kms.generate_mac(KeyId=mac_key["KeyMetadata"]["KeyId"], Message=b"m",
                     MacAlgorithm="HMAC_SHA_256")
    loaded = [name for name in ASYMMETRIC if name in sys.modules]
    assert not loaded, f"a symmetric session loaded {loaded}"
    rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")["KeyMetadata"]
    sealed = kms.encrypt(KeyId=rsa["KeyId"], Plaintext=b"rsa",
                         EncryptionAlgorithm="RSAES_OAEP_SHA_256")["CiphertextBlob"]
    assert kms.decrypt(KeyId=rsa["KeyId"], CiphertextBlob=sealed,
                       EncryptionAlgorithm="RSAES_OAEP_SHA_256")["Plaintext"] == b"rsa"
    assert all(name in sys.modules for name in ASYMMETRIC if "serialization" not in name)
print("ok")
"""
)


def test_a_symmetric_session_never_loads_the_asymmetric_cryptography() -> None:
    """Encrypt, Decrypt, ReEncrypt, GenerateDataKey and GenerateMac with symmetric and
    HMAC keys need AES-GCM and HMAC only: the asymmetric modules (ours, and
    ``cryptography``'s RSA and EC) load with the first asymmetric key's first use, and
    its serialization module only with the first DER read or written (issue #8: a
    session's first Encrypt 16.3 -> 10.1 ms)."""
    session = _SYMMETRIC_SESSION % (_ASYMMETRIC,)
    _runs_ok(session)


_SIGNING_SESSION = (
    _PROLOGUE
    + """
SERIALIZATION = "cryptography.hazmat.primitives.serialization"
with FakeKMS():
    key_id = kms.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY")["KeyMetadata"]["KeyId"]
    signed = kms.sign(KeyId=key_id, Message=b"m", SigningAlgorithm="ECDSA_SHA_256")
    assert kms.verify(KeyId=key_id, Message=b"m", Signature=signed["Signature"],
                      SigningAlgorithm="ECDSA_SHA_256")["SignatureValid"]
    assert SERIALIZATION not in sys.modules, "Sign and Verify loaded the DER serialization"
    assert kms.get_public_key(KeyId=key_id)["PublicKey"][:1] == b"\\x30"  # DER SEQUENCE
    assert SERIALIZATION in sys.modules
print("ok")
"""
)


def test_signing_never_loads_the_der_serialization_until_a_public_key_is_read() -> None:
    """``cryptography``'s serialization module (about 5 ms, mostly its SSH support) loads
    with the first call that reads or writes DER (GetPublicKey here), not with the
    first Sign (issue #8: a session's first Sign 16.3 -> 11.6 ms)."""
    _runs_ok(_SIGNING_SESSION)


def test_the_first_use_table_matches_what_the_modules_register() -> None:
    operations.load_all()
    lazy_modules = {f"pytest_fakekms.operations.{m}" for m in LOADED_ON_FIRST_USE.values()}
    registered = {
        name: function.__module__
        for name, function in OPERATIONS.items()
        if function.__module__ in lazy_modules
    }
    expected = {
        name: f"pytest_fakekms.operations.{module}" for name, module in LOADED_ON_FIRST_USE.items()
    }
    assert registered == expected


def test_load_for_an_unimplemented_or_unknown_operation_is_none() -> None:
    assert operations.load_for("NoSuchOperation") is None
    assert operations.load_for("Encrypt") is OPERATIONS["Encrypt"]


def test_a_first_use_operation_is_answered_only_once_its_module_is_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While its module is being imported, a first-use operation's function waits in
    PENDING: a request on another thread finds nothing in OPERATIONS, goes through
    load_for and so waits for the import lock, instead of running a function whose
    module has not yet defined the names below it (key_import.py has helpers after its
    operations)."""
    monkeypatch.setattr(base, "OPERATIONS", {})
    monkeypatch.setattr(base, "PENDING", {})
    monkeypatch.setattr(operations, "OPERATIONS", base.OPERATIONS)
    monkeypatch.setattr(operations, "PENDING", base.PENDING)

    @base.operation("ImportKeyMaterial")
    def half_imported(ctx: Any, params: Any) -> Any:
        return {}

    @base.operation("CreateKey")
    def core(ctx: Any, params: Any) -> Any:
        return {}

    answered, pending = base.OPERATIONS, base.PENDING
    assert answered == {"CreateKey": core}
    assert pending == {"ImportKeyMaterial": half_imported}
    assert operations.load_for("ImportKeyMaterial") is half_imported  # module imported: moved
    assert base.OPERATIONS["ImportKeyMaterial"] is half_imported


def test_a_new_fake_does_not_import_the_core_modules_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every fake (every test) calls ``load_core``; once the core modules are in, it
    costs nothing (eight ``import_module`` look-ups were about a fifth of a fake's
    start + stop, 48 -> 38 µs)."""
    from pytest_fakekms import FakeKMS

    FakeKMS()
    looked_up: list[str] = []
    # operations.load_core calls importlib.import_module: the module's attribute, patched.
    monkeypatch.setattr("importlib.import_module", lambda name: looked_up.append(name))
    with FakeKMS():
        pass
    assert looked_up == []
