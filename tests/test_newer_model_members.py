"""Members that newer botocore models add to operations the fake implements.

botocore 1.44 (late 2026) added AWS service principals to grants
(``GranteeServicePrincipal``, ``RetiringServicePrincipal``, a ``SourceArn`` grant
constraint) and ``ResourceOwners`` to ListKeys, and made ``GranteePrincipal`` and
``RetiringPrincipal`` optional ("You must specify either ... or ..., but not both").
The fake validates requests against the client's model, so with such a botocore these
members reach it. Until 2026-11-27 a CreateGrant or ListRetirableGrants without the
older member raised ``KeyError`` out of the fake, and the new filters were ignored.
Now: grants for service principals are made, listed and retired as the docs describe
(since 2026-11-27, eighth session; before, CreateGrant refused them as not implemented),
and keys shared through RAM are none.

These tests run when the installed botocore has the members (a fresh environment
installs the newest) and skip otherwise.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ACCOUNT, error_of, kms_client

GRANTEE = f"arn:aws:iam::{ACCOUNT}:role/grantee"
SERVICE = "logs.us-east-1.amazonaws.com"


def _needs(kms: Any, operation: str, member: str) -> None:
    shape = kms.meta.service_model.operation_model(operation).input_shape
    if member not in shape.members:
        pytest.skip(f"this botocore's {operation} has no {member}")


SOURCE_ARN = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app"


def _service_grant(kms: Any, key_id: str, **extra: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "KeyId": key_id,
        "GranteeServicePrincipal": SERVICE,
        "Operations": ["Encrypt", "Decrypt"],
        "Constraints": {"SourceArn": SOURCE_ARN},
        "RetiringServicePrincipal": SERVICE,
        **extra,
    }
    answer: dict[str, Any] = kms.create_grant(**params)
    return answer


def test_a_grant_for_a_service_principal(kms: Any, fake_kms: Any, key_id: str) -> None:
    """[BC] CreateGrant: GranteeServicePrincipal "gets the permissions"; ListGrants shows it
    with the SourceArn constraint and the retiring service principal; RetireGrant and
    RevokeGrant work as for any grant."""
    _needs(kms, "CreateGrant", "GranteeServicePrincipal")
    grant = _service_grant(kms, key_id, Name="logs")
    (entry,) = kms.list_grants(KeyId=key_id)["Grants"]
    assert entry["GrantId"] == grant["GrantId"]
    assert entry["GranteeServicePrincipal"] == SERVICE
    assert entry["RetiringServicePrincipal"] == SERVICE
    assert entry["Constraints"] == {"SourceArn": SOURCE_ARN}
    assert "GranteePrincipal" not in entry
    assert "RetiringPrincipal" not in entry
    again = _service_grant(kms, key_id, Name="logs")  # the idempotent Name
    assert again["GrantId"] == grant["GrantId"]
    kms.retire_grant(GrantToken=grant["GrantToken"])
    assert kms.list_grants(KeyId=key_id)["Grants"] == []


def test_listings_by_service_principal(kms: Any, key_id: str) -> None:
    """ListGrants by GranteeServicePrincipal and ListRetirableGrants by
    RetiringServicePrincipal find the service's grants, and only them: a principal ARN
    and a service principal of the same spelling are different principals."""
    _needs(kms, "ListRetirableGrants", "RetiringServicePrincipal")
    service = _service_grant(kms, key_id)["GrantId"]
    arn_grant = kms.create_grant(
        KeyId=key_id, GranteePrincipal=GRANTEE, Operations=["Decrypt"], RetiringPrincipal=GRANTEE
    )["GrantId"]
    same_spelling = kms.create_grant(
        KeyId=key_id, GranteePrincipal=SERVICE, Operations=["Decrypt"], RetiringPrincipal=SERVICE
    )["GrantId"]

    def ids(grants: list[dict[str, Any]]) -> list[str]:
        return [g["GrantId"] for g in grants]

    assert ids(kms.list_grants(KeyId=key_id, GranteeServicePrincipal=SERVICE)["Grants"]) == [
        service
    ]
    assert ids(kms.list_grants(KeyId=key_id, GranteePrincipal=SERVICE)["Grants"]) == [same_spelling]
    assert ids(kms.list_retirable_grants(RetiringServicePrincipal=SERVICE)["Grants"]) == [service]
    assert ids(kms.list_retirable_grants(RetiringPrincipal=SERVICE)["Grants"]) == [same_spelling]
    assert ids(kms.list_retirable_grants(RetiringPrincipal=GRANTEE)["Grants"]) == [arn_grant]
    kms.revoke_grant(KeyId=key_id, GrantId=service)
    assert kms.list_retirable_grants(RetiringServicePrincipal=SERVICE)["Grants"] == []
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


def test_service_principal_grants_follow_the_documented_rules(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """[BC]: a GranteeServicePrincipal needs a SourceArn constraint and a retiring
    principal; RetiringPrincipal and RetiringServicePrincipal not both; exactly one
    grantee. Each refusal is a ValidationException (our wording) and stores nothing."""
    _needs(kms, "CreateGrant", "GranteeServicePrincipal")
    cases: list[tuple[dict[str, Any], str]] = [
        ({"GranteeServicePrincipal": SERVICE, "RetiringPrincipal": GRANTEE},
         "A grant for a GranteeServicePrincipal needs a SourceArn grant constraint."),
        ({"GranteeServicePrincipal": SERVICE, "Constraints": {"SourceArn": SOURCE_ARN}},
         "A grant for a GranteeServicePrincipal needs a RetiringPrincipal or a "
         "RetiringServicePrincipal."),
        ({"GranteePrincipal": GRANTEE, "RetiringPrincipal": GRANTEE,
          "RetiringServicePrincipal": SERVICE},
         "You can specify either RetiringPrincipal or RetiringServicePrincipal, but not both."),
        ({}, "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both."),
        ({"GranteePrincipal": GRANTEE, "GranteeServicePrincipal": SERVICE},
         "You must specify either GranteePrincipal or GranteeServicePrincipal, but not both."),
    ]  # fmt: skip
    for extra, message in cases:
        with pytest.raises(kms.exceptions.ClientError) as raised:
            kms.create_grant(KeyId=key_id, Operations=["Decrypt"], **extra)
        assert error_of(raised) == ("ValidationException", message, 400), extra
    assert kms.list_grants(KeyId=key_id)["Grants"] == []


def test_a_source_arn_constraint_on_an_asymmetric_key(kms: Any, fake_kms: Any) -> None:
    """SourceArn is not an encryption context: asymmetric keys may have it, where an
    encryption-context constraint is refused."""
    _needs(kms, "CreateGrant", "GranteeServicePrincipal")
    key = fake_kms.create_key(key_spec="ECC_NIST_P256", key_usage="SIGN_VERIFY")
    _service_grant(kms, key.key_id, Operations=["Sign"])
    with pytest.raises(kms.exceptions.ClientError) as raised:
        _service_grant(
            kms,
            key.key_id,
            Operations=["Sign"],
            Constraints={"SourceArn": SOURCE_ARN, "EncryptionContextSubset": {"a": "b"}},
        )
    assert error_of(raised)[0] == "ValidationException"


def test_service_principal_grants_survive_a_saved_state(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    _needs(kms, "CreateGrant", "GranteeServicePrincipal")
    from pytest_fakekms import FakeKMS
    from pytest_fakekms.persistence import dump_state, load_state

    grant = _service_grant(kms, key_id)
    listed = kms.list_grants(KeyId=key_id)["Grants"]
    saved = dump_state(fake_kms)
    restored = FakeKMS()
    load_state(saved, restored)
    assert dump_state(restored)["keys"] == saved["keys"]
    fake_kms.stop()  # one active fake at a time
    try:
        with restored:
            client = kms_client()
            assert client.list_grants(KeyId=key_id)["Grants"] == listed
            retirable = client.list_retirable_grants(RetiringServicePrincipal=SERVICE)
            assert [g["GrantId"] for g in retirable["Grants"]] == [grant["GrantId"]]
    finally:
        fake_kms.start()


def test_list_keys_resource_owners(kms: Any, key_id: str) -> None:
    """[BC] ``SELF``: the keys of the caller's account and Region; ``OTHER_ACCOUNTS_VIA_RAM``:
    keys other accounts share through RAM, which the fake has none of."""
    _needs(kms, "ListKeys", "ResourceOwners")

    def listed(*owners: str) -> list[str]:
        return [k["KeyId"] for k in kms.list_keys(ResourceOwners=list(owners))["Keys"]]

    assert listed("SELF") == listed("SELF", "OTHER_ACCOUNTS_VIA_RAM") == [key_id]
    assert listed("OTHER_ACCOUNTS_VIA_RAM") == []
