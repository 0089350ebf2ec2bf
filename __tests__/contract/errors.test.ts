import * as errors from "../../contract/errors";
import {
  AllRecordsRejected,
  BATCH_ERRORS,
  BatchTooLarge,
  InvalidBatchInput,
  PermanentBatchError,
  RecordsUndelivered,
} from "../../contract/errors";

describe("the error contract", () => {
  // Every concrete error class the module exports (the abstract base has no name of its own).
  const classes = Object.entries(errors as Record<string, unknown>).filter(
    (entry): entry is [string, new (message: string) => Error] =>
      typeof entry[1] === "function" && entry[1].prototype instanceof Error && entry[1] !== PermanentBatchError,
  );

  it("names every error class exactly as the name Lambda reports", () => {
    expect(classes.length).toBeGreaterThanOrEqual(5);
    for (const [exported, ErrorClass] of classes) {
      const error = new ErrorClass("message");
      expect(error.name).toBe(exported);
      expect(ErrorClass.name).toBe(exported);
      expect(error.message).toBe("message");
    }
  });

  it("lists exactly the permanent errors in BATCH_ERRORS", () => {
    const permanent = classes.filter(([, ErrorClass]) => ErrorClass.prototype instanceof PermanentBatchError).map(([name]) => name);
    expect(Object.values(BATCH_ERRORS).sort()).toEqual(permanent.sort());
    expect(BATCH_ERRORS).toEqual({
      recordsUndelivered: "RecordsUndelivered",
      batchTooLarge: "BatchTooLarge",
      invalidBatchInput: "InvalidBatchInput",
      allRecordsRejected: "AllRecordsRejected",
    });
    for (const ErrorClass of [RecordsUndelivered, BatchTooLarge, InvalidBatchInput, AllRecordsRejected])
      expect(new ErrorClass("x")).toBeInstanceOf(PermanentBatchError);
  });
});
