import { landingFormat, type SourceItem } from "../../handlers/extract/landing-format";
import { scanJsonExtent } from "../../handlers/extract/json-scan";
import { decodeLandingFile } from "../../handlers/extract/object-text";
import { bytesOf } from "../../handlers/extract/stream/bytes";
import { readLanding } from "../../handlers/extract/stream/read";

const items = async (format: "csv" | "json" | "ndjson", text: string) => {
  const out: SourceItem[] = [];
  for await (const item of readLanding(format, bytesOf(Buffer.from(text), 3))) out.push(item);
  return out;
};
const jsonItems = (text: string) => items("json", text);
const csvItems = (text: string) => items("csv", text);

describe("landing parsers", () => {
  const kinds = async (read: Promise<SourceItem[]>) =>
    (await read).map((item) => (item.kind === "file-invalid" ? item.kind : `${item.kind}@${item.line}`));

  it("reads a .json file that does not start with [ as NDJSON", async () => {
    expect(await kinds(jsonItems('{"a":1}\n\n{"a":2}\n'))).toEqual(["value@1", "value@3"]);
  });

  it("reads a .json file holding one pretty-printed object as one record", async () => {
    expect(await kinds(jsonItems('\n{\n  "a": 1\n}\n'))).toEqual(["value@2"]);
  });

  it("rejects the rest of a JSON array that never closes", async () => {
    expect(await kinds(jsonItems('[{"a":1},\n{"a":'))).toEqual(["value@1", "invalid@2"]);
  });

  it("rejects a CSV row with an unterminated quote", async () => {
    expect(await kinds(csvItems('a,b\n1,2\n3,"open\n'))).toEqual(["value@2", "invalid@3"]);
  });

  it("rejects a CSV file whose header repeats a column", async () => {
    expect(await kinds(csvItems("a,A\n1,2\n"))).toEqual(["file-invalid"]);
  });

  it("reads CRLF line endings", async () => {
    expect(await csvItems("a,b\r\n1,2\r\n")).toEqual([{ kind: "value", line: 2, position: "2", raw: "1,2", value: { a: "1", b: "2" } }]);
  });

  it("reads a .gz-named file without the gzip magic as plain text", () => {
    expect(decodeLandingFile(Buffer.from('{"a":1}\n'))).toEqual({ text: '{"a":1}\n' });
  });

  it("rejects a file that is not UTF-8", () => {
    expect(decodeLandingFile(Buffer.from([0x7b, 0xff, 0x7d]))).toEqual({ reason: "not valid UTF-8 text" });
  });
});

describe("scanJsonExtent", () => {
  it("stops an array element at the comma or bracket that ends it at depth 0", () => {
    const text = '{"a":"},]","b":[1,2]},\n{"c":3}]';
    expect(scanJsonExtent(text, 0, "element")).toEqual({ end: text.indexOf(",\n"), newlines: 0, complete: true });
    expect(scanJsonExtent(text, text.indexOf('{"c"'), "element")).toEqual({ end: text.length - 1, newlines: 0, complete: true });
  });

  it("stops a value just past its closing bracket, counting the line feeds it passes", () => {
    const text = '{"a":\n"x\\"}"}{"b":1}';
    expect(scanJsonExtent(text, 0, "value")).toEqual({ end: text.indexOf("{", 1), newlines: 1, complete: true });
  });

  it("reports a value the text ends inside as incomplete", () => {
    expect(scanJsonExtent('{"a":[1,2', 0, "value")).toEqual({ end: 9, newlines: 0, complete: false });
    expect(scanJsonExtent('{"a":1', 0, "element")).toEqual({ end: 6, newlines: 0, complete: false });
  });
});

describe("landing file formats by key", () => {
  it.each([
    ["landing/a.ndjson", "ndjson"],
    ["landing/a.jsonl", "ndjson"],
    ["landing/a.json", "json"],
    ["landing/a.csv", "csv"],
    ["landing/A.CSV.GZ", "csv"],
    ["landing/2026.11.25.json.gz", "json"],
  ] as const)("reads %p as %s, case-insensitively and with .gz stripped", (key, format) => {
    expect(landingFormat(key)).toBe(format);
  });

  it.each(["landing/a.xml", "landing/a.gz", "landing/a.csv.gz.bak", "landing/a.cs.gzv", "landing/csv"])(
    "reads no format from %p",
    (key) => {
      // `.gz` counts only as the last extension: a name that holds it elsewhere keeps its own.
      expect(landingFormat(key)).toBeUndefined();
    },
  );
});
