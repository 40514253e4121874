"""Members that newer botocore models add to operations the fake implements.

botocore 1.44 (late 2026) added AWS service principals to grants
(``GranteeServicePrincipal``, ``RetiringServicePrincipal``, a ``SourceArn`` grant
constraint) and ``ResourceOwners`` to ListKeys, and made ``GranteePrincipal`` and
``RetiringPrincipal`` optional ("You must specify either ... or ..., but not both").
The fake validates requests against the client's model, so with such a botocore these
members reach it. Until 2026-11-27 a CreateGrant or ListRetirableGrants without the
older member raised ``KeyError`` out of the fake, and the new filters were ignored.
Now: service principals in a new grant are refused as not implemented (a
ValidationException saying so: CreateGrant declares no code for it), listings by
them are empty (no grant of the fake has one), and keys shared through RAM are none.

These tests run when the installed botocore has the members (a fresh environment
installs the newest) and skip otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ACCOUNT, error_of

GRANTEE = f"arn:aws:iam::{ACCOUNT}:role/grantee"
SERVICE = "logs.us-east-1.amazonaws.com"


def _needs(kms: Any, operation: str, member: str) -> None:
    shape = kms.meta.service_model.operation_model(operation).input_shape
    if member not in shape.members:
        pytest.skip(f"this botocore's {operation} has no {member}")


def test_create_grant_refuses_service_principals_as_not_implemented(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    _needs(kms, "CreateGrant", "GranteeServicePrincipal")
    cases = [
        ({"GranteeServicePrincipal": SERVICE, "RetiringPrincipal": GRANTEE},
         "GranteeServicePrincipal"),
        ({"GranteePrincipal": GRANTEE, "RetiringServicePrincipal": SERVICE},
         "RetiringServicePrincipal"),
        ({"GranteePrincipal": GRANTEE,
          "Constraints": {"SourceArn": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:x"}},
         "Constraints.SourceArn"),
    ]  # fmt: skip
    for extra, member in cases:
        with pytest.raises(kms.exceptions.ClientError) as raised:
            kms.create_grant(KeyId=key_id, Operations=["Decrypt"], **extra)
        message = f"pytest-fakekms does not implement {member} of CreateGrant yet."
        assert error_of(raised) == ("ValidationException", message, 400)
    assert kms.list_grants(KeyId=key_id)["Grants"] == []


def test_create_grant_needs_exactly_one_grantee(kms: Any, key_id: str) -> None:
    _needs(kms, "CreateGrant", "GranteeServicePrincipal")
    message = "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both."
    for extra in ({}, {"GranteePrincipal": GRANTEE, "GranteeServicePrincipal": SERVICE}):
        with pytest.raises(kms.exceptions.ClientError) as raised:
            kms.create_grant(KeyId=key_id, Operations=["Decrypt"], **extra)
        assert error_of(raised) == ("ValidationException", message, 400)
    assert kms.list_grants(KeyId=key_id)["Grants"] == []


def test_listings_by_a_service_principal_are_empty(kms: Any, key_id: str) -> None:
    _needs(kms, "ListRetirableGrants", "RetiringServicePrincipal")
    kms.create_grant(
        KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Decrypt"], RetiringPrincipal=GRANTEE
    )
    assert kms.list_retirable_grants(RetiringServicePrincipal=SERVICE)["Grants"] == []
    assert kms.list_grants(KeyId=key_id, GranteeServicePrincipal=SERVICE)["Grants"] == []
    assert len(kms.list_retirable_grants(RetiringPrincipal=GRANTEE)["Grants"]) == 1
    retiring = (
        "You must specify either RetiringPrincipal or RetiringServicePrincipal, but not both."
    )
    for extra in ({}, {"RetiringPrincipal": GRANTEE, "RetiringServicePrincipal": SERVICE}):
        with pytest.raises(kms.exceptions.ClientError) as raised:
            kms.list_retirable_grants(**extra)
        assert error_of(raised) == ("ValidationException", retiring, 400)
    with pytest.raises(kms.exceptions.ClientError) as raised:
        kms.list_grants(KeyId=key_id, GranteePrincipal=GRANTEE, GranteeServicePrincipal=SERVICE)
    assert error_of(raised)[0] == "ValidationException"


def test_list_keys_resource_owners(kms: Any, key_id: str) -> None:
    """[BC] ``SELF``: the keys of the caller's account and Region; ``OTHER_ACCOUNTS_VIA_RAM``:
    keys other accounts share through RAM, which the fake has none of."""
    _needs(kms, "ListKeys", "ResourceOwners")

    def listed(*owners: str) -> list[str]:
        return [k["KeyId"] for k in kms.list_keys(ResourceOwners=list(owners))["Keys"]]

    assert listed("SELF") == listed("SELF", "OTHER_ACCOUNTS_VIA_RAM") == [key_id]
    assert listed("OTHER_ACCOUNTS_VIA_RAM") == []
