"""Helpers shared by the data-operation tests (encryption, data keys, signing, MACs).

* :func:`assert_wire_valid`: the last call's response, encoded the way the
  dispatcher puts it on the wire, validates against botocore's output shape.
"""

from __future__ import annotations

import json
from typing import Any

from pytest_fakekms import model, protocol
from pytest_fakekms.recorder import thaw


def assert_wire_valid(fake_kms: Any, operation: str) -> None:
    """The last recorded call is a successful ``operation`` whose wire body fits the model."""
    call = fake_kms.calls.last
    assert (call.operation, call.error) == (operation, None)
    body = json.loads(json.dumps(protocol.to_wire(thaw(call.response))))
    assert model.validate_output(operation, body) == []
    assert set(body) <= model.output_member_names(operation)
