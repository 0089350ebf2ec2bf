import { Synthesized } from "./synth";

/** One parsed IAM statement. */
export interface Statement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Action: string | string[];
  readonly Resource: string | string[];
  readonly Condition?: Record<string, Record<string, string | string[]>>;
  readonly Principal?: unknown;
}

/** A role with its trust policy and the Allow statements of all its inline policies. */
export interface RoleWithPolicies {
  readonly address: string;
  readonly name: string;
  readonly trust: { Statement: Statement[] };
  readonly statements: Statement[];
  /** An existing role outside the stack that a policy of the stack is attached to by name. */
  readonly external?: boolean;
}

export const asList = (value: string | string[]): string[] => (Array.isArray(value) ? value : [value]);

/** Every role in the stack, keyed by its physical name, with its inline policies' statements. */
export function rolesOf(s: Synthesized): Map<string, RoleWithPolicies> {
  const roles = new Map<string, RoleWithPolicies>();
  const byAddress = new Map<string, RoleWithPolicies>();
  for (const [key, role] of Object.entries(s.tf.resource.aws_iam_role ?? {})) {
    const entry = { address: `aws_iam_role.${key}`, name: role.name, trust: JSON.parse(role.assume_role_policy), statements: [] };
    roles.set(role.name, entry);
    byAddress.set(entry.address, entry);
  }
  for (const policy of s.resources("aws_iam_role_policy")) {
    const address = /^\$\{(aws_iam_role\.[^.]+)\.name\}$/.exec(policy.role)?.[1];
    let role = address && byAddress.get(address);
    // A literal name: an existing role outside the stack that the stack grants to (QuickSight's).
    if (!role && !String(policy.role).includes("${")) {
      role = roles.get(policy.role) ?? {
        address: `external.${policy.role}`,
        name: policy.role,
        trust: { Statement: [] },
        statements: [],
        external: true,
      };
      roles.set(policy.role, role);
    }
    if (!role) throw new Error(`policy ${policy.name} is not attached to a role in this stack`);
    role.statements.push(...(JSON.parse(policy.policy).Statement as Statement[]));
  }
  return roles;
}

/** The sorted, de-duplicated actions a role is allowed. */
export function actionsOf(role: RoleWithPolicies): string[] {
  return [...new Set(role.statements.filter((s) => s.Effect === "Allow").flatMap((s) => asList(s.Action)))].sort();
}

/** The resources of the statements that allow `action`. */
export function resourcesFor(role: RoleWithPolicies, action: string): string[] {
  return role.statements.filter((s) => asList(s.Action).includes(action)).flatMap((s) => asList(s.Resource));
}
