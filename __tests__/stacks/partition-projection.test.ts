/**
 * `catalog.partitionProjection`: the Glue table carries Athena's projection properties for the hourly
 * layout Firehose writes, the location template survives Terraform's interpolation, and the crawler
 * loses its schedule but stays for the batch workflow.
 */
import { transformSettings } from "../../stacks/config";
import { eventsTable, synthPipeline, testConfig } from "../support/synth";

const projected = synthPipeline({ catalog: { partitionProjection: true } });
const parameters = () => eventsTable(projected).parameters as Record<string, string>;

describe("partition projection", () => {
  it("enables projection on the table", () => {
    expect(parameters()["projection.enabled"]).toBe("true");
  });

  it("projects the year as an integer range", () => {
    expect(parameters()).toMatchObject({ "projection.year.type": "integer", "projection.year.range": "2020,2100" });
  });

  it("projects month, day and hour as two-digit integers, matching Firehose's zero-padded prefixes", () => {
    expect(parameters()).toMatchObject({
      "projection.month.type": "integer",
      "projection.month.range": "1,12",
      "projection.month.digits": "2",
      "projection.day.type": "integer",
      "projection.day.range": "1,31",
      "projection.day.digits": "2",
      "projection.hour.type": "integer",
      "projection.hour.range": "0,23",
      "projection.hour.digits": "2",
    });
  });

  it("keeps the table's storage parameters next to the projection ones", () => {
    expect(parameters()).toMatchObject({ EXTERNAL: "TRUE", classification: "parquet" });
  });

  it("escapes the location template's placeholders so Terraform writes ${year} literally", () => {
    expect(parameters()["storage.location.template"]).toMatch(
      /^s3:\/\/\$\{aws_s3_bucket\.[\w-]+\.bucket\}\/data\/year=\$\$\{year\}\/month=\$\$\{month\}\/day=\$\$\{day\}\/hour=\$\$\{hour\}\/$/,
    );
  });

  it("leaves no unescaped placeholder for Terraform to interpolate", () => {
    expect(projected.json).not.toMatch(/[^$]\$\{(year|month|day|date|hour)\}/);
  });

  it("uses the configured day key in the properties and the template", () => {
    const table = eventsTable(synthPipeline({ catalog: { partitionProjection: true }, partitioning: { dayKey: "date" } }));
    expect(table.parameters).toMatchObject({ "projection.date.type": "integer", "projection.date.digits": "2" });
    expect(table.parameters["storage.location.template"]).toContain("/date=$${date}/");
  });

  it("drops the crawler's schedule", () => {
    expect(projected.only("aws_glue_crawler")).not.toHaveProperty("schedule");
  });

  it("keeps the crawler for the batch workflow", () => {
    expect(projected.only("aws_glue_crawler").name).toBe("acme-test-partitions");
  });

  it("adds no projection properties by default", () => {
    const keys = Object.keys(eventsTable(synthPipeline()).parameters);
    expect(keys.filter((key) => key.startsWith("projection.") || key === "storage.location.template")).toEqual([]);
  });

  it("with event-time partitions, gives the transform exactly the projected year range, so events outside it fail", () => {
    const s = synthPipeline({ catalog: { partitionProjection: true }, partitioning: { partitionTime: "event" } });
    const [from, to] = (eventsTable(s).parameters["projection.year.range"] as string).split(",").map(Number);
    const fn = s.resources("aws_lambda_function").find((f) => f.environment?.variables?.TRANSFORM_SETTINGS);
    const settings = JSON.parse(fn!.environment.variables.TRANSFORM_SETTINGS);

    expect(settings.projectedYears).toEqual({ from, to });
  });

  it("gives the transform no year range without projection or with arrival-time partitions", () => {
    expect(transformSettings(testConfig({ partitioning: { partitionTime: "event" } })).projectedYears).toBeUndefined();
    expect(transformSettings(testConfig({ catalog: { partitionProjection: true } })).projectedYears).toBeUndefined();
  });

  it("keeps the crawler's schedule by default", () => {
    expect(synthPipeline().only("aws_glue_crawler").schedule).toBe("cron(10 * * * ? *)");
  });
});
