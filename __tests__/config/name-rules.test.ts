/**
 * The physical-name rules (`stacks/config/rules/names.ts`) on plain settings objects: a name set
 * explicitly is judged as the user's own (no advice to shorten the prefix), every problem names the
 * AWS resource and its limit, and an exact bucket name is held to each of S3's naming rules.
 */
import { only, problems } from "../support/config-problems";

const GLUE = "(lower-case letters, digits, underscores)";

describe("a name set explicitly", () => {
  // Lengths from each service's API reference: Kinesis CreateStream StreamName 1–128
  // (https://docs.aws.amazon.com/kinesis/latest/APIReference/API_CreateStream.html), Firehose
  // DeliveryStreamName 1–64 (…/firehose/latest/APIReference/API_CreateDeliveryStream.html), Lambda
  // FunctionName 64 (…/lambda/latest/api/API_CreateFunction.html), Glue DatabaseInput/TableInput Name
  // 1–255 and CreateCrawler Name 1–255 (…/glue/latest/webapi/), Athena CreateWorkGroup Name 1–128
  // (…/athena/latest/APIReference/API_CreateWorkGroup.html), Step Functions CreateStateMachine name 1–80
  // (…/step-functions/latest/apireference/API_CreateStateMachine.html).
  it.each([
    ["names.stream", { names: { stream: "s".repeat(129) } }, "a Kinesis stream name of 1–128 characters (it has 129)"],
    ["names.deliveryStream", { names: { deliveryStream: "d".repeat(65) } }, "a Firehose stream name of 1–64 characters (it has 65)"],
    ["names.transformFunction", { names: { transformFunction: "f".repeat(65) } }, "a Lambda function name of 1–64 characters (it has 65)"],
    ["names.database", { names: { database: "d".repeat(256) } }, `a Glue database name ${GLUE} of 1–255 characters (it has 256)`],
    ["catalog.tableName", { catalog: { tableName: "t".repeat(256) } }, `a Glue table name ${GLUE} of 1–255 characters (it has 256)`],
    ["names.workgroup", { names: { workgroup: "w".repeat(129) } }, "an Athena workgroup name of 1–128 characters (it has 129)"],
    ["names.crawler", { names: { crawler: "c".repeat(256) } }, "a Glue crawler name of 1–255 characters (it has 256)"],
    [
      "names.stateMachine",
      { names: { stateMachine: "m".repeat(81) } },
      "a Step Functions state machine name of 1–80 characters (it has 81)",
    ],
  ] as const)("%s too long is named with its service's limit, and its fix does not blame the prefix", (field, overrides, allowed) => {
    const problem = only(problems(overrides), field);
    expect(problem.allowed).toBe(allowed);
    expect(problem.fix).toBe(`use a name of at most ${/1–(\d+)/.exec(allowed)![1]} characters`);
  });

  it("with characters a Glue name cannot hold is named as a Glue table name, without blaming the prefix", () => {
    const problem = only(problems({ catalog: { tableName: "click-events" } }), "catalog.tableName");
    expect(problem.allowed).toMatch(/^a Glue table name \(lower-case letters, digits, underscores\) matching \//);
    expect(problem.fix).not.toContain("namePrefix");
  });
});

describe("an exact bucket name", () => {
  // S3's rules: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
  const CHARACTERS = "only lower-case letters, digits and hyphens, starting and ending with a letter or digit (no dots: they break TLS)";
  const IP = "not shaped like an IP address";
  const bucketProblem = (lakeBucket: string) => only(problems({ names: { lakeBucket } }), "names.lakeBucket").allowed;

  it.each(["192.168.10.4", "1.2.33.4"])("%p is refused as shaped like an IP address too", (lakeBucket) => {
    expect(bucketProblem(lakeBucket)).toBe(`an S3 bucket name with ${CHARACTERS}; ${IP}`);
  });

  it.each(["a1.2.3.4", "1.2.3.4a"])("%p has dots but is no IP address: only the characters are named", (lakeBucket) => {
    expect(bucketProblem(lakeBucket)).toBe(`an S3 bucket name with ${CHARACTERS}`);
  });

  it.each(["lake-s3alias", "lake--ol-s3", "lake--x-s3"])("%p ends with a suffix S3 reserves", (lakeBucket) => {
    expect(bucketProblem(lakeBucket)).toBe("an S3 bucket name with not ending with -s3alias, --ol-s3 or --x-s3");
  });

  it.each(["lake-s3alias-data", "lake--ol-s3-data", "lake--x-s3-data"])(
    "%p only contains a reserved suffix and is accepted",
    (lakeBucket) => {
      expect(problems({ names: { lakeBucket } })).toEqual([]);
    },
  );
});

describe("a derived bucket prefix", () => {
  // `<prefix>-<env>-lake-` and `<prefix>-<env>-results-`; bucket_prefix leaves 26 characters of the 63
  // for Terraform's unique suffix, so at most 37.
  it("of exactly 37 characters is accepted, and one of 40 refused", () => {
    const list = problems({}, "a".repeat(26));
    expect("a".repeat(26).concat("-test-lake-")).toHaveLength(37);
    expect(list.map((p) => p.field)).not.toContain("names.lakeBucket");
    expect(only(list, "names.resultsBucket").received).toBe(`${"a".repeat(26)}-test-results-`);
  });

  it("with a character S3 refuses anywhere in it is reported, beside the prefix", () => {
    const list = problems({}, "acme_lake");
    expect(list.map((p) => p.field)).toEqual(expect.arrayContaining(["namePrefix", "names.lakeBucket", "names.resultsBucket"]));
    expect(only(list, "names.lakeBucket").received).toBe("acme_lake-test-lake-");
  });
});

describe("names built from templates", () => {
  it("are not checked while the prefix is invalid, even those of fields the prefix derives", () => {
    // 60 characters: the derived crawler `<prefix>-test-partitions` fits Glue's 255, but its role
    // `…-crawler` is over IAM's 64; the prefix's own problem is the one to fix.
    const list = problems({ batch: { enabled: true } }, "p".repeat(60));
    expect(only(list, "namePrefix").allowed).toMatch(/^2–32 lower-case letters/);
    expect(list.map((p) => p.field)).not.toContain("names.crawler");
    expect(list.filter((p) => p.allowed.startsWith("a value short enough"))).toEqual([]);
  });

  it("shows the longest name of a field that does not fit, whichever template comes first", () => {
    // A 58-character state machine name: its role `-states` (65), scheduler role `-scheduler` (68)
    // and schedule `-schedule` (67) are all over their 64; the scheduler role is the longest.
    const stateMachine = "m".repeat(58);
    const problem = only(problems({ batch: { enabled: true, schedule: "rate(1 hour)" }, names: { stateMachine } }), "names.stateMachine");
    expect(problem.allowed).toBe(
      `a value short enough for every name built from it: the IAM role name "${stateMachine}-scheduler" has 68 characters, AWS allows 1–64`,
    );
  });
});
