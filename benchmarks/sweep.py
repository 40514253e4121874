"""Every operation the fake implements, against botocore's floor (issue #8).

Usage::

    python benchmarks/sweep.py            # about two minutes
    python benchmarks/sweep.py --quick    # smoke test, about half a minute

``bench.py`` times the operations issue #8 names; this script times the others
too, so that no operation is slow unnoticed. Each case is one boto3 call (or a
pair that undoes itself, such as CreateAlias + DeleteAlias, where the call cannot
be repeated alone) made two ways in one process:

* **fake**: the call while ``FakeKMS()`` is active;
* **floor**: a plain client whose ``before-send`` handler returns, for each
  operation, the very body the fake answered for that call, captured once before
  the rounds. botocore then parses the same bytes in both columns, so fake / floor
  is the price of the fake alone: decoding, validation, the operation, encoding and
  recording, including any cryptography the operation has to do.

Batches, interleaved rounds and paired ratios are those of ``bench.py`` (see
``timing.py``). The results are printed and written to ``benchmarks/sweep.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import functools
import hashlib
import hmac
import itertools
import os
import platform
import secrets
import sys
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import botocore
import botocore.session
from botocore.awsrequest import AWSResponse
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from shared import (
    GRANTEE,
    MESSAGE,
    PLAINTEXT,
    ROOT,
    command_line,
    make_client,
    p256_signer,
    us,
)
from timing import (  # benchmarks/ is on sys.path when a script there runs
    Call,
    Client,
    Series,
    calibrate,
    canned_response,
    interleave,
    min_ratio,
    paired_ratio,
    progress,
    timed_batch,
)

from pytest_fakekms import FakeKMS
from pytest_fakekms.operations import load_all
from pytest_fakekms.operations.base import OPERATIONS

RESULTS = Path(__file__).resolve().parent / "sweep.md"
#: A peer's public key for DeriveSharedSecret (DER SubjectPublicKeyInfo)
_PEER_PUBLIC_KEY = (
    ec.generate_private_key(ec.SECP256R1())
    .public_key()
    .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
)
#: Above this fake / floor a row is marked (the per-operation goal of issue #8).
GOAL = 1.15


@dataclasses.dataclass(frozen=True)
class Settings:
    rounds: int
    batch_seconds: float
    max_batch: int


FULL = Settings(rounds=11, batch_seconds=0.03, max_batch=1000)
QUICK = Settings(rounds=3, batch_seconds=0.01, max_batch=300)


# --- the cryptography a call cannot skip -----------------------------------------------------
# What the "floor + crypto" column does per request, with the C libraries the fake uses.


def _aead() -> AESGCM:
    return AESGCM(AESGCM.generate_key(bit_length=256))


def _seal(size: int) -> Call:
    aead, data = _aead(), secrets.token_bytes(size)
    return lambda: aead.encrypt(os.urandom(12), data, None)


def _open(size: int) -> Call:
    aead, nonce = _aead(), os.urandom(12)
    sealed = aead.encrypt(nonce, secrets.token_bytes(size), None)
    return lambda: aead.decrypt(nonce, sealed, None)


def _open_and_seal() -> Call:
    open_, seal = _open(len(PLAINTEXT)), _seal(len(PLAINTEXT))
    return lambda: (open_(), seal())


def _new_data_key() -> Call:
    seal = _seal(32)
    return lambda: (secrets.token_bytes(32), seal())


def _new_key_pair() -> Call:
    aead = _aead()

    def work() -> object:
        key = ec.generate_private_key(ec.SECP256R1())
        private = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return aead.encrypt(os.urandom(12), private, None)

    return work


def _ecdsa_sign() -> Call:
    sign = p256_signer()
    return lambda: sign(MESSAGE)


def _hmac() -> Call:
    secret = secrets.token_bytes(32)
    return lambda: hmac.new(secret, MESSAGE, hashlib.sha256).digest()


def _hmac_check() -> Call:
    secret = secrets.token_bytes(32)
    expected = hmac.new(secret, MESSAGE, hashlib.sha256).digest()
    return lambda: hmac.compare_digest(hmac.new(secret, MESSAGE, hashlib.sha256).digest(), expected)


def _ecdh() -> Call:
    key = ec.generate_private_key(ec.SECP256R1())

    def work() -> bytes:
        peer = serialization.load_der_public_key(_PEER_PUBLIC_KEY)
        assert isinstance(peer, ec.EllipticCurvePublicKey)
        return key.exchange(ec.ECDH(), peer)

    return work


def _ml_kem_key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import mlkem  # cryptography >= 48

    return mlkem.MLKEM768PrivateKey.generate()


def _ml_kem_encapsulate() -> Call:
    public = _ml_kem_key().public_key()
    return lambda: public.encapsulate()


def _ml_kem_decapsulate() -> Call:
    key = _ml_kem_key()
    _, ciphertext = key.public_key().encapsulate()
    return lambda: key.decapsulate(ciphertext)


@dataclasses.dataclass(frozen=True)
class Crypto:
    """The cryptography an operation's answer cannot skip."""

    operation: str
    what: str
    #: makes the work (keys and inputs made here, untimed); the work is then done per request
    make: Callable[[], Call]


# --- cases ---------------------------------------------------------------------------------


def _key(client: Client, **kwargs: Any) -> str:
    key_id: str = client.create_key(**kwargs)["KeyMetadata"]["KeyId"]
    return key_id


def _symmetric(make: Callable[[Client, str], Call]) -> Callable[[Client], Call]:
    """A case on a new symmetric encryption key."""
    return lambda client: make(client, _key(client))


def _of_spec(
    spec: str, usage: str, make: Callable[[Client, str], Call]
) -> Callable[[Client], Call]:
    """A case on a new key of ``spec`` and ``usage``."""
    return lambda client: make(client, _key(client, KeySpec=spec, KeyUsage=usage))


def _decrypt(client: Client, key_id: str) -> Call:
    blob = client.encrypt(KeyId=key_id, Plaintext=PLAINTEXT)["CiphertextBlob"]
    return lambda: client.decrypt(CiphertextBlob=blob)


def _re_encrypt(client: Client, key_id: str) -> Call:
    blob = client.encrypt(KeyId=key_id, Plaintext=PLAINTEXT)["CiphertextBlob"]
    return lambda: client.re_encrypt(CiphertextBlob=blob, DestinationKeyId=key_id)


def _verify(client: Client, key_id: str) -> Call:
    signature = client.sign(
        KeyId=key_id, Message=MESSAGE, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
    )["Signature"]
    return lambda: client.verify(
        KeyId=key_id,
        Message=MESSAGE,
        MessageType="RAW",
        Signature=signature,
        SigningAlgorithm="ECDSA_SHA_256",
    )


def _verify_mac(client: Client, key_id: str) -> Call:
    mac = client.generate_mac(KeyId=key_id, Message=MESSAGE, MacAlgorithm="HMAC_SHA_256")["Mac"]
    return lambda: client.verify_mac(
        KeyId=key_id, Message=MESSAGE, MacAlgorithm="HMAC_SHA_256", Mac=mac
    )


def _derive(client: Client, key_id: str) -> Call:
    return lambda: client.derive_shared_secret(
        KeyId=key_id, KeyAgreementAlgorithm="ECDH", PublicKey=_PEER_PUBLIC_KEY
    )


def _last_usage(client: Client, key_id: str) -> Call:
    client.encrypt(KeyId=key_id, Plaintext=PLAINTEXT)  # so that the key has a last usage
    return lambda: client.get_key_last_usage(KeyId=key_id)


def _encapsulate(client: Client, key_id: str) -> Call:
    return lambda: client.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM")


def _decapsulate(client: Client, key_id: str) -> Call:
    blob = client.encapsulate(KeyId=key_id, EncapsulationAlgorithm="ML_KEM")[
        "SharedSecretCiphertextBlob"
    ]
    return lambda: client.decapsulate(
        KeyId=key_id, SharedSecretCiphertextBlob=blob, EncapsulationAlgorithm="ML_KEM"
    )


def _alias_pair(client: Client, key_id: str) -> Call:
    def call() -> object:
        client.create_alias(AliasName="alias/sweep", TargetKeyId=key_id)
        return client.delete_alias(AliasName="alias/sweep")

    return call


def _update_alias(client: Client) -> Call:
    targets = itertools.cycle([_key(client), _key(client)])
    client.create_alias(AliasName="alias/sweep", TargetKeyId=next(targets))
    return lambda: client.update_alias(AliasName="alias/sweep", TargetKeyId=next(targets))


def _list_aliases(client: Client, key_id: str) -> Call:
    client.create_alias(AliasName="alias/sweep", TargetKeyId=key_id)
    return lambda: client.list_aliases()


def _grant(client: Client, key_id: str, **extra: Any) -> dict[str, Any]:
    grant: dict[str, Any] = client.create_grant(
        KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Encrypt", "Decrypt"], **extra
    )
    return grant


def _grant_revoke(client: Client, key_id: str) -> Call:
    def call() -> object:
        grant_id = _grant(client, key_id)["GrantId"]
        return client.revoke_grant(KeyId=key_id, GrantId=grant_id)

    return call


def _grant_retire(client: Client, key_id: str) -> Call:
    def call() -> object:
        token = _grant(client, key_id, RetiringPrincipal=ROOT)["GrantToken"]
        return client.retire_grant(GrantToken=token)

    return call


def _list_grants(client: Client, key_id: str) -> Call:
    _grant(client, key_id)
    return lambda: client.list_grants(KeyId=key_id)


def _list_retirable(client: Client, key_id: str) -> Call:
    _grant(client, key_id, RetiringPrincipal=ROOT)
    return lambda: client.list_retirable_grants(RetiringPrincipal=ROOT)


def _schedule_cancel(client: Client, key_id: str) -> Call:
    def call() -> object:
        client.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        return client.cancel_key_deletion(KeyId=key_id)

    return call


def _tag(client: Client, key_id: str) -> Call:
    return lambda: client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "a"}])


def _list_tags(client: Client, key_id: str) -> Call:
    client.tag_resource(KeyId=key_id, Tags=[{"TagKey": "team", "TagValue": "a"}])
    return lambda: client.list_resource_tags(KeyId=key_id)


def _rotate_new_key(client: Client) -> Call:
    """A key takes 25 on-demand rotations (quota), so each call rotates a new one."""

    def call() -> object:
        return client.rotate_key_on_demand(KeyId=_key(client))

    return call


_OAEP_SHA_256 = padding.OAEP(
    mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None
)
_NO_EXPIRY = {"ExpirationModel": "KEY_MATERIAL_DOES_NOT_EXPIRE"}


def _reimport(client: Client) -> Call:
    """Imported material deleted and imported again with the same token and wrapped
    material (a token serves until it expires), so the pair repeats."""
    key_id = _key(client, Origin="EXTERNAL")
    parameters = client.get_parameters_for_import(
        KeyId=key_id, WrappingAlgorithm="RSAES_OAEP_SHA_256", WrappingKeySpec="RSA_2048"
    )
    public = serialization.load_der_public_key(parameters["PublicKey"])
    assert isinstance(public, rsa.RSAPublicKey)
    wrapped = public.encrypt(secrets.token_bytes(32), _OAEP_SHA_256)
    request = {"KeyId": key_id, "ImportToken": parameters["ImportToken"]}
    client.import_key_material(**request, EncryptedKeyMaterial=wrapped, **_NO_EXPIRY)

    def call() -> object:
        client.delete_imported_key_material(KeyId=key_id)
        return client.import_key_material(**request, EncryptedKeyMaterial=wrapped, **_NO_EXPIRY)

    return call


def _unwrap() -> Call:
    key = rsa.generate_private_key(65537, 2048)
    wrapped = key.public_key().encrypt(secrets.token_bytes(32), _OAEP_SHA_256)
    return lambda: key.decrypt(wrapped, _OAEP_SHA_256)


def _rotations(client: Client, key_id: str) -> Call:
    client.rotate_key_on_demand(KeyId=key_id)
    return lambda: client.list_key_rotations(KeyId=key_id)


@dataclasses.dataclass(frozen=True)
class Case:
    """One timed call: ``prepare(client)`` does the untimed set-up and returns it."""

    name: str
    prepare: Callable[[Client], Call]
    #: requests per call (the pairs make two)
    requests: int = 1
    #: the cryptography the call cannot skip, done by the "floor + crypto" column
    crypto: Crypto | None = None


SIGN_P256 = ("ECC_NIST_P256", "SIGN_VERIFY")
ML_KEM_768 = ("ML_KEM_768", "ENCAPSULATE_DECAPSULATE")


def _has_ml_kem() -> bool:
    """Whether botocore's model has Encapsulate (1.44 on) and cryptography has ML-KEM (48)."""
    operations = botocore.session.get_session().get_service_model("kms").operation_names
    try:
        from cryptography.hazmat.primitives.asymmetric import mlkem  # noqa: F401
    except ImportError:
        return False
    return "Encapsulate" in operations


HAS_ML_KEM = _has_ml_kem()
DATA_KEY_WORK = "32 random bytes, AES-256-GCM seal of them"
KEY_PAIR_WORK = "a P-256 key pair, both halves to DER, AES-256-GCM seal of the private half"
HMAC = ("HMAC_256", "GENERATE_VERIFY_MAC")

CASES: tuple[Case, ...] = (
    Case("CreateKey", lambda c: lambda: c.create_key()),
    Case("DescribeKey", _symmetric(lambda c, k: lambda: c.describe_key(KeyId=k))),
    Case("ListKeys (1 key)", _symmetric(lambda c, k: lambda: c.list_keys())),
    Case(
        "PutKeyPolicy (default policy text)",
        _symmetric(
            lambda c, k: functools.partial(
                c.put_key_policy,
                KeyId=k,
                PolicyName="default",
                Policy=c.get_key_policy(KeyId=k, PolicyName="default")["Policy"],
            )
        ),
    ),
    Case("GetKeyPolicy", _symmetric(lambda c, k: lambda: c.get_key_policy(KeyId=k))),
    Case("ListKeyPolicies", _symmetric(lambda c, k: lambda: c.list_key_policies(KeyId=k))),
    Case("EnableKey", _symmetric(lambda c, k: lambda: c.enable_key(KeyId=k))),
    Case("DisableKey", _symmetric(lambda c, k: lambda: c.disable_key(KeyId=k))),
    Case("ScheduleKeyDeletion + CancelKeyDeletion", _symmetric(_schedule_cancel), 2),
    Case(
        "UpdateKeyDescription",
        _symmetric(lambda c, k: lambda: c.update_key_description(KeyId=k, Description="d")),
    ),
    Case("CreateAlias + DeleteAlias", _symmetric(_alias_pair), 2),
    Case("UpdateAlias", _update_alias),
    Case("ListAliases (1 alias)", _symmetric(_list_aliases)),
    Case("TagResource", _symmetric(_tag)),
    Case(
        "UntagResource",
        _symmetric(lambda c, k: lambda: c.untag_resource(KeyId=k, TagKeys=["team"])),
    ),
    Case("ListResourceTags (1 tag)", _symmetric(_list_tags)),
    Case(
        "Encrypt (1 KiB)",
        _symmetric(lambda c, k: lambda: c.encrypt(KeyId=k, Plaintext=PLAINTEXT)),
        crypto=Crypto("Encrypt", "AES-256-GCM seal of 1 KiB", lambda: _seal(len(PLAINTEXT))),
    ),
    Case(
        "Decrypt (1 KiB)",
        _symmetric(_decrypt),
        crypto=Crypto("Decrypt", "AES-256-GCM open of 1 KiB", lambda: _open(len(PLAINTEXT))),
    ),
    Case(
        "ReEncrypt (1 KiB)",
        _symmetric(_re_encrypt),
        crypto=Crypto("ReEncrypt", "AES-256-GCM open and seal of 1 KiB", _open_and_seal),
    ),
    Case(
        "GenerateDataKey (AES_256)",
        _symmetric(lambda c, k: lambda: c.generate_data_key(KeyId=k, KeySpec="AES_256")),
        crypto=Crypto("GenerateDataKey", DATA_KEY_WORK, _new_data_key),
    ),
    Case(
        "GenerateDataKeyWithoutPlaintext (AES_256)",
        _symmetric(
            lambda c, k: lambda: c.generate_data_key_without_plaintext(KeyId=k, KeySpec="AES_256")
        ),
        crypto=Crypto("GenerateDataKeyWithoutPlaintext", DATA_KEY_WORK, _new_data_key),
    ),
    Case(
        "GenerateDataKeyPair (ECC_NIST_P256)",
        _symmetric(
            lambda c, k: lambda: c.generate_data_key_pair(KeyId=k, KeyPairSpec="ECC_NIST_P256")
        ),
        crypto=Crypto("GenerateDataKeyPair", KEY_PAIR_WORK, _new_key_pair),
    ),
    Case(
        "GenerateDataKeyPairWithoutPlaintext (ECC_NIST_P256)",
        _symmetric(
            lambda c, k: (
                lambda: c.generate_data_key_pair_without_plaintext(
                    KeyId=k, KeyPairSpec="ECC_NIST_P256"
                )
            )
        ),
        crypto=Crypto("GenerateDataKeyPairWithoutPlaintext", KEY_PAIR_WORK, _new_key_pair),
    ),
    Case("GenerateRandom (32 B)", lambda c: lambda: c.generate_random(NumberOfBytes=32)),
    Case(
        "Sign (ECC_NIST_P256, 1 KiB)",
        _of_spec(
            *SIGN_P256,
            lambda c, k: (
                lambda: c.sign(
                    KeyId=k, Message=MESSAGE, MessageType="RAW", SigningAlgorithm="ECDSA_SHA_256"
                )
            ),
        ),
        crypto=Crypto(
            "Sign", "one ECDSA P-256 signature of 1 KiB, its nonce made beforehand", _ecdsa_sign
        ),
    ),
    # No crypto column: the fake made the signature, and remembers it (Verify of a
    # signature it made needs no cryptography, crypto/asymmetric.py).
    Case("Verify (ECC_NIST_P256, 1 KiB)", _of_spec(*SIGN_P256, _verify)),
    Case(
        "GetPublicKey (ECC_NIST_P256)",
        _of_spec(*SIGN_P256, lambda c, k: lambda: c.get_public_key(KeyId=k)),
    ),
    Case(
        "GenerateMac (HMAC_256, 1 KiB)",
        _of_spec(
            *HMAC,
            lambda c, k: (
                lambda: c.generate_mac(KeyId=k, Message=MESSAGE, MacAlgorithm="HMAC_SHA_256")
            ),
        ),
        crypto=Crypto("GenerateMac", "HMAC-SHA-256 of 1 KiB", _hmac),
    ),
    Case(
        "VerifyMac (HMAC_256, 1 KiB)",
        _of_spec(*HMAC, _verify_mac),
        crypto=Crypto("VerifyMac", "HMAC-SHA-256 of 1 KiB, constant-time compare", _hmac_check),
    ),
    Case(
        "DeriveSharedSecret (ECC_NIST_P256)",
        _of_spec("ECC_NIST_P256", "KEY_AGREEMENT", _derive),
        crypto=Crypto(
            "DeriveSharedSecret", "load the peer's DER public key, one ECDH P-256", _ecdh
        ),
    ),
    Case("GetKeyLastUsage", _symmetric(_last_usage)),
    *(
        ()
        if not HAS_ML_KEM
        else (
            Case(
                "Encapsulate (ML_KEM_768)",
                _of_spec(*ML_KEM_768, _encapsulate),
                crypto=Crypto("Encapsulate", "one ML-KEM-768 encapsulation", _ml_kem_encapsulate),
            ),
            Case(
                "Decapsulate (ML_KEM_768)",
                _of_spec(*ML_KEM_768, _decapsulate),
                crypto=Crypto("Decapsulate", "one ML-KEM-768 decapsulation", _ml_kem_decapsulate),
            ),
        )
    ),
    Case("CreateGrant + RevokeGrant", _symmetric(_grant_revoke), 2),
    Case("CreateGrant + RetireGrant (by token)", _symmetric(_grant_retire), 2),
    Case("ListGrants (1 grant)", _symmetric(_list_grants)),
    Case("ListRetirableGrants (1 grant)", _symmetric(_list_retirable)),
    Case("EnableKeyRotation", _symmetric(lambda c, k: lambda: c.enable_key_rotation(KeyId=k))),
    Case("DisableKeyRotation", _symmetric(lambda c, k: lambda: c.disable_key_rotation(KeyId=k))),
    Case(
        "GetKeyRotationStatus",
        _symmetric(lambda c, k: lambda: c.get_key_rotation_status(KeyId=k)),
    ),
    Case("ListKeyRotations (1 rotation)", _symmetric(_rotations)),
    Case("CreateKey + RotateKeyOnDemand", _rotate_new_key, 2),
    Case(
        "DeleteImportedKeyMaterial + ImportKeyMaterial (RSA_2048 wrapping)",
        _reimport,
        2,
        crypto=Crypto(
            "ImportKeyMaterial", "RSAES-OAEP-SHA-256 unwrap of 32 bytes, RSA_2048", _unwrap
        ),
    ),
)

#: Operations no case times, and why (reported with the results).
NOT_TIMED = {
    "GetParametersForImport": "each call takes a fresh RSA wrapping key from the pool; "
    "batches would use it up and time RSA key generation instead",
    **(
        {}
        if HAS_ML_KEM
        else {
            "Encapsulate, Decapsulate": f"botocore {botocore.__version__} has no such "
            "operations (they came with 1.44), or cryptography has no ML-KEM (48)"
        }
    ),
}


# --- the echo floor --------------------------------------------------------------------------


class EchoFloor:
    """Answers each operation with the body the fake gave for it (see :func:`capture`),
    after doing ``work[operation]`` if there is any (the "floor + crypto" column)."""

    def __init__(self) -> None:
        self.bodies: dict[str, bytes] = {}
        self.work: dict[str, Call] = {}

    def install(self, client: Client) -> None:
        client.meta.events.register_first("before-send.kms", self._answer)

    def _answer(self, request: Any, event_name: str, **_: Any) -> AWSResponse:
        operation = event_name.rpartition(".")[2]
        work = self.work.get(operation)
        if work is not None:
            work()
        return canned_response(request.url, self.bodies[operation])


@dataclasses.dataclass(frozen=True)
class Captured:
    """What the fake answered for a case: the last body of each operation, and which
    operations the timed call itself made."""

    bodies: dict[str, bytes]
    timed: frozenset[str]


def capture(case: Case) -> Captured:
    """Run ``case`` once against a fake: its set-up, then one call (so an operation both
    make keeps the call's body)."""
    bodies: dict[str, bytes] = {}
    seen: list[str] = []

    def keep(operation_model: Any, response_dict: dict[str, Any], **_: Any) -> None:
        if response_dict["status_code"] != 200:
            raise AssertionError(f"{case.name}: {response_dict['body']!r}")
        bodies[operation_model.name] = response_dict["body"]
        seen.append(operation_model.name)

    client = make_client()
    client.meta.events.register("before-parse.kms", keep)
    with FakeKMS():
        call = case.prepare(client)
        seen.clear()
        call()
    return Captured(bodies, frozenset(seen))


def untimed_operations(rows: Sequence[Row]) -> list[str]:
    """Operations the fake implements that no case timed and :data:`NOT_TIMED` does not
    explain: a new operation shows up here until a case times it."""
    load_all()
    timed = set().union(*(row.timed for row in rows))
    explained = {name.strip() for names in NOT_TIMED for name in names.split(",")}
    return sorted(set(OPERATIONS) - timed - explained)


# --- run and report ---------------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    case: Case
    series: dict[str, Series]
    batch: dict[str, int]
    #: the operations the timed call makes
    timed: frozenset[str]

    @property
    def ratio(self) -> float:
        return paired_ratio(self.series["fake"], self.series["floor"])

    @property
    def extra(self) -> float:
        """Median extra seconds per request over the floor."""
        return (self.series["fake"].median - self.series["floor"].median) / self.case.requests


def run(settings: Settings, only: str | None) -> list[Row]:
    floor, with_crypto = EchoFloor(), EchoFloor()
    clients = {name: make_client() for name in ("floor", "fake", "floor + crypto")}
    floor.install(clients["floor"])
    with_crypto.install(clients["floor + crypto"])
    rows = []
    for case in CASES:
        if only is not None and only.lower() not in case.name.lower():
            continue
        captured = capture(case)
        floor.bodies = with_crypto.bodies = captured.bodies
        activators: dict[str, Callable[[], AbstractContextManager[Any]]] = {
            "floor": nullcontext,
            "fake": FakeKMS,
        }
        if case.crypto is not None:
            with_crypto.work = {case.crypto.operation: case.crypto.make()}
            activators["floor + crypto"] = nullcontext
        columns: dict[str, Callable[[], float]] = {}
        batch: dict[str, int] = {}
        for name, activate in activators.items():

            def prepare(client: Client = clients[name], case: Case = case) -> Call:
                return case.prepare(client)

            batch[name] = calibrate(activate, prepare, settings.batch_seconds, settings.max_batch)
            columns[name] = functools.partial(timed_batch, activate, prepare, batch[name])
        row = Row(case, interleave(columns, settings.rounds), batch, captured.timed)
        progress(f"{case.name}: {row.ratio:.2f}x", tag="sweep")
        rows.append(row)
    return rows


def render(rows: Sequence[Row], settings: Settings, command: str) -> str:
    started = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# pytest-fakekms: every operation against botocore's floor",
        "",
        f"`{command}` ({started}; Python {platform.python_version()}, "
        f"botocore {botocore.__version__}; {settings.rounds} rounds)",
        "",
        "The floor answers each call with the body the fake gave for it, so both columns "
        "parse the same bytes: fake / floor is the fake's own cost, cryptography included. "
        "Ratios are medians of per-round ratios (ratio of the best rounds in brackets); "
        "times are per call in µs, median (min). A pair (A + B) is two requests per call; "
        "*extra* is the fake's median cost over the floor per request.",
        "",
        f"| Operation | fake / floor | over {GOAL:.2f}x | floor µs | fake µs | extra µs "
        "per request | calls per batch (floor, fake) |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for row in rows:
        floor, fake = row.series["floor"], row.series["fake"]
        flag = "over" if row.ratio > GOAL else ""
        out.append(
            f"| {row.case.name} | {row.ratio:.2f}x ({min_ratio(fake, floor):.2f}x) | {flag} "
            f"| {us(floor.median)} ({us(floor.min)}) | {us(fake.median)} ({us(fake.min)}) "
            f"| {us(row.extra)} | {row.batch['floor']}, {row.batch['fake']} |"
        )
    out += [
        "",
        "## Against a floor that does the cryptography",
        "",
        "For the calls whose answer needs real cryptography, a third column, *floor + "
        "crypto*, answers like the floor but first does that cryptography on each request "
        "(the same primitives, keys made beforehand), in the same interleaved rounds. "
        "fake / (floor + crypto) is then the price of everything else the fake does.",
        "",
        "| Operation | crypto per request | crypto µs | (floor + crypto) / floor "
        "| fake / (floor + crypto) |",
        "|---|---|---:|---:|---:|",
    ]
    for row in rows:
        if row.case.crypto is None or "floor + crypto" not in row.series:
            continue
        floor, fake, work = (row.series[n] for n in ("floor", "fake", "floor + crypto"))
        out.append(
            f"| {row.case.name} | {row.case.crypto.what} "
            f"| {us(work.median - floor.median)} | {paired_ratio(work, floor):.2f}x "
            f"| {paired_ratio(fake, work):.2f}x ({min_ratio(fake, work):.2f}x) |"
        )
    out += ["", "Not timed:", ""]
    out += [f"* {operations}: {why}." for operations, why in NOT_TIMED.items()]
    missing = untimed_operations(rows) if len(rows) == len(CASES) else []  # not with --only
    if missing:
        out += [f"* **Not timed, and no reason given:** {', '.join(missing)}."]
    return "\n".join(out) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="a smoke test: fewer, shorter rounds")
    parser.add_argument("--only", help="run the cases whose name contains this text")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the table")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    rows = run(settings, args.only)
    command = command_line("sweep.py", quick=args.quick, only=args.only)
    report = render(rows, settings, command)
    print(report)
    if args.only is None:
        args.output.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
