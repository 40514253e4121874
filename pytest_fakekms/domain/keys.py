"""A KMS key: the backend's mutable record and the read-only view tests get."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import secrets
import types
from collections.abc import Mapping
from typing import Any

from pytest_fakekms.crypto.specs import metadata_algorithms
from pytest_fakekms.domain.keystates import KeyState


def new_material_id() -> str:
    """A CurrentKeyMaterialId: 64 lowercase hex characters (kms-facts §7.1)."""
    return secrets.token_hex(32)


@dataclasses.dataclass
class KeyRecord:
    """Everything the backend knows about one key. Only the backend mutates it."""

    key_id: str
    arn: str
    account_id: str
    region: str
    key_spec: str
    key_usage: str
    origin: str
    description: str
    creation_date: dt.datetime
    policy_text: str  # as GetKeyPolicy returns it (AWS's re-serialized form)
    state: KeyState = KeyState.ENABLED
    deletion_date: dt.datetime | None = None
    pending_window_days: int | None = None
    multi_region: bool = False
    key_manager: str = "CUSTOMER"
    tags: dict[str, str] = dataclasses.field(default_factory=dict)
    materials: list[Any] = dataclasses.field(default_factory=list)  # lazily generated
    material_id: str = ""
    rotation_enabled: bool = False

    def metadata(self) -> dict[str, Any]:
        """KeyMetadata as it goes on the wire (kms-facts §7.1); timestamps as epoch seconds."""
        meta: dict[str, Any] = {
            "AWSAccountId": self.account_id,
            "Arn": self.arn,
            "CreationDate": self.creation_date.timestamp(),
        }
        if self.material_id:
            meta["CurrentKeyMaterialId"] = self.material_id
        meta["CustomerMasterKeySpec"] = self.key_spec
        if self.deletion_date is not None:
            meta["DeletionDate"] = self.deletion_date.timestamp()
        meta["Description"] = self.description
        meta["Enabled"] = self.state is KeyState.ENABLED  # kms-facts §3.1
        meta.update(metadata_algorithms(self.key_spec, self.key_usage))
        meta.update(
            KeyId=self.key_id,
            KeyManager=self.key_manager,
            KeySpec=self.key_spec,
            KeyState=self.state.value,
            KeyUsage=self.key_usage,
            MultiRegion=self.multi_region,
            Origin=self.origin,
        )
        if self.multi_region:
            meta["MultiRegionConfiguration"] = {
                "MultiRegionKeyType": "PRIMARY",
                "PrimaryKey": {"Arn": self.arn, "Region": self.region},
                "ReplicaKeys": [],
            }
        if self.pending_window_days is not None and self.state is KeyState.PENDING_DELETION:
            meta["PendingDeletionWindowInDays"] = self.pending_window_days
        return meta

    def view(self) -> Key:
        """A read-only snapshot of this key for tests."""
        return Key(
            key_id=self.key_id,
            arn=self.arn,
            state=self.state,
            policy=types.MappingProxyType(json.loads(self.policy_text)),
            policy_text=self.policy_text,
            region=self.region,
            account_id=self.account_id,
            description=self.description,
            key_spec=self.key_spec,
            key_usage=self.key_usage,
            origin=self.origin,
            creation_date=self.creation_date,
            deletion_date=self.deletion_date,
            tags=types.MappingProxyType(dict(self.tags)),
        )


@dataclasses.dataclass(frozen=True)
class Key:
    """A read-only view of a key, as it was when the view was taken."""

    key_id: str
    arn: str
    state: KeyState
    policy: Mapping[str, Any]
    policy_text: str
    region: str
    account_id: str
    description: str
    key_spec: str
    key_usage: str
    origin: str
    creation_date: dt.datetime
    deletion_date: dt.datetime | None
    tags: Mapping[str, str]
