"""Imported key material: GetParametersForImport, ImportKeyMaterial and
DeleteImportedKeyMaterial, for keys created with ``Origin=EXTERNAL``.

The flow is AWS's: GetParametersForImport makes an RSA wrapping key pair and an
import token naming it (valid 24 hours on the virtual clock); the caller wraps its
key material with the public key (``crypto.wrapping``); ImportKeyMaterial unwraps it
with the token's private key, checks it fits the key spec and gives the key its
material, PendingImport -> Enabled. DeleteImportedKeyMaterial removes it again,
-> PendingImport, and only the same material may be imported afterwards, so
ciphertexts made before the deletion decrypt again after the re-import (the
material keeps its version and id, which symmetric blobs name). Material imported
with ``KEY_MATERIAL_EXPIRES`` is deleted when the virtual clock passes ``ValidTo``.

AWS facts (kms-facts §3.2, botocore model "BC", aws-recorded "LS-S"):

* Key states come from the key-state table (:meth:`Context.key`); its conditional
  cells ([9]) leave the origin to the functions here: a key whose origin is not
  EXTERNAL gets ``UnsupportedOperationException`` :data:`ORIGIN_NOT_VALID` (VERIFIED for
  GetParametersForImport, ``test_get_parameters_for_import_raises_for_non_external_kms_keys``;
  INFERRED for the other two).
* GetParametersForImport answers ``KeyId`` (the key ARN), ``ImportToken``, ``PublicKey``
  and ``ParametersValidTo`` (LS-S
  ``test_rotate_key_on_demand_updates_current_key_material_for_external_keys``); 24 hours
  (BC).
* ExpirationModel defaults to ``KEY_MATERIAL_EXPIRES``, which needs ``ValidTo``:
  ``ValidationException`` :data:`VALID_TO_REQUIRED` (VERIFIED, LS-S
  ``test_import_key_symmetric``). ``ValidTo`` with ``KEY_MATERIAL_DOES_NOT_EXPIRE``, in
  the past, or more than 365 days ahead is "not valid" (BC); those texts are ours.
* After an import DescribeKey shows ``ExpirationModel`` (and ``ValidTo`` when it
  expires); a symmetric key also shows ``CurrentKeyMaterialId``, which stays after
  the material is deleted; asymmetric and HMAC keys never show one (LS-S
  ``test_import_key_symmetric``, ``test_import_key_asymmetric``,
  ``test_import_key_hmac_keys[*]``, ``test_import_key_ecc_keys[*]``).
* ImportKeyMaterial answers ``KeyId`` (the key ARN) and, for symmetric keys,
  ``KeyMaterialId`` (LS-S
  ``test_rotate_key_on_demand_for_external_keys_decrypts_with_previous_material``).
  KMS derives the id "based on the KMS key ID and the imported key material" (BC); the
  fake's derivation (HMAC-SHA256 keyed with the key id) is its own. Whether AWS returns
  a KeyMaterialId for asymmetric and HMAC keys is not on record; the fake does not.
* Errors (codes from BC; texts ours unless marked): an unknown token or one of another
  key ``InvalidImportTokenException``; an expired one ``ExpiredImportTokenException``;
  material that does not unwrap ``InvalidCiphertextException``; material of the wrong
  size or kind, or not the material imported before ``IncorrectKeyMaterialException``.
* Not implemented: ``ImportType=NEW_KEY_MATERIAL`` on a key that already had material
  (new material for RotateKeyOnDemand): ``UnsupportedOperationException`` naming the
  gap. ``ImportType``, ``KeyMaterialId`` and ``KeyMaterialDescription`` are "only usable
  with symmetric encryption keys" (BC): ``ValidationException``, our wording.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from typing import Any

from pytest_fakekms import errors
from pytest_fakekms.crypto import wrapping
from pytest_fakekms.crypto.material import HMAC_KEY_BYTES, Material, material_from_bytes
from pytest_fakekms.domain.keys import KeyRecord
from pytest_fakekms.domain.keystates import KeyState
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.base import Context, Params, Result, operation

UNSUPPORTED = "UnsupportedOperationException"
SYMMETRIC = "SYMMETRIC_DEFAULT"
EXPIRES = "KEY_MATERIAL_EXPIRES"
DOES_NOT_EXPIRE = "KEY_MATERIAL_DOES_NOT_EXPIRE"
#: ValidTo may be at most this far ahead (BC ImportKeyMaterial ValidTo docs).
MAX_VALIDITY = dt.timedelta(days=365)
_SYMMETRIC_ONLY_MEMBERS = ("ImportType", "KeyMaterialId", "KeyMaterialDescription")

#: VERIFIED (LS-S) for GetParametersForImport with AWS_KMS; INFERRED for the others.
ORIGIN_NOT_VALID = "{arn} origin is {origin} which is not valid for this operation."
#: VERIFIED, LS-S test_import_key_symmetric "import-expiring-key-without-valid-to".
VALID_TO_REQUIRED = "A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES"
# The fake's wording from here on (AWS's texts are not on record).
VALID_TO_NOT_ALLOWED = (
    "A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE"
)
VALID_TO_OUT_OF_RANGE = "The validTo date must be in the future and at most 365 days away."
SYMMETRIC_ONLY = "{member} is only usable with symmetric encryption KMS keys."
ALGORITHM_UNSUPPORTED = "pytest-fakekms does not support the wrapping {what} {value}."
INVALID_TOKEN = "The import token is not valid for {arn}."
EXPIRED_TOKEN = "The import token expired at {valid_to}."
CANNOT_UNWRAP = "The key material could not be decrypted with the import token's wrapping key."
WRONG_MATERIAL = "The key material is not valid for a {spec} KMS key: {reason}"
NOT_THE_SAME = "The key material is not the key material previously imported into {arn}."
MATERIAL_ID_MISMATCH = "The key material does not have the key material ID {material_id}."
NEW_MATERIAL_UNSUPPORTED = (
    "pytest-fakekms does not implement ImportType NEW_KEY_MATERIAL for a key that already "
    "had key material (new key material for RotateKeyOnDemand): {arn}"
)
UNKNOWN_MATERIAL_ID = "Key material {material_id} is not associated with {arn}."


def _require_external(record: KeyRecord) -> None:
    """Footnote [9]: only keys made for imported material (Origin EXTERNAL)."""
    if record.origin != "EXTERNAL":
        message = ORIGIN_NOT_VALID.format(arn=record.arn, origin=record.origin)
        raise KMSError(UNSUPPORTED, message)


# --- GetParametersForImport ----------------------------------------------------------


def _check_wrapping(params: Params) -> tuple[str, str]:
    algorithm: str = params["WrappingAlgorithm"]
    key_spec: str = params["WrappingKeySpec"]
    if algorithm not in wrapping.ALGORITHMS:
        message = ALGORITHM_UNSUPPORTED.format(what="algorithm", value=algorithm)
        raise KMSError(UNSUPPORTED, message)
    if key_spec not in wrapping.WRAPPING_KEY_BITS:
        raise KMSError(UNSUPPORTED, ALGORITHM_UNSUPPORTED.format(what="key spec", value=key_spec))
    return algorithm, key_spec


@operation("GetParametersForImport")
def get_parameters_for_import(ctx: Context, params: Params) -> Result:
    """A fresh RSA wrapping key and the import token naming it, valid 24 hours."""
    record = ctx.key(params)
    _require_external(record)
    algorithm, key_spec = _check_wrapping(params)
    parameters = wrapping.new_import_parameters(key_spec, algorithm, ctx.now)
    live = [p for p in record.import_parameters if p.valid_to > ctx.now]
    record.import_parameters = (*live, parameters)
    return {
        "KeyId": record.arn,
        "ImportToken": parameters.token,
        "PublicKey": parameters.public_key_der(),
        "ParametersValidTo": parameters.valid_to.timestamp(),
    }


# --- ImportKeyMaterial ---------------------------------------------------------------


def _expiration(params: Params, now: dt.datetime) -> tuple[str, dt.datetime | None]:
    """(ExpirationModel, ValidTo) of the request, checked (see the module docstring)."""
    model: str = params.get("ExpirationModel", EXPIRES)
    valid_to: dt.datetime | None = params.get("ValidTo")
    if model == DOES_NOT_EXPIRE:
        if valid_to is not None:
            raise errors.validation(VALID_TO_NOT_ALLOWED)
        return model, None
    if valid_to is None:
        raise errors.validation(VALID_TO_REQUIRED)
    if valid_to.tzinfo is None:
        valid_to = valid_to.replace(tzinfo=dt.timezone.utc)
    if not now < valid_to <= now + MAX_VALIDITY:
        raise errors.validation(VALID_TO_OUT_OF_RANGE)
    return model, valid_to


def _import_parameters(
    record: KeyRecord, token: bytes, now: dt.datetime
) -> wrapping.ImportParameters:
    found = next((p for p in record.import_parameters if p.token == bytes(token)), None)
    if found is None:
        raise KMSError("InvalidImportTokenException", INVALID_TOKEN.format(arn=record.arn))
    if found.valid_to <= now:
        message = EXPIRED_TOKEN.format(valid_to=found.valid_to.isoformat())
        raise KMSError("ExpiredImportTokenException", message)
    return found


def _unwrap(parameters: wrapping.ImportParameters, blob: bytes) -> bytes:
    try:
        return wrapping.unwrap_key_material(parameters, bytes(blob))
    except ValueError:
        raise KMSError("InvalidCiphertextException", CANNOT_UNWRAP) from None


def material_id_for(record: KeyRecord, data: bytes) -> str:
    """The id of ``data`` as ``record``'s material: 64 lowercase hex characters, the same
    for the same material and key (our derivation; see the module docstring)."""
    return hmac.new(record.key_id.encode(), data, hashlib.sha256).hexdigest()


def _material(record: KeyRecord, data: bytes) -> Material:
    """``data`` as the key's material, or IncorrectKeyMaterialException."""
    expected = HMAC_KEY_BYTES.get(record.key_spec)
    try:
        if expected is not None and len(data) != expected:
            raise ValueError(f"HMAC key material for {record.key_spec} must be {expected} bytes")
        return material_from_bytes(record.key_spec, data, material_id=material_id_for(record, data))
    except ValueError as exc:
        message = WRONG_MATERIAL.format(spec=record.key_spec, reason=exc)
        raise KMSError("IncorrectKeyMaterialException", message) from None


def _check_symmetric_members(record: KeyRecord, params: Params) -> None:
    if record.key_spec == SYMMETRIC:
        return
    for member in _SYMMETRIC_ONLY_MEMBERS:
        if member in params:
            raise errors.validation(SYMMETRIC_ONLY.format(member=member))


def _check_same_material(record: KeyRecord, params: Params, material_id: str) -> None:
    """Only the material imported before may come back (BC IncorrectKeyMaterialException)."""
    requested = params.get("KeyMaterialId")
    if requested is not None and requested != material_id:
        message = MATERIAL_ID_MISMATCH.format(material_id=requested)
        raise KMSError("IncorrectKeyMaterialException", message)
    if not record.imported_material_id:
        return
    if params.get("ImportType") == "NEW_KEY_MATERIAL":
        raise KMSError(UNSUPPORTED, NEW_MATERIAL_UNSUPPORTED.format(arn=record.arn))
    if material_id != record.imported_material_id:
        raise KMSError("IncorrectKeyMaterialException", NOT_THE_SAME.format(arn=record.arn))


def _install(
    record: KeyRecord, material: Material, expiration: tuple[str, dt.datetime | None]
) -> None:
    """Give the key its material; PendingImport -> Enabled, other states stay."""
    record.materials = (material,)
    record.imported_material_id = material.material_id
    if record.key_spec == SYMMETRIC:
        record.material_id = material.material_id  # CurrentKeyMaterialId
    record.expiration_model, record.valid_to = expiration
    if record.state is KeyState.PENDING_IMPORT:
        record.state = KeyState.ENABLED


@operation("ImportKeyMaterial")
def import_key_material(ctx: Context, params: Params) -> Result:
    """Unwrap the key material with the token's wrapping key and give it to the key."""
    record = ctx.key(params)
    _require_external(record)
    _check_symmetric_members(record, params)
    expiration = _expiration(params, ctx.now)
    parameters = _import_parameters(record, params["ImportToken"], ctx.now)
    data = _unwrap(parameters, params["EncryptedKeyMaterial"])
    material = _material(record, data)
    _check_same_material(record, params, material.material_id)
    _install(record, material, expiration)
    if record.valid_to is not None:
        ctx.state.backend.watch(record)
    result: Result = {"KeyId": record.arn}
    if record.key_spec == SYMMETRIC:
        result["KeyMaterialId"] = material.material_id
    return result


# --- DeleteImportedKeyMaterial -------------------------------------------------------


def _check_material_id(record: KeyRecord, requested: Any) -> None:
    if requested is not None and requested != record.imported_material_id:
        message = UNKNOWN_MATERIAL_ID.format(material_id=requested, arn=record.arn)
        raise KMSError("NotFoundException", message)


@operation("DeleteImportedKeyMaterial")
def delete_imported_key_material(ctx: Context, params: Params) -> Result:
    """Remove the key's material: -> PendingImport (a key pending deletion stays so)."""
    record = ctx.key(params)
    _require_external(record)
    _check_material_id(record, params.get("KeyMaterialId"))
    if record.materials:  # PendingImport: "no effect" (DG23 key-state table)
        record.delete_imported_material()
    result: Result = {"KeyId": record.arn}
    if record.key_spec == SYMMETRIC and record.imported_material_id:
        result["KeyMaterialId"] = record.imported_material_id
    return result
