/**
 * Plan stability: after `terraform apply`, a second `terraform plan` must be empty. No terraform binary
 * or AWS account runs here, so the provider's read-back is modelled instead: every synthesized resource
 * of every configuration is turned into the state the provider would store
 * (`__tests__/support/provider-normalizations.ts`, one list with a source per behaviour) and compared
 * with its configuration the way Terraform plans. A configured value the provider reads back
 * differently is a change on every plan.
 */
import { Testing } from "cdktf";
import { pipelineConfig } from "../../pipeline.config";
import { loadAllConfigs } from "../../stacks/config";
import { PipelineStack } from "../../stacks/pipeline-stack";
import {
  AttributeChange,
  Block,
  CATALOG_TARGET_GROUPING,
  FIREHOSE_DEFAULT_LAMBDA_PARAMETERS,
  planChanges,
  policiesEquivalent,
  PROVIDER_NORMALIZATIONS,
  readBack,
} from "../support/provider-normalizations";
import { ArnResolver } from "../support/resolve-arns";
import { eventsTable, synthPipeline, Synthesized, wrap } from "../support/synth";

const QUICKSIGHT_PRINCIPAL = "arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst";

/** Every configuration the project ships (dev, prod) and every variant the tests synthesize. */
const CONFIGURATIONS: { readonly name: string; readonly synth: () => Synthesized }[] = [
  ...loadAllConfigs(pipelineConfig, {}).map((config) => ({
    name: `shipped ${config.environment}`,
    synth: () => wrap(Testing.synth(new PipelineStack(Testing.app(), `${config.namePrefix}-${config.environment}`, { config }))),
  })),
  { name: "customer-managed key", synth: () => synthPipeline({ security: { encryption: "customer-managed" } }) },
  { name: "QuickSight on", synth: () => synthPipeline({ quicksight: { enabled: true, principalArn: QUICKSIGHT_PRINCIPAL } }) },
  { name: "event-time partitions", synth: () => synthPipeline({ partitioning: { partitionTime: "event" } }) },
  { name: "partition projection", synth: () => synthPipeline({ catalog: { partitionProjection: true } }) },
];

const synthesized = new Map<string, Synthesized>();
const stackOf = (name: string): Synthesized => {
  if (!synthesized.has(name)) synthesized.set(name, CONFIGURATIONS.find((c) => c.name === name)!.synth());
  return synthesized.get(name)!;
};

/** `value` with every reference the ARN resolver knows replaced by its value; others stay as they are (unknown at plan, equal at apply). */
function resolveKnown(value: unknown, r: ArnResolver): any {
  if (typeof value === "string") {
    return value.replace(/\$\{([^}]*)\}/g, (match, expression: string) => {
      try {
        return r.resolveReference(expression);
      } catch {
        return match;
      }
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveKnown(v, r));
  if (value !== null && typeof value === "object")
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveKnown(v, r)]));
  return value;
}

interface Planned {
  readonly address: string;
  readonly type: string;
  readonly changes: AttributeChange[];
}

/** The changes a second plan of the stack would show, per resource. */
function secondPlan(s: Synthesized): Planned[] {
  const r = new ArnResolver(s);
  return Object.entries(s.tf.resource).flatMap(([type, resources]) =>
    Object.entries(resources).map(([name, resource]) => {
      const configured = resolveKnown(resource, r) as Block;
      return { address: `${type}.${name}`, type, changes: planChanges(type, configured, readBack(type, configured)) };
    }),
  );
}

const describeChanges = (planned: Planned[]) =>
  planned
    .filter((p) => p.changes.length > 0)
    .flatMap((p) =>
      p.changes.map((c) => `${p.address}.${c.path}: configured ${JSON.stringify(c.configured)}, read back ${JSON.stringify(c.state)}`),
    );

const FIREHOSE = "aws_kinesis_firehose_delivery_stream";
const firehoseOf = (s: Synthesized) => new ArnResolver(s).resolve(s.only(FIREHOSE)) as Block;
const parametersOf = (firehose: Block): Block[] => firehose.extended_s3_configuration.processing_configuration.processors[0].parameters;
const withParameters = (firehose: Block, parameters: Block[]): Block => ({
  ...firehose,
  extended_s3_configuration: {
    ...firehose.extended_s3_configuration,
    processing_configuration: {
      ...firehose.extended_s3_configuration.processing_configuration,
      processors: [{ ...firehose.extended_s3_configuration.processing_configuration.processors[0], parameters }],
    },
  },
});
const changesOf = (type: string, configured: Block) => planChanges(type, configured, readBack(type, configured));

describe.each(CONFIGURATIONS.map((c) => c.name))("a second plan of the %s configuration", (name) => {
  it("is empty: every configured attribute reads back as configured or equivalent", () => {
    expect(describeChanges(secondPlan(stackOf(name)))).toEqual([]);
  });
});

describe("the list of provider read-back normalizations", () => {
  it("has reviewed every resource type any configuration synthesizes", () => {
    const types = new Set(CONFIGURATIONS.flatMap((c) => Object.keys(stackOf(c.name).tf.resource)));
    const unreviewed = [...types].filter((type) => !(type in PROVIDER_NORMALIZATIONS));
    expect(unreviewed).toEqual([]);
    expect(types.size).toBeGreaterThanOrEqual(30);
  });

  it("gives each type the source read, and either normalizations or what was checked", () => {
    for (const [type, reviewed] of Object.entries(PROVIDER_NORMALIZATIONS)) {
      expect({ type, sources: reviewed.sources.length > 0 }).toEqual({ type, sources: true });
      expect({ type, explained: reviewed.normalizations.length > 0 || (reviewed.reviewed ?? "").length > 20 }).toEqual({
        type,
        explained: true,
      });
      for (const n of reviewed.normalizations) {
        expect({
          type,
          behaviour: n.behaviour,
          cited: /hashicorp\/terraform-provider-aws |https:\/\/docs\.aws\.amazon\.com\/|awspolicyequivalence/.test(n.source),
        }).toEqual({
          type,
          behaviour: n.behaviour,
          cited: true,
        });
        expect(n.readBack ?? n.compare).toBeDefined();
      }
    }
  });
});

// The test must be able to fail: the configurations before the fixes are reported as perpetual diffs.
describe("pre-fix configurations are reported as perpetual diffs", () => {
  const s = () => stackOf("customer-managed key");

  // internal/service/firehose/delivery_stream.go, defaultProcessorParameters: "3", "60", "1" are dropped on read.
  it("reports Firehose processor parameters equal to the provider's defaults (NumberOfRetries 3, BufferSizeInMBs 1, BufferIntervalInSeconds 60)", () => {
    const firehose = firehoseOf(s());
    const lambdaArn = parametersOf(firehose).find((p) => p.parameter_name === "LambdaArn")!;
    for (const [name, value] of Object.entries({ NumberOfRetries: "3", BufferSizeInMBs: "1", BufferIntervalInSeconds: "60" })) {
      const changes = changesOf(FIREHOSE, withParameters(firehose, [lambdaArn, { parameter_name: name, parameter_value: value }]));
      expect(changes.map((c) => c.path)).toEqual(["extended_s3_configuration.processing_configuration.processors[0].parameters"]);
    }
    expect(Object.keys(FIREHOSE_DEFAULT_LAMBDA_PARAMETERS).sort()).toEqual([
      "BufferIntervalInSeconds",
      "BufferSizeInMBs",
      "NumberOfRetries",
    ]);
  });

  it('keeps a processor parameter whose string differs from the default ("1.0" is not "1") and the role when it is not the destination\'s', () => {
    const firehose = firehoseOf(s());
    const lambdaArn = parametersOf(firehose).find((p) => p.parameter_name === "LambdaArn")!;
    const kept = [
      lambdaArn,
      { parameter_name: "BufferSizeInMBs", parameter_value: "1.0" },
      { parameter_name: "NumberOfRetries", parameter_value: "5" },
    ];
    expect(changesOf(FIREHOSE, withParameters(firehose, kept))).toEqual([]);
    const ownRole = { parameter_name: "RoleArn", parameter_value: firehose.extended_s3_configuration.role_arn };
    expect(changesOf(FIREHOSE, withParameters(firehose, [lambdaArn, ownRole]))).not.toEqual([]);
    const otherRole = { parameter_name: "RoleArn", parameter_value: "arn:aws:iam::123456789012:role/other" };
    expect(changesOf(FIREHOSE, withParameters(firehose, [lambdaArn, otherRole]))).toEqual([]);
  });

  // website/docs/r/glue_crawler.html.markdown: catalog-target crawlers get Grouping.TableGroupingPolicy by default.
  it("reports a catalog-target crawler configuration without the CombineCompatibleSchemas grouping policy", () => {
    const crawler = new ArnResolver(s()).resolve(s().only("aws_glue_crawler")) as Block;
    const { Grouping, ...preFix } = JSON.parse(crawler.configuration);
    expect(Grouping).toEqual(CATALOG_TARGET_GROUPING);
    const changes = changesOf("aws_glue_crawler", { ...crawler, configuration: JSON.stringify(preFix) });
    expect(changes.map((c) => c.path)).toEqual(["configuration"]);
  });

  // internal/service/glue/crawler.go: configuration compared as JSON; role stored as the name the Glue API returns.
  it("accepts the crawler configuration in any key order and the role given as an ARN", () => {
    const crawler = new ArnResolver(s()).resolve(s().only("aws_glue_crawler")) as Block;
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(crawler.configuration)).reverse()), null, 2);
    expect(crawler.role).toMatch(/^arn:aws:iam::123456789012:role\/[^/]+$/);
    expect(changesOf("aws_glue_crawler", { ...crawler, configuration: reordered })).toEqual([]);
    expect(readBack("aws_glue_crawler", crawler).role).toBe(crawler.role.split("/").pop());
  });

  // https://docs.aws.amazon.com/glue/latest/webapi/API_TableInput.html: Glue folds names to lower case.
  it("reports a Glue column name with upper case, which Glue stores lower-cased", () => {
    const table = eventsTable(s());
    const columns = table.storage_descriptor.columns as Block[];
    const mixed = {
      ...table,
      storage_descriptor: { ...table.storage_descriptor, columns: [{ ...columns[0], name: "EventId" }, ...columns.slice(1)] },
    };
    expect(changesOf("aws_glue_catalog_table", mixed).map((c) => c.path)).toEqual(["storage_descriptor.columns[0].name"]);
  });

  // github.com/hashicorp/awspolicyequivalence: single-element arrays, order and whitespace are not changes.
  it("treats a policy AWS returns with single-element arrays as strings and reordered statements as unchanged, and a changed action as a change", () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        { Sid: "A", Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::b/*"] },
        { Sid: "B", Effect: "Allow", Principal: { AWS: ["123456789012"] }, Action: ["s3:PutObject", "s3:GetObject"], Resource: "*" },
      ],
    });
    const returned = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "B",
          Effect: "Allow",
          Principal: { AWS: "arn:aws:iam::123456789012:root" },
          Action: ["s3:GetObject", "s3:PutObject"],
          Resource: "*",
        },
        { Sid: "A", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*" },
      ],
    });
    expect(policiesEquivalent(policy, returned)).toBe(true);
    expect(policiesEquivalent(policy, returned.replace("s3:PutObject", "s3:DeleteObject"))).toBe(false);
    // A condition value that is not a string is never equivalent (newStringSet returns nil), even to itself.
    const boolean = JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Deny", Action: "s3:*", Resource: "*", Condition: { Bool: { "aws:SecureTransport": false } } }],
    });
    expect(policiesEquivalent(boolean, boolean)).toBe(false);
  });
});

describe("project rules that keep read-back out of the plan", () => {
  // Non-string condition values make awspolicyequivalence report a change on every plan (see above).
  it("writes every IAM condition value as a string or a list of strings", () => {
    for (const c of CONFIGURATIONS) {
      const s = stackOf(c.name);
      const documents = [
        ...s.resources("aws_iam_role").map((r) => r.assume_role_policy),
        ...s.resources("aws_iam_role_policy").map((r) => r.policy),
        ...s.resources("aws_s3_bucket_policy").map((r) => r.policy),
        ...s.resources("aws_sns_topic_policy").map((r) => r.policy),
        ...s.resources("aws_kms_key").map((r) => r.policy),
      ] as string[];
      expect(documents.length).toBeGreaterThan(5);
      for (const text of documents) {
        const statements = JSON.parse(text).Statement as { Condition?: Record<string, Record<string, unknown>> }[];
        const values = statements.flatMap((st) => Object.values(st.Condition ?? {}).flatMap((inner) => Object.values(inner)));
        const nonString = values.filter((v) => !(typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"))));
        expect({ configuration: c.name, nonString }).toEqual({ configuration: c.name, nonString: [] });
      }
    }
  });

  // Tags come only from the provider's default_tags, so tags/tags_all read-back cannot differ per resource.
  it("tags resources only through the provider's default tags, each with a non-empty value", () => {
    for (const c of CONFIGURATIONS) {
      const s = stackOf(c.name);
      const tagged = Object.entries(s.tf.resource).flatMap(([type, rs]) =>
        Object.entries(rs)
          .filter(([, r]) => r.tags !== undefined || r.tags_all !== undefined)
          .map(([name]) => `${type}.${name}`),
      );
      expect({ configuration: c.name, tagged }).toEqual({ configuration: c.name, tagged: [] });
      const providers = (s.tf as unknown as { provider: { aws: { default_tags?: { tags: Record<string, string> }[] }[] } }).provider.aws;
      const tags = providers.flatMap((p) => (p.default_tags ?? []).flatMap((d) => Object.entries(d.tags)));
      expect(tags.length).toBeGreaterThan(0);
      expect(tags.filter(([, v]) => typeof v !== "string" || v.trim() === "")).toEqual([]);
    }
  });
});
