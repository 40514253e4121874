"""The key-state table: coverage, botocore's error lists, the doc cell by cell, transitions."""

from __future__ import annotations

import functools
import importlib.util
import pathlib
from typing import TYPE_CHECKING, Any

import pytest

from pytest_fakekms.domain import keystates
from pytest_fakekms.domain.keystate_docs import render_markdown
from pytest_fakekms.domain.keystates import (
    KEY_SCOPED,
    NOT_KEY_SCOPED_OPERATIONS,
    TABLE,
    TRANSITIONS,
    KeyState,
    Outcome,
    Status,
    accepted_states,
    check_key_state,
    enabled_flag,
    next_state,
)
from pytest_fakekms.errors import KMSError
from pytest_fakekms.operations.coverage_docs import (
    AREAS,
    NONE,
    render_block,
    replace_block,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = pathlib.Path(__file__).resolve().parent.parent
ARN = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
S = KeyState

# kms-facts §3.2 (DG23 key-state.md), copied symbol for symbol, independently of
# keystates.py. Columns: Enabled, Disabled, PD, PendingImport, Unavailable,
# Creating, Updating; PD is PendingDeletion and PendingReplicaDeletion.
DOC_TABLE = """
CancelKeyDeletion | X[4] | X[4] | ✓ | X[4] | X[4][13] | X[4] | X[4]
CreateAlias | ✓ | ✓ | X[3] | ✓ | ✓ | ✓ | ✓
CreateGrant | ✓ | X[1] | X[2]/[3] | X[5] | ✓ | X[14] | ✓
Decrypt | ✓ | X[1] | X[2]/[3] | X[5] | X[11] | X[14] | ✓
DeleteAlias | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
DeleteImportedKeyMaterial | ✓[9] | ✓[9] | ✓[9] | ✓ (no effect) | N/A | X[14] | X[15]
DescribeKey | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
DisableKey | ✓ | ✓ | X[3] | X[5] | ✓[12] | X[14] | X[15]
DisableKeyRotation | ?[7] | X[1]/[7] | X[3]/[7] | X[6] | X[7] | X[14] | ?[7]
EnableKey | ✓ | ✓ | X[3] | X[5] | ✓[12] | X[14] | X[15]
EnableKeyRotation | ?[7] | X[1]/[7] | X[3]/[7] | X[6] | X[7] | X[14] | ?[7]
Encrypt | ✓ | X[1] | X[2]/[3] | X[5] | X[11] | X[14] | ✓
GenerateDataKey | ✓ | X[1] | X[2]/[3] | X[5] | X[11] | X[14] | ✓
GenerateDataKeyPair | ✓ | X[1] | X[2]/[3] | X[5] | X[11] | X[14] | ✓
GenerateDataKeyPairWithoutPlaintext | ✓ | X[1] | X[2]/[3] | X[5] | X[11] | X[14] | ✓
GenerateDataKeyWithoutPlaintext | ✓ | X[1] | X[2]/[3] | X[5] | X[11] | X[14] | ✓
GenerateMac | ✓ | X[1] | X[2]/[3] | N/A | N/A | X[14] | ✓
GetKeyPolicy | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
GetKeyRotationStatus | ?[7] | ?[7] | ?[7] | X[6] | X[7] | ?[7] | ?[7]
GetParametersForImport | ?[9] | ?[9] | X[8]/[9] | ✓ | X[9] | X[14] | X[15]
GetPublicKey | ✓ | X[1] | X[2]/[3] | N/A | N/A | X[14] | ✓
ImportKeyMaterial | ?[9] | ?[9] | X[8]/[9] | ✓ | X[9] | X[14] | ✓
ListAliases | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
ListGrants | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
ListKeyPolicies | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
ListResourceTags | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
PutKeyPolicy | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
ReEncrypt | ✓ | X[1] | X[2]/[3] | X[5] | X[11] | X[14] | ✓
ReplicateKey | ✓ | X[1] | X[2]/[3] | X[5] | N/A | X[14] | X[15]
RetireGrant | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
RevokeGrant | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
ScheduleKeyDeletion | ✓ | ✓ | X[3] | ✓ | ✓ | ✓ | X[15]
Sign | ✓ | X[1] | X[2]/[3] | N/A | N/A | X[14] | ✓
TagResource | ✓ | ✓ | X[3] | ✓ | ✓ | ✓ | ✓
UntagResource | ✓ | ✓ | X[3] | ✓ | ✓ | ✓ | ✓
UpdateAlias | ✓ | ✓ | ?[10] | ✓ | ✓ | ✓ | ✓
UpdateKeyDescription | ✓ | ✓ | X[3] | ✓ | ✓ | ✓ | ✓
UpdatePrimaryRegion | ✓ | X[1] | X[2]/[3] | X[5] | N/A | X[14] | ✓
Verify | ✓ | X[1] | X[2]/[3] | N/A | N/A | X[14] | ✓
VerifyMac | ✓ | X[1] | X[2]/[3] | N/A | N/A | X[14] | ✓
"""

# kms-facts §3.3: the operations added since, in the same notation (INFERRED rows).
NEWER_TABLE = """
DeriveSharedSecret | ✓ | X[1] | X[2]/[3] | N/A | N/A | X[14] | ✓
GetKeyLastUsage | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓
Encapsulate | ✓ | X[1] | X[2]/[3] | N/A | N/A | X[14] | ✓
Decapsulate | ✓ | X[1] | X[2]/[3] | N/A | N/A | X[14] | ✓
ListKeyRotations | ?[7] | ?[7] | ?[7] | X[6] | X[7] | ?[7] | ?[7]
RotateKeyOnDemand | ?[7] | X[1] | X[3] | X[5] | X[7] | X[14] | ?[7]
"""

NOT_KEY_SCOPED = {
    "CreateKey",
    "ListKeys",
    "GenerateRandom",
    "ListRetirableGrants",
    "ConnectCustomKeyStore",
    "CreateCustomKeyStore",
    "DeleteCustomKeyStore",
    "DescribeCustomKeyStores",
    "DisconnectCustomKeyStore",
    "UpdateCustomKeyStore",
}

KIS = "KMSInvalidStateException"
UOE = "UnsupportedOperationException"
# Footnote -> (code, text after the ARN), as kms-facts §3.2 resolves them today.
FOOTNOTES = {
    1: ("DisabledException", " is disabled."),
    4: (KIS, " is not pending deletion."),
    5: (KIS, " is pending import."),
    6: (UOE, " origin is EXTERNAL which is not valid for this operation."),
    7: (UOE, " origin is AWS_CLOUDHSM which is not valid for this operation."),
    9: (UOE, " origin is AWS_CLOUDHSM which is not valid for this operation."),
    11: (KIS, " is unavailable."),
    14: (KIS, " is creating."),
    15: (KIS, " is updating."),
}
PD_TEXT = {
    S.PENDING_DELETION: " is pending deletion.",
    S.PENDING_REPLICA_DELETION: " is pending replica deletion.",
}
NA_TEXT = {S.PENDING_IMPORT: " is pending import.", S.UNAVAILABLE: " is unavailable."}
DOC_COLUMNS = (
    (S.ENABLED,),
    (S.DISABLED,),
    (S.PENDING_DELETION, S.PENDING_REPLICA_DELETION),
    (S.PENDING_IMPORT,),
    (S.UNAVAILABLE,),
    (S.CREATING,),
    (S.UPDATING,),
)


def transcribed_cells(text: str) -> Iterator[tuple[str, KeyState, str]]:
    """(operation, state, doc symbol) for every cell of a transcribed table."""
    for line in text.strip().splitlines():
        operation, *symbols = (part.strip() for part in line.split("|"))
        assert len(symbols) == len(DOC_COLUMNS), operation
        for states, symbol in zip(DOC_COLUMNS, symbols, strict=True):
            for state in states:
                yield operation, state, symbol


DOC_CELLS = list(transcribed_cells(DOC_TABLE))
NEWER_CELLS = list(transcribed_cells(NEWER_TABLE))


def expected(symbol: str, state: KeyState) -> tuple[Outcome, str | None, str | None]:
    """What a doc symbol means for the fake: outcome, error code, text after the ARN."""
    if symbol.startswith("✓"):
        return Outcome.ACCEPTED, None, None
    if symbol.startswith("?"):
        return Outcome.CONDITIONAL, None, None
    if symbol == "N/A":
        return Outcome.NOT_APPLICABLE, KIS, NA_TEXT[state]
    footnote = int(symbol[2 : symbol.index("]")])
    if state in PD_TEXT:  # [2]/[3], [3], [3]/[7], [8]/[9]: KMSInvalidStateException
        return Outcome.REJECTED, KIS, PD_TEXT[state]
    return Outcome.REJECTED, *FOOTNOTES[footnote]


@functools.cache
def kms_model() -> Any:
    import botocore.session

    return botocore.session.get_session().get_service_model("kms")


@functools.cache
def declared_errors(operation: str) -> frozenset[str]:
    return frozenset(shape.name for shape in kms_model().operation_model(operation).error_shapes)


# --- coverage -----------------------------------------------------------------------


#: Operations botocore 1.44 added to the model (ML-KEM key encapsulation).
BOTOCORE_1_44 = {"Encapsulate", "Decapsulate"}


def test_table_covers_botocores_operations() -> None:
    """The table has the 54 operations of botocore 1.43 (kms-facts §3.3) and the two that
    botocore 1.44 added. A newer botocore may know more; the fake must not implement one
    before it has a row here."""
    from pytest_fakekms.operations import load_all
    from pytest_fakekms.operations.base import OPERATIONS

    load_all()
    model_operations = set(kms_model().operation_names)
    assert len(TABLE) == 56
    assert set(TABLE) - BOTOCORE_1_44 <= model_operations
    assert set(TABLE) <= model_operations | BOTOCORE_1_44
    assert {op for op in model_operations - set(TABLE) if op in OPERATIONS} == set()


def test_every_row_has_every_state() -> None:
    for operation, row in TABLE.items():
        assert set(row) == set(KeyState), operation


def test_not_key_scoped_operations() -> None:
    assert NOT_KEY_SCOPED_OPERATIONS == NOT_KEY_SCOPED
    assert set(TABLE) - NOT_KEY_SCOPED == KEY_SCOPED
    for operation in NOT_KEY_SCOPED:
        assert {cell.outcome for cell in TABLE[operation].values()} == {Outcome.NOT_KEY_SCOPED}
        for state in KeyState:
            check_key_state(operation, ARN, state)


def test_transcription_covers_every_key_scoped_operation() -> None:
    transcribed = {operation for operation, _, _ in DOC_CELLS + NEWER_CELLS}
    assert transcribed == KEY_SCOPED
    assert len(DOC_CELLS + NEWER_CELLS) == len(KEY_SCOPED) * len(KeyState)


# --- botocore's error lists are a hard bound ----------------------------------------


@pytest.mark.parametrize("operation", sorted(TABLE))
def test_every_error_code_is_declared_by_the_operation(operation: str) -> None:
    if operation not in kms_model().operation_names:
        pytest.skip(f"this botocore has no {operation}")
    for state, cell in TABLE[operation].items():
        if cell.code is not None:
            assert cell.code in declared_errors(operation), (operation, state, cell.code)


# --- the doc, cell by cell ------------------------------------------------------------


def check_cell(operation: str, state: KeyState, symbol: str) -> None:
    outcome, code, suffix = expected(symbol, state)
    cell = TABLE[operation][state]
    assert cell.outcome is outcome, (operation, state, symbol)
    if code is None:
        check_key_state(operation, ARN, state)  # returns without raising
        return
    with pytest.raises(KMSError) as raised:
        check_key_state(operation, ARN, state)
    assert (raised.value.code, raised.value.message) == (code, f"{ARN}{suffix}")
    assert raised.value.status == 400


@pytest.mark.parametrize(("operation", "state", "symbol"), DOC_CELLS)
def test_documented_cell(operation: str, state: KeyState, symbol: str) -> None:
    check_cell(operation, state, symbol)


@pytest.mark.parametrize(("operation", "state", "symbol"), NEWER_CELLS)
def test_newer_operation_cell(operation: str, state: KeyState, symbol: str) -> None:
    check_cell(operation, state, symbol)


@pytest.mark.parametrize(
    ("operation", "state"),
    [
        ("Decrypt", S.PENDING_DELETION),  # LS-T / LS-S3 recordings
        ("GenerateDataKey", S.DISABLED),
        ("Encrypt", S.PENDING_IMPORT),
        ("Decrypt", S.UNAVAILABLE),
        ("Sign", S.CREATING),
        ("RotateKeyOnDemand", S.DISABLED),
        ("RotateKeyOnDemand", S.PENDING_IMPORT),
    ],
)
def test_recorded_cells_are_verified(operation: str, state: KeyState) -> None:
    assert TABLE[operation][state].status is Status.VERIFIED


def test_inferred_cells() -> None:
    for operation in ("DeriveSharedSecret", "GetKeyLastUsage", "ListKeyRotations"):
        assert {c.status for c in TABLE[operation].values()} == {Status.INFERRED}
    for operation in KEY_SCOPED:  # the replica wording is never on record
        cell = TABLE[operation][S.PENDING_REPLICA_DELETION]
        assert cell.code is None or cell.status is Status.INFERRED, operation
    assert TABLE["CancelKeyDeletion"][S.ENABLED].status is Status.INFERRED


def test_every_cell_names_its_source_and_every_refusal_its_error() -> None:
    for operation, row in TABLE.items():
        for state, cell in row.items():
            assert cell.source, (operation, state)
            if cell.rejects:
                assert cell.code, (operation, state)
                assert cell.template, (operation, state)


def test_message_templates_render_with_the_arn_and_end_with_a_period() -> None:
    templates = {c.template for row in TABLE.values() for c in row.values() if c.template}
    assert templates
    for template in templates:
        message = template.format(arn=ARN)
        assert message.startswith(f"{ARN} "), template
        assert message.endswith("."), template
        assert "{" not in message, template


def test_conditional_update_alias_carries_the_target_key_error() -> None:
    cell = keystates.cell("UpdateAlias", S.PENDING_DELETION)
    assert cell.outcome is Outcome.CONDITIONAL
    check_key_state("UpdateAlias", ARN, S.PENDING_DELETION)  # this layer lets it through
    error = cell.error(ARN)
    assert (error.code, error.message) == (KIS, f"{ARN} is pending deletion.")


def test_an_accepted_cell_has_no_error() -> None:
    with pytest.raises(ValueError, match="no error"):
        keystates.cell("DescribeKey", S.ENABLED).error(ARN)


def test_check_key_state_takes_the_plain_string_state() -> None:
    with pytest.raises(KMSError, match="is disabled"):
        check_key_state("Encrypt", ARN, "Disabled")  # type: ignore[arg-type]


def test_check_key_state_rejects_an_unknown_operation() -> None:
    with pytest.raises(ValueError, match="Frobnicate"):
        check_key_state("Frobnicate", ARN, S.ENABLED)


def test_accepted_states() -> None:
    assert accepted_states("Decrypt") == {S.ENABLED, S.UPDATING}
    assert accepted_states("DescribeKey") == set(KeyState)
    assert accepted_states("CancelKeyDeletion") == {S.PENDING_DELETION, S.PENDING_REPLICA_DELETION}
    rotation_status = set(KeyState) - {S.PENDING_IMPORT, S.UNAVAILABLE}
    assert accepted_states("GetKeyRotationStatus") == rotation_status
    assert accepted_states("CreateKey") == set(KeyState)


def test_key_state_enum_is_unchanged() -> None:
    assert [state.value for state in KeyState] == [
        "Creating",
        "Enabled",
        "Disabled",
        "PendingDeletion",
        "PendingImport",
        "PendingReplicaDeletion",
        "Unavailable",
        "Updating",
    ]
    assert str(S.PENDING_DELETION) == "PendingDeletion"
    assert set(KeyState) == set(kms_model().shape_for("KeyState").enum)


# --- transitions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("operation", "start", "end"),
    [
        ("EnableKey", S.DISABLED, S.ENABLED),
        ("EnableKey", S.ENABLED, S.ENABLED),
        ("EnableKey", S.UNAVAILABLE, S.UNAVAILABLE),
        ("DisableKey", S.ENABLED, S.DISABLED),
        ("DisableKey", S.DISABLED, S.DISABLED),
        ("ScheduleKeyDeletion", S.ENABLED, S.PENDING_DELETION),
        ("ScheduleKeyDeletion", S.DISABLED, S.PENDING_DELETION),
        ("ScheduleKeyDeletion", S.PENDING_IMPORT, S.PENDING_DELETION),
        ("ScheduleKeyDeletion", S.UNAVAILABLE, S.PENDING_DELETION),
        ("ScheduleKeyDeletion", S.CREATING, S.PENDING_DELETION),
        ("CancelKeyDeletion", S.PENDING_DELETION, S.DISABLED),
        ("CancelKeyDeletion", S.PENDING_REPLICA_DELETION, S.DISABLED),
    ],
)
def test_legal_move(operation: str, start: KeyState, end: KeyState) -> None:
    assert next_state(operation, start, key_arn=ARN) is end


@pytest.mark.parametrize(
    ("operation", "start", "code", "suffix"),
    [
        ("EnableKey", S.PENDING_DELETION, KIS, " is pending deletion."),
        ("EnableKey", S.PENDING_IMPORT, KIS, " is pending import."),
        ("DisableKey", S.UPDATING, KIS, " is updating."),
        ("DisableKey", S.PENDING_REPLICA_DELETION, KIS, " is pending replica deletion."),
        ("ScheduleKeyDeletion", S.PENDING_DELETION, KIS, " is pending deletion."),
        ("ScheduleKeyDeletion", S.UPDATING, KIS, " is updating."),
        ("CancelKeyDeletion", S.ENABLED, KIS, " is not pending deletion."),
        ("CancelKeyDeletion", S.DISABLED, KIS, " is not pending deletion."),
    ],
)
def test_illegal_move(operation: str, start: KeyState, code: str, suffix: str) -> None:
    with pytest.raises(KMSError) as raised:
        next_state(operation, start, key_arn=ARN)
    assert (raised.value.code, raised.value.message) == (code, f"{ARN}{suffix}")


def test_schedule_deletion_of_a_primary_with_replicas() -> None:
    end = next_state("ScheduleKeyDeletion", S.ENABLED, key_arn=ARN, has_replicas=True)
    assert end is S.PENDING_REPLICA_DELETION
    assert next_state("DisableKey", S.ENABLED, key_arn=ARN, has_replicas=True) is S.DISABLED


def test_next_state_rejects_an_operation_that_moves_nothing() -> None:
    with pytest.raises(ValueError, match="Encrypt"):
        next_state("Encrypt", S.ENABLED, key_arn=ARN)


def test_transitions_start_exactly_where_the_table_accepts() -> None:
    moving = {"EnableKey", "DisableKey", "ScheduleKeyDeletion", "CancelKeyDeletion"}
    assert set(TRANSITIONS) == moving
    for operation, moves in TRANSITIONS.items():
        assert set(moves) == accepted_states(operation), operation


def test_set_key_state_may_force_any_state() -> None:
    assert set(KeyState) == keystates.FORCEABLE_STATES


def test_enabled_flag() -> None:
    assert [state for state in KeyState if enabled_flag(state)] == [S.ENABLED]


# --- generated docs -------------------------------------------------------------------


def test_docs_are_generated_from_the_table() -> None:
    docs = (ROOT / "docs" / "key-states.md").read_text(encoding="utf-8")
    assert docs == render_markdown(), "run: python scripts/generate_docs.py"


def test_docs_show_every_key_scoped_operation_and_message() -> None:
    docs = render_markdown()
    table = docs.split("## Operations by key state")[1].split("\n\n")[1].splitlines()
    assert table[0] == "| Operation | " + " | ".join(s.value for s in keystates.STATE_ORDER) + " |"
    assert {row.split(" | ")[0].removeprefix("| ") for row in table[2:]} == KEY_SCOPED
    for template in {c.template for row in TABLE.values() for c in row.values() if c.template}:
        assert template.format(arn="<key ARN>") in docs
    assert "Do not edit" in docs.splitlines()[0]


def test_operation_areas_cover_the_table_once() -> None:
    grouped = [name for names in AREAS.values() for name in names]
    assert sorted(grouped) == sorted(TABLE)


def test_errors_page_lists_exactly_the_implemented_operations() -> None:
    from pytest_fakekms.operations import load_all
    from pytest_fakekms.operations.base import OPERATIONS

    load_all()
    page = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
    assert page == replace_block(page), "run: python scripts/generate_docs.py"
    block = render_block()
    rows = [line.split(" | ") for line in block.splitlines() if line.startswith("| ")][1:]
    implemented = {name for row in rows for name in row[1].split(", ")} - {NONE}
    missing = {name for row in rows for name in row[2].removesuffix(" |").split(", ")} - {NONE}
    assert implemented == set(OPERATIONS)
    assert missing == set(TABLE) - set(OPERATIONS)
    assert f"**{len(OPERATIONS)}** of the {len(TABLE)} operations" in block


def test_replace_block_needs_the_markers() -> None:
    with pytest.raises(ValueError, match="no generated block"):
        replace_block("# Error catalogue\n")


def test_generate_docs_check_mode_passes() -> None:
    path = ROOT / "scripts" / "generate_docs.py"
    spec = importlib.util.spec_from_file_location("generate_docs", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--check"]) == 0
