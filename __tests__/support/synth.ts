import { Testing } from "cdktf";
import { loadConfig, Overrides, PipelineConfig, PipelineSettings } from "../../stacks/config";
import { PipelineStack } from "../../stacks/pipeline-stack";

/** A resolved test configuration: environment `test`, prefix `acme`, region eu-west-1, plus overrides. */
export function testConfig(overrides: Overrides<PipelineSettings> = {}, env: NodeJS.ProcessEnv = {}): PipelineConfig {
  return loadConfig({ defaults: { namePrefix: "acme", region: "eu-west-1" }, environments: { test: overrides } }, "test", env);
}

/** The synthesized Terraform JSON of one stack, as a string (for the cdktf matchers) and parsed. */
export interface Synthesized {
  readonly json: string;
  readonly tf: TerraformJson;
  /** The resources of one type, without cdktf's metadata. */
  resources(type: string): Record<string, any>[];
  /** The single resource of a type; fails when there is not exactly one. */
  only(type: string): Record<string, any>;
}

/** Minimal shape of cdk.tf.json. */
export interface TerraformJson {
  readonly resource: Record<string, Record<string, Record<string, any>>>;
  readonly data?: Record<string, Record<string, Record<string, any>>>;
  readonly terraform: Record<string, any>;
  readonly output?: Record<string, any>;
}

/** Synthesizes a PipelineStack for the test configuration with `overrides`. */
export function synthPipeline(overrides: Overrides<PipelineSettings> = {}, env: NodeJS.ProcessEnv = {}): Synthesized {
  const app = Testing.app();
  const stack = new PipelineStack(app, "acme-test", { config: testConfig(overrides, env) });
  return wrap(Testing.synth(stack));
}

/** Wraps a synthesized JSON string with lookup helpers. */
export function wrap(json: string): Synthesized {
  const tf = JSON.parse(json) as TerraformJson;
  const resources = (type: string) =>
    Object.values(tf.resource[type] ?? {}).map((value) => {
      const { "//": _metadata, ...rest } = value;
      return rest;
    });
  return {
    json,
    tf,
    resources,
    only(type: string) {
      const all = resources(type);
      if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
      return all[0]!;
    },
  };
}

/** The Terraform address (`type.name`) a `${type.name.attr}` reference points at. */
export function referencedAddress(reference: string): string {
  const match = /^\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]+\}$/.exec(reference);
  if (!match) throw new Error(`not a single reference: ${reference}`);
  return match[1]!;
}

/** The Terraform address of the one resource of `type` matching `predicate`. */
export function addressWhere(s: Synthesized, type: string, predicate: (resource: Record<string, any>) => boolean): string {
  const names = Object.entries(s.tf.resource[type] ?? {})
    .filter(([, resource]) => predicate(resource))
    .map(([name]) => name);
  if (names.length !== 1) throw new Error(`expected exactly one matching ${type}, found ${names.length}`);
  return `${type}.${names[0]}`;
}

/** The one resource of `type` matching `predicate`, without metadata. */
export function findWhere(s: Synthesized, type: string, predicate: (resource: Record<string, any>) => boolean): Record<string, any> {
  const found = s.resources(type).filter(predicate);
  if (found.length !== 1) throw new Error(`expected exactly one matching ${type}, found ${found.length}`);
  return found[0]!;
}

/** The Terraform address of the only resource of `type`. */
export function addressOf(s: Synthesized, type: string): string {
  const names = Object.keys(s.tf.resource[type] ?? {});
  if (names.length !== 1) throw new Error(`expected exactly one ${type}, found ${names.length}`);
  return `${type}.${names[0]}`;
}

/**
 * The events table: the one `aws_glue_catalog_table` that is not a view (the stack also defines the
 * deduplicated view `<table>_latest` as a Glue table of type VIRTUAL_VIEW).
 */
export function eventsTable(s: Synthesized): Record<string, any> {
  return findWhere(s, "aws_glue_catalog_table", (table) => table.table_type !== "VIRTUAL_VIEW");
}

/** The Terraform address of {@link eventsTable}. */
export function eventsTableAddress(s: Synthesized): string {
  return addressWhere(s, "aws_glue_catalog_table", (table) => table.table_type !== "VIRTUAL_VIEW");
}
