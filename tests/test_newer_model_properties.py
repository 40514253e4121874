"""Property tests for what botocore 1.44 brought: Decapsulate's ciphertext check and
CreateGrant's rules for service principals, through real boto3 clients.

Any input must get a success or the documented error, never a traceback or a 500, and a
refused request must leave the state as it was (``dump_state``, clock aside). Skips with
a botocore without the members, or a ``cryptography`` without ML-KEM.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import ACCOUNT, kms_client, state_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pytest_fakekms import FakeKMS

_client = kms_client()
_MODEL = _client.meta.service_model
_HAS_ML_KEM = "Encapsulate" in _MODEL.operation_names
_HAS_SERVICE_GRANTS = "GranteeServicePrincipal" in (
    _MODEL.operation_model("CreateGrant").input_shape.members
)
_SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: ML-KEM-768's ciphertext length (FIPS 203).
ML_KEM_768_CIPHERTEXT = 1088


@pytest.mark.skipif(not _HAS_ML_KEM, reason="this botocore has no Encapsulate")
@_SETTINGS
@given(
    blob=st.one_of(
        st.binary(min_size=1, max_size=1600),
        st.binary(min_size=ML_KEM_768_CIPHERTEXT, max_size=ML_KEM_768_CIPHERTEXT),
    )
)
def test_decapsulate_any_ciphertext(blob: bytes) -> None:
    """[BC] Decapsulate: InvalidCiphertextException exactly when the length does not fit
    the key spec; otherwise a 32-byte value (implicit rejection), the same each time."""
    pytest.importorskip("cryptography.hazmat.primitives.asymmetric.mlkem")
    with FakeKMS() as fake:
        key_id = fake.create_key(key_spec="ML_KEM_768", key_usage="ENCAPSULATE_DECAPSULATE").key_id
        _client.get_public_key(KeyId=key_id)  # the material exists before the "before"
        before = state_of(fake)

        def decapsulate() -> bytes:
            answer = _client.decapsulate(
                KeyId=key_id, EncapsulationAlgorithm="ML_KEM", SharedSecretCiphertextBlob=blob
            )
            return bytes(answer["SharedSecret"])

        if len(blob) != ML_KEM_768_CIPHERTEXT:
            with pytest.raises(_client.exceptions.InvalidCiphertextException):
                decapsulate()
            assert state_of(fake) == before
        else:
            secret = decapsulate()
            assert len(secret) == 32
            assert decapsulate() == secret


_SERVICE = "logs.us-east-1.amazonaws.com"
_ARN = f"arn:aws:iam::{ACCOUNT}:role/app"
_SOURCE = f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:app"
_MEMBERS = {
    "GranteePrincipal": _ARN,
    "GranteeServicePrincipal": _SERVICE,
    "RetiringPrincipal": _ARN,
    "RetiringServicePrincipal": _SERVICE,
}


def _allowed(members: set[str], source_arn: bool) -> bool:
    """The rules of botocore 1.44's CreateGrant docs [BC]."""
    grantees = {"GranteePrincipal", "GranteeServicePrincipal"} & members
    retiring = {"RetiringPrincipal", "RetiringServicePrincipal"} & members
    if len(grantees) != 1 or len(retiring) > 1:
        return False
    if "GranteeServicePrincipal" in members:
        return source_arn and len(retiring) == 1
    return True


@pytest.mark.skipif(not _HAS_SERVICE_GRANTS, reason="this botocore has no service principals")
@_SETTINGS
@given(members=st.sets(st.sampled_from(sorted(_MEMBERS))), source_arn=st.booleans())
def test_create_grant_principal_rules(members: set[str], source_arn: bool) -> None:
    with FakeKMS() as fake:
        key_id = fake.create_key().key_id
        before = state_of(fake)
        params: dict[str, Any] = {name: _MEMBERS[name] for name in members}
        if source_arn:
            params["Constraints"] = {"SourceArn": _SOURCE}
        try:
            _client.create_grant(KeyId=key_id, Operations=["Decrypt"], **params)
            refused = None
        except _client.exceptions.ClientError as error:
            refused = error.response["Error"]
        if _allowed(members, source_arn):
            assert refused is None
            (grant,) = _client.list_grants(KeyId=key_id)["Grants"]
            for name in members:
                assert grant[name] == _MEMBERS[name]
        else:
            assert refused is not None
            assert refused["Code"] == "ValidationException"
            assert refused["Message"]
            assert state_of(fake) == before
