import { describe, expect, it } from "vitest";
import { EMPTY_DRAFT, reviewInput, verdictProblems } from "./verdictForm.ts";

describe("verdict form", () => {
  it("needs a verdict first", () => {
    expect(verdictProblems(EMPTY_DRAFT)).toEqual(["verdict"]);
    expect(reviewInput(EMPTY_DRAFT)).toBeNull();
  });

  it("agrees with or without a comment, and never sends an outcome or reasons with it", () => {
    const d = { ...EMPTY_DRAFT, verdict: "agree" as const, outcome: "detain" as const, reasons: ["HOTLIST"] };
    expect(verdictProblems(d)).toEqual([]);
    expect(reviewInput(d)).toEqual({ verdict: "agree", outcome: null, reasons: [], comment: "" });
  });

  it("an overrule needs the new outcome and a comment", () => {
    const d = { ...EMPTY_DRAFT, verdict: "overrule" as const };
    expect(verdictProblems(d)).toEqual(["outcome", "comment"]);
    expect(verdictProblems({ ...d, outcome: "detain", comment: "   " })).toEqual(["comment"]);
    expect(reviewInput({ ...d, outcome: "detain", reasons: ["DOUBLE_WALL"], comment: " Double wall behind the cab. " })).toEqual({
      verdict: "overrule",
      outcome: "detain",
      reasons: ["DOUBLE_WALL"],
      comment: "Double wall behind the cab.",
    });
  });

  it("a return needs a comment, and carries no outcome", () => {
    const d = { ...EMPTY_DRAFT, verdict: "return" as const, outcome: "release" as const };
    expect(verdictProblems(d)).toEqual(["comment"]);
    expect(reviewInput({ ...d, comment: "Scan the trailer again" })).toEqual({ verdict: "return", outcome: null, reasons: [], comment: "Scan the trailer again" });
  });

  it("refuses a comment longer than the server takes", () => {
    expect(verdictProblems({ ...EMPTY_DRAFT, verdict: "agree", comment: "x".repeat(4001) })).toEqual(["comment_too_long"]);
  });
});
