// The supervisor's verdict form: what must be filled in before a review is
// sent, mirroring Rust's `NewReview::check` (an overrule names the outcome
// that replaces the crew's and says why; a return says what the crew should
// do; only an overrule carries an outcome and reasons).

import type { NewReviewInput } from "../transport/console.ts";
import type { Outcome, Verdict } from "../transport/types.ts";

export const REVIEW_COMMENT_MAX = 4_000;

export interface VerdictDraft {
  verdict: Verdict | null;
  outcome: Outcome | null;
  reasons: readonly string[];
  comment: string;
}

export const EMPTY_DRAFT: VerdictDraft = { verdict: null, outcome: null, reasons: [], comment: "" };

export type VerdictProblem = "verdict" | "outcome" | "comment" | "comment_too_long";

export function commentRequired(verdict: Verdict | null): boolean {
  return verdict === "overrule" || verdict === "return";
}

/** What is missing or wrong, in the order the form shows it; empty: ready to send. */
export function verdictProblems(d: VerdictDraft): VerdictProblem[] {
  const out: VerdictProblem[] = [];
  if (d.verdict === null) return ["verdict"];
  if (d.verdict === "overrule" && d.outcome === null) out.push("outcome");
  if (commentRequired(d.verdict) && d.comment.trim() === "") out.push("comment");
  if (Array.from(d.comment).length > REVIEW_COMMENT_MAX) out.push("comment_too_long");
  return out;
}

/** The review to send, or null while the draft has problems. */
export function reviewInput(d: VerdictDraft): NewReviewInput | null {
  if (d.verdict === null || verdictProblems(d).length > 0) return null;
  const overrule = d.verdict === "overrule";
  return {
    verdict: d.verdict,
    outcome: overrule ? d.outcome : null,
    reasons: overrule ? [...d.reasons] : [],
    comment: d.comment.trim(),
  };
}
