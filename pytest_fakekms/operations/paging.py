"""Markers that are positions: ListKeyRotations and ListResourceTags page a short list
kept in order on the key, and the fake's ``NextMarker`` is the position the next page
starts at (AWS's markers are opaque; botocore's paginators only hand them back)."""

from __future__ import annotations

from pytest_fakekms import errors
from pytest_fakekms.domain.identifiers import is_ascii_digits

#: More digits than any position in a list kept on one key (and fewer than ``int()``
#: refuses): a longer marker is past the end.
_MAX_DIGITS = 18


def page_start(marker: str | None, count: int) -> int:
    """Where a page of a ``count``-long list starts: 0 without a marker, else the
    position the marker names; ``InvalidMarkerException`` for a marker that names none
    (not ASCII digits, or past the end)."""
    if marker is None:
        return 0
    if not is_ascii_digits(marker) or len(marker) > _MAX_DIGITS or int(marker) >= count:
        raise errors.invalid_marker()
    return int(marker)
