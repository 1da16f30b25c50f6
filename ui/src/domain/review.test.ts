import { describe, expect, it } from "vitest";
import { historyEntries } from "./history.ts";
import { currentOutcome, isOpen } from "./outcome.ts";
import { latestReview, overruledOutcome, pendingReturn, reviewStateOf } from "./review.ts";
import { decided, reviewed } from "./testViews.ts";

const one = [decided("release", 100)];

describe("review state (Rust's InspectionView::review_state)", () => {
  it("is unreviewed without a review", () => {
    expect(reviewStateOf({ decisions: one, reviews: [] })).toBe("unreviewed");
  });

  it("follows the latest review's verdict", () => {
    expect(reviewStateOf({ decisions: one, reviews: [reviewed("agree", 200, { decisions_seen: 1 })] })).toBe("agreed");
    expect(
      reviewStateOf({ decisions: one, reviews: [reviewed("overrule", 200, { decisions_seen: 1, outcome: "detain" })] }),
    ).toBe("overruled");
    // An agreement after an earlier return: agreed.
    const both = [reviewed("return", 200, { decisions_seen: 1 }), reviewed("agree", 300, { decisions_seen: 1 })];
    expect(reviewStateOf({ decisions: one, reviews: both })).toBe("agreed");
  });

  it("a return is returned until the crew records more decisions than the supervisor saw, then answered", () => {
    const ret = reviewed("return", 200, { decisions_seen: 1 });
    expect(reviewStateOf({ decisions: one, reviews: [ret] })).toBe("returned");
    expect(reviewStateOf({ decisions: [...one, decided("detain", 300)], reviews: [ret] })).toBe("answered");
    // Counted, not timed: the answer's clock may be behind the server's.
    expect(reviewStateOf({ decisions: [...one, decided("detain", 50)], reviews: [ret] })).toBe("answered");
  });

  it("tolerates reviews written before decisions_seen was recorded (taken as 0)", () => {
    expect(reviewStateOf({ decisions: one, reviews: [reviewed("return", 200)] })).toBe("answered");
    expect(reviewStateOf({ decisions: [], reviews: [reviewed("return", 200, { decisions_seen: null })] })).toBe("returned");
  });

  it("takes the latest review by time, ties to the later entry", () => {
    const a = reviewed("agree", 200, { decisions_seen: 1 });
    const b = reviewed("return", 200, { decisions_seen: 1 });
    expect(latestReview([a, b])).toBe(b);
    expect(latestReview([reviewed("return", 300), a])?.verdict).toBe("return");
  });

  it("names the review to answer only while the inspection is returned", () => {
    const ret = reviewed("return", 200, { decisions_seen: 1, comment: "Look at the doors again" });
    expect(pendingReturn({ decisions: one, reviews: [ret] })?.comment).toBe("Look at the doors again");
    expect(pendingReturn({ decisions: [...one, decided("detain", 300)], reviews: [ret] })).toBeNull();
  });
});

describe("current outcome after an overrule (Rust's current_outcome)", () => {
  const overrule = reviewed("overrule", 200, { decisions_seen: 1, outcome: "detain", reasons: ["HOTLIST"] });

  it("is the overrule's outcome when the overrule came after the crew's last decision", () => {
    const v = { decisions: one, reviews: [overrule] };
    expect(overruledOutcome(v)).toBe("detain");
    expect(currentOutcome(v)).toBe("detain");
    expect(isOpen(v)).toBe(false);
  });

  it("is the crew's again once they decide after the overrule", () => {
    const v = { decisions: [...one, decided("refer", 300)], reviews: [overrule] };
    expect(overruledOutcome(v)).toBeNull();
    expect(currentOutcome(v)).toBe("refer");
  });

  it("ignores an overrule without an outcome, and one that is not the latest review", () => {
    expect(currentOutcome({ decisions: one, reviews: [reviewed("overrule", 200, { decisions_seen: 1 })] })).toBe("release");
    expect(currentOutcome({ decisions: one, reviews: [overrule, reviewed("agree", 300, { decisions_seen: 1 })] })).toBe("release");
  });

  it("marks the standing overrule as the current entry of the history", () => {
    const entries = historyEntries({ decisions: one, reviews: [overrule] });
    expect(entries.map((e) => [e.kind, e.current])).toEqual([
      ["decision", false],
      ["review", true],
    ]);
  });
});

describe("open work", () => {
  it("a returned inspection is open until answered", () => {
    const ret = reviewed("return", 200, { decisions_seen: 1 });
    expect(isOpen({ decisions: one, reviews: [ret] })).toBe(true);
    expect(isOpen({ decisions: [...one, decided("release", 300)], reviews: [ret] })).toBe(false);
  });
});
