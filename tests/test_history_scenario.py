"""Issue #5's scenario: a key, three policies (one refused by the lockout check, one with
bypass), and the history holds exactly the default plus the two accepted versions."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from conftest import ACCOUNT, CALLER, ROOT, allow, policy

from pytest_fakekms import ANY
from pytest_fakekms.history import PolicyVersion


def test_history_scenario(kms: Any, fake_kms: Any) -> None:
    admin = f"arn:aws:iam::{ACCOUNT}:role/admin"
    fake_kms.add_principal(admin, access_key_id="AKIAEXAMPLEEXAMPLE00")
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]

    first = policy(
        allow({"AWS": ROOT}, Sid="Root"), allow({"AWS": admin}, "kms:Decrypt", Sid="App")
    )
    kms.put_key_policy(KeyId=key_id, Policy=first)
    with pytest.raises(kms.exceptions.MalformedPolicyDocumentException):
        kms.put_key_policy(KeyId=key_id, Policy=policy(allow({"AWS": CALLER})))
    locked = policy(allow({"AWS": CALLER}, Sid="Only"))
    kms.put_key_policy(KeyId=key_id, Policy=locked, BypassPolicyLockoutSafetyCheck=True)

    history = fake_kms.policy_history(key_id)
    assert [(v.operation, v.set_by, v.bypass_lockout_check) for v in history] == [
        ("CreateKey", admin, False),
        ("PutKeyPolicy", admin, False),
        ("PutKeyPolicy", admin, True),
    ]
    assert [v.text for v in history[1:]] == [first, locked]
    assert history[0].set_at <= history[1].set_at <= history[2].set_at
    default = json.loads(kms.get_key_policy(KeyId=key_id)["Policy"])
    assert default == json.loads(locked)
    fake_kms.assert_policy_history(key_id, [history[0].document, first, json.loads(locked)])
    fake_kms.assert_call_count("PutKeyPolicy", 3)
    fake_kms.assert_called("PutKeyPolicy", KeyId=key_id, BypassPolicyLockoutSafetyCheck=True)
    fake_kms.assert_called_once("CreateKey", **{})
    assert fake_kms.calls.filter("PutKeyPolicy")[1].error == "MalformedPolicyDocumentException"
    fake_kms.assert_called("PutKeyPolicy", KeyId=ANY, Policy=locked)


def test_assert_policy_history_shows_a_statement_diff(kms: Any, fake_kms: Any, key_id: str) -> None:
    kms.put_key_policy(KeyId=key_id, Policy=policy(allow({"AWS": ROOT}, "kms:*", Sid="Root")))
    wrong = json.loads(policy(allow({"AWS": ROOT}, "kms:Decrypt", Sid="Root")))
    with pytest.raises(AssertionError) as raised:
        fake_kms.assert_policy_history(key_id, [fake_kms.policy_history(key_id)[0].document, wrong])
    assert "Sid 'Root'" in str(raised.value)
    assert "Action" in str(raised.value)


def test_policy_allows_uses_the_current_policy(kms: Any, fake_kms: Any, key_id: str) -> None:
    # Another account's role: the root statement delegates only to this account's IAM.
    app = "arn:aws:iam::210987654321:role/app"
    kms.put_key_policy(
        KeyId=key_id,
        Policy=policy(
            allow({"AWS": ROOT}),
            allow(
                {"AWS": app},
                ["kms:Decrypt", "kms:Encrypt"],
                Condition={"StringEquals": {"kms:EncryptionContext:tenant": "acme"}},
            ),
        ),
    )
    context = {"kms:EncryptionContext:tenant": "acme"}
    assert fake_kms.policy_allows(key_id, app, "kms:Decrypt", context=context)
    assert not fake_kms.policy_allows(key_id, app, "kms:Decrypt")
    assert not fake_kms.policy_allows(key_id, app, "kms:PutKeyPolicy", context=context)
    assert fake_kms.policy_allows(key_id, CALLER, "kms:PutKeyPolicy")  # via account delegation


def test_the_default_policy_version_reads_the_same_before_and_after_a_put(
    kms: Any, fake_kms: Any
) -> None:
    """The version CreateKey records for the default policy is kept compact until it is
    read or followed (issue #8, memory per key); it must read the same either way."""
    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
    other_id = kms.create_key()["KeyMetadata"]["KeyId"]
    (before,) = fake_kms.policy_history(key_id)
    text = kms.get_key_policy(KeyId=key_id)["Policy"]
    assert (before.operation, before.policy_name, before.set_by) == ("CreateKey", "default", CALLER)
    assert before.bypass_lockout_check is False
    assert before.text == text
    assert before.document == json.loads(text)
    assert before.set_at == fake_kms.clock.now()
    assert fake_kms.policy_history(key_id) == [before]

    new = policy(allow({"AWS": ROOT}, Sid="Root"))
    kms.put_key_policy(KeyId=other_id, Policy=new)  # a never-read first version, then a put
    first, second = fake_kms.policy_history(other_id)
    assert (first.operation, first.text, first.policy_name) == ("CreateKey", text, "default")
    assert (second.operation, second.text) == ("PutKeyPolicy", new)
    kms.put_key_policy(KeyId=key_id, Policy=new)
    assert fake_kms.policy_history(key_id)[0] == before
    fake_kms.assert_policy_history(key_id, [json.loads(text), new])


def test_put_key_policy_version_is_a_whole_policy_version(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """PutKeyPolicy builds its version with ``PolicyVersion._of`` (issue #8: one dict instead
    of seven ``object.__setattr__``); it must equal, hash and read like one made by the
    dataclass constructor, with every field set (a field added later and not passed there
    would be missing here)."""
    new = policy(allow({"AWS": ROOT}, Sid="Root"))
    kms.put_key_policy(KeyId=key_id, Policy=new, BypassPolicyLockoutSafetyCheck=True)
    put = fake_kms.policy_history(key_id)[-1]
    fields = {field.name: getattr(put, field.name) for field in dataclasses.fields(put)}
    assert vars(put).keys() == fields.keys()
    rebuilt = PolicyVersion(**fields)
    assert put == rebuilt
    assert hash(put) == hash(rebuilt)
    assert (put.operation, put.set_by, put.bypass_lockout_check) == ("PutKeyPolicy", CALLER, True)
    assert (put.text, put.policy_name, put.set_at) == (new, "default", fake_kms.clock.now())
    assert put.document == json.loads(new)
    with pytest.raises(dataclasses.FrozenInstanceError):
        put.text = "changed"  # type: ignore[misc]


def test_a_version_keeps_its_text_and_parses_it_when_read(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """A PutKeyPolicy version stores no parsed document: a 30 KB policy of new statements
    kept about 205 KB alive per version, and now about its text, which the call log
    holds anyway (issue #8 scaling audit, 2026-11-27). Read, the document is the text's
    JSON value, frozen once, whatever the parse caches hold by then."""
    from pytest_fakekms.policy.document import _forget_statements, parse_policy
    from pytest_fakekms.recorder import FrozenDict

    texts = [
        json.dumps(
            {
                "Version": "2012-10-17",
                "Id": "caf\u00e9 \\u00e9",
                "Statement": [allow({"AWS": ROOT}, Sid="Root")],
            },
            ensure_ascii=False,
        ),
        policy(
            allow({"AWS": ROOT}, Sid="Root"),
            allow(
                {"AWS": ROOT},
                "kms:Decrypt",
                Sid="Numbers",
                Condition={"NumericLessThan": {"kms:RecipientAttestation:x": 1.5e3}},
            ),
        ),
    ]
    for text in texts:
        kms.put_key_policy(KeyId=key_id, Policy=text)
    put = fake_kms.policy_history(key_id)[1:]
    assert [vars(version)["document"] for version in put] == [None, None]
    parse_policy.cache_clear()
    _forget_statements()
    for version, text in zip(put, texts, strict=True):
        assert version.document == json.loads(text)
        assert isinstance(version.document, FrozenDict)
        assert version.document is version.document
