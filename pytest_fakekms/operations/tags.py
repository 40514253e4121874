"""TagResource, UntagResource, ListResourceTags (paged), and the tag checks CreateKey shares."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.base import Context, Params, Result, operation
from pytest_fakekms.operations.paging import page_start

MAX_TAGS = 50  # AWS's tags-per-resource limit
#: [BC] ListResourceTags ``Limit``: "between 1 and 50, inclusive ... defaults to 50". The
#: model allows up to 1000; a larger Limit is read as 50 (AWS's answer is not on record).
PAGE_LIMIT = 50


def merged_tags(existing: Mapping[str, str], tags: list[dict[str, Any]]) -> dict[str, str]:
    """``existing`` updated with ``tags``, after AWS's checks (aws-recorded snapshot)."""
    keys = [tag["TagKey"] for tag in tags]
    if len(set(keys)) != len(keys):
        raise KMSError("TagException", "Duplicate tag keys")  # test_tag_key_with_duplicate_...
    if any(key.lower().startswith("aws:") for key in keys):
        # VERIFIED: test_create_key_with_invalid_tag_key[lowercase_prefix|uppercase_prefix]
        raise KMSError("TagException", "Tags beginning with aws: are reserved")
    result = dict(existing)
    result.update((tag["TagKey"], tag["TagValue"]) for tag in tags)
    if len(result) > MAX_TAGS:
        raise KMSError("TagException", "Too many tags")  # test_create_key_with_too_many_tags_...
    return result


@operation("TagResource")
def tag_resource(ctx: Context, params: Params) -> Result:
    """Add or overwrite tags."""
    record = ctx.key(params)
    record.tags = merged_tags(record.tags, params["Tags"])
    return {}


@operation("UntagResource")
def untag_resource(ctx: Context, params: Params) -> Result:
    """Remove tags by key; unknown keys are ignored."""
    record = ctx.key(params)
    record.tags = {k: v for k, v in record.tags.items() if k not in set(params["TagKeys"])}
    return {}


@operation("ListResourceTags")
def list_resource_tags(ctx: Context, params: Params) -> Result:
    """The key's tags in the order they were first set, ``Limit`` at a time; the marker is
    the position of the next page's first tag (``operations/paging.py``)."""
    record = ctx.key(params)
    tags = list(record.tags.items())
    start = page_start(params.get("Marker"), len(tags))
    end = start + min(params.get("Limit", PAGE_LIMIT), PAGE_LIMIT)
    result: Result = {
        "Tags": [{"TagKey": k, "TagValue": v} for k, v in tags[start:end]],
        "Truncated": end < len(tags),
    }
    if result["Truncated"]:
        result["NextMarker"] = str(end)
    return result
