"""Grants at scale, through real boto3 clients: ListGrants pages read from the marker on,
a named CreateGrant looks only at grants with its name, and ListRetirableGrants reads only
the matching grants of each key (domain/grants.py ``GrantCollection``). Each test checks
that the answers are those of the plain implementation: grants in creation order, every
live grant exactly once, the same markers (the id of the grant the next page starts at)
and the same InvalidMarkerException rules.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import pickle
from typing import Any

import pytest
from conftest import ACCOUNT, error_of, kms_client
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from test_grants import GRANTEE, OTHER_ACCOUNT, RETIREE, _grant

from pytest_fakekms import FakeKMS
from pytest_fakekms.domain.grants import GrantCollection, GrantRecord
from pytest_fakekms.persistence import dump_state, load_state

OTHER = f"arn:aws:iam::{ACCOUNT}:role/other"


def _create_many(kms: Any, key_id: str, count: int, **extra: Any) -> list[str]:
    return [_grant(kms, key_id, **extra)["GrantId"] for _ in range(count)]


def _checked_page(page: dict[str, Any], limit: int) -> list[str]:
    """The page's grant ids, after checking Truncated, NextMarker and the page size."""
    ids = [g["GrantId"] for g in page["Grants"]]
    assert len(ids) <= limit
    if page["Truncated"]:
        assert len(ids) == limit
        assert page["NextMarker"] not in ids
    else:
        assert "NextMarker" not in page
    return ids


def _pages(list_call: Any, limit: int, **params: Any) -> list[str]:
    """Every grant a listing shows, page by page with Limit and Marker."""
    listed: list[str] = []
    while True:
        page = list_call(Limit=limit, **params)
        listed += _checked_page(page, limit)
        if not page["Truncated"]:
            return listed
        params["Marker"] = page["NextMarker"]


def _list_all(kms: Any, key_id: str, limit: int, **filters: Any) -> list[str]:
    """Every grant ListGrants shows for the key."""
    return _pages(kms.list_grants, limit, KeyId=key_id, **filters)


def _list_retirable(kms: Any, principal: str, limit: int) -> list[str]:
    return _pages(kms.list_retirable_grants, limit, RetiringPrincipal=principal)


def _invalid_marker(raised: pytest.ExceptionInfo[Any]) -> None:
    assert error_of(raised) == ("InvalidMarkerException", "The marker is not valid.", 400)


# --- ListGrants paging ---------------------------------------------------------------


def test_250_grants_page_by_7_while_grants_are_retired_between_pages(
    kms: Any, fake_kms: Any, key_id: str
) -> None:
    """Between pages, grants ahead of the marker and behind it are retired or revoked:
    every grant never removed is listed exactly once, in creation order, and removed
    ones only if they were listed before their removal. Enough are removed that the
    collection's order is rebuilt during the paging (removed ids outnumber live ones)."""
    created = _create_many(kms, key_id, 250)
    removed: set[str] = set()
    removed_unlisted: set[str] = set()
    listed: list[str] = []
    params: dict[str, Any] = {"KeyId": key_id, "Limit": 7}
    rounds = 0
    while True:
        page = kms.list_grants(**params)
        listed += _checked_page(page, 7)
        if not page["Truncated"]:
            break
        marker = page["NextMarker"]
        ahead = [g for g in created[created.index(marker) + 1 :] if g not in removed]
        behind = [g for g in listed if g not in removed]
        for grant_id in ahead[rounds % 3 : rounds % 3 + 6 : 2] + behind[-4:]:
            if rounds % 2:
                kms.retire_grant(KeyId=key_id, GrantId=grant_id)
            else:
                kms.revoke_grant(KeyId=key_id, GrantId=grant_id)
            removed.add(grant_id)
            if grant_id in ahead:
                removed_unlisted.add(grant_id)
        params["Marker"] = marker
        rounds += 1
    assert len(listed) == len(set(listed))
    assert listed == [g for g in created if g in set(listed)]  # creation order
    assert set(listed) == set(created) - removed_unlisted
    assert len(removed) > 157  # past the rebuild threshold: 250 ids > 2 * live + 64
    assert len(fake_kms._find(key_id).grants._order) < 250  # it was rebuilt
    assert _list_all(kms, key_id, 100) == [g for g in created if g not in removed]


def test_a_marker_still_works_after_the_order_is_rebuilt(kms: Any, key_id: str) -> None:
    """The marker is the next grant's id: removing grants before and after it (enough to
    rebuild the order) changes nothing for the rest of the pagination."""
    created = _create_many(kms, key_id, 150)
    first = kms.list_grants(KeyId=key_id, Limit=60)
    marker = first["NextMarker"]
    assert marker == created[60]
    for grant_id in created[:60] + created[100:150]:  # 150 ids > 2 * 40 live + 64
        kms.revoke_grant(KeyId=key_id, GrantId=grant_id)
    rest = kms.list_grants(KeyId=key_id, Limit=30, Marker=marker)
    assert [g["GrantId"] for g in rest["Grants"]] == created[60:90]
    last = kms.list_grants(KeyId=key_id, Limit=30, Marker=rest["NextMarker"])
    assert [g["GrantId"] for g in last["Grants"]] == created[90:100]
    assert last["Truncated"] is False


def test_the_marker_of_a_removed_grant_is_invalid(kms: Any, key_id: str) -> None:
    """As before: the marker names the grant the next page starts at; once that grant is
    retired the marker is refused (InvalidMarkerException)."""
    created = _create_many(kms, key_id, 20)
    marker = kms.list_grants(KeyId=key_id, Limit=7)["NextMarker"]
    assert marker == created[7]
    kms.retire_grant(KeyId=key_id, GrantId=marker)
    with pytest.raises(kms.exceptions.InvalidMarkerException) as raised:
        kms.list_grants(KeyId=key_id, Marker=marker)
    _invalid_marker(raised)


def test_bad_markers_are_invalid(kms: Any, fake_kms: Any, key_id: str) -> None:
    _create_many(kms, key_id, 10)
    other_key = fake_kms.create_key().key_id
    other_grant = _grant(kms, other_key)["GrantId"]
    empty_key = fake_kms.create_key().key_id
    for key, marker in [
        (key_id, "nope"),
        (key_id, "0" * 64),
        (key_id, other_grant),  # a real grant id, of another key
        (key_id, f"3:{other_grant}"),
        (empty_key, other_grant),  # a key without grants
    ]:
        with pytest.raises(kms.exceptions.InvalidMarkerException) as raised:
            kms.list_grants(KeyId=key, Marker=marker, Limit=3)
        _invalid_marker(raised)


def test_the_grantee_filter_pages_through_only_its_grants(kms: Any, key_id: str) -> None:
    created = [
        (_grant(kms, key_id, GranteePrincipal=OTHER if i % 3 else GRANTEE)["GrantId"], i % 3)
        for i in range(120)
    ]
    mine = [grant_id for grant_id, other in created if not other]
    assert _list_all(kms, key_id, 7, GranteePrincipal=GRANTEE) == mine
    assert _list_all(kms, key_id, 7) == [grant_id for grant_id, _ in created]
    assert _list_all(kms, key_id, 5, GranteePrincipal=f"arn:aws:iam::{ACCOUNT}:role/none") == []


def test_the_marker_must_be_a_grant_the_filters_show(kms: Any, key_id: str) -> None:
    """As before: a marker is valid only if its grant is among those the filters show."""
    mine = _grant(kms, key_id)["GrantId"]
    other = _grant(kms, key_id, GranteePrincipal=OTHER)["GrantId"]
    with pytest.raises(kms.exceptions.InvalidMarkerException):
        kms.list_grants(KeyId=key_id, GranteePrincipal=GRANTEE, Marker=other)
    with pytest.raises(kms.exceptions.InvalidMarkerException):
        kms.list_grants(KeyId=key_id, GrantId=mine, Marker=other)
    page = kms.list_grants(KeyId=key_id, GrantId=other, Marker=other, GranteePrincipal=OTHER)
    assert ([g["GrantId"] for g in page["Grants"]], page["Truncated"]) == ([other], False)
    page = kms.list_grants(KeyId=key_id, GranteePrincipal=OTHER, Marker=other)
    assert [g["GrantId"] for g in page["Grants"]] == [other]


# --- CreateGrant with a Name -----------------------------------------------------------


def test_a_named_retry_among_many_grants_returns_the_named_grant(kms: Any, key_id: str) -> None:
    """[BC] CreateGrant Name: an identical retry returns the original GrantId, however many
    grants the key has, named or not."""
    _create_many(kms, key_id, 100)
    named = [
        _grant(kms, key_id, Name=f"grant-{i}", Operations=["Decrypt"])["GrantId"]
        for i in range(100)
    ]
    kept = _grant(kms, key_id, Name="kept", RetiringPrincipal=RETIREE)["GrantId"]
    _create_many(kms, key_id, 10)
    assert _grant(kms, key_id, Name="kept", RetiringPrincipal=RETIREE)["GrantId"] == kept
    assert _grant(kms, key_id, Name="grant-7", Operations=["Decrypt"])["GrantId"] == named[7]
    assert len(_list_all(kms, key_id, 100)) == 211


def test_a_named_retry_after_the_grant_is_retired_makes_a_new_one(kms: Any, key_id: str) -> None:
    _create_many(kms, key_id, 100)
    first = _grant(kms, key_id, Name="once")
    kms.retire_grant(GrantToken=first["GrantToken"])
    second = _grant(kms, key_id, Name="once")["GrantId"]
    assert second != first["GrantId"]
    assert _grant(kms, key_id, Name="once")["GrantId"] == second
    assert _list_all(kms, key_id, 100)[-1] == second
    kms.revoke_grant(KeyId=key_id, GrantId=second)
    assert _grant(kms, key_id, Name="once")["GrantId"] not in (first["GrantId"], second)


def test_a_named_retry_matches_the_grant_with_its_parameters(kms: Any, key_id: str) -> None:
    """Grants sharing a Name with other parameters are separate grants; a retry returns the
    one with identical parameters (Operations compared as a set), also after another grant
    with that Name is revoked."""
    decrypt = _grant(kms, key_id, Name="shared", Operations=["Decrypt"])["GrantId"]
    encrypt = _grant(kms, key_id, Name="shared", Operations=["Encrypt"])["GrantId"]
    both = _grant(kms, key_id, Name="shared")["GrantId"]
    assert len({decrypt, encrypt, both}) == 3
    assert _grant(kms, key_id, Name="shared", Operations=["Encrypt"])["GrantId"] == encrypt
    kms.revoke_grant(KeyId=key_id, GrantId=decrypt)
    assert _grant(kms, key_id, Name="shared", Operations=["Decrypt", "Encrypt"])["GrantId"] == (
        both
    )
    assert _list_all(kms, key_id, 2) == [encrypt, both]


# --- ListRetirableGrants ---------------------------------------------------------------


def test_retirable_grants_after_retire_revoke_and_key_deletion(kms: Any, fake_kms: Any) -> None:
    """Keys of two accounts, account by account, in key creation order, then grant creation
    order (the grants are created here in another order); retired and revoked grants and
    the grants of a deleted key are gone; another Region's are not listed."""
    own, foreign, doomed = (
        fake_kms.create_key().key_id,
        fake_kms.create_key(account_id=OTHER_ACCOUNT).arn,
        fake_kms.create_key().key_id,
    )
    for _ in range(20):  # keys without grants in between
        fake_kms.create_key()
    elsewhere = fake_kms.create_key(region="eu-west-1").key_id
    _grant(kms_client("eu-west-1"), elsewhere, RetiringPrincipal=RETIREE)
    grants = {
        key: [_grant(kms, key, RetiringPrincipal=RETIREE) for _ in range(6)]
        for key in (doomed, foreign, own)  # created in another order than the keys
    }
    _create_many(kms, own, 5, RetiringPrincipal=GRANTEE)
    ids = {key: [g["GrantId"] for g in created] for key, created in grants.items()}
    # The caller's account's keys first (its store was made first), then the other's.
    assert _list_retirable(kms, RETIREE, 4) == ids[own] + ids[doomed] + ids[foreign]

    kms.retire_grant(GrantToken=grants[own][0]["GrantToken"])
    kms.revoke_grant(KeyId=foreign, GrantId=ids[foreign][5])
    kms.retire_grant(KeyId=doomed, GrantId=ids[doomed][2])
    expected = ids[own][1:] + ids[doomed][:2] + ids[doomed][3:] + ids[foreign][:5]
    assert _list_retirable(kms, RETIREE, 4) == expected

    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    assert _list_retirable(kms, RETIREE, 100) == expected  # still stored
    fake_kms.clock.advance(days=8)
    assert _list_retirable(kms, RETIREE, 3) == ids[own][1:] + ids[foreign][:5]
    assert len(_list_retirable(kms, GRANTEE, 2)) == 5


def test_retirable_grants_markers(kms: Any, fake_kms: Any) -> None:
    keys = [fake_kms.create_key().key_id for _ in range(30)]
    created = [
        _grant(kms, key, RetiringPrincipal=RETIREE)["GrantId"] for key in keys[::3] for _ in "ab"
    ]
    first = kms.list_retirable_grants(RetiringPrincipal=RETIREE, Limit=4)
    assert [g["GrantId"] for g in first["Grants"]] == created[:4]
    assert first["NextMarker"] == created[4]
    kms.revoke_grant(KeyId=keys[0], GrantId=created[0])  # behind the marker: no matter
    rest = kms.list_retirable_grants(RetiringPrincipal=RETIREE, Marker=first["NextMarker"])
    assert [g["GrantId"] for g in rest["Grants"]] == created[4:]
    kms.revoke_grant(KeyId=keys[6], GrantId=created[4])
    for marker in (created[4], "nope", _grant(kms, keys[1])["GrantId"]):
        with pytest.raises(kms.exceptions.InvalidMarkerException) as raised:
            kms.list_retirable_grants(RetiringPrincipal=RETIREE, Marker=marker)
        _invalid_marker(raised)


# --- grants that did not come through CreateGrant ----------------------------------------


def test_grants_of_a_loaded_state_are_listed_and_found_by_name() -> None:
    """A loaded state's keys hold their grants in indexed collections, as keys whose
    grants came through CreateGrant do."""
    kms = kms_client()
    with FakeKMS() as original:
        key_id = original.create_key().key_id
        created = _create_many(kms, key_id, 12, RetiringPrincipal=RETIREE)
        named = _grant(kms, key_id, Name="loaded")["GrantId"]
    data = json.loads(json.dumps(dump_state(original)))
    with FakeKMS() as restored:
        load_state(data, restored)
        assert type(restored._find(key_id).grants) is GrantCollection
        assert _list_retirable(kms, RETIREE, 5) == created
        assert _grant(kms, key_id, Name="loaded")["GrantId"] == named
        kms.retire_grant(KeyId=key_id, GrantId=created[3])
        kept = [*created[:3], *created[4:], named]
        assert _list_all(kms, key_id, 5) == kept
        assert restored._find(key_id).grants == {g: original._find(key_id).grants[g] for g in kept}


def _record(number: int, name: str | None = None, retiring: str | None = None) -> GrantRecord:
    return GrantRecord(
        grant_id=f"{number:064x}",
        grantee_principal=GRANTEE,
        operations=("Decrypt",),
        issuing_account=f"arn:aws:iam::{ACCOUNT}:root",
        creation_date=dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc),
        name=name,
        retiring_principal=retiring,
    )


def _consistent(grants: GrantCollection) -> list[str]:
    """The collection's ids in order, after checking every index against the dict."""
    ids = list(grants)
    assert [g.grant_id for _, g in grants.in_order()] == ids
    assert [grants.position_of(g) is not None for g in ids] == [True] * len(ids)
    for name in {g.name for g in grants.values()} - {None}:
        probe = next(g for g in grants.values() if g.name == name)
        assert grants.same_request_as(probe) is probe
    assert [g.grant_id for g in grants.retirable_by(RETIREE)] == [
        g for g in ids if grants[g].retiring_principal == RETIREE
    ]
    return ids


def test_add_and_remove_keep_the_grant_indexes() -> None:
    """A collection is changed only through ``add`` and ``remove``; the indexes follow,
    past the rebuild of the order list, and copies and pickles get their own."""
    grants = GrantCollection(_record(i, f"n{i % 3}", RETIREE) for i in range(5))
    assert _consistent(grants) == [f"{i:064x}" for i in range(5)]
    grants.remove(f"{1:064x}")
    grants.add(_record(7, "n7"))
    grants.add(_record(8, retiring=RETIREE))
    grants.remove(f"{4:064x}")
    assert _consistent(grants) == [f"{i:064x}" for i in (0, 2, 3, 7, 8)]
    for copied in (copy.copy(grants), copy.deepcopy(grants), pickle.loads(pickle.dumps(grants))):
        assert type(copied) is GrantCollection
        assert copied == grants
        copied.remove(f"{2:064x}")
        assert _consistent(copied) != _consistent(grants)
    for number in range(100, 300):  # enough removals to rebuild the order list
        grants.add(_record(number, "churn", RETIREE))
        grants.remove(f"{number:064x}")
    assert len(grants._order) < 100
    assert _consistent(grants) == [f"{i:064x}" for i in (0, 2, 3, 7, 8)]
    with pytest.raises(TypeError):
        grants[f"{9:064x}"] = _record(9)  # type: ignore[index]  # read-only mapping


# --- property: any sequence of changes, any page sizes -------------------------------------

CHANGES = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.integers(1, 30), st.booleans(), st.booleans()),
        st.tuples(st.sampled_from(["retire", "revoke"]), st.integers(0, 10**6), st.integers(1, 30)),
        st.tuples(st.just("page"), st.integers(1, 100), st.booleans()),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(changes=CHANGES)
def test_listings_show_exactly_the_live_grants_in_order(
    kms: Any, fake_kms: Any, changes: list[tuple[Any, ...]]
) -> None:
    """Random creates (of either grantee, retirable or not), retires and revokes of runs of
    grants, and paginations with random limits (while removing grants ahead of the
    marker): ListGrants, with and without the grantee filter, and ListRetirableGrants
    list exactly the live grants, in creation order."""
    key_id = fake_kms.create_key().key_id
    retiree = f"arn:aws:iam::{ACCOUNT}:role/retiree-{key_id}"  # this example's keys only
    live: dict[str, tuple[str, bool]] = {}  # id -> (grantee, retirable), creation order

    def expected(grantee: str | None = None, retirable: bool = False) -> list[str]:
        return [
            g
            for g, (who, can_retire) in live.items()
            if (grantee is None or who == grantee) and (can_retire or not retirable)
        ]

    for change in changes:
        if change[0] == "create":
            _, count, other, retirable = change
            grantee = OTHER if other else GRANTEE
            extra = {"RetiringPrincipal": retiree} if retirable else {}
            for grant_id in _create_many(kms, key_id, count, GranteePrincipal=grantee, **extra):
                live[grant_id] = (grantee, retirable)
        elif change[0] in ("retire", "revoke") and live:
            _, start, count = change
            ids = list(live)
            for grant_id in (ids + ids)[start % len(ids) :][: min(count, len(ids))]:
                getattr(kms, f"{change[0]}_grant")(KeyId=key_id, GrantId=grant_id)
                del live[grant_id]
        elif change[0] == "page":
            _, limit, remove_ahead = change
            if remove_ahead and live:
                # One page, then the grant after the marker goes, then the rest.
                page = kms.list_grants(KeyId=key_id, Limit=limit)
                listed = _checked_page(page, limit)
                if page["Truncated"]:
                    ids = list(live)
                    after = ids[ids.index(page["NextMarker"]) + 1 :]
                    for grant_id in after[:1]:
                        kms.revoke_grant(KeyId=key_id, GrantId=grant_id)
                        del live[grant_id]
                    listed += _list_all(kms, key_id, limit, Marker=page["NextMarker"])
                assert listed == expected()
            assert _list_all(kms, key_id, limit) == expected()
            assert _list_all(kms, key_id, limit, GranteePrincipal=OTHER) == expected(OTHER)
            assert _list_retirable(kms, retiree, limit) == expected(retirable=True)
    assert _list_all(kms, key_id, 100) == expected()
    assert _list_retirable(kms, retiree, 100) == expected(retirable=True)


# --- property: the Region's index of retirable grants, across keys -------------------------

STORY = st.lists(
    st.one_of(
        st.tuples(st.just("key"), st.booleans()),  # a new key, maybe in another account
        st.tuples(st.just("grant"), st.integers(0, 10**6), st.sampled_from([RETIREE, OTHER, None])),
        st.tuples(st.just("revoke"), st.integers(0, 10**6), st.integers(0, 10**6)),
        st.tuples(st.just("delete key"), st.integers(0, 10**6)),
        st.tuples(st.just("save")),
        st.tuples(st.just("load"), st.booleans()),  # the last save, into a new fake or this one
        st.tuples(st.just("list"), st.integers(1, 7), st.sampled_from([RETIREE, OTHER])),
    ),
    min_size=3,
    max_size=30,
)


@dataclasses.dataclass
class _Model:
    """What ListRetirableGrants must list, kept the plain way."""

    keys: list[tuple[str, str]] = dataclasses.field(default_factory=list)  # (account, ARN)
    accounts: list[str] = dataclasses.field(default_factory=list)  # in the order stores came
    grants: dict[str, list[tuple[str, str | None]]] = dataclasses.field(default_factory=dict)

    def add_key(self, account: str, arn: str) -> None:
        self.accounts += [account] if account not in self.accounts else []
        self.keys.append((account, arn))
        self.grants[arn] = []

    def loaded(self, saved: _Model, into_new_fake: bool) -> _Model:
        """This fake's model after loading ``saved``: its keys replace theirs in place, a
        key deleted since comes back last, and keys created since stay."""
        model = _Model() if into_new_fake else copy.deepcopy(self)
        for account, arn in saved.in_store_order():  # the order a saved state holds them
            if arn not in model.grants:
                model.add_key(account, arn)
            model.grants[arn] = list(saved.grants[arn])
        return model

    def in_store_order(self) -> list[tuple[str, str]]:
        """The keys account by account, each account's in creation order."""
        return sorted(self.keys, key=lambda key: self.accounts.index(key[0]))  # stable

    def retirable(self, principal: str) -> list[str]:
        keys = self.in_store_order()
        return [g for _, arn in keys for g, who in self.grants[arn] if who == principal]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(story=STORY)
@example(
    story=[("key", False), ("grant", 0, RETIREE), ("save",), ("load", False), ("list", 5, RETIREE)]
)
@example(
    story=[
        ("key", False),
        ("key", False),
        ("grant", 0, RETIREE),
        ("grant", 1, RETIREE),
        ("save",),
        ("delete key", 0),
        ("key", False),
        ("grant", 1, RETIREE),
        ("load", False),
        ("list", 2, RETIREE),
    ]
)
@example(
    story=[
        ("key", False),
        ("key", True),
        ("key", False),
        ("delete key", 0),
        ("grant", 0, RETIREE),
        ("grant", 1, RETIREE),
        ("save",),
        ("load", True),
        ("list", 1, RETIREE),
    ]
)
def test_retirable_grants_follow_keys_grants_deletions_and_loads(
    story: list[tuple[Any, ...]],
) -> None:
    """ListRetirableGrants, paged with random limits, lists what a plain walk of every key
    would: account by account (in the order their first key came), each account's keys in
    creation order, each key's grants in creation order. Grants come to keys in any order;
    a key loses its last grant for a principal and gets another; keys are deleted; a saved
    state is loaded into a new fake, or into the same one later (its keys replaced in
    place, keys deleted since back, keys made since kept). The fake answers from an index
    of the keys with a grant each principal may retire (``RegionStore.retirable_keys``),
    not by walking every key. The explicit examples: a load over keys that have grants; a
    deleted key coming back behind a newer one; a new fake whose stores come in the
    saved state's order, not in its keys' creation order."""
    kms = kms_client()
    model, saved = _Model(), (_Model(), dump_state(FakeKMS()))
    fake = FakeKMS().start()
    try:
        for step in story:
            if step[0] == "key":
                account = OTHER_ACCOUNT if step[1] else ACCOUNT
                model.add_key(account, fake.create_key(account_id=account).arn)
            elif step[0] == "grant" and model.keys:
                arn = model.keys[step[1] % len(model.keys)][1]
                extra = {"RetiringPrincipal": step[2]} if step[2] else {}
                model.grants[arn].append((_grant(kms, arn, **extra)["GrantId"], step[2]))
            elif step[0] == "revoke" and model.keys:
                grants = model.grants[model.keys[step[1] % len(model.keys)][1]]
                if grants:
                    grant_id, _ = grants.pop(step[2] % len(grants))
                    kms.revoke_grant(
                        KeyId=model.keys[step[1] % len(model.keys)][1], GrantId=grant_id
                    )
            elif step[0] == "delete key" and model.keys:
                _, arn = model.keys.pop(step[1] % len(model.keys))
                fake.set_key_state(arn, "PendingDeletion")  # 30 days; any account's key
                fake.clock.advance(days=31)
                del model.grants[arn]
            elif step[0] == "save":
                saved = (copy.deepcopy(model), json.loads(json.dumps(dump_state(fake))))
            elif step[0] == "load":
                if step[1]:
                    fake.stop()
                    fake = FakeKMS().start()
                load_state(saved[1], fake)
                model = model.loaded(saved[0], into_new_fake=step[1])
            elif step[0] == "list":
                assert _list_retirable(kms, step[2], step[1]) == model.retirable(step[2])
        for principal in (RETIREE, OTHER):
            assert _list_retirable(kms, principal, 3) == model.retirable(principal)
    finally:
        fake.stop()
