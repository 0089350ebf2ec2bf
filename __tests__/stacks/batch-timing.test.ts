/**
 * Boundaries of the batch settings that keep runs from overlapping and validations from being
 * cancelled: the run timeout against the schedule period, and the validation workgroup's scan cutoff.
 */
import { ConfigError, loadConfig, Overrides, PipelineConfigFile, PipelineSettings } from "../../stacks/config";
import { batchTiming } from "../../stacks/config/batch-timing";

const fileWith = (overrides: Overrides<PipelineSettings>): PipelineConfigFile => ({
  defaults: { namePrefix: "acme", region: "eu-west-1" },
  environments: { test: overrides },
});

function problems(overrides: Overrides<PipelineSettings>): string {
  try {
    loadConfig(fileWith(overrides), "test");
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  return "";
}

describe("batch.runTimeoutMinutes against the schedule period", () => {
  it("rejects a run timeout EQUAL to the period: the next run would start as this one may still run", () => {
    expect(problems({ batch: { schedule: "rate(3 hours)", runTimeoutMinutes: 180 } })).toMatch(
      /batch\.runTimeoutMinutes: received 180; allowed: less than the schedule's shortest period \(180 minutes for rate\(3 hours\)\) so runs never overlap/,
    );
    expect(problems({ batch: { schedule: "cron(0 */2 * * ? *)", runTimeoutMinutes: 120 } })).toMatch(
      /received 120; allowed: less than the schedule's shortest period \(120 minutes/,
    );
  });

  it("accepts a run timeout one minute shorter than the period", () => {
    expect(problems({ batch: { schedule: "rate(3 hours)", runTimeoutMinutes: 179 } })).toBe("");
    expect(problems({ batch: { schedule: "cron(0 */2 * * ? *)", runTimeoutMinutes: 119 } })).toBe("");
  });
});

describe("batch.validationBytesScannedCutoff", () => {
  // The provider validates bytes_scanned_cutoff_per_query as at least 10485760 (10 MB):
  // internal/service/athena/workgroup.go in hashicorp/terraform-provider-aws.
  it("accepts 10485760 bytes, Athena's minimum", () => {
    expect(problems({ batch: { validationBytesScannedCutoff: 10_485_760 } })).toBe("");
  });

  it.each([10_485_759, 0, 1.5e7 + 0.5])("rejects %p, naming the field, the value and the range", (value) => {
    expect(problems({ batch: { validationBytesScannedCutoff: value } })).toMatch(
      new RegExp(
        `batch\\.validationBytesScannedCutoff: received ${value}; allowed: an integer from 10485760 to \\d+ \\(bytes; Athena's minimum is 10 MB\\)`,
      ),
    );
  });

  it("defaults to 10 GiB, apart from the user workgroup's 1 GiB", () => {
    const config = loadConfig(fileWith({}), "test");
    expect(config.batch.validationBytesScannedCutoff).toBe(10_737_418_240);
    expect(config.query.bytesScannedCutoffPerQuery).toBe(1_073_741_824);
    expect(config.resolvedNames.batchValidationWorkgroup).toBe("acme-test-batch-validation");
  });

  it("is not checked when the batch path is off", () => {
    expect(problems({ batch: { enabled: false, validationBytesScannedCutoff: 1 } })).toBe("");
  });
});

describe("batchTiming", () => {
  it("counts the crawler budget in the minimum run time (also under projection: the safe side)", () => {
    const config = loadConfig(fileWith({}), "test");
    const timing = batchTiming(config.batch, config.delivery, "arrival");
    expect(timing.minimumRunSeconds).toBe(480 + 1800 + 2 * 120 + 1800);
  });
});
