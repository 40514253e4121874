// The AWS SDK for JavaScript v3 against pytest-fakekms over HTTP.
//
// Usage: node kms_scenario.mjs <endpoint-url>
// Run by tests/test_node_sdk.py against the fake_kms_server fixture. Exits non-zero
// (with the failed assertion on stderr) if anything differs from what AWS would answer;
// on success prints one JSON line for the Python side to cross-check.

import assert from "node:assert/strict";

import {
  CreateKeyCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  KMSClient,
  ListKeyPoliciesCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
} from "@aws-sdk/client-kms";

const endpoint = process.argv[2] ?? process.env.AWS_ENDPOINT_URL_KMS;
assert.ok(endpoint, "give the fake's endpoint URL as the first argument");

const kms = new KMSClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIAJSSDKTESTING0000", secretAccessKey: "not-checked" },
  maxAttempts: 1,
});

const policy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Sid: "Root",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:root" },
      Action: "kms:*",
      Resource: "*",
    },
  ],
});

async function expectError(command, name, message) {
  try {
    await kms.send(command);
  } catch (err) {
    assert.equal(err.name, name);
    assert.equal(err.$metadata.httpStatusCode, 400);
    assert.equal(err.$fault, "client");
    if (message !== undefined) assert.equal(err.message, message);
    return err;
  }
  assert.fail(`expected ${name}`);
}

const created = await kms.send(new CreateKeyCommand({ Description: "from node" }));
const keyId = created.KeyMetadata.KeyId;
assert.equal(created.KeyMetadata.KeyState, "Enabled");
assert.ok(created.KeyMetadata.CreationDate instanceof Date);
assert.match(created.$metadata.requestId, /^[0-9a-f-]{36}$/);

await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policy }));
await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: "default", Policy: policy }));
const got = await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: "default" }));
assert.deepEqual(JSON.parse(got.Policy), JSON.parse(policy));

await expectError(
  new PutKeyPolicyCommand({
    KeyId: keyId,
    Policy: JSON.stringify({ Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }] }),
  }),
  "MalformedPolicyDocumentException",
  "Policy contains a statement with no principal.",
);
await expectError(
  new DescribeKeyCommand({ KeyId: "00000000-0000-0000-0000-000000000000" }),
  "NotFoundException",
);

const scheduled = await kms.send(
  new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }),
);
assert.equal(scheduled.KeyState, "PendingDeletion");
assert.ok(scheduled.DeletionDate instanceof Date);

// PutKeyPolicy is allowed in every key state, PendingDeletion included.
await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, Policy: policy }));
const listed = await kms.send(new ListKeyPoliciesCommand({ KeyId: keyId }));
assert.deepEqual(listed.PolicyNames, ["default"]);

console.log(JSON.stringify({ keyId, ok: true }));
