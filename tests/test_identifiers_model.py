"""Which key identifiers each operation takes is data (``domain/identifiers.py``), read
off botocore's model; these tests read the model again and compare.

* A member takes alias names and alias ARNs when its documentation names aliases, or
  when it is an operation's ``KeyId`` and the operation's documentation says
  "Cross-account use: Yes. To perform this operation with a KMS key in a different
  AWS account, specify the key ARN or alias ARN" (GenerateMac and VerifyMac say so in
  the operation's text only: the fake refused their aliases until 2026-11-27, found by
  tests/test_fuzz_operations.py).
* An operation works across accounts when its documentation says "Cross-account use:
  Yes".
"""

from __future__ import annotations

import re
from typing import Any

import botocore.session
import pytest
from conftest import ACCOUNT, REGION

from pytest_fakekms.domain.identifiers import ALIAS_MEMBERS, CROSS_ACCOUNT_OPERATIONS
from pytest_fakekms.operations import load_all
from pytest_fakekms.operations.base import OPERATIONS

MODEL = botocore.session.get_session().get_service_model("kms")
KEY_MEMBERS = ("KeyId", "TargetKeyId", "SourceKeyId", "DestinationKeyId")


def _cross_account_text(operation: str) -> str | None:
    """The operation's "Cross-account use" paragraph, if it says Yes."""
    text = re.sub(r"<[^>]+>", "", MODEL.operation_model(operation).documentation)
    match = re.search(r"Cross-account use:\s*Yes.*?(?=Required permissions|$)", text, re.DOTALL)
    return match.group(0) if match else None


def _documented_alias_members() -> set[tuple[str, str]]:
    members = set()
    for operation in MODEL.operation_names:
        shape = MODEL.operation_model(operation).input_shape
        if shape is None:
            continue
        for name in KEY_MEMBERS:
            if name not in shape.members:
                continue
            doc = shape.members[name].documentation
            # ListAliases and UpdateAlias mention aliases for other reasons.
            names_aliases = re.search(r"alias name|alias ARN", doc, re.IGNORECASE)
            cross = _cross_account_text(operation)
            refused = "Do not specify an alias" in doc or "Alias names are not supported" in doc
            if (names_aliases and not refused) or (
                name == "KeyId" and cross is not None and "alias ARN" in cross
            ):
                members.add((operation, name))
    return members


def _implemented() -> set[str]:
    """The operations the fake implements. Newer botocore models bring operations the
    fake does not implement yet (botocore 1.44: Encapsulate, Decapsulate); they are
    compared once they are."""
    load_all()
    return set(OPERATIONS)


def test_alias_members_are_the_ones_the_model_documents() -> None:
    implemented = _implemented()
    documented = {m for m in _documented_alias_members() if m[0] in implemented}
    assert documented == {m for m in ALIAS_MEMBERS if m[0] in set(MODEL.operation_names)}


def test_cross_account_operations_are_the_ones_the_model_documents() -> None:
    documented = {
        operation
        for operation in MODEL.operation_names
        if operation in _implemented() and _cross_account_text(operation) is not None
    }
    assert documented == {op for op in CROSS_ACCOUNT_OPERATIONS if op in MODEL.operation_names}


@pytest.mark.parametrize("form", ["alias", "alias-arn"])
def test_macs_take_an_alias(kms: Any, form: str) -> None:
    """GenerateMac and VerifyMac name the key by alias name or alias ARN too; the
    response's KeyId is the key ARN, as for every operation given an alias."""
    key = kms.create_key(KeySpec="HMAC_256", KeyUsage="GENERATE_VERIFY_MAC")["KeyMetadata"]
    kms.create_alias(AliasName="alias/mac", TargetKeyId=key["KeyId"])
    name = "alias/mac" if form == "alias" else f"arn:aws:kms:{REGION}:{ACCOUNT}:alias/mac"
    made = kms.generate_mac(KeyId=name, Message=b"m", MacAlgorithm="HMAC_SHA_256")
    assert made["KeyId"] == key["Arn"]
    verified = kms.verify_mac(
        KeyId=name, Message=b"m", MacAlgorithm="HMAC_SHA_256", Mac=made["Mac"]
    )
    assert (verified["MacValid"], verified["KeyId"]) == (True, key["Arn"])
