"""The error catalogue: every KMS error the fake can put on the wire, declared once.

An error on the wire is a :class:`KMSError` (code, message, HTTP status). The
status comes from :data:`HTTP_STATUS`: AWS sends 400 for every client error it
has been recorded answering (kms-facts §5.3, even where the Smithy model says
404/409), 500 for ``KMSInternalException`` and ``KeyUnavailableException`` and
503 for ``DependencyTimeoutException`` (api.md §7).

Message templates in AWS's wording live here too, so the fake, the fault
injector, the docs and the tests all read the same text.
"""

from __future__ import annotations

#: HTTP status for errors that are not plain client errors (everything else: 400).
HTTP_STATUS: dict[str, int] = {
    "KMSInternalException": 500,
    "KeyUnavailableException": 500,
    "DependencyTimeoutException": 503,
    "CloudHsmClusterNotActiveException": 400,
}

#: Errors the service returns for any operation, though no operation declares them.
PROTOCOL_ERRORS: frozenset[str] = frozenset(
    {
        "ValidationException",
        "SerializationException",
        "ThrottlingException",
        "AccessDeniedException",
        "UnrecognizedClientException",
        "UnknownOperationException",
    }
)


def http_status(code: str) -> int:
    """The HTTP status AWS KMS sends with error ``code``."""
    return HTTP_STATUS.get(code, 400)


class KMSError(Exception):
    """A KMS error as it goes on the wire: ``{"__type": code, "message": message}``.

    ``message=None`` sends no ``message`` member at all, which AWS does for a few
    errors (kms-facts §5.3: InvalidCiphertextException, KMSInvalidSignatureException,
    KMSInvalidMacException, UnsupportedOperationException on RotateKeyOnDemand).
    """

    def __init__(self, code: str, message: str | None, *, status: int | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = http_status(code) if status is None else status

    def __repr__(self) -> str:
        return f"KMSError({self.code!r}, {self.message!r}, status={self.status})"


# --- message templates, in AWS's wording -------------------------------------------
# Each cites its source in kms-facts.md; "guess" marks api.md §7 decisions.

# kms-facts §4.2, VERIFIED
THROTTLING_MESSAGE = (
    "You have exceeded the rate at which you may call KMS. Reduce the frequency of your calls."
)
# kms-facts §0 row 15, VERIFIED
LOCKOUT_MESSAGE = "The new key policy will not allow you to update the key policy in the future."
# kms-facts §0 row 13, VERIFIED
NO_PRINCIPAL_MESSAGE = "Policy contains a statement with no principal."
# kms-facts §0 row 14, VERIFIED
INVALID_PRINCIPALS_MESSAGE = "Policy contains a statement with one or more invalid principals."
# kms-facts §0 row 7, INFERRED from CreateGrant's real output
ALIASES_NOT_SUPPORTED_MESSAGE = "Key Aliases are not supported for this operation."
# api.md §7 (guess)
NO_SUCH_POLICY_MESSAGE = "No such policy exists"
# kms-facts §3.2, VERIFIED
INCORRECT_KEY_MESSAGE = (
    "The key ID in the request does not identify a CMK that can perform this operation."
)
# kms-facts §7.2, VERIFIED
PENDING_WINDOW_MESSAGE = "PendingWindowInDays must be between 7 and 30"


def not_found(arn: str) -> KMSError:
    """``Key '<arn>' does not exist`` (kms-facts §0 row 2, VERIFIED)."""
    return KMSError("NotFoundException", f"Key '{arn}' does not exist")


def invalid_key_id(value: str) -> KMSError:
    """``Invalid keyId '<value>'`` (kms-facts §0 row 3, VERIFIED)."""
    return KMSError("NotFoundException", f"Invalid keyId '{value}'")


def invalid_arn_region(region: str) -> KMSError:
    """``Invalid arn <region>`` for a key ARN of another Region (§0 row 4, VERIFIED)."""
    return KMSError("NotFoundException", f"Invalid arn {region}")


def invalid_arn(value: str) -> KMSError:
    """A malformed ``arn:`` key identifier (api.md §7, guess)."""
    return KMSError("InvalidArnException", f"Invalid arn {value}")


def aliases_not_supported() -> KMSError:
    """An alias ARN given to a key-id/key-ARN-only operation (api.md §7)."""
    return KMSError("InvalidArnException", ALIASES_NOT_SUPPORTED_MESSAGE)


def alias_not_found(alias_arn: str) -> KMSError:
    """``Alias <alias-arn> is not found.`` (real-AWS output quoted in sigstore/cosign#1474)."""
    return KMSError("NotFoundException", f"Alias {alias_arn} is not found.")


def malformed_policy(message: str) -> KMSError:
    """``MalformedPolicyDocumentException`` with the given text."""
    return KMSError("MalformedPolicyDocumentException", message)


def not_implemented(operation: str) -> KMSError:
    """An operation the fake does not implement: never a silent success.

    ``UnknownOperationException`` is the protocol-level code AWS JSON services give
    for a target they do not serve; it is not retried and every operation may get it.
    """
    return KMSError(
        "UnknownOperationException",
        f"pytest-fakekms does not implement {operation} yet.",
    )


def invalid_marker() -> KMSError:
    """A ``Marker`` the listing did not hand out, or no longer can: our wording (AWS's
    text is not on record), the same for every listing."""
    return KMSError("InvalidMarkerException", "The marker is not valid.")


def validation(message: str) -> KMSError:
    """A ``ValidationException`` with a ready message."""
    return KMSError("ValidationException", message)


#: Messages used when a fault is injected with ``message=None``: AWS's own text
#: where it is on record, a plain description otherwise.
DEFAULT_FAULT_MESSAGES: dict[str, str] = {
    "ThrottlingException": THROTTLING_MESSAGE,
    "KMSInternalException": "An internal error occurred.",
    "DependencyTimeoutException": "The system timed out while trying to fulfill the request.",
    "KeyUnavailableException": "The request was rejected because the key is unavailable.",
    "LimitExceededException": "The request was rejected because a quota was exceeded.",
    "MalformedPolicyDocumentException": LOCKOUT_MESSAGE,
    "AccessDeniedException": "User is not authorized to perform this operation.",
}


def default_message(code: str) -> str:
    """The text an injected ``code`` carries when the test gives none."""
    return DEFAULT_FAULT_MESSAGES.get(code, f"Injected {code} by pytest-fakekms.")
