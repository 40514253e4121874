"""Saving a fake's state as JSON and loading it back (``python -m pytest_fakekms serve --state``).

:func:`dump_state` turns a fake's state into a JSON-able dict; :func:`load_state`
puts such a dict into a fake (a key the fake already holds under the same id is replaced,
with its policy history; loading the same state twice changes nothing). What is kept:

* every key (every JSON-able :class:`~pytest_fakekms.domain.keys.KeyRecord` field:
  ids, ARN, spec, usage, state, dates, policy text, tags, ...), in creation order;
* its key material, when it has been generated: symmetric and HMAC secrets as
  base64, private keys as base64 DER PKCS#8, so ciphertexts, MACs and signatures
  made before a restart still verify after it (material never generated stays
  ungenerated: it is made lazily on first use, as always); after rotations every
  material version is kept, with the rotation history and the automatic-rotation
  schedule, so ciphertexts made under older material still decrypt; imported key
  material is kept the same way, with its expiration (the wrapping keys and import
  tokens of GetParametersForImport are not: get new ones after a restart);
* its grants (every member ListGrants shows), so grant ids and grant tokens made
  before a restart still name them after it;
* its last successful cryptographic use (what GetKeyLastUsage answers);
* aliases, the policy history of every key (texts exactly as sent), registered
  principals and access keys, and the virtual clock (moved forward to the saved
  time if that is later, which completes deletions that came due).

Recorded calls, faults and quotas are per-run and are not kept. Key material is
secret only in name (this is a fake), but do not point ``--state`` at a shared
location if that matters to you.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import os
import tempfile
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)

from pytest_fakekms.crypto.material import Material, material_from_bytes
from pytest_fakekms.domain.backend import AliasRecord
from pytest_fakekms.domain.grants import GrantRecord, plain_constraints
from pytest_fakekms.domain.identifiers import is_key_id
from pytest_fakekms.domain.keys import KeyRecord, Rotation
from pytest_fakekms.domain.keystates import KeyState
from pytest_fakekms.history import PolicyVersion
from pytest_fakekms.state import FakeState

if typing.TYPE_CHECKING:
    from pytest_fakekms.fake import FakeKMS

__all__ = ["FORMAT", "VERSION", "dump_state", "load_file", "load_state", "save_file"]

FORMAT = "pytest-fakekms-state"
VERSION = 1

# import_parameters (GetParametersForImport's wrapping keys, valid 24 hours) are per-run.
_SPECIAL_KEY_FIELDS = frozenset(
    {"materials", "state", "grants", "rotations", "import_parameters", "last_usage"}
)


def _state_of(fake: FakeKMS | FakeState) -> FakeState:
    return fake if isinstance(fake, FakeState) else fake._state


# --- dumping -------------------------------------------------------------------------


def dump_state(fake: FakeKMS | FakeState) -> dict[str, Any]:
    """The fake's keys, aliases, policy history, principals and clock as a JSON-able dict."""
    state = _state_of(fake)
    with state.backend.lock:
        stores = state.backend.stores()
        keys = [_dump_key(r) for _, store in stores for r in store.keys.values()]
        aliases = [
            {"account_id": account, "region": region, **_dump_alias(alias)}
            for (account, region), store in stores
            for alias in store.aliases.values()
        ]
        key_ids = [k["key_id"] for k in keys]
    return {
        "format": FORMAT,
        "version": VERSION,
        "account_id": state.account_id,
        "region": state.region,
        "clock": state.clock.now().isoformat(),
        "keys": keys,
        "aliases": aliases,
        "policy_history": {
            key_id: [_dump_version(v) for v in state.history.versions(key_id)] for key_id in key_ids
        },
        "principals": sorted(state.principals),
        "access_keys": dict(state.access_keys),
    }


def _dump_key(record: KeyRecord) -> dict[str, Any]:
    data: dict[str, Any] = {"state": record.state.value}
    for field in dataclasses.fields(record):
        if field.name in _SPECIAL_KEY_FIELDS or not field.init:  # caches, bookkeeping
            continue
        value = _json_value(getattr(record, field.name))
        if value is not _UNSERIALIZABLE:
            data[field.name] = value
    materials = [_dump_material(m) for m in record.materials]
    if materials and all(m is not None for m in materials):
        data["materials"] = materials
    if record.rotations:  # every material version stays above; these say when and how
        data["rotations"] = [_dump_rotation(r) for r in record.rotations]
    if record.grants:
        data["grants"] = [_dump_grant(g) for g in record.grants.values()]
    if record.last_usage is not None:
        operation, timestamp, request_id = record.last_usage
        data["last_usage"] = {
            "operation": operation,
            "timestamp": timestamp.isoformat(),
            "request_id": request_id,
        }
    return data


def _dump_grant(grant: GrantRecord) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for field in dataclasses.fields(grant):
        value = getattr(grant, field.name)
        if isinstance(value, dt.datetime):
            value = value.isoformat()
        data[field.name] = _plain(value)
    return data


_UNSERIALIZABLE: Any = object()
#: Types JSON writes as they are (exact types: an Enum subclassing str is not one).
_JSON_ATOMS = frozenset({str, int, float, bool})


def _json_value(value: Any) -> Any:
    """``value`` as JSON (datetimes as ISO 8601), or ``_UNSERIALIZABLE``."""
    if value is None or type(value) in _JSON_ATOMS:  # most fields: no trial encoding
        return value
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, Mapping):
        return _plain(value)
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return _UNSERIALIZABLE
    return value


def _dump_material(material: object) -> dict[str, Any] | None:
    if not isinstance(material, Material):
        return None
    data: dict[str, Any] = {
        "key_spec": material.key_spec,
        "version": material.version,
        "material_id": material.material_id,
    }
    if material.private_key is not None:
        try:
            der = material.private_key.private_bytes(
                Encoding.DER, PrivateFormat.PKCS8, NoEncryption()
            )
        except (ValueError, TypeError):
            return None
        data["private_key"] = base64.b64encode(der).decode("ascii")
    else:
        data["secret"] = base64.b64encode(material.secret).decode("ascii")
    return data


def _dump_rotation(rotation: Rotation) -> dict[str, Any]:
    return {
        "material_version": rotation.material_version,
        "material_id": rotation.material_id,
        "date": rotation.date.isoformat(),
        "rotation_type": rotation.rotation_type,
    }


def _dump_alias(alias: AliasRecord) -> dict[str, Any]:
    return {
        "name": alias.name,
        "arn": alias.arn,
        "target_key_id": alias.target_key_id,
        "creation_date": alias.creation_date.isoformat(),
        "last_updated_date": alias.last_updated_date.isoformat(),
    }


def _dump_version(version: PolicyVersion) -> dict[str, Any]:
    return {
        "document": _plain(version.document),
        "text": version.text,
        "policy_name": version.policy_name,
        "set_at": version.set_at.isoformat(),
        "set_by": version.set_by,
        "bypass_lockout_check": version.bypass_lockout_check,
        "operation": version.operation,
    }


def _plain(value: Any) -> Any:
    """Frozen mappings and tuples (as recorded history holds them) back to dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# --- loading -------------------------------------------------------------------------


def load_state(data: Mapping[str, Any], into: FakeKMS | FakeState) -> None:
    """Put the keys, aliases, history and principals of ``data`` into a fake.

    Raises ``ValueError`` when ``data`` is not a state this version wrote.
    """
    if data.get("format") != FORMAT or data.get("version") != VERSION:
        raise ValueError(
            f"not a pytest-fakekms state (format {FORMAT!r}, version {VERSION}): "
            f"got format {data.get('format')!r}, version {data.get('version')!r}"
        )
    state = _state_of(into)
    with state.backend.lock:
        for entry in data.get("keys", []):
            state.backend.add_key(_load_key(entry))
        for entry in data.get("aliases", []):
            store = state.backend.store(entry["account_id"], entry["region"])
            store.add_alias(_load_alias(entry))
    for key_id, versions in data.get("policy_history", {}).items():
        state.history.replace(key_id, [_load_version(version) for version in versions])
    state.principals.update(data.get("principals", []))
    state.access_keys.update(data.get("access_keys", {}))
    _catch_up_clock(state, data.get("clock"))


def _load_key(entry: Mapping[str, Any]) -> KeyRecord:
    kwargs: dict[str, Any] = {}
    for field in dataclasses.fields(KeyRecord):
        if field.name in _SPECIAL_KEY_FIELDS or field.name not in entry:
            continue
        value = entry[field.name]
        if value is not None and "datetime" in str(field.type):  # annotations are strings
            value = _datetime(value)
        kwargs[field.name] = value
    record = KeyRecord(**kwargs)
    if not is_key_id(record.key_id):  # requests find stored keys by a well-formed id alone
        raise ValueError(f"not a key id in a saved state: {record.key_id!r}")
    record.state = KeyState(entry.get("state", KeyState.ENABLED.value))
    record.materials = tuple(_load_material(m) for m in entry.get("materials", []))
    record.rotations = tuple(_load_rotation(r) for r in entry.get("rotations", []))
    for grant in entry.get("grants", []):
        loaded = _load_grant(grant)
        record.grants_for_update().add(loaded)
    usage = entry.get("last_usage")
    if usage is not None:
        record.last_usage = (
            usage["operation"],
            _datetime(usage["timestamp"]),
            usage["request_id"],
        )
    return record


def _load_grant(entry: Mapping[str, Any]) -> GrantRecord:
    constraints = entry.get("constraints")
    return GrantRecord(
        grant_id=entry["grant_id"],
        grantee_principal=entry.get("grantee_principal"),
        operations=tuple(entry["operations"]),
        issuing_account=entry["issuing_account"],
        creation_date=_datetime(entry["creation_date"]),
        name=entry.get("name"),
        retiring_principal=entry.get("retiring_principal"),
        constraints=plain_constraints(constraints) if constraints else None,
        grantee_service_principal=entry.get("grantee_service_principal"),
        retiring_service_principal=entry.get("retiring_service_principal"),
    )


def _load_rotation(entry: Mapping[str, Any]) -> Rotation:
    return Rotation(
        material_version=int(entry["material_version"]),
        material_id=entry["material_id"],
        date=_datetime(entry["date"]),
        rotation_type=entry["rotation_type"],
    )


def _load_material(entry: Mapping[str, Any]) -> Material:
    encoded = entry.get("private_key", entry.get("secret", ""))
    return material_from_bytes(
        entry["key_spec"],
        base64.b64decode(encoded),
        version=int(entry["version"]),
        material_id=entry["material_id"],
    )


def _load_alias(entry: Mapping[str, Any]) -> AliasRecord:
    return AliasRecord(
        name=entry["name"],
        arn=entry["arn"],
        target_key_id=entry["target_key_id"],
        creation_date=_datetime(entry["creation_date"]),
        last_updated_date=_datetime(entry["last_updated_date"]),
    )


def _load_version(entry: Mapping[str, Any]) -> PolicyVersion:
    document = entry.get("document")
    return PolicyVersion(
        document=document if document is not None else json.loads(entry["text"]),
        text=entry["text"],
        policy_name=entry["policy_name"],
        set_at=_datetime(entry["set_at"]),
        set_by=entry["set_by"],
        bypass_lockout_check=bool(entry["bypass_lockout_check"]),
        operation=entry["operation"],
    )


def _datetime(text: str) -> dt.datetime:
    value = dt.datetime.fromisoformat(text)
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


def _catch_up_clock(state: FakeState, saved: str | None) -> None:
    if not saved:
        return
    behind = _datetime(saved) - state.clock.now()
    if behind > dt.timedelta(0):
        state.clock.advance(behind)


# --- files ---------------------------------------------------------------------------


def save_file(path: str | os.PathLike[str], fake: FakeKMS | FakeState) -> None:
    """Write :func:`dump_state` to ``path`` atomically (a temporary file, then a rename)."""
    target = Path(path)
    text = json.dumps(dump_state(fake), indent=1, sort_keys=False)
    descriptor, temporary = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".tmp", dir=target.parent or None
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text + "\n")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def load_file(path: str | os.PathLike[str], fake: FakeKMS | FakeState) -> bool:
    """Load ``path`` into ``fake`` if it exists; returns whether it did."""
    target = Path(path)
    if not target.exists():
        return False
    load_state(json.loads(target.read_text(encoding="utf-8")), fake)
    return True
