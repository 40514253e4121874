"""Symmetric encryption under SYMMETRIC_DEFAULT keys: AES-256-GCM in a self-describing blob.

Like AWS's, the ciphertext blob names the key that made it, so Decrypt needs no
KeyId (Encrypt docs: "KMS stores this information in the ciphertext blob"). The
layout is the fake's own (AWS's is not public), version 1, big-endian::

    offset      size  field
    0           1     format version, 0x01 (also the magic byte)
    1           1     n, length of the key id in bytes (1..255)
    2           n     key id, ASCII: a UUID or "mrk-" + 32 hex digits (36 chars)
    2+n         4     material version (u32): which of the key's materials was used
    6+n         12    GCM nonce, random
    18+n        m+16  AES-256-GCM ciphertext of the m-byte plaintext, then the tag

The additional authenticated data is the header (bytes 0 .. 6+n) followed by the
encryption context, so changing the key id, the material version, the context or
any ciphertext byte makes decryption fail. The context is encoded injectively:
the number of pairs (u32), then each pair sorted by key as u32 length + UTF-8
key, u32 length + UTF-8 value. ``{"ab": "c"}`` and ``{"a": "bc"}`` therefore give
different AAD; pair order does not matter, and no context equals ``{}``.

Every failure to open a blob is AWS's ``InvalidCiphertextException`` with no
message at all (recorded: snapshot ``test_encrypt_decrypt_encryption_context``
"decrypt_response_without_encryption_context" and "..._with_invalid_ciphertext";
kms-facts §5.3).
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import struct
from typing import TYPE_CHECKING, NamedTuple

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from pytest_fakekms.errors import KMSError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from pytest_fakekms.crypto.material import Material

FORMAT_VERSION = 0x01
NONCE_BYTES = 12
TAG_BYTES = 16
_U32 = struct.Struct(">I")
_KEY_ID = re.compile(
    r"(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    r"|mrk-[0-9a-fA-F]{32})\Z"
)


@dataclasses.dataclass(frozen=True)
class BlobHeader:
    """What a ciphertext blob says about itself: whose key, which material version."""

    key_id: str
    material_version: int


def invalid_ciphertext() -> KMSError:
    """AWS's InvalidCiphertextException, which carries no message."""
    return KMSError("InvalidCiphertextException", None)


def encrypt(
    key_id: str, material: Material, plaintext: bytes, context: Mapping[str, str] | None = None
) -> bytes:
    """Encrypt ``plaintext`` under ``material`` into a blob naming ``key_id``."""
    _require_symmetric(material)
    header = _header(key_id, material.version)
    nonce = os.urandom(NONCE_BYTES)  # what secrets.token_bytes returns, without two frames
    sealed = _cipher(material.secret).encrypt(nonce, plaintext, header + encode_context(context))
    return header + nonce + sealed


class Blob(NamedTuple):
    """A well-formed blob taken apart: what its header says, and its parts."""

    key_id: str
    material_version: int
    header: bytes  # the bytes the AEAD authenticates along with the context
    nonce: bytes
    sealed: bytes  # ciphertext and tag


def parse_blob(blob: bytes) -> BlobHeader:
    """Read a blob's header; InvalidCiphertextException if it is not a well-formed blob."""
    parts = split_blob(blob)
    return BlobHeader(parts.key_id, parts.material_version)


def decrypt(
    material: Material, blob: bytes | Blob, context: Mapping[str, str] | None = None
) -> bytes:
    """Decrypt a blob made by :func:`encrypt` with ``material`` and the same context;
    ``blob`` may be already taken apart by :func:`split_blob` (Decrypt reads the header
    first, to find the key)."""
    _require_symmetric(material)
    parts = split_blob(blob) if isinstance(blob, bytes) else blob
    if parts.material_version != material.version:
        raise invalid_ciphertext()
    try:
        return _cipher(material.secret).decrypt(
            parts.nonce, parts.sealed, parts.header + encode_context(context)
        )
    except InvalidTag:
        raise invalid_ciphertext() from None


#: One AES-GCM object per key secret: building one costs about as much as sealing 1 KiB.
#: The objects keep no state between calls, so threads can share them.
_cipher = functools.lru_cache(maxsize=1024)(AESGCM)


def encode_context(context: Mapping[str, str] | None) -> bytes:
    """The injective byte encoding of an encryption context (see the module docstring)."""
    if not context:
        return _NO_CONTEXT
    pairs = sorted(context.items())
    parts = [_U32.pack(len(pairs))]
    for key, value in pairs:
        parts += [_length_prefixed(key), _length_prefixed(value)]
    return b"".join(parts)


_NO_CONTEXT = _U32.pack(0)  # zero pairs


def _length_prefixed(text: str) -> bytes:
    # surrogatepass: JSON may carry lone surrogates; they must still encode injectively.
    data = text.encode("utf-8", "surrogatepass")
    return _U32.pack(len(data)) + data


@functools.lru_cache(maxsize=1024)  # a key's header is the same on every blob of a version
def _header(key_id: str, material_version: int) -> bytes:
    if not _KEY_ID.match(key_id):
        raise ValueError(f"expected a bare key id (UUID or mrk-...), got {key_id!r}")
    if not 0 <= material_version <= 0xFFFFFFFF:
        raise ValueError(f"material version {material_version} does not fit in a u32")
    encoded = key_id.encode("ascii")
    return bytes([FORMAT_VERSION, len(encoded)]) + encoded + _U32.pack(material_version)


def split_blob(blob: bytes) -> Blob:
    """``blob`` taken apart, or InvalidCiphertextException if it is not well formed."""
    if len(blob) < 2 or blob[0] != FORMAT_VERSION:
        raise invalid_ciphertext()
    id_end = 2 + blob[1]
    header_end = id_end + _U32.size
    if len(blob) < header_end + NONCE_BYTES + TAG_BYTES:
        raise invalid_ciphertext()
    key_id = blob[2:id_end].decode("latin-1")
    if not _KEY_ID.match(key_id):
        raise invalid_ciphertext()
    (version,) = _U32.unpack_from(blob, id_end)
    nonce_end = header_end + NONCE_BYTES
    return Blob(key_id, version, blob[:header_end], blob[header_end:nonce_end], blob[nonce_end:])


def _require_symmetric(material: Material) -> None:
    if material.key_spec != "SYMMETRIC_DEFAULT":
        raise ValueError(f"symmetric encryption needs SYMMETRIC_DEFAULT material, not {material}")
