"""The JSON body of a ``{"KeyMetadata": ...}`` answer (CreateKey, DescribeKey), from a
template per kind of key.

Two keys of one kind (the same key spec, usage, origin, state, manager, expiration
model and Region, both with or both without a CurrentKeyMaterialId) differ in
KeyMetadata only in six members: AWSAccountId, Arn, CreationDate,
CurrentKeyMaterialId, Description and KeyId. The body of the first key of a kind is
encoded by the protocol's own encoder with a marker in place of each of the six; the
text between the markers is kept as a ``%``-format, and every later key of the kind
fills in its six values, each escaped by the same C escaper the encoder uses. The
bytes are those the encoder would have written (``tests/test_metadata_body.py`` checks
it for every kind and for any description).

Why: the encoder escapes every one of KeyMetadata's ~45 strings, names included, one
character at a time, about 18,000 machine instructions of a CreateKey (callgrind,
``benchmarks/instructions.py``), where a key's six values are all that change.

Keys with a DeletionDate or a ValidTo (dates that differ from key to key and would
each make a kind of their own) and multi-Region keys (whose configuration repeats
the ARN) are left to the encoder: :func:`key_metadata_body` gives None.
"""

from __future__ import annotations

import json
import operator
from typing import TYPE_CHECKING, Any

from pytest_fakekms import protocol

if TYPE_CHECKING:
    from pytest_fakekms.domain.keys import KeyRecord

__all__ = ["key_metadata_body"]

_escape = json.encoder.encode_basestring_ascii  # the escaper protocol's encoder uses

#: What a kind is made of: every field KeyMetadata reads except the six values a
#: template leaves open (and the dates and multi-Region flag that keep a key out).
_kind_of = operator.attrgetter(
    "key_spec", "key_usage", "origin", "state", "key_manager", "expiration_model",
    "region", "pending_window_days",
)  # fmt: skip

#: The six members every key fills in, with the name of each in the template.
_OPEN = (
    ("AWSAccountId", "account"),
    ("Arn", "arn"),
    ("CreationDate", "created"),
    ("CurrentKeyMaterialId", "material"),
    ("Description", "description"),
    ("KeyId", "key"),
)

_TEMPLATES: dict[tuple[object, ...], str] = {}
_TEMPLATES_LIMIT = 256  # kinds; a full table is emptied (a miss costs one encoding)


def key_metadata_body(record: KeyRecord, metadata: dict[str, Any]) -> bytes | None:
    """``{"KeyMetadata": metadata}`` as JSON bytes, ``metadata`` being ``record.metadata()``;
    None for a key the templates leave to the encoder (see the module docstring)."""
    if record.deletion_date is not None or record.valid_to is not None or record.multi_region:
        return None
    kind = (_kind_of(record), not record.material_id)
    template = _TEMPLATES.get(kind)
    if template is None:
        template = _template(metadata)
        if len(_TEMPLATES) >= _TEMPLATES_LIMIT:
            _TEMPLATES.clear()
        _TEMPLATES[kind] = template
    escape = _escape
    return (
        template
        % {
            "account": escape(metadata["AWSAccountId"]),
            "arn": escape(metadata["Arn"]),
            "created": repr(metadata["CreationDate"]),  # as the encoder writes a float
            "material": escape(metadata.get("CurrentKeyMaterialId", "")),
            "description": escape(metadata["Description"]),
            "key": escape(metadata["KeyId"]),
        }
    ).encode()


def _template(metadata: dict[str, Any]) -> str:
    """The body of ``metadata``'s kind, a ``%``-format with the six values left open."""
    sample = dict(metadata)
    markers = {}
    for member, name in _OPEN:
        if member in sample:
            # A marker the escaper leaves alone and no other member's value can hold.
            marker = sample[member] = f"@fakekms-{name}@"
            markers[_escape(marker)] = f"%({name})s"
    text = protocol.result_body({"KeyMetadata": sample}).decode().replace("%", "%%")
    for marker, slot in markers.items():
        if text.count(marker) != 1:  # pragma: no cover - a member's value equal to a marker
            raise AssertionError(f"KeyMetadata template: {marker} found {text.count(marker)}x")
        text = text.replace(marker, slot)
    return text
