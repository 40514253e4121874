"""Helpers shared by the data-operation tests (encryption, data keys, signing, MACs).

* :func:`assert_wire_valid`: the last call's response, encoded the way the
  dispatcher puts it on the wire, validates against botocore's output shape.
* :func:`reuse_rsa_keys`: RSA key generation (about a second for RSA_4096) done
  once per spec per test session, so the suite stays fast.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from pytest_fakekms import model, protocol
from pytest_fakekms.crypto import material
from pytest_fakekms.recorder import thaw

_RSA_CACHE: dict[str, Any] = {}


def assert_wire_valid(fake_kms: Any, operation: str) -> None:
    """The last recorded call is a successful ``operation`` whose wire body fits the model."""
    call = fake_kms.calls.last
    assert (call.operation, call.error) == (operation, None)
    body = json.loads(json.dumps(protocol.to_wire(thaw(call.response))))
    assert model.validate_output(operation, body) == []
    assert set(body) <= model.output_member_names(operation)


def reuse_rsa_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the fake's RSA key material come from a per-session cache, one key per spec.

    Only key *material* generation is patched (``crypto.material``); data key pairs
    are still fresh. Tests that need two distinct RSA keys of one spec must not use it.
    """
    original: Callable[[str], Any] = material.generate_private_key

    def cached(key_spec: str) -> Any:
        if key_spec not in material.RSA_KEY_BITS:
            return original(key_spec)
        if key_spec not in _RSA_CACHE:
            _RSA_CACHE[key_spec] = original(key_spec)
        return _RSA_CACHE[key_spec]

    monkeypatch.setattr(material, "generate_private_key", cached)
