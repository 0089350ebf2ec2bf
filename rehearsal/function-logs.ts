/**
 * STAND-IN for CloudWatch Logs of the functions that run in this process. The handlers log with
 * Powertools' Logger; with `POWERTOOLS_DEV=true` it writes through the global `console`, which this
 * captures while the rehearsal runs (the rehearsal itself writes to stdout directly). Each line goes
 * to `<out>/logs/<service>.log` (one JSON object per line), the service being the function's
 * `POWERTOOLS_SERVICE_NAME`. The transform's "record failed processing" lines also give the report
 * the reason of each ProcessingFailed record, which is where an operator finds it in AWS too.
 */
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

const METHODS = ["log", "info", "warn", "error", "debug", "trace"] as const;
type Method = (typeof METHODS)[number];

export class FunctionLogs {
  /** recordId → reason, from the transform's log. */
  readonly failedRecords = new Map<string, string>();
  /** Lines captured per service. */
  readonly lines: Record<string, number> = {};
  private readonly pending = new Map<string, string[]>();
  private original?: Record<Method, (...args: unknown[]) => void>;

  constructor(readonly dir: string) {}

  /** Starts capturing `console`. */
  start(): void {
    if (this.original) return;
    mkdirSync(this.dir, { recursive: true });
    const original = {} as Record<Method, (...args: unknown[]) => void>;
    for (const method of METHODS) {
      original[method] = console[method];
      console[method] = (...args: unknown[]) => this.capture(method, args);
    }
    this.original = original;
  }

  /** Restores `console` and writes what is left. */
  stop(): void {
    if (!this.original) return;
    for (const method of METHODS) console[method] = this.original[method];
    this.original = undefined;
    this.flush();
  }

  /** Writes buffered lines to their files. */
  flush(): void {
    for (const [service, lines] of this.pending) {
      if (lines.length > 0) appendFileSync(join(this.dir, `${service.replace(/[^\w.-]/g, "_")}.log`), `${lines.join("\n")}\n`);
    }
    this.pending.clear();
  }

  private capture(method: Method, args: unknown[]): void {
    const text = args.map((a) => (typeof a === "string" ? a : safeJson(a))).join(" ");
    let service = "other";
    let line = JSON.stringify({ level: method.toUpperCase(), message: text });
    try {
      const item = JSON.parse(text) as Record<string, unknown>;
      if (item && typeof item === "object") {
        service = typeof item.service === "string" ? item.service : "other";
        line = JSON.stringify(item);
        if (item.message === "record failed processing" && typeof item.recordId === "string" && typeof item.reason === "string") {
          this.failedRecords.set(item.recordId, item.reason);
        }
      }
    } catch {
      // not a Powertools line: kept as text
    }
    this.lines[service] = (this.lines[service] ?? 0) + 1;
    const list = this.pending.get(service) ?? [];
    list.push(line);
    this.pending.set(service, list);
    if (list.length >= 1000) this.flush();
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
