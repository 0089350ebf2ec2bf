/**
 * Runs the §2.8 rule set over every identity and trust policy a stack synthesizes, and fails synth
 * with every broken rule listed. It only reads: the synthesized Terraform is the same with or without it.
 */
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { IAspect, TerraformStack } from "cdktf";
import { IConstruct } from "constructs";
import { DocumentJson, identityPolicyViolations, trustPolicyViolations, Violation } from "./rules";

/**
 * The policy as JSON, or undefined when it is not literal JSON: a whole document produced by a
 * reference (a data source's `json`, an unresolved token) is only known at plan time, so it is
 * skipped here. References inside a literal document (ARNs, the account id) are fine; the rules
 * treat them as names.
 */
function literalDocument(text: string | undefined): DocumentJson | undefined {
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<DocumentJson>;
    return Array.isArray(parsed.Statement) ? (parsed as DocumentJson) : undefined;
  } catch {
    return undefined;
  }
}

/** One IAM document of the stack: a role's trust policy or an identity policy; `document` undefined when not literal JSON. */
export interface IamDocument {
  readonly path: string;
  readonly kind: "trust" | "identity";
  readonly document: DocumentJson | undefined;
}

/**
 * The trust policy of every IAM role and the document of every role policy and managed policy under
 * `scope`. (The stack writes no `inline_policy` blocks on roles; they would need adding here.)
 */
export function iamDocuments(scope: IConstruct): IamDocument[] {
  const out: IamDocument[] = [];
  for (const node of scope.node.findAll()) {
    if (node instanceof IamRole) out.push({ path: node.node.path, kind: "trust", document: literalDocument(node.assumeRolePolicyInput) });
    else if (node instanceof IamRolePolicy || node instanceof IamPolicy) {
      out.push({ path: node.node.path, kind: "identity", document: literalDocument(node.policyInput) });
    }
  }
  return out;
}

/** The broken rules of every literal IAM document under `scope`, with their construct paths. */
export function iamViolations(scope: IConstruct): { path: string; violation: Violation }[] {
  return iamDocuments(scope).flatMap(({ path, kind, document }) => {
    if (!document) return [];
    const violations = kind === "trust" ? trustPolicyViolations(document) : identityPolicyViolations(document);
    return violations.map((violation) => ({ path, violation }));
  });
}

/** A cdktf aspect that fails synth when a policy of the stack breaks a §2.8 rule. */
export class IamRulesAspect implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformStack)) return;
    const found = iamViolations(node);
    if (found.length === 0) return;
    const lines = found.map(({ path, violation: v }) => `  ${v.rule} ${path} [${v.statement}]: ${v.problem}`);
    throw new Error(`IAM rules of reliability-security.md §2.8 broken in ${node.node.path}:\n${lines.join("\n")}`);
  }
}
