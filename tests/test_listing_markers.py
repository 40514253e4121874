"""Any ``Marker`` a client can send to any listing gets a KMS answer, never a traceback.

Every KMS listing takes an opaque ``Marker`` (botocore's model: 1 to 1024 characters
of ``[\\u0020-\\u00FF]``). The fake hands out its own markers (positions, key ids, grant
ids, alias names) and refuses any other with ``InvalidMarkerException``; its own markers
are checked listing by listing in each operation's tests. Found by this
test on 2026-11-27: ``²`` (U+00B2) is inside the model's range and ``str.isdigit()``
accepts it, so ListKeys and ListKeyRotations called ``int("²")`` and raised
``ValueError`` into the test that made the call.
"""

from __future__ import annotations

import contextlib
from typing import Any

from conftest import kms_client, state_of
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pytest_fakekms import FakeKMS

RETIREE = "arn:aws:iam::123456789012:role/retiree"

#: What botocore's model lets through: 1 to 1024 characters from U+0020 to U+00FF
#: (kept shorter here; length is not what the markers are parsed by).
MARKERS = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xFF), min_size=1, max_size=40)

#: The listing operations, with what each needs besides the marker.
LISTINGS = ["ListKeys", "ListAliases", "ListGrants", "ListRetirableGrants", "ListKeyRotations",
            "ListResourceTags", "ListKeyPolicies"]  # fmt: skip


def _params(operation: str, key_id: str) -> dict[str, Any]:
    if operation in ("ListKeys", "ListAliases"):
        return {}
    if operation == "ListRetirableGrants":
        return {"RetiringPrincipal": RETIREE}
    return {"KeyId": key_id}


def _call(kms: Any, operation: str, **params: Any) -> Any:
    method = {api: name for name, api in kms.meta.method_to_api_mapping.items()}[operation]
    return getattr(kms, method)(**params)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(operation=st.sampled_from(LISTINGS), marker=MARKERS, limit=st.integers(1, 3))
@example(operation="ListKeys", marker="²:x", limit=1)
@example(operation="ListKeyRotations", marker="²", limit=1)
@example(operation="ListResourceTags", marker="²", limit=1)
def test_any_marker_gets_a_page_or_invalid_marker(operation: str, marker: str, limit: int) -> None:
    """A marker the fake handed out gives the next page; any other marker gives a page
    or ``InvalidMarkerException``, and the state is unchanged."""
    kms = kms_client()
    with FakeKMS() as fake:
        key_id = _seed(kms)
        before = state_of(fake)
        first = _call(kms, operation, Limit=limit, **_params(operation, key_id))
        if first.get("Truncated"):
            page = _call(kms, operation, Marker=first["NextMarker"], **_params(operation, key_id))
            assert page["ResponseMetadata"]["HTTPStatusCode"] == 200
        with contextlib.suppress(kms.exceptions.InvalidMarkerException):
            _call(kms, operation, Marker=marker, **_params(operation, key_id))
        assert state_of(fake) == before
        assert fake.calls[-1].http_status in (200, 400)


def _seed(kms: Any) -> str:
    """Two keys, with aliases, grants, tags and rotations: every listing has pages."""
    key_ids = [kms.create_key()["KeyMetadata"]["KeyId"] for _ in range(2)]
    key_id: str = key_ids[0]
    for n in range(3):
        kms.create_alias(AliasName=f"alias/m{n}", TargetKeyId=key_id)
        kms.create_grant(
            KeyId=key_id,
            GranteePrincipal=RETIREE,
            Operations=["Decrypt"],
            RetiringPrincipal=RETIREE,
        )
        kms.rotate_key_on_demand(KeyId=key_id)
    kms.tag_resource(KeyId=key_id, Tags=[{"TagKey": f"t{n}", "TagValue": "v"} for n in range(4)])
    return key_id
