/**
 * The flag conventions the batch and capacity CLIs share, on top of `node:util` `parseArgs`: a value
 * follows its flag (`--env prod`) or is joined with `=` (`--env=prod`) and may start with a single dash
 * (so `--limit -3` reports the value, not a missing one); a switch takes no value. Every mistake
 * becomes a {@link UsageError}, reported in the order of the command line.
 */
import { parseArgs } from "node:util";
import { UsageError } from "./errors";

/** Whether a flag is a switch or takes a value. */
export type FlagKind = "switch" | "value";

/** How a CLI words what the conventions leave to it. */
export interface FlagRules {
  /** Message for a flag the command does not accept (`--bogus`, `-x`, `--`). */
  readonly unknown: (flag: string) => string;
  /** Called with each argument that is not a flag or a flag's value, in order; may throw. */
  readonly positional?: (token: string) => void;
  /** Reject a value flag given twice (otherwise the last one wins). @default false */
  readonly rejectRepeats?: boolean;
}

/** Flags read from a command line: values by flag, switches with the value "". */
export interface ReadFlags {
  readonly flags: Map<string, string>;
  readonly positionals: string[];
}

/** Reads `argv` against the accepted `flags` (e.g. `{ "--env": "value", "--wait": "switch" }`). */
export function readFlags(argv: readonly string[], accepted: Readonly<Record<string, FlagKind>>, rules: FlagRules): ReadFlags {
  const options = Object.fromEntries(
    Object.entries(accepted).map(([flag, kind]) => [
      flag.slice(2),
      { type: kind === "value" ? ("string" as const) : ("boolean" as const) },
    ]),
  );
  const { tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (const token of tokens) {
    if (token.kind === "option-terminator") throw new UsageError(rules.unknown("--"));
    if (token.kind === "positional") {
      rules.positional?.(token.value);
      positionals.push(token.value);
      continue;
    }
    // The flag as written: "--name" without its "=value", or a group of short flags ("-xy") whole.
    const raw = argv[token.index]!;
    const flag = raw.startsWith("--") && raw.includes("=") ? raw.slice(0, raw.indexOf("=")) : raw;
    const kind = accepted[flag];
    if (kind === undefined) throw new UsageError(rules.unknown(flag));
    if (kind === "switch") {
      if (token.inlineValue) throw new UsageError(`${flag} takes no value, got "${token.value}"`);
      flags.set(flag, "");
      continue;
    }
    // parseArgs takes the next argument as the value even when it is the next flag: that is a missing value.
    const value = token.inlineValue || !token.value?.startsWith("--") ? token.value : undefined;
    if (value === undefined || value.trim() === "") throw new UsageError(`${flag} needs a value`);
    if (rules.rejectRepeats && flags.has(flag)) throw new UsageError(`${flag} is given twice`);
    flags.set(flag, value);
  }
  return { flags, positionals };
}
