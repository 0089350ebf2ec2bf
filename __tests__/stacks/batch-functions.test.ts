import { KinesisStream } from "@cdktf/provider-aws/lib/kinesis-stream";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { TerraformStack, Testing } from "cdktf";
import { BATCH_ENV, BATCH_FUNCTION_TIMEOUTS } from "../../contract/batch";
import { BATCH_FUNCTION_NAMES } from "../../contract/names";
import { BATCH_FUNCTION_MEMORY_MIB, BatchFunctionInputs, batchFunctionSpecs } from "../../stacks/constructs/batch-functions";
import { bindEnvironment } from "../../stacks/constructs/node-function";

const SETTINGS = { database: "lake", table: "events" } as unknown as BatchFunctionInputs["settings"];

function inputs(kmsKeyArn?: string): BatchFunctionInputs {
  const scope = new TerraformStack(Testing.app(), `batch-${kmsKeyArn ? "kms" : "plain"}`);
  return {
    lakeBucket: new S3Bucket(scope, "lake", { bucket: "lake" }),
    stream: new KinesisStream(scope, "stream", { name: "events" }),
    streamSettings: {},
    settings: SETTINGS,
    kmsKeyArn,
    ctx: { accountId: "123456789012", partition: "aws", region: "eu-west-1" },
  };
}

const sids = (statements: readonly { sid: string }[]) => statements.map((s) => s.sid);

describe("batch function table", () => {
  const specs = batchFunctionSpecs(inputs());

  it("describes each batch function once, with its handler folder, named memory size and timeout", () => {
    expect(
      Object.values(specs)
        .map((s) => s.name)
        .sort(),
    ).toEqual([...BATCH_FUNCTION_NAMES].sort());
    for (const [key, spec] of Object.entries(specs) as [keyof typeof specs, (typeof specs)[keyof typeof specs]][]) {
      expect(spec.memoryMiB).toBe(BATCH_FUNCTION_MEMORY_MIB[key]);
      expect(spec.timeoutSeconds).toBe(BATCH_FUNCTION_TIMEOUTS[key]);
    }
  });

  it("gives only push the stream name, bound with the permission to write to the stream", () => {
    const withStream = Object.values(specs).filter((s) => s.bindings.some((b) => b.variable === BATCH_ENV.streamName));
    expect(withStream.map((s) => s.name)).toEqual(["push"]);
    const stream = specs.push.bindings.find((b) => b.variable === BATCH_ENV.streamName)!;
    expect(sids(stream.statements)).toEqual(["PutToStream"]);
  });

  it("binds the settings variable with no permission: it names no resource", () => {
    for (const spec of Object.values(specs)) {
      expect(spec.bindings.find((b) => b.variable === BATCH_ENV.settings)?.statements).toEqual([]);
    }
  });

  it("lets the stream key encrypt for push only when a key is configured", () => {
    const keyed = batchFunctionSpecs(inputs("arn:aws:kms:eu-west-1:123456789012:key/k"));
    const stream = keyed.push.bindings.find((b) => b.variable === BATCH_ENV.streamName)!;
    expect(sids(stream.statements)).toEqual(["PutToStream", "EncryptForStream"]);
  });
});

describe("bindEnvironment", () => {
  it("keeps a variable and its statements together, with none for a plain setting", () => {
    const read = { sid: "Read", actions: ["s3:GetObject"], resources: ["arn:aws:s3:::b/*"] };
    expect(bindEnvironment("BUCKET", "b", [read])).toEqual({ variable: "BUCKET", value: "b", statements: [read] });
    expect(bindEnvironment("LEVEL", "INFO").statements).toEqual([]);
  });
});
