"""The AWS SDK for JavaScript v3 against the fake over HTTP (issue #7).

Runs ``tests/js/kms_scenario.mjs`` with Node.js against the ``fake_kms_server``
fixture. Skipped when ``node`` or ``npm`` is missing, or when ``npm install``
cannot reach the registry; a failing scenario fails the test.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import SCENARIO_OPERATIONS

from pytest_fakekms import FakeKMS

JS_DIR = Path(__file__).parent / "js"
SDK_PACKAGE = JS_DIR / "node_modules" / "@aws-sdk" / "client-kms" / "package.json"

#: npm error codes that mean "no registry here" rather than "our package.json is wrong".
_OFFLINE = re.compile(
    r"ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH|"
    r"network|proxy|certificate|CERT_|UNABLE_TO_GET_ISSUER",
    re.IGNORECASE,
)


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed: the JavaScript SDK test needs Node.js and npm")
    return path


def _install_sdk(npm: str) -> None:
    """``npm install`` in tests/js once (CI starts without node_modules)."""
    if SDK_PACKAGE.exists():
        return
    try:
        result = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=JS_DIR,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.skip("npm install timed out: is the npm registry reachable?")
    output = result.stdout + result.stderr
    if result.returncode != 0 and _OFFLINE.search(output):
        pytest.skip(f"npm install could not reach the registry:\n{output[-800:]}")
    assert result.returncode == 0, f"npm install failed:\n{output[-4000:]}"
    assert SDK_PACKAGE.exists(), "npm install did not install @aws-sdk/client-kms"


def test_javascript_sdk_scenario(fake_kms_server: FakeKMS) -> None:
    node = _tool("node")
    _install_sdk(_tool("npm"))
    environment = {**os.environ, "NODE_NO_WARNINGS": "1"}
    result = subprocess.run(
        [node, "kms_scenario.mjs", fake_kms_server.endpoint_url],
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        check=False,
    )
    assert result.returncode == 0, f"the JavaScript scenario failed:\n{result.stderr}"
    key_id = json.loads(result.stdout.strip().splitlines()[-1])["keyId"]

    calls = fake_kms_server.calls
    assert {c.transport for c in calls} == {"http"}
    assert calls.operations == SCENARIO_OPERATIONS
    assert [c.error for c in calls if c.error] == [
        "MalformedPolicyDocumentException",
        "NotFoundException",
    ]
    assert calls.one("CreateKey").region == "us-east-1"
    assert len(fake_kms_server.policy_history(key_id)) == 4
    assert fake_kms_server.key(key_id).state == "PendingDeletion"
