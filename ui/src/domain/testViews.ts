// Small builders of InspectionView values for tests.

import type { AnprRead, Decision, InspectionView } from "../transport/types.ts";
import { parsePlate } from "./plate.ts";
import type { ReviewEntry } from "./review.ts";

export function plate(raw: string): InspectionView["tractor_plate"] {
  const r = parsePlate(raw);
  if (!r.ok) throw new Error(`test plate ${raw}`);
  return { ...r.plate };
}

let next = 0;

export function testView(over: Partial<InspectionView> & { tractor?: string } = {}): InspectionView {
  const { tractor, ...rest } = over;
  next += 1;
  return {
    id: `00000000-0000-4000-8000-${String(next).padStart(12, "0")}`,
    created_ms: 0,
    created_by: "OF-1",
    unit: "MOBILE-1",
    crew: ["OF-1"],
    location: { place: null, lat: null, lon: null },
    tractor_plate: plate(tractor ?? "AA0000AA"),
    trailer_plate: null,
    containers: [],
    declaration: null,
    notes: "",
    decisions: [],
    reviews: [],
    scans: [],
    annotations: [],
    ...rest,
  };
}

export const decided = (outcome: Decision["outcome"], at_ms: number, over: Partial<Decision> = {}): Decision => ({
  outcome,
  reasons: [],
  note: "",
  officer: "OF-1",
  at_ms,
  ...over,
});

export const reviewed = (verdict: ReviewEntry["verdict"], at_ms: number, over: Partial<ReviewEntry> = {}): ReviewEntry => ({
  verdict,
  comment: "",
  supervisor: "SUP-1",
  at_ms,
  outcome: null,
  reasons: [],
  decisions_seen: null,
  ...over,
});

/** A camera read; no plate was read unless `over` gives a text. */
export const anprRead = (over: Partial<AnprRead> = {}): AnprRead => ({
  id: "1795521909700-4182-00000017#0",
  received_ms: 0,
  captured_ms: null,
  vendor: "hikvision",
  camera: "gate-2",
  lane: "1",
  role: null,
  text: null,
  plate: null,
  confidence: null,
  char_confidence: [],
  country: "UA",
  direction: "approach",
  images: [],
  added_by: "OF-1",
  ...over,
});
