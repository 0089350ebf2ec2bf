/** The single-field rule helpers: the range text, and reading a rule's parameters back from a zod issue. */
import { z } from "zod";
import { rangeProblem, ruleIssueParams } from "../../stacks/config/field-rules";

describe("rangeProblem", () => {
  it("describes an integer or a number range, with the unit in brackets only when there is one", () => {
    expect(rangeProblem(0, { min: 1, max: 5 })).toBe("an integer from 1 to 5");
    expect(rangeProblem(0.5, { min: 1, max: 5, integer: false, unit: "GB" })).toBe("a number from 1 to 5 (GB)");
    expect(rangeProblem(2.5, { min: 1, max: 5 })).toBe("an integer from 1 to 5");
    expect(rangeProblem(2.5, { min: 1, max: 5, integer: false })).toBeUndefined();
    expect(rangeProblem(Number.NaN, { min: 1, max: 5, integer: false })).toBe("a number from 1 to 5");
  });
});

describe("ruleIssueParams", () => {
  const custom = (params?: Record<string, unknown>): z.ZodIssue => ({ code: z.ZodIssueCode.custom, path: ["x"], message: "m", params });

  it("reads received, allowed and fix back from a rule's issue", () => {
    expect(ruleIssueParams(custom({ received: 3, allowed: "1 to 2", fix: "lower it" }))).toEqual({
      received: 3,
      allowed: "1 to 2",
      fix: "lower it",
    });
  });

  it("returns nothing for other issues, a custom issue without parameters, or parameters without both texts", () => {
    const typeIssue = {
      code: z.ZodIssueCode.invalid_type,
      expected: "string",
      received: "number",
      path: ["x"],
      message: "m",
    } as z.ZodIssue;
    expect(ruleIssueParams({ ...typeIssue, params: { allowed: "a", fix: "b" } } as unknown as z.ZodIssue)).toBeUndefined();
    expect(ruleIssueParams(custom())).toBeUndefined();
    expect(ruleIssueParams(custom({ allowed: "a" }))).toBeUndefined();
    expect(ruleIssueParams(custom({ fix: "b" }))).toBeUndefined();
    expect(ruleIssueParams(custom({ allowed: 1, fix: "b" }))).toBeUndefined();
  });
});
