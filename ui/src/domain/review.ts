// Where an inspection stands with the supervisors, mirroring
// `InspectionView::review_state` and `latest_review` in
// crates/kordon-model/src/types.rs. Counted, not timed: a return is
// answered once the crew has recorded more decisions than the supervisor
// saw, whatever either clock said.

import type { InspectionView, Outcome, Review, ReviewState } from "../transport/types.ts";

export type { ReviewState };

/**
 * A review as read. Reviews written before Rust recorded `decisions_seen`
 * have it null (read as 0, as Rust does); and the code here does not rely
 * on `outcome` and `reasons` being there, for views from older builds.
 */
export type ReviewEntry = Review;

export const REVIEW_STATES: readonly ReviewState[] = ["unreviewed", "agreed", "overruled", "returned", "answered"];

export function isReviewState(s: string): s is ReviewState {
  return (REVIEW_STATES as readonly string[]).includes(s);
}

type Reviewed = Pick<InspectionView, "decisions" | "reviews">;

/** The latest review by time; ties go to the later list entry. */
export function latestReview(reviews: readonly Review[]): ReviewEntry | null {
  let best: ReviewEntry | null = null;
  for (const r of reviews) {
    if (best === null || r.at_ms >= best.at_ms) best = r;
  }
  return best;
}

/** How many decisions the supervisor saw (none recorded: 0, as in Rust). */
export function decisionsSeen(r: ReviewEntry): number {
  return r.decisions_seen ?? 0;
}

export function reviewStateOf(v: Reviewed): ReviewState {
  const r = latestReview(v.reviews);
  if (r === null) return "unreviewed";
  switch (r.verdict) {
    case "agree":
      return "agreed";
    case "overrule":
      return "overruled";
    case "return":
      return v.decisions.length > decisionsSeen(r) ? "answered" : "returned";
  }
}

/** The outcome a standing overrule put in place of the crew's: the latest review, made after the crew's last decision. */
export function overruledOutcome(v: Reviewed): Outcome | null {
  const r = latestReview(v.reviews);
  if (r === null || r.verdict !== "overrule" || decisionsSeen(r) < v.decisions.length) return null;
  return r.outcome ?? null;
}

/** The review the crew must answer: the latest one, when it returned the inspection and no decision followed. */
export function pendingReturn(v: Reviewed): ReviewEntry | null {
  return reviewStateOf(v) === "returned" ? latestReview(v.reviews) : null;
}
