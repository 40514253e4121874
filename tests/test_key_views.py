"""``fake_kms.key(...)`` and ``fake_kms.keys()``: read-only snapshots (api.md §2:
``Key`` with ``policy: dict``), made cheaply enough to take for every key.

Before issue #8's sixth session a view parsed the key's policy text again each time,
and set its 14 fields one ``object.__setattr__`` at a time: ``fake.keys()`` cost
9.5 µs a key (95 ms for 10,000 keys) and ``fake.create_key()``, which returns a view,
18 µs. Views of one policy text now share one parsed, deep-frozen policy: 1.8 µs a
key, 14-15 µs a ``create_key``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from pytest_fakekms.domain.keys import Key
from pytest_fakekms.recorder import thaw

ROOT = "arn:aws:iam::123456789012:root"


def _policy(sid: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": sid, "Effect": "Allow", "Principal": {"AWS": ROOT}, "Action": "kms:*",
                 "Resource": "*"}
            ],
        }
    )  # fmt: skip


def test_a_view_sets_exactly_the_fields_of_key(fake_kms: Any) -> None:
    """``Key._of`` (the view's constructor) must name every dataclass field, in order."""
    view = fake_kms.create_key(description="d", tags={"team": "a"})
    assert list(vars(view)) == [field.name for field in dataclasses.fields(Key)]
    assert view == fake_kms.key(view.key_id)
    assert (view.description, dict(view.tags), view.state) == ("d", {"team": "a"}, "Enabled")


def test_the_policy_is_a_deeply_read_only_dict(kms: Any, fake_kms: Any, key_id: str) -> None:
    """api.md §2 says ``policy: dict``; it is one, equal to the policy text parsed, and no
    part of it can be changed: views of the same text share it."""
    policy = fake_kms.key(key_id).policy
    assert isinstance(policy, dict)
    assert policy == json.loads(fake_kms.key(key_id).policy_text)
    with pytest.raises(TypeError, match=r"thaw\(value\)"):
        policy["Statement"][0]["Effect"] = "Deny"  # type: ignore[index]
    with pytest.raises(TypeError):
        policy["Statement"].append({})  # type: ignore[attr-defined]
    copy = thaw(policy)
    copy["Statement"][0]["Effect"] = "Deny"
    assert fake_kms.key(key_id).policy["Statement"][0]["Effect"] == "Allow"


def test_a_view_is_a_snapshot(kms: Any, fake_kms: Any, key_id: str) -> None:
    """A view keeps the policy and tags it was taken with; a new view shows the changes."""
    before = fake_kms.key(key_id)
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=_policy("Changed"))
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "env", "TagValue": "test"}])
    after = fake_kms.key(key_id)
    assert before.policy["Statement"][0].get("Sid") != "Changed"
    assert dict(before.tags) == {}
    assert after.policy["Statement"][0]["Sid"] == "Changed"
    assert after.policy == json.loads(after.policy_text)
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": "env", "TagValue": "prod"}])
    assert dict(after.tags) == {"env": "test"}
    assert dict(fake_kms.key(key_id).tags) == {"env": "prod"}
    with pytest.raises(TypeError):
        after.tags["env"] = "changed"  # type: ignore[index]


def test_keys_of_one_account_share_their_default_policy(fake_kms: Any) -> None:
    first, second = fake_kms.create_key(), fake_kms.create_key()
    assert first.policy is second.policy
    assert first.policy_text == second.policy_text
