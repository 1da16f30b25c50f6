// Outcomes and verdicts, and what is derived from the append-only lists,
// mirroring `InspectionView::current_outcome` in crates/kordon-model/src/types.rs.

import type { Decision, InspectionView, Outcome, Review, Verdict } from "../transport/types.ts";

export const OUTCOMES: readonly Outcome[] = ["release", "physical_inspection", "detain", "refer"];
export const VERDICTS: readonly Verdict[] = ["agree", "overrule", "return"];

/** The latest decision by time; ties go to the later list entry. */
export function currentDecision(decisions: readonly Decision[]): Decision | null {
  let best: Decision | null = null;
  for (const d of decisions) {
    if (best === null || d.at_ms >= best.at_ms) best = d;
  }
  return best;
}

export function currentOutcome(view: Pick<InspectionView, "decisions">): Outcome | null {
  return currentDecision(view.decisions)?.outcome ?? null;
}

function latestReview(reviews: readonly Review[]): Review | null {
  let best: Review | null = null;
  for (const r of reviews) {
    if (best === null || r.at_ms >= best.at_ms) best = r;
  }
  return best;
}

/**
 * Open: nothing decided yet, or a supervisor returned the inspection after
 * its latest decision (the crew must look again).
 */
export function isOpen(view: Pick<InspectionView, "decisions" | "reviews">): boolean {
  const decision = currentDecision(view.decisions);
  if (decision === null) return true;
  const review = latestReview(view.reviews);
  return review !== null && review.verdict === "return" && review.at_ms >= decision.at_ms;
}
