"""``benchmarks/toy_fake.py``: the toy fake and the toy that also does the work (issue #8).

The toy + work column is the evidence that some of #8's ratio goals are beyond any
correct fake, so these tests check that it does what it says: it answers every
benchmarked operation through a real boto3 client, and on the operations with
unavoidable work it really does that work on the body the toy decoded (a signature,
AES-GCM, the policy text's ``json.loads``). The report's arithmetic is checked from
known series.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).resolve().parent.parent / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

import bench  # noqa: E402  (benchmarks/ is not a package: its scripts import as siblings)
import toy_fake  # noqa: E402
from timing import Series  # noqa: E402


@pytest.fixture(autouse=True)
def _credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


def test_the_toy_and_work_backend_answers_every_case_and_does_the_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    done: list[tuple[str, dict[str, Any]]] = []
    for operation, (what, work) in list(bench.WORK.items()):

        def spy(params: dict[str, Any], operation: str = operation, work: Any = work) -> object:
            done.append((operation, params))
            return work(params)

        monkeypatch.setitem(bench.WORK, operation, (what, spy))
    backend = toy_fake.toy_and_work_backend()
    assert backend.work_only
    for case in bench.CASES:
        case.prepare(backend.client)()  # canned answers, parsed by botocore: no exception
    operations = {operation for operation, _ in done}
    assert operations == {"Sign", "PutKeyPolicy", "Encrypt", "Decrypt"}
    # The work gets the body the toy decoded: the members the operation needs.
    assert all("Message" in params for operation, params in done if operation == "Sign")
    assert all("Policy" in params for operation, params in done if operation == "PutKeyPolicy")


def test_the_work_is_real_on_a_decoded_body() -> None:
    """Each piece of work runs on the members boto3 sends (base64 text, policy JSON)."""
    import base64
    import json

    from shared import MESSAGE, PLAINTEXT, small_policy

    bench.WORK["Sign"][1]({"Message": base64.b64encode(MESSAGE).decode()})
    bench.WORK["Encrypt"][1]({"Plaintext": base64.b64encode(PLAINTEXT).decode()})
    bench.WORK["Decrypt"][1]({"CiphertextBlob": base64.b64encode(b"\0" * 64).decode()})
    bench.WORK["PutKeyPolicy"][1]({"Policy": small_policy("toy-test")})
    with pytest.raises(json.JSONDecodeError):  # it parses, it does not just read
        bench.WORK["PutKeyPolicy"][1]({"Policy": "{not json"})


def _result(name: str, **medians: float) -> bench.CaseResult:
    case = next(c for c in bench.CASES if c.name.startswith(name))
    series = {column: Series([value] * 3) for column, value in medians.items()}
    return bench.CaseResult(case, series, {}, {})


def test_the_report_gives_the_work_columns_only_where_there_is_work() -> None:
    results = [
        _result("Sign", floor=100.0, fake=122.0, toy=105.0, **{"toy + work": 110.0}),
        _result("DescribeKey", floor=100.0, fake=108.0, toy=104.0),
    ]
    text = toy_fake.report(results, "python benchmarks/toy_fake.py", rounds=3)
    rows = {line.split(" | ")[0]: line for line in text.splitlines() if line.startswith("| ")}
    assert rows["| Sign (ECC_NIST_P256, 1 KiB)"].endswith(
        "| 1.050 | 1.100 | 1.220 | 1.162 | 1.109 |"
    )
    assert rows["| DescribeKey"].endswith("| 1.040 | — | 1.080 | 1.038 | — |")
