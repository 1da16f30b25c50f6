// The append-only decision and review lists, merged into one timeline for
// display. Nothing here changes an entry: the lists are only read.

import type { Decision, InspectionView } from "../transport/types.ts";
import { currentDecision } from "./outcome.ts";
import { latestReview, overruledOutcome, type ReviewEntry } from "./review.ts";

/** `current`: the entry whose outcome stands (the latest decision, or an overrule made after it). */
export type HistoryEntry =
  | { readonly kind: "decision"; readonly index: number; readonly entry: Decision; readonly current: boolean }
  | { readonly kind: "review"; readonly index: number; readonly entry: ReviewEntry; readonly current: boolean };

/** Oldest first; at equal times decisions before reviews, then list order. */
export function historyEntries(v: Pick<InspectionView, "decisions" | "reviews">): HistoryEntry[] {
  const overrule = overruledOutcome(v) === null ? null : latestReview(v.reviews);
  const decision = overrule === null ? currentDecision(v.decisions) : null;
  const all: HistoryEntry[] = [
    ...v.decisions.map((entry, index): HistoryEntry => ({ kind: "decision", index, entry, current: entry === decision })),
    ...v.reviews.map((entry, index): HistoryEntry => ({ kind: "review", index, entry, current: entry === overrule })),
  ];
  return all.sort(
    (a, b) =>
      a.entry.at_ms - b.entry.at_ms ||
      (a.kind === b.kind ? 0 : a.kind === "decision" ? -1 : 1) ||
      a.index - b.index,
  );
}
