// Outcomes and verdicts, and what is derived from the append-only lists,
// mirroring `InspectionView::current_outcome` in crates/kordon-model/src/types.rs.

import type { Decision, InspectionView, Outcome, Verdict } from "../transport/types.ts";
import { overruledOutcome, reviewStateOf } from "./review.ts";

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

/**
 * An overrule made after the crew's last decision stands (its outcome
 * replaces the crew's); otherwise the latest decision by time.
 */
export function currentOutcome(view: Pick<InspectionView, "decisions" | "reviews">): Outcome | null {
  return overruledOutcome(view) ?? currentDecision(view.decisions)?.outcome ?? null;
}

/**
 * Open work for the crew: nothing decided yet, or a supervisor returned the
 * inspection and the crew has not decided again since.
 */
export function isOpen(view: Pick<InspectionView, "decisions" | "reviews">): boolean {
  return currentOutcome(view) === null || reviewStateOf(view) === "returned";
}
