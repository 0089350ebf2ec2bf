/**
 * The synthesized stack with references resolved to concrete ARNs (account 123456789012), and the
 * request shapes the least-privilege derivations and simulations share.
 */
import { list } from "../../stacks/iam-rules";
import { ArnResolver, FAKE_ACCOUNT_ID, PolicyDocument, resolvedPolicies, ResolvedRole } from "./resolve-arns";
import { requestContext, RequestRowId, RequestValues } from "./service-request-contexts";
import { Synthesized } from "./synth";

export { list };
export const REGION = "eu-west-1";
export const unique = (values: readonly string[]): string[] => [...new Set(values)].sort();

export type Block = Record<string, any>;

/** An (action, resource[, context]) request. */
export interface Pair {
  readonly action: string;
  readonly resource: string;
  readonly context?: Readonly<Record<string, string>>;
}

/** A request one role must be able (or unable) to make, and why. */
export interface Need extends Pair {
  readonly roleArn: string;
  readonly why: string;
}

/** Needs derived from the stack, plus what could not be mapped (each a test failure). */
export interface Derivation {
  readonly needs: Need[];
  readonly unmapped: string[];
}

export const SAMPLE_OBJECT = "sample/object";
export const viaService = (service: string) => `${service}.${REGION}.amazonaws.com`;

/** The synthesized stack with references resolved, and lookups the derivations share. */
export class StackView {
  readonly r: ArnResolver;
  readonly roles: Map<string, ResolvedRole>;

  constructor(readonly s: Synthesized) {
    this.r = new ArnResolver(s);
    this.roles = resolvedPolicies(s);
  }

  /** Every block of a type, with its address. */
  blocks(type: string): { address: string; block: Block }[] {
    return Object.entries(this.s.tf.resource[type] ?? {}).map(([name, block]) => ({ address: `${type}.${name}`, block }));
  }

  /** The one block of a type. */
  only(type: string): { address: string; block: Block } {
    const all = this.blocks(type);
    if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
    return all[0]!;
  }

  arn(address: string): string {
    return this.r.arnOf(address);
  }

  /** The template values of a service request (see service-request-contexts.ts) on `resource`, made by `source`. */
  values(resource?: string, source?: string): RequestValues {
    return { region: this.r.region, account: this.r.account, partition: this.r.partition, resource, source };
  }

  /** The condition keys a request of `row` carries on `resource`. */
  context(row: RequestRowId, resource?: string, source?: string): Record<string, string> {
    return requestContext(row, this.values(resource, source));
  }

  /** A role ARN from a `role`/`role_arn` value (an ARN reference or a name). */
  roleArn(value: string): string {
    const resolved = this.r.resolveString(value);
    return resolved.startsWith("arn:") ? resolved : `arn:aws:iam::${FAKE_ACCOUNT_ID}:role/${resolved}`;
  }

  roleByArn(arn: string): ResolvedRole | undefined {
    return [...this.roles.values()].find((role) => role.arn === arn);
  }

  /** `arn:aws:s3:::bucket` of an `s3://bucket/prefix/` location, and the prefix. */
  location(uri: string): { bucketArn: string; prefix: string } {
    const match = /^s3:\/\/([^/]+)\/(.*)$/.exec(this.r.resolveString(uri));
    if (!match) throw new Error(`not an s3:// location: ${uri}`);
    return { bucketArn: `arn:aws:s3:::${match[1]}`, prefix: match[2]! };
  }

  /** The bucket block named `name`, if the stack has it. */
  bucketAddress(name: string): string | undefined {
    return this.blocks("aws_s3_bucket").find(({ address }) => this.r.resolveReference(`${address}.bucket`) === name)?.address;
  }

  /** The resolved bucket policy of a bucket of this stack. */
  bucketPolicy(bucketName: string): PolicyDocument | undefined {
    const found = this.blocks("aws_s3_bucket_policy").find(({ block }) => this.r.resolveString(block.bucket) === bucketName);
    return found && JSON.parse(this.r.resolveString(found.block.policy));
  }

  /** The customer-managed key that encrypts `s3://bucket/key`: the workgroup's result key under its output location, else the bucket default. */
  objectKey(bucketName: string, key: string): string | undefined {
    for (const { block } of this.blocks("aws_athena_workgroup")) {
      const result = block.configuration?.result_configuration;
      const keyArn = this.r.customerKeyArn(result?.encryption_configuration?.kms_key_arn);
      if (keyArn && result?.output_location) {
        const { bucketArn, prefix } = this.location(result.output_location);
        if (bucketArn === `arn:aws:s3:::${bucketName}` && key.startsWith(prefix)) return keyArn;
      }
    }
    const sse = this.blocks("aws_s3_bucket_server_side_encryption_configuration").find(
      ({ block }) => this.r.resolveString(block.bucket) === bucketName,
    );
    const rules = sse?.block.rule;
    const rule = (Array.isArray(rules) ? rules[0] : rules) as Block | undefined;
    const defaults = rule?.apply_server_side_encryption_by_default;
    return defaults?.sse_algorithm === "aws:kms" ? this.r.customerKeyArn(defaults.kms_master_key_id) : undefined;
  }

  /** The customer-managed key of a resource given by ARN, from the attribute its type keeps it in. */
  resourceKey(type: string, arn: string, attribute: string): string | undefined {
    const found = this.blocks(type).find(({ address }) => this.arn(address) === arn);
    return found && this.r.customerKeyArn(found.block[attribute]);
  }

  /** The resolved key policy of a key of this stack; for an outside key, the default policy delegating to the account. */
  keyPolicy(keyArn: string): PolicyDocument {
    const found = this.blocks("aws_kms_key").find(({ address }) => this.arn(address) === keyArn);
    if (found && typeof found.block.policy === "string") return JSON.parse(this.r.resolveString(found.block.policy));
    return {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "DefaultKeyPolicy",
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${FAKE_ACCOUNT_ID}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    };
  }
}

/** The sorted, de-duplicated actions of a role's Allow statements. */
export const actionsOf = (role: ResolvedRole) =>
  unique(role.policy.Statement.filter((st) => st.Effect === "Allow").flatMap((st) => list(st.Action)));
