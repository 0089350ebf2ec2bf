/**
 * Landing file formats: which files are read (by extension), and the {@link SourceItem}s the streamed
 * readers (`stream/`) and the replay decoders turn an object into.
 */

/** Landing file extensions read, each optionally followed by `.gz`. */
export const LANDING_FORMATS = { ".ndjson": "ndjson", ".jsonl": "ndjson", ".json": "json", ".csv": "csv" } as const;

/** How a landing file is parsed. */
export type LandingFormat = (typeof LANDING_FORMATS)[keyof typeof LANDING_FORMATS];

/** The format of a landing key by its extension (case-insensitive, `.gz` stripped), or undefined when unsupported. */
export function landingFormat(key: string): LandingFormat | undefined {
  const name = key.toLowerCase().replace(/\.gz$/, "");
  const extension = name.slice(name.lastIndexOf("."));
  return Object.hasOwn(LANDING_FORMATS, extension) ? LANDING_FORMATS[extension as keyof typeof LANDING_FORMATS] : undefined;
}

/** One item read from a landing file. */
export type SourceItem =
  /** A parsed value (not yet known to be an object) with its 1-based line and its raw text. */
  | {
      readonly kind: "value";
      readonly line: number;
      readonly position: string;
      readonly raw: string;
      readonly value: unknown;
    }
  /** A line or row that could not be parsed. */
  | { readonly kind: "invalid"; readonly line: number; readonly raw: string; readonly reason: string }
  /** The file as a whole is unreadable; nothing further is read from it. */
  | { readonly kind: "file-invalid"; readonly reason: string };
