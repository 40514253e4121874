"""A KMS key: the backend's mutable record and the read-only view tests get."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import operator
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from pytest_fakekms.crypto.material import Material, new_material
from pytest_fakekms.crypto.specs import CUSTOMER_MASTER_KEY_SPECS, metadata_algorithms
from pytest_fakekms.domain.grants import NO_GRANTS, GrantCollection
from pytest_fakekms.domain.identifiers import derived_uuid, random_hex_id
from pytest_fakekms.domain.keystates import KeyState
from pytest_fakekms.errors import KMSError
from pytest_fakekms.recorder import freeze

if TYPE_CHECKING:
    from pytest_fakekms.crypto.wrapping import ImportParameters


def customer_master_key_spec(key_spec: str) -> str | None:
    """The deprecated CustomerMasterKeySpec for ``key_spec``, or None when the key spec is
    newer than that enum (Ed25519, ML-DSA): botocore's model has no value for it, so the
    member is left out rather than sent with a value botocore does not know."""
    return key_spec if key_spec in CUSTOMER_MASTER_KEY_SPECS else None


def new_material_id() -> str:
    """A CurrentKeyMaterialId: 64 lowercase hex characters (kms-facts §7.1)."""
    return random_hex_id()


#: ScheduleKeyDeletion's PendingWindowInDays when the request leaves it out (kms-facts §7.2).
DEFAULT_PENDING_WINDOW_DAYS = 30

#: RotationType values (botocore model, RotationsListEntry).
AUTOMATIC = "AUTOMATIC"
ON_DEMAND = "ON_DEMAND"


@dataclasses.dataclass(frozen=True)
class Rotation:
    """One completed rotation of a key's material: a ListKeyRotations entry."""

    material_version: int
    material_id: str
    date: dt.datetime
    rotation_type: str  # AUTOMATIC or ON_DEMAND


_NO_TAGS: Mapping[str, str] = types.MappingProxyType({})


@dataclasses.dataclass(frozen=True)
class KeyUsage:
    """A key's last successful cryptographic operation, as GetKeyLastUsage reports it."""

    operation: str  # Encrypt, Decrypt, ReEncrypt, GenerateDataKey..., Sign, Verify, ...
    timestamp: dt.datetime  # on the virtual clock
    request_id: str  # the x-amzn-RequestId of that request (KmsRequestId)
    cloudtrail_event_id: str  # the fake keeps no CloudTrail: derived from the request id

    @classmethod
    def of(cls, usage: tuple[str, dt.datetime, str], account_id: str) -> KeyUsage:
        """The usage a key record keeps (operation, time, request id), for the key's owner:
        ReEncrypt across accounts gives each owner its own event (GetKeyLastUsage docs)."""
        operation, timestamp, request_id = usage
        event_id = derived_uuid(f"{account_id}/{request_id}")
        return cls(operation, timestamp, request_id, event_id)


@dataclasses.dataclass(slots=True)  # slots: about 30 fields, up to 100k keys per fake
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
    # The key policy: AWS's re-serialized text, or the parsed document it is rendered from
    # on first read (rendering a 30 KB policy costs ~0.6 ms in a loop; most puts are never
    # read back).
    policy_source: str | Mapping[str, Any]
    state: KeyState = KeyState.ENABLED
    deletion_date: dt.datetime | None = None
    pending_window_days: int | None = None
    multi_region: bool = False
    key_manager: str = "CUSTOMER"
    # Collections are immutable and replaced on change (grants: see grants_for_update), so
    # that a key which never has tags, material, rotations or grants shares one empty value
    # of each instead of owning five empty containers (about 290 B of the 1 KB per key).
    tags: Mapping[str, str] = dataclasses.field(default_factory=lambda: _NO_TAGS)
    materials: tuple[Material, ...] = ()  # oldest first; generated on first use
    material_id: str = ""
    rotation_enabled: bool = False
    rotation_period_days: int | None = None  # set while automatic rotation is on
    next_rotation_date: dt.datetime | None = None
    rotations: tuple[Rotation, ...] = ()  # oldest first
    grants: GrantCollection = dataclasses.field(default_factory=lambda: NO_GRANTS)
    # Imported key material (Origin EXTERNAL; operations/key_import.py). The id of the
    # material ever imported stays after a deletion: only the same material may return.
    imported_material_id: str = ""
    expiration_model: str | None = None  # KEY_MATERIAL_EXPIRES / _DOES_NOT_EXPIRE
    valid_to: dt.datetime | None = None  # when imported material expires
    import_parameters: tuple[ImportParameters, ...] = ()
    # The last successful cryptographic use: (operation, time, request id), set by the
    # dispatcher once such a request has succeeded; KeyUsage.of makes the public form.
    last_usage: tuple[str, dt.datetime, str] | None = None
    # DescribeKey's last answer and the metadata_fingerprint() it was built from
    # (operations/keys.py). A cache, not state: not persisted, not compared.
    described: tuple[tuple[object, ...], dict[str, Any]] | None = dataclasses.field(
        default=None, init=False, repr=False, compare=False
    )
    # Its place in its store's creation order, set when the backend stores it (RegionStore):
    # bookkeeping, not state: not persisted, not compared.
    sequence: int = dataclasses.field(default=0, init=False, repr=False, compare=False)

    def grants_for_update(self) -> GrantCollection:
        """The key's grants to change in place (its own collection, made on its first
        grant). A stored key's grants change through ``Backend.add_grant`` and
        ``Backend.remove_grant``, which keep the Region's index of retirable grants."""
        if self.grants is NO_GRANTS:
            self.grants = GrantCollection()
        return self.grants

    @property
    def policy_text(self) -> str:
        """The policy as GetKeyPolicy returns it (AWS's re-serialized form, kms-facts §1.3)."""
        source = self.policy_source
        if not isinstance(source, str):
            from pytest_fakekms.policy.render import render_document

            source = self.policy_source = render_document(source)
        return source

    @policy_text.setter
    def policy_text(self, text: str) -> None:
        self.policy_source = text

    def metadata_fingerprint(self) -> tuple[object, ...]:
        """Every field :meth:`metadata` reads: equal fingerprints, equal metadata
        (tests/test_key_metadata_cache.py checks the list against what it reads)."""
        return _metadata_fields(self)

    def metadata(self) -> dict[str, Any]:
        """KeyMetadata as it goes on the wire (kms-facts §7.1); timestamps as epoch seconds."""
        meta: dict[str, Any] = {
            "AWSAccountId": self.account_id,
            "Arn": self.arn,
            "CreationDate": self.creation_date.timestamp(),
        }
        if self.material_id:
            meta["CurrentKeyMaterialId"] = self.material_id
        legacy_spec = customer_master_key_spec(self.key_spec)
        if legacy_spec is not None:
            meta["CustomerMasterKeySpec"] = legacy_spec
        if self.deletion_date is not None:
            meta["DeletionDate"] = self.deletion_date.timestamp()
        meta["Description"] = self.description
        meta["Enabled"] = self.state is KeyState.ENABLED  # kms-facts §3.1
        meta.update(metadata_algorithms(self.key_spec, self.key_usage))
        if self.expiration_model is not None:  # aws-recorded test_import_key_symmetric
            meta["ExpirationModel"] = self.expiration_model
        meta.update(
            KeyId=self.key_id,
            KeyManager=self.key_manager,
            KeySpec=self.key_spec,
            KeyState=self.state._value_,  # .value is a Python-level property (2 calls)
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
        # Only while a primary with replicas waits for them (BC KeyMetadata docs): a key in
        # PendingDeletion shows its DeletionDate instead.
        if self.pending_window_days is not None and self.state is KeyState.PENDING_REPLICA_DELETION:
            meta["PendingDeletionWindowInDays"] = self.pending_window_days
        if self.valid_to is not None:
            meta["ValidTo"] = self.valid_to.timestamp()
        return meta

    def current_material(self) -> Material:
        """The material new ciphertexts, signatures and MACs use, generated on first use.

        Call it with the backend lock held (operations always run under it), so two
        threads never generate two materials for one key. CreateKey stays cheap: an
        RSA_4096 key is made here, on the key's first cryptographic use.
        """
        if not self.materials:
            self.materials = (self._first_material(),)
        return self.materials[-1]

    def material(self, version: int) -> Material | None:
        """The key's material of ``version`` (the one a ciphertext blob names), if it has it."""
        materials = self.materials
        if 0 < version <= len(materials) and materials[version - 1].version == version:
            return materials[version - 1]  # rotation numbers versions 1, 2, 3...: no scan
        for material in materials:  # a loop, not next(genexpr): Decrypt asks every call
            if material.version == version:
                return material
        return None

    def rotate(self, when: dt.datetime, rotation_type: str) -> Material:
        """Make a new material version current and record the rotation; older versions
        stay, so ciphertexts made under them still decrypt (their blobs name the version).
        Only for symmetric encryption keys; call with the backend lock held."""
        previous = self.current_material()
        material = new_material(self.key_spec, previous.version + 1)
        self.materials = (*self.materials, material)
        self.material_id = material.material_id  # DescribeKey's CurrentKeyMaterialId
        rotation = Rotation(material.version, material.material_id, when, rotation_type)
        self.rotations = (*self.rotations, rotation)
        return material

    def on_demand_rotations(self) -> int:
        """How many on-demand rotations the key has had (AWS allows 25 per key)."""
        return sum(r.rotation_type == ON_DEMAND for r in self.rotations)

    def next_clock_date(self) -> dt.datetime | None:
        """The earliest date the clock can bring something due for this key: its
        DeletionDate, its NextRotationDate while automatic rotation is on (even while the
        key is disabled: it resumes), the ValidTo of imported material; None without
        any (``DueSchedule`` orders keys by it)."""
        when = self.deletion_date
        rotation = self.next_rotation_date if self.rotation_enabled else None
        if rotation is not None and (when is None or rotation < when):
            when = rotation
        valid_to = self.valid_to
        if valid_to is not None and (when is None or valid_to < when):
            when = valid_to
        return when

    def complete_due_rotations(self, now: dt.datetime) -> None:
        """Perform the automatic rotations whose date has come, each dated on its schedule.

        Only while the key is Enabled: AWS does not rotate disabled keys or keys pending
        deletion (GetKeyRotationStatus docs). Rotations missed meanwhile happen at the
        first clock advance after the key is enabled again (a simplification).
        """
        period = self.rotation_period_days
        while (
            self.rotation_enabled
            and period
            and self.state is KeyState.ENABLED
            and self.next_rotation_date is not None
            and self.next_rotation_date <= now
        ):
            due = self.next_rotation_date
            self.rotate(due, AUTOMATIC)
            self.next_rotation_date = due + dt.timedelta(days=period)

    def delete_imported_material(self) -> None:
        """Remove imported key material (DeleteImportedKeyMaterial, or expiry): the key
        goes to PendingImport unless it is pending deletion, which it stays (BC
        DeleteImportedKeyMaterial docs). CurrentKeyMaterialId stays (aws-recorded
        test_import_key_symmetric "describe-key-after-deleted-import"), ExpirationModel
        goes. Call with the backend lock held."""
        self.materials = ()
        self.expiration_model = None
        self.valid_to = None
        if self.state not in (KeyState.PENDING_DELETION, KeyState.PENDING_REPLICA_DELETION):
            self.state = KeyState.PENDING_IMPORT

    def force_state(self, state: KeyState, now: dt.datetime) -> None:
        """Put the key in ``state`` outside the key-state table (the seeding helpers).

        The members that go with a pending deletion come along, as ScheduleKeyDeletion
        with its default window would set them: PendingDeletion gets a DeletionDate
        (BC: "present only when ... PendingDeletion"; the clock then deletes the key when
        it passes), PendingReplicaDeletion a waiting period; any other state has neither.
        A key already pending deletion keeps the date and window it has, and a key
        leaving PendingReplicaDeletion starts its waiting period, as in AWS once the last
        replica is gone (BC PendingDeletionWindowInDays docs).
        """
        self.state = state
        if state is KeyState.PENDING_DELETION:
            if self.deletion_date is None:
                days = self.pending_window_days or DEFAULT_PENDING_WINDOW_DAYS
                self.pending_window_days = days
                self.deletion_date = now + dt.timedelta(days=days)
        elif state is KeyState.PENDING_REPLICA_DELETION:
            self.deletion_date = None
            if self.pending_window_days is None:
                self.pending_window_days = DEFAULT_PENDING_WINDOW_DAYS
        else:
            self.deletion_date = None
            self.pending_window_days = None

    def expire_imported_material(self, now: dt.datetime) -> None:
        """Delete imported material whose ValidTo the clock has passed (BC ValidTo docs)."""
        if self.materials and self.valid_to is not None and self.valid_to <= now:
            self.delete_imported_material()

    def _first_material(self) -> Material:
        if self.origin == "EXTERNAL":
            # Keys with imported material have none until it is imported; the key-state
            # table rejects them while PendingImport ([5], kms-facts §3.2, VERIFIED text).
            raise KMSError("KMSInvalidStateException", f"{self.arn} is pending import.")
        # CurrentKeyMaterialId was drawn at CreateKey (symmetric keys): keep it.
        return new_material(self.key_spec, material_id=self.material_id or None)

    def usage(self) -> KeyUsage | None:
        """The key's last successful cryptographic use, if it has had one."""
        usage = self.last_usage
        return None if usage is None else KeyUsage.of(usage, self.account_id)

    def view(self) -> Key:
        """A read-only snapshot of this key for tests."""
        text = self.policy_text
        tags = self.tags
        return Key._of(
            {
                "key_id": self.key_id,
                "arn": self.arn,
                "state": self.state,
                "policy": _policy_view(text),
                "policy_text": text,
                "region": self.region,
                "account_id": self.account_id,
                "description": self.description,
                "key_spec": self.key_spec,
                "key_usage": self.key_usage,
                "origin": self.origin,
                "creation_date": self.creation_date,
                "deletion_date": self.deletion_date,
                # A copy: the key's own tags change with TagResource (untagged keys share
                # one empty read-only mapping, which needs none).
                "tags": tags if tags is _NO_TAGS else types.MappingProxyType(dict(tags)),
                "last_usage": self.usage(),
            }
        )


@functools.lru_cache(maxsize=256)
def _policy_view(text: str) -> Mapping[str, Any]:
    """A view's ``policy``: the text parsed and deep-frozen, shared by every view of the
    same text (the default policy is one text for every key of an account and Region).
    Parsing it for every view made ``fake.keys()`` cost 9.5 µs a key."""
    return freeze(json.loads(text))  # type: ignore[no-any-return]


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
    last_usage: KeyUsage | None  # what GetKeyLastUsage answers; None before the first use

    @classmethod
    def _of(cls, fields: dict[str, Any]) -> Key:
        """KeyRecord.view's constructor: ``fields`` names every field, in order. Sets the
        instance dictionary once, where the frozen ``__init__`` makes 15
        ``object.__setattr__`` calls (as ``history.PolicyVersion._of``)."""
        key = object.__new__(cls)
        object.__setattr__(key, "__dict__", fields)
        return key


#: The fields KeyRecord.metadata reads, in one C call (see metadata_fingerprint).
METADATA_FIELDS = (
    "account_id", "arn", "creation_date", "material_id", "key_spec", "deletion_date",
    "description", "state", "key_usage", "expiration_model", "key_id", "key_manager",
    "multi_region", "origin", "region", "pending_window_days", "valid_to",
)  # fmt: skip
_metadata_fields = operator.attrgetter(*METADATA_FIELDS)
