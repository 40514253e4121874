"""Server-side request validation, the way AWS KMS does it, against botocore's model.

How it works
------------
For each operation, the input shape tree of botocore's model (:mod:`.model`) is
compiled once into a tree of small node objects (``_String``, ``_Integer``,
``_Blob``, ``_List``, ``_Structure``, ...) that hold plain Python values: limits,
a precompiled pattern checker, the enum set and the ready-made constraint texts.
A request then costs one walk over the *body*, never over botocore's shapes.
The walk does two jobs at once, like AWS's own request pipeline:

1. **Deserialization.** A member of the wrong JSON type stops the request with
   ``SerializationException`` (first one found wins, before any validation
   error), blobs are base64-decoded to ``bytes`` and timestamps turned into UTC
   ``datetime``. The result is a decoded copy of the body.
2. **Validation.** Every constraint violation (required, length, range, enum,
   pattern) is collected; if there are any, the request fails with one
   ``ValidationException`` listing them all in AWS's format.

AWS behaviour and where it comes from
-------------------------------------
* Message format, VERIFIED from real AWS responses (data/aws-recorded
  ``kms.snapshot.json``): ``1 validation error detected: Value '<v>' at
  '<path>' failed to satisfy constraint: <constraint>``; paths use the member
  name with its first letter lowercased, list elements ``tags.1.member.tagKey``
  (1-based); ``Member must have value greater than or equal to 1`` /
  ``less than or equal to 1024`` (``test_generate_random_invalid_number_of_bytes``),
  ``Member must have length less than or equal to 128``
  (``test_create_key_with_invalid_tag_key[too_long_key]``), ``Member must
  satisfy enum value set: [A, B]`` (``test_hmac_create_key_invalid_operations``).
* Blob values are not printed: ``Value at 'plaintext' failed ...`` (snapshot
  ``test_plaintext_size_for_encrypt``; the same for the non-sensitive
  ``ciphertextBlob`` in real AWS CLI output quoted in public notes). Members the
  model marks ``sensitive`` are not printed either (real Cognito messages
  ``Value at 'username'``) -- INFERRED for KMS's sensitive strings.
* Several errors: ``N validation errors detected: <e1>; <e2>`` (real AWS output,
  e.g. ACM RequestCertificate quoted in public issues). VERIFIED format for AWS,
  INFERRED for KMS. Order: members in model order; within a member, length, then
  pattern, then enum -- a guess (real AWS messages show both orders).
* Missing or ``null`` required member: ``Value null at 'keyId' failed to satisfy
  constraint: Member must not be null`` -- the format of real AWS outputs in
  public code (KMS Sign mocks, Kinesis, Athena probes); INFERRED. ``null`` for
  any member counts as absent, and unknown members are ignored (passed through
  untouched in the decoded copy) -- INFERRED from probes of another awsJson1_1
  (Coral) service, Athena, recorded in a public emulator's test-suite.
* Constraints on list elements and map keys/values give one error per list or
  map, with every constraint of the element listed: ``Value '[a, b]' at
  'grantTokens' failed to satisfy constraint: Member must satisfy constraint:
  [Member must have length less than or equal to 8192, Member must have length
  greater than or equal to 1]`` and ``Map keys must satisfy constraint: [...]`` /
  ``Map value must satisfy constraint: [...]`` (real AWS messages from ACM,
  Lambda, EventBridge and Cognito quoted in public issues); INFERRED for KMS.
  Lists of structures report each element's members (``tags.1.member.tagKey``).
* Value rendering: strings raw, numbers in decimal, booleans ``true``/``false``,
  lists ``[a, b]`` and maps ``{k=v, k2=v2}`` as Java prints them (real AWS
  messages above). Integers beyond Java's range are not printed (Athena probe).
* Enum sets are printed in the order AWS printed them where it is on record
  (AWS prints a Java hash-set order, not the model's), newer model values after
  them; for other enums the model's order (a guess).
* Type mismatches -> ``SerializationException`` with Coral's texts, INFERRED
  from the Athena/SES probes recorded in public emulator test-suites:
  ``NUMBER_VALUE can not be converted to a String``, ``TRUE_VALUE can not be
  converted to an Integer``, ``STRING_VALUE can not be converted to an Integer``,
  ``STRING_VALUE can not be converted to an Boolean`` (sic),
  ``NUMBER_VALUE can not be converted to a Boolean``, ``Start of list found
  where not expected``, ``Start of structure or map found where not expected.``,
  ``Expected null`` (a scalar where a structure belongs), ``Expected list or
  null``. Guesses: ``... to a ByteBuffer`` for blobs, ``... to a Date`` for
  timestamps, ``Expected map or null`` for maps, and no message for invalid
  base64 and non-finite numbers (local-kms answers invalid base64 with an empty
  SerializationException). A non-integral number for an integer member is
  truncated toward zero (Coral's ``TruncatingBigNumber``; guess).
* Patterns are Java regexes matched against the whole value (``matches()``):
  translated once for :mod:`re` (``fullmatch``, ``re.ASCII`` so that ``\\w``,
  ``\\d`` and ``\\s`` are ASCII-only as in Java). String lengths count UTF-16
  code units like Java's ``String.length()`` (guess); blob lengths count bytes.

* An operation that is not in the model: ``UnknownOperationException`` without
  a message (guess).

Performance: a PutKeyPolicy body with a 30 KB policy validates in about 13 µs
(see ``tests/test_validation.py::test_put_key_policy_is_fast``), a small body
in about 2 µs; blobs cost what base64 decoding costs (about 25 µs for 4 KB).
Long strings checked against a single-character-class pattern such as the policy's
``[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+`` skip the regex engine: the string is
known to be Latin-1 or ASCII, and each forbidden character is looked for with
``str.__contains__`` (``memchr``).
"""

from __future__ import annotations

import binascii
import datetime as dt
import functools
import math
import re
import sys
from typing import TYPE_CHECKING, Any

from pytest_fakekms.errors import KMSError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from botocore.model import ListShape, MapShape, Shape, StructureShape

__all__ = [
    "LIST_BODY_MESSAGE",
    "RECORDED_ENUM_ORDER",
    "body_not_object_error",
    "compile_pattern",
    "decode_params",
    "validate_and_decode",
    "validate_request",
]

#: The SerializationException text AWS's JSON stack gives a body that is a JSON
#: array (Athena probe, INFERRED); other non-object bodies get no message at all.
LIST_BODY_MESSAGE = "Start of list found where not expected"
_MAP_MESSAGE = "Start of structure or map found where not expected."
_EXPECTED_STRUCTURE = "Expected null"
_EXPECTED_LIST = "Expected list or null"
_EXPECTED_MAP = "Expected map or null"  # guess

_INT_RANGE = (-(2**31), 2**31 - 1)
_LONG_RANGE = (-(2**63), 2**63 - 1)

#: Enum sets in the order real AWS printed them (kms.snapshot.json):
#: keySpec and keyUsage from ``test_hmac_create_key_invalid_operations``,
#: macAlgorithm from ``test_invalid_generate_mac``, keyAgreementAlgorithm from
#: ``test_derive_shared_secret``. Values added to the model since come after.
RECORDED_ENUM_ORDER: dict[str, tuple[str, ...]] = {
    "KeySpec": (
        "RSA_2048", "ECC_NIST_P384", "ECC_NIST_P256", "ECC_NIST_P521", "HMAC_384", "RSA_3072",
        "ECC_SECG_P256K1", "RSA_4096", "SYMMETRIC_DEFAULT", "HMAC_256", "HMAC_224", "HMAC_512",
    ),
    "KeyUsageType": ("ENCRYPT_DECRYPT", "SIGN_VERIFY", "GENERATE_VERIFY_MAC"),
    "MacAlgorithmSpec": ("HMAC_SHA_384", "HMAC_SHA_256", "HMAC_SHA_224", "HMAC_SHA_512"),
    "KeyAgreementAlgorithmSpec": ("ECDH",),
}  # fmt: skip

Errors = list[str]


# --- public API -------------------------------------------------------------------


def validate_request(operation: str, params: object) -> dict[str, Any]:
    """Check a decoded JSON body as AWS does; return the decoded copy.

    Raises :class:`KMSError` ``SerializationException`` for a member of the wrong
    JSON type or undecodable base64, ``ValidationException`` for constraint
    violations, ``UnknownOperationException`` for an operation not in the model.
    The returned copy has blobs as ``bytes``, timestamps as UTC ``datetime``,
    ``null`` members dropped and unknown members kept as they were.
    """
    plan = _PLANS.get(operation) or _plan(operation)
    if type(params) is not dict:
        raise body_not_object_error(params)
    errors: Errors = []
    decoded = plan.run(params, "", errors)
    if errors:
        raise KMSError("ValidationException", _join(errors))
    return decoded  # type: ignore[no-any-return]


#: Same function under the name that says it returns something.
validate_and_decode = validate_request


def decode_params(operation: str, params: object) -> dict[str, Any]:
    """A decoded copy of ``params`` for the record; never raises.

    Blobs that are valid base64 become ``bytes``, valid timestamps ``datetime``;
    anything else (wrong types, unknown members, unknown operations) is kept as
    it was, so a failed request is still recorded with what was sent.
    """
    if not isinstance(params, dict):
        return {}
    if operation not in _PLANS:
        try:
            _plan(operation)
        except KMSError:
            return dict(params)
    result: dict[str, Any] = _PLANS[operation].lenient(params)
    return result


def body_not_object_error(body: object) -> KMSError:
    """The SerializationException for a body that is valid JSON but not an object."""
    return KMSError("SerializationException", LIST_BODY_MESSAGE if isinstance(body, list) else None)


# --- messages ---------------------------------------------------------------------


def _join(errors: Errors) -> str:
    if len(errors) == 1:
        return f"1 validation error detected: {errors[0]}"
    return f"{len(errors)} validation errors detected: {'; '.join(errors)}"


def _problem(shown: str | None, path: str, constraint: str) -> str:
    value = "Value" if shown is None else f"Value '{shown}'"
    return f"{value} at '{path}' failed to satisfy constraint: {constraint}"


def _null_problem(path: str) -> str:
    return f"Value null at '{path}' failed to satisfy constraint: Member must not be null"


def _serialization(message: str | None) -> KMSError:
    return KMSError("SerializationException", message)


def _token(value: object) -> str | None:
    """Coral's name for the JSON token of ``value`` (None for arrays and objects)."""
    if value is True:
        return "TRUE_VALUE"
    if value is False:
        return "FALSE_VALUE"
    if isinstance(value, (int, float)):
        return "NUMBER_VALUE"
    if isinstance(value, str):
        return "STRING_VALUE"
    return None


def _scalar_type_error(
    value: object, target: str, overrides: dict[str, str] | None = None
) -> KMSError:
    """A JSON value that cannot become the scalar ``target`` (e.g. ``an Integer``)."""
    if isinstance(value, list):
        return _serialization(LIST_BODY_MESSAGE)
    if isinstance(value, dict):
        return _serialization(_MAP_MESSAGE)
    token = _token(value)
    if token is None:  # not a JSON value at all
        return _serialization(None)
    target = (overrides or {}).get(token, target)
    return _serialization(f"{token} can not be converted to {target}")


def _render(value: object) -> str:
    """``value`` the way Java's ``toString`` shows it in AWS's messages."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, list):
        return "[" + ", ".join(_render(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{key}={_render(item)}" for key, item in value.items()) + "}"
    return str(value)


def _bracket(texts: Iterable[str]) -> str:
    """Java's rendering of a list of constraint texts: ``[a, b]``."""
    return "[" + ", ".join(texts) + "]"


def _length_constraints(limits: tuple[int | None, int | None], word: str) -> list[str]:
    """Constraint texts in AWS's order: the maximum first, then the minimum."""
    low, high = limits
    texts = []
    if high is not None:
        texts.append(f"Member must have {word} less than or equal to {high}")
    if low is not None:
        texts.append(f"Member must have {word} greater than or equal to {low}")
    return texts


def _limits(shape: Shape) -> tuple[int | None, int | None]:
    metadata = shape.metadata
    low, high = metadata.get("min"), metadata.get("max")
    return (
        int(low) if isinstance(low, (int, float)) else None,
        int(high) if isinstance(high, (int, float)) else None,
    )


# --- patterns ---------------------------------------------------------------------

#: Above this length, single-class patterns are checked without the regex engine.
_FAST_PATH_LENGTH = 1024
#: How many long values that matched each pattern are remembered, from what length
#: (see compile_pattern).
_MATCHED_KEPT = 4
_REMEMBERED_LENGTH = 256
_SIMPLE_CLASS = re.compile(r"\^?(\[[^\[\]]*\])([+*])\$?")
_UNICODE_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})")
_WIDE_ESCAPE = re.compile(r"\\[pPWSDQE]|&&|\\x\{")


def _python_regex(java: str) -> re.Pattern[str]:
    """Compile a Java pattern from the model for :mod:`re` (``re.ASCII`` like Java)."""
    return re.compile(java, re.ASCII)


@functools.cache
def compile_pattern(java: str) -> Callable[[str], bool]:
    """A predicate telling whether a whole string matches Java pattern ``java``."""
    try:
        regex = _python_regex(java)
    except re.error:  # pragma: no cover - every KMS pattern compiles (tested)
        return lambda value: True
    fast = _single_class_checker(java)
    full = regex.fullmatch
    if fast is None:
        return lambda value: full(value) is not None
    # The last few long values that matched, held (so that no other string can take their
    # id): the same policy sent again arrives as the very same object (see
    # protocol._decode_remembered), and checking it again costs ~8 µs at 30 KB. Identity,
    # not equality: a look-up is a few pointer comparisons.
    matched: list[str] = []

    def check(value: str) -> bool:
        size = len(value)
        if size < _REMEMBERED_LENGTH:
            return full(value) is not None
        for earlier in matched:
            if earlier is value:
                return True
        if not (full(value) is not None if size < _FAST_PATH_LENGTH else fast(value)):
            return False
        matched[:] = [value, *matched[: _MATCHED_KEPT - 1]]
        return True

    return check


def _single_class_checker(java: str) -> Callable[[str], bool] | None:
    """A regex-free checker for ``[class]+`` / ``[class]*`` patterns over Latin-1.

    Applies when the class can only match characters up to U+00FF and forbids
    few ASCII characters; the checker then looks for each forbidden character
    with ``in`` (a ``memchr`` per character) instead of running the regex engine.
    """
    shape = _SIMPLE_CLASS.fullmatch(java)
    if shape is None:
        return None
    char_class = shape.group(1)
    decoded = _UNICODE_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), char_class)
    if char_class.startswith("[^") or _WIDE_ESCAPE.search(char_class):
        return None
    if any(ord(char) > 0xFF for char in decoded):
        return None
    member = _python_regex(char_class).fullmatch
    forbidden = [chr(code) for code in range(256) if member(chr(code)) is None]
    forbidden_ascii = tuple(char for char in forbidden if char < "\x80")
    forbidden_latin1 = tuple(forbidden)
    if len(forbidden_latin1) > 40:
        return None
    allow_empty = shape.group(2) == "*"

    def check(value: str) -> bool:
        if not value:
            return allow_empty
        if value.isascii():
            candidates = forbidden_ascii
        else:
            try:
                value.encode("latin-1")
            except UnicodeEncodeError:
                return False
            candidates = forbidden_latin1
        return not any(map(value.__contains__, candidates))

    return check


def _java_length(value: str) -> int:
    """Java's ``String.length()``: UTF-16 code units."""
    if value.isascii():
        return len(value)
    return len(value.encode("utf-16-le", "surrogatepass")) // 2


# --- nodes ------------------------------------------------------------------------


class _Node:
    """One shape of the input tree, compiled."""

    __slots__ = ("constraints", "hidden")

    def __init__(self) -> None:
        #: Every constraint text of this shape, for "Member must satisfy constraint: [...]".
        self.constraints: list[str] = []
        #: Values of this shape are not printed in messages (blob, sensitive).
        self.hidden = False

    def run(self, value: Any, path: str, errors: Errors) -> Any:
        """Type-check and decode ``value``; append constraint violations to ``errors``."""
        return value

    def lenient(self, value: Any) -> Any:
        """Decode what can be decoded; never raise."""
        return value

    def show(self, value: object) -> str | None:
        """``value`` as AWS's messages print it, or None when it is not printed."""
        return None if self.hidden else _render(value)


class _String(_Node):
    __slots__ = ("enum", "enum_text", "limits", "pattern", "pattern_text")

    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.hidden = bool(shape.metadata.get("sensitive"))
        self.limits = _limits(shape)
        self.pattern_text: str | None = shape.metadata.get("pattern")
        self.pattern = compile_pattern(self.pattern_text) if self.pattern_text else None
        enum: list[str] = shape.metadata.get("enum") or []
        self.enum = frozenset(enum) if enum else None
        self.enum_text = "Member must satisfy enum value set: " + _bracket(
            _enum_order(shape.name, enum)
        )
        self.constraints = _length_constraints(self.limits, "length")
        if self.pattern_text:
            self.constraints.append(_pattern_text(self.pattern_text))
        if self.enum is not None:
            self.constraints.append(self.enum_text)

    def run(self, value: Any, path: str, errors: Errors) -> Any:
        if type(value) is not str:
            raise _scalar_type_error(value, "a String")
        if self.constraints:
            self._check(value, path, errors)
        return value

    def _check(self, value: str, path: str, errors: Errors) -> None:
        low, high = self.limits
        if low is not None or high is not None:
            size = len(value) if value.isascii() else _java_length(value)
            if high is not None and size > high:
                errors.append(self._problem(value, path, f"length less than or equal to {high}"))
            elif low is not None and size < low:
                errors.append(self._problem(value, path, f"length greater than or equal to {low}"))
        if self.pattern is not None and not self.pattern(value):
            errors.append(_problem(self.show(value), path, _pattern_text(self.pattern_text)))
        if self.enum is not None and value not in self.enum:
            errors.append(_problem(self.show(value), path, self.enum_text))

    def _problem(self, value: str, path: str, what: str) -> str:
        return _problem(self.show(value), path, f"Member must have {what}")


def _pattern_text(pattern: str | None) -> str:
    return f"Member must satisfy regular expression pattern: {pattern}"


def _enum_order(shape_name: str, values: Iterable[str]) -> list[str]:
    values = list(values)
    recorded = [value for value in RECORDED_ENUM_ORDER.get(shape_name, ()) if value in values]
    return recorded + [value for value in values if value not in recorded]


class _Integer(_Node):
    __slots__ = ("java_range", "limits", "target")

    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.limits = _limits(shape)
        is_long = shape.type_name == "long"
        self.java_range = _LONG_RANGE if is_long else _INT_RANGE
        self.target = "a Long" if is_long else "an Integer"
        self.constraints = _length_constraints(self.limits, "value")

    def run(self, value: Any, path: str, errors: Errors) -> Any:
        kind = type(value)
        if kind is not int:
            if kind is not float:
                raise _scalar_type_error(value, self.target)
            if not math.isfinite(value):
                raise _serialization(None)
            value = int(value)  # truncation toward zero (guess, see module docstring)
        low, high = self.limits
        if high is not None and value > high:
            errors.append(_problem(self.show(value), path, self.constraints[0]))
        elif low is not None and value < low:
            errors.append(_problem(self.show(value), path, self.constraints[-1]))
        return value

    def show(self, value: object) -> str | None:
        low, high = self.java_range
        if isinstance(value, int) and not low <= value <= high:
            return None  # Coral cannot hold it; AWS prints no value (Athena probe)
        return _render(value)


class _Float(_Node):
    __slots__ = ("target",)

    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.target = "a Float" if shape.type_name == "float" else "a Double"  # guess

    def run(self, value: Any, path: str, errors: Errors) -> Any:
        if type(value) is int:
            return float(value)
        if type(value) is not float:
            raise _scalar_type_error(value, self.target)
        return value


class _Boolean(_Node):
    __slots__ = ()
    _OVERRIDES = {"STRING_VALUE": "an Boolean"}  # sic: AWS's text (SES probe)

    def run(self, value: Any, path: str, errors: Errors) -> Any:
        if type(value) is not bool:
            raise _scalar_type_error(value, "a Boolean", self._OVERRIDES)
        return value


class _Blob(_Node):
    __slots__ = ("limits",)

    def __init__(self, shape: Shape) -> None:
        super().__init__()
        self.hidden = True
        self.limits = _limits(shape)
        self.constraints = _length_constraints(self.limits, "length")

    def run(self, value: Any, path: str, errors: Errors) -> Any:
        if type(value) is not str:
            raise _scalar_type_error(value, "a ByteBuffer")
        raw = _base64_decode(value)
        if raw is None:
            raise _serialization(None)
        low, high = self.limits
        size = len(raw)
        if high is not None and size > high:
            errors.append(_problem(None, path, self.constraints[0]))
        elif low is not None and size < low:
            errors.append(_problem(None, path, self.constraints[-1]))
        return raw

    def lenient(self, value: Any) -> Any:
        if isinstance(value, str):
            raw = _base64_decode(value)
            if raw is not None:
                return raw
        return value


_BASE64_BODY = re.compile(r"[A-Za-z0-9+/]*")

# The common case, padded base64 as SDKs send it, in one C call: strict mode (Python
# 3.11+) refuses characters outside the alphabet and padding anywhere but at the end, yet
# takes a whole quad of "=" or extra "=" after a full quad, which _base64_decode's length
# and "===" tests exclude (tests/test_validation.py checks it against a reference
# decoder). Python 3.10 decodes and re-encodes instead: canonical text is valid. Whatever
# these refuse takes the general rules.
if sys.version_info >= (3, 11):
    _a2b_strict = functools.partial(binascii.a2b_base64, strict_mode=True)
else:  # pragma: no cover - Python 3.10

    def _a2b_strict(data: bytes) -> bytes:
        raw = binascii.a2b_base64(data)
        if binascii.b2a_base64(raw, newline=False) != data:
            raise binascii.Error("not canonical")
        return raw


def _base64_decode(text: str) -> bytes | None:
    """Standard base64 (padding optional, as Java's decoder), or None when invalid."""
    if not text.isascii():
        return None
    data = text.encode("ascii")
    if not len(data) % 4 and not data.endswith(b"==="):
        try:
            return _a2b_strict(data)
        except binascii.Error:
            pass
    body = text.rstrip("=")
    padding = len(text) - len(body)
    if padding > 2 or len(body) % 4 == 1 or not _BASE64_BODY.fullmatch(body):
        return None
    if padding and len(text) % 4:
        return None
    return binascii.a2b_base64(body + "=" * (-len(body) % 4))


class _Timestamp(_Node):
    __slots__ = ()

    def run(self, value: Any, path: str, errors: Errors) -> Any:
        kind = type(value)
        if kind is not int and kind is not float:
            raise _scalar_type_error(value, "a Date")  # guess
        stamp = _to_datetime(value)
        if stamp is None:
            raise _serialization(None)
        return stamp

    def lenient(self, value: Any) -> Any:
        if type(value) in (int, float):
            stamp = _to_datetime(value)
            if stamp is not None:
                return stamp
        return value


def _to_datetime(seconds: float) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(seconds, tz=dt.timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


class _List(_Node):
    __slots__ = ("element", "limits", "nested")

    def __init__(self, element: _Node, shape: Shape) -> None:
        super().__init__()
        self.element = element
        self.hidden = element.hidden
        self.limits = _limits(shape)
        self.constraints = _length_constraints(self.limits, "length")
        #: Elements that are structures, lists or maps report their own paths.
        self.nested = isinstance(element, (_Structure, _List, _Map))

    def run(self, value: Any, path: str, errors: Errors) -> Any:
        if type(value) is not list:
            raise _serialization(_EXPECTED_LIST)
        low, high = self.limits
        if high is not None and len(value) > high:
            errors.append(_problem(self.show(value), path, self.constraints[0]))
        elif low is not None and len(value) < low:
            errors.append(_problem(self.show(value), path, self.constraints[-1]))
        if self.nested:
            return self._run_nested(value, path, errors)
        return self._run_scalars(value, path, errors)

    def _run_nested(self, value: list[Any], path: str, errors: Errors) -> list[Any]:
        run = self.element.run
        decoded: list[Any] = []
        for index, item in enumerate(value, 1):
            item_path = f"{path}.{index}.member"
            if item is None:
                errors.append(_null_problem(item_path))  # guess
                decoded.append(None)
            else:
                decoded.append(run(item, item_path, errors))
        return decoded

    def _run_scalars(self, value: list[Any], path: str, errors: Errors) -> list[Any]:
        run = self.element.run
        scratch: Errors = []
        decoded: list[Any] = []
        for index, item in enumerate(value, 1):
            if item is None:
                errors.append(_null_problem(f"{path}.{index}.member"))  # guess
                decoded.append(None)
            else:
                decoded.append(run(item, path, scratch))
        if scratch:
            summary = "Member must satisfy constraint: " + _bracket(self.element.constraints)
            errors.append(_problem(self.show(value), path, summary))
        return decoded

    def lenient(self, value: Any) -> Any:
        if not isinstance(value, list):
            return value
        return [self.element.lenient(item) for item in value]


class _Map(_Node):
    __slots__ = ("key", "limits", "nested", "value")

    def __init__(self, key: _Node, value: _Node, shape: Shape) -> None:
        super().__init__()
        self.key = key
        self.value = value
        self.hidden = key.hidden or value.hidden
        self.limits = _limits(shape)
        self.constraints = _length_constraints(self.limits, "length")
        self.nested = isinstance(value, (_Structure, _List, _Map))

    def run(self, value: Any, path: str, errors: Errors) -> Any:
        if type(value) is not dict:
            raise _serialization(_EXPECTED_MAP)
        low, high = self.limits
        if high is not None and len(value) > high:
            errors.append(_problem(self.show(value), path, self.constraints[0]))
        elif low is not None and len(value) < low:
            errors.append(_problem(self.show(value), path, self.constraints[-1]))
        key_errors: Errors = []
        value_errors: Errors = []
        decoded: dict[str, Any] = {}
        for key, item in value.items():
            self.key.run(key, path, key_errors)
            if item is None:
                value_errors.append("null")
                decoded[key] = None
            elif self.nested:
                decoded[key] = self.value.run(item, f"{path}.{key}", errors)  # path: guess
            else:
                decoded[key] = self.value.run(item, path, value_errors)
        self._summarise(value, path, errors, key_errors, value_errors)
        return decoded

    def _summarise(
        self, value: Any, path: str, errors: Errors, key_errors: Errors, value_errors: Errors
    ) -> None:
        if key_errors:
            text = "Map keys must satisfy constraint: " + _bracket(self.key.constraints)
            errors.append(_problem(self.show(value), path, text))
        if value_errors:
            text = "Map value must satisfy constraint: " + _bracket(self.value.constraints)
            errors.append(_problem(self.show(value), path, text))

    def lenient(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return {key: self.value.lenient(item) for key, item in value.items()}


class _Member:
    """A structure member: wire name, camelCase path name, required, node."""

    __slots__ = ("camel", "name", "node", "required")

    def __init__(self, name: str, node: _Node, required: bool) -> None:
        self.name = name
        self.camel = name[:1].lower() + name[1:]
        self.node = node
        self.required = required


class _Structure(_Node):
    __slots__ = ("members", "names")

    def __init__(self) -> None:
        super().__init__()
        self.members: tuple[_Member, ...] = ()
        self.names: frozenset[str] = frozenset()

    def fill(self, members: Iterable[_Member]) -> None:
        """Set the members (after construction, so recursive shapes can refer to it)."""
        self.members = tuple(members)
        self.names = frozenset(member.name for member in self.members)
        self.hidden = any(member.node.hidden for member in self.members)

    def run(self, value: Any, path: str, errors: Errors) -> Any:
        if type(value) is not dict:
            raise _serialization(_EXPECTED_STRUCTURE)
        decoded: dict[str, Any] = {}
        for member in self.members:
            item = value.get(member.name)
            member_path = f"{path}.{member.camel}" if path else member.camel
            if item is None:
                if member.required:
                    errors.append(_null_problem(member_path))
                continue
            decoded[member.name] = member.node.run(item, member_path, errors)
        if len(decoded) != len(value):
            self._keep_unknown(value, decoded)
        return decoded

    def _keep_unknown(self, value: dict[str, Any], decoded: dict[str, Any]) -> None:
        """Unknown members are ignored by AWS: pass them through untouched."""
        names = self.names
        for key, item in value.items():
            if key not in names:
                decoded[key] = item

    def lenient(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        decoded = dict(value)
        for member in self.members:
            item = value.get(member.name)
            if item is not None:
                decoded[member.name] = member.node.lenient(item)
        return decoded


# --- compiling the model ----------------------------------------------------------

_PLANS: dict[str, _Structure] = {}


def _plan(operation: str) -> _Structure:
    """Compile (once) the input shape of ``operation``."""
    plan = _PLANS.get(operation)
    if plan is not None:
        return plan
    from pytest_fakekms import model

    if operation not in model.operation_names():
        raise KMSError("UnknownOperationException", None)  # guess: AWS sends no message
    shape = model.service_model().operation_model(operation).input_shape
    compiled = _compile(shape, {}) if shape is not None else _Structure()
    if not isinstance(compiled, _Structure):  # pragma: no cover - inputs are structures
        raise TypeError(f"{operation} input is not a structure")
    _PLANS[operation] = compiled
    return compiled


def _compile(shape: Shape, seen: dict[str, _Node]) -> _Node:
    kind = shape.type_name
    if kind == "structure":
        return _compile_structure(shape, seen)  # type: ignore[arg-type]
    if kind == "list":
        list_shape: ListShape = shape  # type: ignore[assignment]
        return _List(_compile(list_shape.member, seen), shape)
    if kind == "map":
        map_shape: MapShape = shape  # type: ignore[assignment]
        return _Map(_compile(map_shape.key, seen), _compile(map_shape.value, seen), shape)
    return _compile_scalar(shape)


def _compile_structure(shape: StructureShape, seen: dict[str, _Node]) -> _Node:
    if shape.name in seen:
        return seen[shape.name]
    node = _Structure()
    seen[shape.name] = node
    required = set(shape.required_members)
    node.fill(
        _Member(name, _compile(member, seen), name in required)
        for name, member in shape.members.items()
    )
    return node


_SCALARS: dict[str, Callable[[Shape], _Node]] = {
    "string": _String,
    "integer": _Integer,
    "long": _Integer,
    "float": _Float,
    "double": _Float,
    "boolean": lambda shape: _Boolean(),
    "blob": _Blob,
    "timestamp": lambda shape: _Timestamp(),
}


def _compile_scalar(shape: Shape) -> _Node:
    factory = _SCALARS.get(shape.type_name)
    return factory(shape) if factory is not None else _Node()
