// The append-only decision and review lists, merged into one timeline for
// display. Nothing here changes an entry: the lists are only read.

import type { Decision, InspectionView, Review } from "../transport/types.ts";
import { currentDecision } from "./outcome.ts";

export type HistoryEntry =
  | { readonly kind: "decision"; readonly index: number; readonly entry: Decision; readonly current: boolean }
  | { readonly kind: "review"; readonly index: number; readonly entry: Review };

/** Oldest first; at equal times decisions before reviews, then list order. */
export function historyEntries(v: Pick<InspectionView, "decisions" | "reviews">): HistoryEntry[] {
  const current = currentDecision(v.decisions);
  const all: HistoryEntry[] = [
    ...v.decisions.map((entry, index): HistoryEntry => ({ kind: "decision", index, entry, current: entry === current })),
    ...v.reviews.map((entry, index): HistoryEntry => ({ kind: "review", index, entry })),
  ];
  return all.sort(
    (a, b) =>
      a.entry.at_ms - b.entry.at_ms ||
      (a.kind === b.kind ? 0 : a.kind === "decision" ? -1 : 1) ||
      a.index - b.index,
  );
}
