/**
 * `npm run rehearse [-- --records 20000] [--input <folder>] [--env dev] [--engine kinesis-local|kinesalite]
 * [--shards N] [--table-type column=type]... [--out <folder>] [--seed N] [--keep]`
 *
 * Runs one batch through the pipeline on this machine with the project's own definitions and handlers,
 * and local STAND-INS for AWS (rehearsal/README.md lists them and where they differ from AWS). Exit
 * code 0 when the validation passed and every count adds up, 1 when not, 2 for bad arguments.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { FAULT_NAMES, parseFaultRate, parseFaults } from "./faults/catalog";
import { KINESIS_ENGINES, startLocalServers, type KinesisEngine } from "./local-servers";
import type { Output } from "./report";
import { defaultOutDir, MAX_REHEARSAL_SHARDS, rehearse, type RehearsalOptions } from "./rehearse";

export { rehearse } from "./rehearse";
export type { RehearsalOptions } from "./rehearse";
export type { RehearsalReport } from "./report";

/** The CLI's usage text. */
export const USAGE = `Usage: npm run rehearse [-- options]

Runs one batch through the pipeline locally: s3rver and a Kinesis engine stand in for S3 and Kinesis
(the functions reach them through proxies that enforce Kinesis's 1,000 records/s and 1 MiB/s per shard
and inject S3 errors when asked),
the real handlers and the real state machine run, and local stand-ins play Firehose (Parquet via DuckDB),
the Glue crawler and Athena (DuckDB). No AWS account is used.

Options:
  --records <n>            records to generate from the event schema (default 10000; ~0.5 % bad lines)
  --input <folder>         load these landing files instead (.ndjson, .jsonl, .json, .csv, optionally .gz)
  --env <name>             environment of pipeline.config.ts (default dev)
  --engine <name>          kinesis-local (default: the kinesis-mock emulator; ~400 records/s at
                           10,000 records, slower as a shard fills) or kinesalite (~15,000 records/s;
                           use it beyond ~10,000 records)
  --shards <n>             the stream has n shards (1-40) instead of the environment's, for this rehearsal
                           only; the push paces to n × 1,000 records/s and n MiB/s (1,000,000 records:
                           ~17 min on 1 shard, ~25 s on 40)
  --table-type <col=type>  the Glue table declares this type instead of the configuration's (repeatable):
                           rehearses a table that drifted from what the functions validate against
  --faults <list|all>      inject faults: all, or a comma-separated list of
                           ${FAULT_NAMES.join(", ")}.
                           The run must end as each fault's expected outcome says (absorbed: success;
                           otherwise a loud failure with a notification) and lose nothing; errors/ is
                           then replayed and must bring every record in (rehearsal/README.md)
  --fault-rate <r>         fraction of occasions a rate-driven fault fires on (0 < r <= 0.5, default 0.05);
                           each fires on its first occasion anyway
  --out <folder>           output folder (default .build/rehearsal/<time>)
  --seed <n>               seed of the generated data (default 1)
  --keep                   keep s3rver's storage and leave the servers running until Ctrl-C (exit 130)
  --help                   this text

Exit code: 0 when validation passed and all counts add up (with --faults: every fault handled as expected
and nothing lost), 1 otherwise, 2 for bad arguments.`;

/** The CLI's flags for `node:util` `parseArgs`; every value follows its flag, even one starting with dashes. */
const OPTIONS = {
  records: { type: "string" },
  input: { type: "string" },
  env: { type: "string" },
  out: { type: "string" },
  engine: { type: "string" },
  seed: { type: "string" },
  shards: { type: "string" },
  "table-type": { type: "string" },
  faults: { type: "string" },
  "fault-rate": { type: "string" },
  keep: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

type Options = { -readonly [K in keyof RehearsalOptions]: RehearsalOptions[K] };

/** Parsed command line, or the usage error. */
export function parseRehearsalArgs(args: readonly string[]): { options: RehearsalOptions; help: boolean } | { error: string } {
  const options: Options = {};
  const tableTypes: Record<string, string> = {};
  let help = false;
  const { tokens } = parseArgs({ args: [...args], options: OPTIONS, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    const arg = args[token.index]!;
    if (token.kind !== "option" || (!token.rawName.startsWith("--") && arg !== "-h") || !Object.hasOwn(OPTIONS, token.name))
      return { error: `unknown argument ${arg}` };
    if (token.name === "help") help = true;
    else if (token.name === "keep") options.keep = true;
    else if (token.name === "table-type") {
      const match = /^([a-z_][a-z0-9_]*)=(.+)$/.exec(token.value ?? "");
      if (!match)
        return {
          error: token.inlineValue
            ? `--table-type needs column=type, got ${arg}`
            : `--table-type needs column=type, e.g. duration_ms=int, got ${token.value}`,
        };
      tableTypes[match[1]] = match[2];
    } else {
      const error = setOption(options, token.name as keyof typeof OPTIONS, token.value);
      if (error) return { error };
    }
  }
  if (options.input && options.records !== undefined) return { error: "--records and --input exclude each other" };
  if (Object.keys(tableTypes).length > 0) options.tableTypes = tableTypes;
  return { options, help };
}

/** Sets the option of one value flag; returns the usage error of a bad value. */
function setOption(options: Options, name: keyof typeof OPTIONS, text: string | undefined): string | undefined {
  switch (name) {
    case "records": {
      const records = Number(text);
      if (!Number.isInteger(records) || records < 1 || records > 5_000_000)
        return `--records needs a whole number from 1 to 5000000, got ${text}`;
      options.records = records;
      return undefined;
    }
    case "engine":
      if (!KINESIS_ENGINES.includes(text as KinesisEngine)) return `--engine must be one of ${KINESIS_ENGINES.join(", ")}, got ${text}`;
      options.engine = text as KinesisEngine;
      return undefined;
    case "shards": {
      const shards = Number(text);
      if (!Number.isInteger(shards) || shards < 1 || shards > MAX_REHEARSAL_SHARDS)
        return `--shards needs a whole number from 1 to ${MAX_REHEARSAL_SHARDS}, got ${text}`;
      options.shards = shards;
      return undefined;
    }
    case "faults": {
      const faults = parseFaults(text ?? "");
      if ("error" in faults) return faults.error;
      options.faults = faults;
      return undefined;
    }
    case "fault-rate": {
      const rate = parseFaultRate(text);
      if (typeof rate !== "number") return rate.error;
      options.faultRate = rate;
      return undefined;
    }
    case "seed": {
      const seed = Number(text);
      if (!Number.isInteger(seed)) return "--seed needs a whole number";
      options.seed = seed;
      return undefined;
    }
    default:
      if (!text || text.startsWith("--")) return `--${name} needs a value`;
      if (name === "input") options.input = text;
      else if (name === "env") options.env = text;
      else options.outDir = text;
      return undefined;
  }
}

/** Runs the CLI; returns the exit code. */
export async function main(args: readonly string[], out: Output = process.stdout, err: Output = process.stderr): Promise<number> {
  const parsed = parseRehearsalArgs(args);
  if ("error" in parsed) {
    err.write(`${parsed.error}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.help) {
    out.write(`${USAGE}\n`);
    return 0;
  }
  const { options } = parsed;
  const engine = options.engine ?? "kinesis-local";
  if (engine === "kinesis-local" && !options.input && (options.records ?? 10_000) > 10_000) {
    out.write(
      `Note: kinesis-local slows down as a shard fills (10,000 records take ~25 s to push, 20,000 ~100 s, and it grows faster than the count); ` +
        `for ${options.records} records consider --engine kinesalite (100,000 records in ~7 s).\n`,
    );
  }
  try {
    if (!options.keep) {
      const report = await rehearse({ ...options, engine, output: out });
      return report.ok ? 0 : 1;
    }
    const outDir = resolve(options.outDir ?? defaultOutDir());
    const servers = await startLocalServers({ engine, workDir: outDir, region: "eu-west-1" });
    const report = await rehearse({ ...options, outDir, engine, servers, keep: true, output: out });
    out.write(
      `\nThe servers keep running (--keep): S3 ${servers.s3Endpoint} (access key S3RVER / S3RVER, path-style), ` +
        `Kinesis ${servers.kinesisEndpoint} (${servers.engine}, pid ${servers.kinesisPid}). s3rver's storage: ${servers.s3Directory}\n` +
        `e.g. AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER aws --endpoint-url ${servers.s3Endpoint} s3 ls --recursive s3://${report.local.bucket}/\nPress Ctrl-C to stop them.\n`,
    );
    // Until Ctrl-C: the servers' exit trap then stops the Kinesis engine by its PID and exits (130).
    await new Promise<never>(() => undefined);
    return report.ok ? 0 : 1;
  } catch (error) {
    err.write(`Rehearsal could not run: ${(error as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
