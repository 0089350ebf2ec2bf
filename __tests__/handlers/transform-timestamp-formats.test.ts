/**
 * The JSON table's Hive JSON SerDe reads every timestamp the transform writes.
 *
 * With `delivery.format: "json"` Athena reads the transform's output lines with the table's SerDe,
 * `org.apache.hive.hcatalog.data.JsonSerDe`. A timestamp string is parsed with the Joda-Time patterns of
 * the SerDe property `timestamp.formats` (comma-separated), accepted only when a pattern consumes the
 * whole value; otherwise Athena falls back to `yyyy-M-d H:m:s[.f]` and ISO local date-time, neither of
 * which accepts a trailing `Z` (https://docs.aws.amazon.com/athena/latest/ug/hive-json-serde.html;
 * trinodb/trino lib/trino-hive-formats/src/main/java/io/trino/hive/formats/HiveFormatUtils.java,
 * createTimestampParser and getTimestampFormatsSchemaProperty). So every timestamp the transform can
 * write must match one of the declared patterns, read from the synthesized table.
 */
import { transformRecords } from "../../handlers/transform/logic";
import { clickEvent, decodeJson, firehoseEvent } from "../support/firehose-events";
import { testSettings } from "../support/schema";
import { eventsTable, synthPipeline } from "../support/synth";

/** The `timestamp.formats` property split as Athena (Trino) splits it: on `,`, with `\,` and `\\` escapes, empty entries dropped. */
function splitTimestampFormats(property: string): string[] {
  const formats: string[] = [];
  let buffer = "";
  for (let i = 0; i < property.length; i++) {
    const c = property[i]!;
    if (c === "\\") {
      const next = property[i + 1];
      if (next !== "," && next !== "\\") throw new Error(`invalid escape at ${i} in ${property}`);
      buffer += next;
      i++;
    } else if (c === ",") {
      if (buffer) formats.push(buffer);
      buffer = "";
    } else {
      buffer += c;
    }
  }
  if (buffer) formats.push(buffer);
  return formats;
}

/** Parsed fields of a timestamp, UTC (the Hive JSON SerDe parses in UTC). */
interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millis: number;
}

/**
 * A parser for the subset of Joda-Time `DateTimeFormat` patterns the table may declare, following Joda's
 * parsing rules (org.joda.time.format.DateTimeFormat.parsePatternTo and DateTimeFormatterBuilder): `yyyy`
 * a signed year of up to 9 digits, `MM` `dd` `HH` `mm` `ss` 1–2 digits, `S`×n a fraction of 1–n digits
 * (kept to milliseconds), `'text'` a literal (`''` a quote), any other non-letter itself. Other pattern
 * letters throw, so a pattern this test cannot judge fails it rather than passing unchecked. Returns the
 * fields only when the pattern consumes the whole value and every field is in range.
 */
function jodaParser(pattern: string): (value: string) => Fields | undefined {
  let source = "";
  const groups: Array<keyof Fields> = [];
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i]!;
    if (c === "'") {
      let end = i + 1;
      let text = "";
      while (end < pattern.length) {
        if (pattern[end] === "'" && pattern[end + 1] === "'") {
          text += "'";
          end += 2;
        } else if (pattern[end] === "'") {
          break;
        } else {
          text += pattern[end++];
        }
      }
      if (end === i + 1) text = "'";
      source += text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      i = end + 1;
      continue;
    }
    if (!/[A-Za-z]/.test(c)) {
      source += c.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      i++;
      continue;
    }
    let length = 1;
    while (pattern[i + length] === c) length++;
    const field: Record<string, [keyof Fields, string]> = {
      y: ["year", "([-+]?\\d{1,9})"],
      M: ["month", "(\\d{1,2})"],
      d: ["day", "(\\d{1,2})"],
      H: ["hour", "(\\d{1,2})"],
      m: ["minute", "(\\d{1,2})"],
      s: ["second", "(\\d{1,2})"],
      S: ["millis", `(\\d{1,${length}})`],
    };
    const entry = field[c];
    if (!entry || (c !== "y" && c !== "S" && length > 2) || (c === "y" && length === 2)) {
      throw new Error(`the test's Joda parser does not support ${c.repeat(length)} in ${pattern}`);
    }
    groups.push(entry[0]);
    source += entry[1];
    i += length;
  }
  const regex = new RegExp(`^${source}$`);
  return (value) => {
    const match = regex.exec(value);
    if (!match) return undefined;
    const fields: Fields = { year: 1970, month: 1, day: 1, hour: 0, minute: 0, second: 0, millis: 0 };
    groups.forEach((name, index) => {
      const text = match[index + 1]!;
      fields[name] = name === "millis" ? Number(text.slice(0, 3).padEnd(3, "0")) : Number(text);
    });
    const days = new Date(Date.UTC(fields.year, fields.month, 0)).getUTCDate();
    const inRange =
      fields.month >= 1 &&
      fields.month <= 12 &&
      fields.day >= 1 &&
      fields.day <= days &&
      fields.hour <= 23 &&
      fields.minute <= 59 &&
      fields.second <= 59;
    return inRange ? fields : undefined;
  };
}

/** The instant the declared formats read `value` as (the first pattern that consumes it), or undefined. */
function readAs(formats: readonly string[], value: string): number | undefined {
  for (const format of formats) {
    const fields = jodaParser(format)(value);
    if (fields) return Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second, fields.millis);
  }
  return undefined;
}

const jsonTable = eventsTable(synthPipeline({ delivery: { format: "json", bufferSizeMiB: 16 } }));
const serde = jsonTable.storage_descriptor.ser_de_info;
const declared = splitTimestampFormats(serde.parameters["timestamp.formats"] ?? "");

/** Timestamp inputs the transform accepts, in every form it documents, with the instant each means. */
const INPUTS: ReadonlyArray<readonly [unknown, string]> = [
  ["2026-11-25T09:00:00Z", "2026-11-25T09:00:00.000Z"],
  ["2026-11-25T09:00:00.1Z", "2026-11-25T09:00:00.100Z"],
  ["2026-11-25T09:00:00.123Z", "2026-11-25T09:00:00.123Z"],
  ["2026-11-25T09:00:00.123456Z", "2026-11-25T09:00:00.123Z"],
  ["2026-11-25T09:00:00.123456789Z", "2026-11-25T09:00:00.123Z"],
  ["2026-11-25T10:00:00+01:00", "2026-11-25T09:00:00.000Z"],
  ["2026-11-25 09:00:00", "2026-11-25T09:00:00.000Z"],
  ["2026-11-25T09:00", "2026-11-25T09:00:00.000Z"],
  ["2026-11-25", "2026-11-25T00:00:00.000Z"],
  [1_795_597_200, "2026-11-25T09:00:00.000Z"],
  [1_795_597_200_123, "2026-11-25T09:00:00.123Z"],
  ["1795597200.5", "2026-11-25T09:00:00.500Z"],
  ["2024-02-29T23:59:59.999Z", "2024-02-29T23:59:59.999Z"],
];

describe("the JSON table's SerDe and the transform's timestamps", () => {
  // Athena: the OpenX JSON SerDe can return non-deterministic results; the Hive JSON SerDe is used instead
  // (https://docs.aws.amazon.com/athena/latest/ug/openx-json-serde.html, "Considerations and limitations").
  it("reads JSON delivery with the Hive JSON SerDe, not OpenX", () => {
    expect(serde.serialization_library).toBe("org.apache.hive.hcatalog.data.JsonSerDe");
  });

  it("declares at least one timestamp pattern, each one the test's Joda parser can judge", () => {
    expect(declared.length).toBeGreaterThan(0);
    for (const format of declared) expect(() => jodaParser(format)).not.toThrow();
  });

  it.each(INPUTS)("writes %p as a value a declared pattern reads as %s (Athena would otherwise fail or misread it)", (input, instant) => {
    const { records } = transformRecords(firehoseEvent([clickEvent({ event_time: input })]), testSettings());

    expect(records[0]!.result).toBe("Ok");
    const written = (decodeJson(records[0]!) as Record<string, unknown>).event_time;
    expect(typeof written).toBe("string");
    expect(readAs(declared, written as string)).toBe(Date.parse(instant));
  });

  // The Parquet path is read by Firehose's record format conversion, whose deserializer stays OpenX: Firehose
  // documents that it reads yyyy-MM-dd'T'HH:mm:ss[.S]'Z' with up to 9 fraction digits
  // (https://docs.aws.amazon.com/firehose/latest/dev/record-format-conversion.html, "Choose the JSON deserializer"),
  // while its Hive JSON deserializer without formats uses java.sql.Timestamp.valueOf, which rejects that form.
  it.each(INPUTS)("writes %p in a form Firehose's OpenX deserializer documents for the Parquet path", (input) => {
    const { records } = transformRecords(firehoseEvent([clickEvent({ event_time: input })]), testSettings());
    const written = (decodeJson(records[0]!) as Record<string, unknown>).event_time as string;

    expect(written).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/);
  });

  it("the parser is strict: values outside the declared patterns are not read", () => {
    for (const value of [
      "2026-11-25 09:00:00",
      "2026-11-25T09:00:00",
      "2026-11-25T09:00:00+01:00",
      "2026-11-25T09:00:00.1234567891Z",
      "2026-13-01T00:00:00Z",
    ]) {
      expect(readAs(declared, value)).toBeUndefined();
    }
  });
});
