/** Rules on QuickSight; they apply only with `quicksight.enabled`. */
import type { ProblemList } from "../problems";
import type { PipelineSettings } from "../settings";

const PRINCIPAL_ARN = /^arn:aws[a-z-]*:quicksight:([a-z0-9-]+):\d{12}:(user|group)\/[\w.@+=-]+\/[\w.@+=/-]+$/;

export function checkQuickSight(p: ProblemList, s: PipelineSettings): void {
  const q = s.quicksight;
  if (!q.enabled) return;
  // IAM role names: 1–64 of letters, digits and + = , . @ _ - (IAM CreateRole, RoleName).
  p.pattern("quicksight.serviceRoleName", q.serviceRoleName, {
    pattern: /^[\w+=,.@-]{1,64}$/,
    allowed: "an IAM role name of 1–64 letters, digits and + = , . @ _ - (no path)",
    fix: "set the name of QuickSight's role as IAM shows it, e.g. aws-quicksight-service-role-v0",
  });
  if (q.principalArn === undefined) {
    const allowed = "the ARN of a QuickSight user or group when quicksight.enabled is true";
    const fix = "set quicksight.principalArn, e.g. arn:aws:quicksight:eu-west-1:123456789012:user/default/analyst";
    p.add("quicksight.principalArn", undefined, allowed, fix);
  } else if (!PRINCIPAL_ARN.test(q.principalArn)) {
    const allowed = "arn:aws:quicksight:<region>:<account>:user/<namespace>/<name> (or group/…)";
    p.add("quicksight.principalArn", q.principalArn, allowed, "copy the ARN from `aws quicksight list-users --namespace default`");
  }
}
