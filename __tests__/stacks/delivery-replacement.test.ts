import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadAllConfigs, Overrides, PipelineSettings } from "../../stacks/config";
import {
  deliveryIdentity,
  deliveryIdentityFromSynth,
  divergenceWarnings,
  previousDeliveryIdentity,
  replacementWarnings,
} from "../../stacks/config/delivery-replacement";
import { synthPipeline, testConfig } from "../support/synth";

const previousOf = (overrides: Overrides<PipelineSettings> = {}) => deliveryIdentityFromSynth(synthPipeline(overrides).tf);

describe("reading the delivery stream's replacement-forcing settings from a synth output", () => {
  it.each<[string, Overrides<PipelineSettings>]>([
    ["the defaults", {}],
    ["event-time partitions", { partitioning: { partitionTime: "event" }, delivery: { bufferIntervalSeconds: 60 } }],
    ["renamed streams", { names: { stream: "clicks", deliveryStream: "clicks-to-lake" } }],
  ])("reads back what the configuration sets, for %s", (_case, overrides) => {
    expect(previousOf(overrides)).toEqual(deliveryIdentity(testConfig(overrides)));
  });

  // internal/service/firehose/delivery_stream.go: dynamic_partitioning_configuration is ForceNew.
  it("sees dynamic partitioning (a ForceNew block) appear when partitions switch to event time", () => {
    expect(previousOf()!.dynamicPartitioning).toBe(false);
    expect(previousOf({ partitioning: { partitionTime: "event" } })!.dynamicPartitioning).toBe(true);
  });

  it("finds nothing in an output without a delivery stream", () => {
    expect(deliveryIdentityFromSynth({ resource: {} })).toBeUndefined();
  });
});

describe("warning when a synth replaces the delivery stream", () => {
  it("warns when partitioning.partitionTime changes, naming the stream, the change, LATEST and the documented procedure", () => {
    const [warning, ...rest] = replacementWarnings(testConfig({ partitioning: { partitionTime: "event" } }), previousOf());
    expect(rest).toEqual([]);
    expect(warning).toMatch(/replaces the Firehose delivery stream acme-test-delivery/);
    expect(warning).toMatch(/partitioning\.partitionTime changes \("arrival" → "event"\)/);
    expect(warning).toMatch(/starts reading the Kinesis stream at LATEST/);
    expect(warning).toMatch(/"Changing partitioning or the stream without losing records" in docs\/batch-and-replay\.md/);
  });

  it("warns when event-time partitions are switched off again", () => {
    expect(replacementWarnings(testConfig(), previousOf({ partitioning: { partitionTime: "event" } }))[0]).toMatch(
      /\("event" → "arrival"\)/,
    );
  });

  // kinesis_source_configuration and name are ForceNew (delivery_stream.go).
  it("warns when the source stream or the delivery stream is renamed", () => {
    expect(replacementWarnings(testConfig({ names: { stream: "clicks" } }), previousOf())[0]).toMatch(
      /source stream changes \(acme-test-events → clicks/,
    );
    expect(replacementWarnings(testConfig({ names: { deliveryStream: "to-lake" } }), previousOf())[0]).toMatch(
      /name changes \(acme-test-delivery → to-lake\)/,
    );
  });

  it("stays quiet for changes Firehose applies in place, and without a previous synth", () => {
    expect(replacementWarnings(testConfig({ delivery: { bufferIntervalSeconds: 600 } }), previousOf())).toEqual([]);
    expect(replacementWarnings(testConfig({ partitioning: { partitionTime: "event" } }), undefined)).toEqual([]);
  });

  it("reads the previous synth from cdktf.out/stacks/<stack>/cdk.tf.json, and nothing when it is missing", () => {
    const outdir = mkdtempSync(path.join(tmpdir(), "cdktf-out-"));
    try {
      expect(previousDeliveryIdentity(outdir, "acme-test")).toBeUndefined();
      mkdirSync(path.join(outdir, "stacks", "acme-test"), { recursive: true });
      writeFileSync(path.join(outdir, "stacks", "acme-test", "cdk.tf.json"), synthPipeline().json);
      expect(previousDeliveryIdentity(outdir, "acme-test")).toEqual(deliveryIdentity(testConfig()));
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

describe("warning when environments partition differently", () => {
  const file = (dev: "arrival" | "event", prod: "arrival" | "event") => ({
    defaults: { namePrefix: "acme", region: "eu-west-1", delivery: { bufferIntervalSeconds: 60 } },
    environments: { dev: { partitioning: { partitionTime: dev } }, prod: { partitioning: { partitionTime: prod } } },
  });

  it("warns every environment that promoting the other's partitionTime replaces its delivery stream", () => {
    const warnings = divergenceWarnings(loadAllConfigs(file("event", "arrival"), {}));
    expect(warnings.map((w) => w.environment)).toEqual(["dev", "prod"]);
    expect(warnings[1]!.warning).toMatch(
      /partitioning\.partitionTime is "arrival" here but differs in dev \("event"\): changing it here replaces this environment's delivery stream/,
    );
  });

  it("says nothing when every environment partitions the same way", () => {
    expect(divergenceWarnings(loadAllConfigs(file("event", "event"), {}))).toEqual([]);
  });
});
