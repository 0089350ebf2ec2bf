import { batchIdFor } from "../../handlers/extract/batch-id";

describe("batchIdFor", () => {
  it.each([
    ["2026-11-25T02:00:00Z", "20261125T0200Z"],
    ["2026-11-25T02:00:59.999Z", "20261125T0200Z"],
    ["2026-11-25T03:00:00+01:00", "20261125T0200Z"],
  ])("turns %s into %s", (scheduledTime, batchId) => {
    expect(batchIdFor(scheduledTime)).toBe(batchId);
  });

  it.each(["", "yesterday", "2026-11-25T02:00:00", "2026-02-30T02:00:00Z", "2026-11-25T24:00:00Z", 1_795_572_000_000])(
    "rejects %p with a message showing the expected form",
    (scheduledTime) => {
      expect(() => batchIdFor(scheduledTime)).toThrow(
        /scheduledTime must be an ISO-8601 date-time with a time zone, such as 2026-11-25T02:00:00Z/,
      );
    },
  );
});
