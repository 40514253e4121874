"""``python -m pytest_fakekms serve``, ``--state`` persistence, and the AWS CLI against the
fake over HTTP (issue #7)."""

from __future__ import annotations

import base64
import http.client
import importlib.util
import json
import re
import selectors
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from pytest_fakekms import FakeKMS
from pytest_fakekms.__main__ import main
from pytest_fakekms.crypto.material import new_material
from pytest_fakekms.persistence import dump_state, load_file, load_state, save_file

BANNER = re.compile(r"^pytest-fakekms serving KMS at (http://127\.0\.0\.1:(\d+))$")


# --- the serve command ---------------------------------------------------------------


class Served:
    """A ``python -m pytest_fakekms serve`` subprocess and its URL."""

    def __init__(self, *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "pytest_fakekms", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        line = self._first_line(timeout=30)
        match = BANNER.match(line.rstrip("\n"))
        assert match, f"unexpected first line {line!r}"
        self.url = match.group(1)

    def _first_line(self, timeout: float) -> str:
        assert self.process.stdout is not None
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            if not selector.select(timeout):
                self.process.kill()
                raise AssertionError("the server printed nothing")
        return self.process.stdout.readline()

    def post(self, operation: str, **params: Any) -> tuple[int, Any]:
        parts = urlsplit(self.url)
        conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
        try:
            conn.request(
                "POST", "/", json.dumps(params), {"X-Amz-Target": f"TrentService.{operation}"}
            )
            response = conn.getresponse()
            return response.status, json.loads(response.read())
        finally:
            conn.close()

    def stop(self, signum: int = signal.SIGTERM) -> tuple[int, str]:
        self.process.send_signal(signum)
        _, stderr = self.process.communicate(timeout=15)
        return self.process.returncode, stderr


@pytest.fixture
def served() -> Iterator[Served]:
    server = Served()
    yield server
    if server.process.poll() is None:
        server.process.kill()
        server.process.communicate()


def test_serve_prints_its_url_answers_and_stops_on_sigterm(served: Served) -> None:
    status, answer = served.post("CreateKey", Description="standalone")
    assert status == 200
    assert answer["KeyMetadata"]["Arn"].startswith("arn:aws:kms:us-east-1:123456789012:key/")
    returncode, stderr = served.stop(signal.SIGTERM)
    assert (returncode, stderr) == (0, "")


def test_state_survives_a_restart(tmp_path: Path) -> None:
    state = tmp_path / "kms-state.json"
    first = Served("--state", str(state), "--region", "eu-west-1", "--account-id", "111122223333")
    key_id = first.post("CreateKey", Description="kept")[1]["KeyMetadata"]["KeyId"]
    assert first.post("CreateAlias", AliasName="alias/kept", TargetKeyId=key_id)[0] == 200
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }
    assert first.post("PutKeyPolicy", KeyId=key_id, Policy=json.dumps(document))[0] == 200
    before = first.post("DescribeKey", KeyId="alias/kept")[1]
    assert first.stop(signal.SIGTERM)[0] == 0
    assert json.loads(state.read_text())["keys"][0]["key_id"] == key_id

    second = Served("--state", str(state), "--region", "eu-west-1", "--account-id", "111122223333")
    assert second.post("DescribeKey", KeyId="alias/kept")[1] == before
    policy_text = second.post("GetKeyPolicy", KeyId=key_id)[1]["Policy"]
    assert json.loads(policy_text) == document
    aliases = second.post("ListAliases", KeyId=key_id)[1]["Aliases"]
    assert [a["AliasName"] for a in aliases] == ["alias/kept"]
    assert second.stop(signal.SIGINT)[0] == 0  # Ctrl-C is a clean stop too
    assert len(json.loads(state.read_text())["policy_history"][key_id]) == 2


def test_serve_refuses_other_hosts_and_needs_a_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["serve", "--host", "0.0.0.0"]) == 2
    assert "not a loopback address" in capsys.readouterr().err
    assert main([]) == 2
    assert "serve" in capsys.readouterr().err


def test_serve_rejects_a_file_that_is_not_a_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state = tmp_path / "other.json"
    state.write_text('{"something": "else"}')
    assert main(["serve", "--state", str(state)]) == 2
    assert "not a pytest-fakekms state" in capsys.readouterr().err


# --- persistence ---------------------------------------------------------------------


def test_dump_and_load_keep_keys_material_aliases_and_history(tmp_path: Path) -> None:
    with FakeKMS() as fake:
        sym = fake.create_key(description="sym", tags={"team": "a"})
        mac = fake.create_key(key_spec="HMAC_256", key_usage="GENERATE_VERIFY_MAC")
        ecc = fake.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
        untouched = fake.create_key(description="no material yet")
        records = {k.key_id: fake._find(k) for k in (sym, mac, ecc)}
        for record in records.values():
            record.materials = (new_material(record.key_spec),)
        sym_record = records[sym.key_id]
        sym_record.materials = (*sym_record.materials, new_material("SYMMETRIC_DEFAULT", version=2))
        fake.set_key_state(untouched, "PendingDeletion")
        import boto3

        kms = boto3.client("kms", region_name="us-east-1")
        kms.create_alias(AliasName="alias/sym", TargetKeyId=sym.key_id)
        kms.put_key_policy(KeyId=sym.key_id, Policy=json.dumps(_root_policy()))
        fake.add_principal(
            "arn:aws:iam::123456789012:role/app", access_key_id="AKIAAPP0000000000000"
        )
        fake.clock.advance(3600)
        path = tmp_path / "state.json"
        save_file(path, fake)

    restored = FakeKMS()
    assert load_file(path, restored)
    assert not load_file(tmp_path / "missing.json", restored)

    keys = fake.keys()
    assert [k.key_id for k in restored.keys()] == [k.key_id for k in keys]  # noqa: SIM118
    for key in keys:
        assert restored.key(key.key_id) == key
    assert restored.key("alias/sym").key_id == sym.key_id
    assert restored.policy_history(sym.key_id) == fake.policy_history(sym.key_id)
    assert restored.clock.now() >= fake.clock.now()
    assert restored._state.access_keys == {
        "AKIAAPP0000000000000": "arn:aws:iam::123456789012:role/app"
    }

    for key_id, record in records.items():
        again = restored._find(key_id).materials
        assert [(m.version, m.material_id, m.secret) for m in again] == [
            (m.version, m.material_id, m.secret) for m in record.materials
        ]
    assert _public(restored._find(ecc.key_id).materials[0]) == _public(
        records[ecc.key_id].materials[0]
    )
    assert restored._find(untouched.key_id).materials == ()
    data = json.loads(path.read_text())
    secret = data["keys"][0]["materials"][0]["secret"]
    assert base64.b64decode(secret) == records[sym.key_id].materials[0].secret


def test_loading_a_state_again_replaces_its_keys_in_place(kms: Any, fake_kms: FakeKMS) -> None:
    """A state loaded into a fake that holds its keys replaces them: ListKeys names each
    key once, in creation order, and each policy history is the saved one, not the saved
    one twice. A key deleted since the save comes back once, last. (Until 2026-11-27 a
    second load listed every key twice and doubled every history.)"""
    ids = [kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(3)]
    kms.put_key_policy(KeyId=ids[0], Policy=json.dumps(_root_policy()))
    saved = json.loads(json.dumps(dump_state(fake_kms)))
    history = fake_kms.policy_history(ids[0])
    assert len(history) == 2

    kms.schedule_key_deletion(KeyId=ids[1], PendingWindowInDays=7)
    fake_kms.clock.advance(days=8)  # ids[1] is deleted
    later = kms.create_key()["KeyMetadata"]["KeyId"]
    load_state(saved, fake_kms)
    load_state(saved, fake_kms)

    listed = [k["KeyId"] for k in kms.get_paginator("list_keys").paginate(Limit=1).search("Keys")]
    assert listed == [ids[0], ids[2], later, ids[1]]
    assert fake_kms.policy_history(ids[0]) == history
    assert kms.describe_key(KeyId=ids[1])["KeyMetadata"]["KeyState"] == "Enabled"


def test_load_rejects_other_formats() -> None:
    with pytest.raises(ValueError, match="not a pytest-fakekms state"):
        load_state({"format": "something", "version": 1}, FakeKMS())
    assert dump_state(FakeKMS())["keys"] == []


def test_load_rejects_a_key_id_that_is_not_one() -> None:
    """Requests find a stored key by its id alone (``Context.key``), which is right only
    while every stored id is well formed: a hand-edited state cannot break that."""
    fake = FakeKMS()
    fake.create_key()
    saved = dump_state(fake)
    saved["keys"][0]["key_id"] = "my-key"
    into = FakeKMS()
    with pytest.raises(ValueError, match="not a key id in a saved state: 'my-key'"):
        load_state(saved, into)
    assert into.keys() == []


def _root_policy() -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "Root",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                "Action": "kms:*",
                "Resource": "*",
            }
        ],
    }


def _public(material: Any) -> bytes:
    return bytes(
        material.private_key.public_key().public_bytes(
            Encoding.DER, PublicFormat.SubjectPublicKeyInfo
        )
    )


# --- the AWS CLI ---------------------------------------------------------------------

_needs_awscli = pytest.mark.skipif(
    importlib.util.find_spec("awscli") is None,
    reason="the AWS CLI (awscli) is not installed: pip install 'pytest-fakekms[cli]'",
)

#: Runs several AWS CLI commands through the CLI's own driver in one process (each `aws`
#: start costs about half a second): one JSON list of argument lists in, one result each out.
_CLI_RUNNER = textwrap.dedent(
    """
    import contextlib, io, json, sys
    from awscli.clidriver import create_clidriver

    results = []
    for argv in json.load(sys.stdin):
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            rc = create_clidriver().main(argv)
        results.append({"rc": rc, "stdout": out.getvalue(), "stderr": err.getvalue()})
    json.dump(results, sys.stdout)
    """
)


def _aws_cli(commands: list[list[str]]) -> list[dict[str, Any]]:
    result = subprocess.run(
        [sys.executable, "-c", _CLI_RUNNER],
        input=json.dumps(commands),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    results: list[dict[str, Any]] = json.loads(result.stdout)
    return results


@_needs_awscli
def test_aws_cli_scenario(fake_kms_server: FakeKMS, tmp_path: Path) -> None:
    created = subprocess.run(
        [sys.executable, "-m", "awscli", "kms", "create-key", "--description", "from the cli"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert created.returncode == 0, created.stderr
    key_id = json.loads(created.stdout)["KeyMetadata"]["KeyId"]

    document = json.dumps(_root_policy())
    policy_file = tmp_path / "policy.json"
    policy_file.write_text(document)
    kms = ["kms"]
    put, put_named, get, malformed, schedule, put_pending, listed = _aws_cli(
        [
            [*kms, "put-key-policy", "--key-id", key_id, "--policy", f"file://{policy_file}"],
            [*kms, "put-key-policy", "--key-id", key_id, "--policy-name", "default",
             "--policy", document],
            [*kms, "get-key-policy", "--key-id", key_id, "--policy-name", "default",
             "--output", "text", "--query", "Policy"],
            [*kms, "put-key-policy", "--key-id", key_id, "--policy",
             '{"Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*"}]}'],
            [*kms, "schedule-key-deletion", "--key-id", key_id, "--pending-window-in-days", "7"],
            [*kms, "put-key-policy", "--key-id", key_id, "--policy", document],
            [*kms, "list-key-policies", "--key-id", key_id],
        ]
    )  # fmt: skip
    assert [put["rc"], put_named["rc"], get["rc"]] == [0, 0, 0], (put, put_named, get)
    assert json.loads(get["stdout"]) == _root_policy()
    assert malformed["rc"] in (254, 255)
    assert "MalformedPolicyDocumentException" in malformed["stderr"]
    assert "Policy contains a statement with no principal." in malformed["stderr"]
    assert schedule["rc"] == 0
    assert json.loads(schedule["stdout"])["KeyState"] == "PendingDeletion"
    assert put_pending["rc"] == 0  # PutKeyPolicy is allowed in every key state
    assert json.loads(listed["stdout"])["PolicyNames"] == ["default"]

    calls = fake_kms_server.calls
    assert {c.transport for c in calls} == {"http"}
    assert calls.operations == [
        "CreateKey",
        "PutKeyPolicy",
        "PutKeyPolicy",
        "GetKeyPolicy",
        "PutKeyPolicy",
        "ScheduleKeyDeletion",
        "PutKeyPolicy",
        "ListKeyPolicies",
    ]
    assert calls.filter("PutKeyPolicy")[2].error == "MalformedPolicyDocumentException"
    assert len(fake_kms_server.policy_history(key_id)) == 4
    assert fake_kms_server.key(key_id).state == "PendingDeletion"


@_needs_awscli
def test_aws_cli_unknown_key(fake_kms_server: FakeKMS) -> None:
    (result,) = _aws_cli([["kms", "describe-key", "--key-id", "alias/nothing-here"]])
    assert result["rc"] in (254, 255)
    assert "NotFoundException" in result["stderr"]
    fake_kms_server.assert_not_called("CreateKey")
    assert fake_kms_server.calls.one("DescribeKey").transport == "http"


def test_a_ciphertext_still_decrypts_after_a_restart(tmp_path: Path) -> None:
    import boto3

    path = tmp_path / "state.json"
    with FakeKMS() as before:
        kms = boto3.client("kms", region_name="us-east-1")
        key_id = kms.create_key()["KeyMetadata"]["KeyId"]
        blob = kms.encrypt(KeyId=key_id, Plaintext=b"secret")["CiphertextBlob"]
        save_file(path, before)
    after = FakeKMS()
    load_file(path, after)
    with after:
        kms = boto3.client("kms", region_name="us-east-1")
        assert kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"secret"
