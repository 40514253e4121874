"""botocore's KMS service model, loaded once, and the questions the fake asks of it.

This is the only module that loads the model. It uses botocore's public loader
(``botocore.loaders.Loader``), so it reads the same ``service-2.json`` (latest API
version, user overrides in ``~/.aws/models`` included) that botocore's own KMS
clients are built from. botocore is imported inside the functions, never at
import time: importing the plugin must not import botocore.

Every answer is cached (:func:`functools.cache`); the model is immutable.

:func:`validate_output` is for the test-suite: it checks a response body (the
decoded JSON the fake sends: blobs as base64 text, timestamps as epoch numbers)
against the operation's output shape and returns the problems it finds, so that
every response the fake produces can be shown to parse as botocore expects.
"""

from __future__ import annotations

import binascii
import functools
import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from botocore.model import ListShape, MapShape, ServiceModel, Shape, StructureShape

SERVICE_NAME = "kms"

__all__ = [
    "SERVICE_NAME",
    "declared_errors",
    "input_member_names",
    "is_server_fault",
    "operation_names",
    "output_member_names",
    "service_model",
    "validate_output",
]


#: The ``service-2`` document of the first KMS client the fake answered (:func:`adopt`).
_adopted: Mapping[str, Any] | None = None


def adopt(description: Mapping[str, Any]) -> None:
    """Use ``description``, the ``service-2`` document a KMS client was built from, unless
    a model is loaded already. The interceptor hands it over with the first request it
    answers: the document is then read and parsed once in the process instead of twice
    (about 13 ms of the first ``fake_kms`` test). It is the document that client's
    requests were serialized with, so the fake checks them against the very same model.
    """
    global _adopted
    if _adopted is None:
        _adopted = description


@functools.cache
def _service_description() -> Mapping[str, Any]:
    """The raw ``service-2`` document (keeps keys botocore's Shape does not expose): the one
    a client handed over (:func:`adopt`), or else loaded here."""
    if _adopted is not None:
        return _adopted
    from botocore.loaders import Loader

    description: Mapping[str, Any] = Loader().load_service_model(SERVICE_NAME, "service-2")
    return description


@functools.cache
def service_model() -> ServiceModel:
    """botocore's ``ServiceModel`` for KMS."""
    from botocore.model import ServiceModel

    return ServiceModel(_service_description(), service_name=SERVICE_NAME)


@functools.cache
def operation_names() -> frozenset[str]:
    """The names of every operation in the model (``"PutKeyPolicy"``, ...)."""
    return frozenset(service_model().operation_names)


def _operation(operation: str) -> Any:
    if operation not in operation_names():
        raise KeyError(f"unknown KMS operation {operation!r}")
    return service_model().operation_model(operation)


@functools.cache
def declared_errors(operation: str) -> frozenset[str]:
    """The error shape names ``operation`` declares (KeyError if there is no such operation)."""
    return frozenset(shape.name for shape in _operation(operation).error_shapes)


@functools.cache
def is_server_fault(code: str) -> bool:
    """True when the model marks error ``code`` as a server fault (``"fault": true``)."""
    shape = _service_description()["shapes"].get(code)
    return bool(shape and shape.get("exception") and shape.get("fault"))


@functools.cache
def input_member_names(operation: str) -> frozenset[str]:
    """The member names of ``operation``'s input shape."""
    shape = _operation(operation).input_shape
    return frozenset(shape.members) if shape is not None else frozenset()


@functools.cache
def output_member_names(operation: str) -> frozenset[str]:
    """The member names of ``operation``'s output shape (empty when it has none)."""
    shape = _operation(operation).output_shape
    return frozenset(shape.members) if shape is not None else frozenset()


# --- output checking (test-suite helper) -----------------------------------------

_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")


def validate_output(operation: str, response: Mapping[str, Any]) -> list[str]:
    """Problems with ``response`` as the body of a successful ``operation`` response.

    Checks unknown members, JSON types, enum values and required members against
    the output shape, recursively. An operation without an output shape must
    answer ``{}``. Returns an empty list when the body is fine.
    """
    shape = _operation(operation).output_shape
    problems: list[str] = []
    if shape is None:
        if not isinstance(response, Mapping):
            problems.append(f"<body>: expected an object, got {_json_type(response)}")
        elif response:
            problems.append(f"<body>: {operation} has no output, got members {sorted(response)}")
        return problems
    _check_value(shape, response, "<body>", problems)
    return problems


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_value(shape: Shape, value: object, path: str, problems: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure":
        _check_structure(shape, value, path, problems)  # type: ignore[arg-type]
    elif kind == "list":
        _check_list(shape, value, path, problems)  # type: ignore[arg-type]
    elif kind == "map":
        _check_map(shape, value, path, problems)  # type: ignore[arg-type]
    else:
        problem = _scalar_problem(shape, value)
        if problem is not None:
            problems.append(f"{path}: {problem}")


def _check_structure(shape: StructureShape, value: object, path: str, problems: list[str]) -> None:
    if not isinstance(value, Mapping):
        problems.append(f"{path}: expected an object, got {_json_type(value)}")
        return
    members = shape.members
    for name, item in value.items():
        member = members.get(name)
        if member is None:
            problems.append(f"{path}: unknown member {name!r} (not in {shape.name})")
        elif item is None:
            problems.append(f"{path}.{name}: null is never sent by AWS; omit the member")
        else:
            _check_value(member, item, f"{path}.{name}", problems)
    for name in shape.required_members:
        if name not in value:
            problems.append(f"{path}: required member {name!r} is missing")


def _check_list(shape: ListShape, value: object, path: str, problems: list[str]) -> None:
    if not isinstance(value, list):
        problems.append(f"{path}: expected an array, got {_json_type(value)}")
        return
    for index, item in enumerate(value):
        _check_value(shape.member, item, f"{path}[{index}]", problems)


def _check_map(shape: MapShape, value: object, path: str, problems: list[str]) -> None:
    if not isinstance(value, Mapping):
        problems.append(f"{path}: expected an object, got {_json_type(value)}")
        return
    for key, item in value.items():
        if not isinstance(key, str):
            problems.append(f"{path}: map key {key!r} is not a string")
        _check_value(shape.value, item, f"{path}[{key!r}]", problems)


def _scalar_problem(shape: Shape, value: object) -> str | None:
    kind = shape.type_name
    if kind == "string":
        if not isinstance(value, str):
            return f"expected a string, got {_json_type(value)}"
        enum: list[str] = shape.metadata.get("enum", [])
        if enum and value not in enum:
            return f"{value!r} is not a {shape.name} value ({', '.join(enum)})"
        return None
    if kind == "boolean":
        return None if isinstance(value, bool) else f"expected a boolean, got {_json_type(value)}"
    if kind in ("integer", "long"):
        if isinstance(value, int) and not isinstance(value, bool):
            return None
        return f"expected an integer, got {_json_type(value)} {value!r}"
    if kind in ("float", "double"):
        ok = _is_number(value) and math.isfinite(value)  # type: ignore[arg-type]
        return None if ok else f"expected a number, got {_json_type(value)}"
    if kind == "timestamp":
        ok = _is_number(value) and math.isfinite(value)  # type: ignore[arg-type]
        return None if ok else f"expected epoch seconds (a number), got {_json_type(value)}"
    if kind == "blob":
        return _blob_problem(value)
    return None


def _blob_problem(value: object) -> str | None:
    if not isinstance(value, str):
        return f"expected base64 text, got {_json_type(value)}"
    if not _BASE64.fullmatch(value):
        return f"not valid base64: {value[:40]!r}"
    try:
        binascii.a2b_base64(value)
    except binascii.Error as error:  # pragma: no cover - the regex rules these out
        return f"not valid base64: {error}"
    return None
