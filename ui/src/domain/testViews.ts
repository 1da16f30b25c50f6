// Small builders of InspectionView values for tests.

import type { Alert, AnprRead, Decision, HotlistEntry, HotlistView, InspectionView } from "../transport/types.ts";
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

/** An open alert of a read on a list entry (a high-priority exact hit unless `over` says otherwise). */
export const testAlert = (over: Partial<Alert> = {}): Alert => ({
  id: "a1b2c3d4e5f6",
  at_ms: 0,
  raised_by: "OF-1",
  response: null,
  source: "read",
  read_id: "1795521909700-4182-00000017#0",
  role: "tractor",
  seen: "ВО7781ЕМ",
  list_id: "hl-wanted",
  list: "Wanted vehicles",
  entry_id: "e-1",
  entry_value: "BO7781EM",
  reason: "Stolen tractor",
  priority: "high",
  tier: "exact",
  ...over,
});

/** A hotlist of plates (canonical as given), each high priority unless told. */
export function testHotlist(
  id: string,
  name: string,
  entries: { id: string; value: string; reason: string; priority?: HotlistEntry["priority"] }[],
): HotlistView {
  return {
    id,
    name,
    units: [],
    created_ms: 0,
    entries: entries.map((e) => {
      const p = parsePlate(e.value);
      if (!p.ok) throw new Error(`test entry ${e.value}`);
      return {
        id: e.id,
        value: e.value,
        kind: "plate",
        canonical: p.plate.canonical,
        reason: e.reason,
        priority: e.priority ?? "high",
        valid_from_ms: null,
        valid_until_ms: null,
        added_by: "SUP-1",
        added_ms: 0,
        removed: null,
      };
    }),
    profiles: [],
  };
}
