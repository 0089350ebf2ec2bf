/**
 * The rules that read more than one setting, each a small named function checked in exactly one
 * place. Rules on a single field are in the schema (../schema).
 */
import type { ProblemList } from "../problems";
import type { ResolvedNames } from "../resolve";
import type { PipelineSettings } from "../settings";
import { workloadProblems } from "../workload";
import { checkBatch } from "./batch";
import { checkEventSchema } from "./event-schema";
import { checkBufferInterval, checkBufferSize, checkDeliveryFreshness, checkDropRules, checkShardCount, checkStreamKey } from "./ingest";
import { checkNamePrefix, checkNames } from "./names";
import { checkQuickSight } from "./quicksight";

/** Every rule that reads more than one setting, in the order their problems are listed. */
export function checkCrossFieldRules(p: ProblemList, s: PipelineSettings, names: ResolvedNames): void {
  checkNamePrefix(p, s);
  checkShardCount(p, s);
  checkStreamKey(p, s);
  checkBufferSize(p, s);
  checkBufferInterval(p, s);
  checkDropRules(p, s);
  checkNames(p, s, names);
  checkEventSchema(p, s);
  checkBatch(p, s);
  checkWorkload(p, s);
  checkDeliveryFreshness(p, s);
  checkQuickSight(p, s);
}

/** The workload's rules are shared with the capacity CLI (../workload). */
function checkWorkload(p: ProblemList, s: PipelineSettings): void {
  for (const problem of s.workload ? workloadProblems(s.workload) : []) {
    p.add(`workload.${problem.field}`, problem.received, problem.allowed, problem.fix);
  }
}
