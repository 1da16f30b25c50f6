// Made-up inspections for the in-memory transport in development, shaped
// like the study-visit demo's (crossing points, plates, container codes).

import { parsePlate } from "../domain/plate.ts";
import type { ReviewEntry } from "../domain/review.ts";
import type { SeedInspection } from "./memory.ts";
import type { AnprRead, Decision, InspectionView, Plate, Scan } from "./types.ts";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

function plate(raw: string): Plate {
  const r = parsePlate(raw);
  if (!r.ok) throw new Error(`demo plate ${raw} does not parse`);
  return { ...r.plate };
}

function view(
  id: string,
  created_ms: number,
  fields: Partial<InspectionView> & { tractor: string },
): InspectionView {
  const { tractor, ...rest } = fields;
  return {
    id,
    created_ms,
    created_by: "OF-1742",
    unit: "MOBILE-1",
    crew: ["OF-1742"],
    location: { place: "Rava-Ruska", lat: null, lon: null },
    tractor_plate: plate(tractor),
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

const decision = (d: Partial<Decision> & Pick<Decision, "outcome" | "at_ms">): Decision => ({
  reasons: [],
  note: "",
  officer: "OF-1742",
  ...d,
});

const review = (r: Partial<ReviewEntry> & Pick<ReviewEntry, "verdict" | "at_ms">): ReviewEntry => ({
  comment: "",
  supervisor: "SUP-07",
  outcome: null,
  reasons: [],
  decisions_seen: 1,
  ...r,
});

/** A single-energy scan entry (its tiles are drawn by demoTiles.ts). */
const singleScan = (id: string, name: string, added_ms: number, width = 4800, height = 1600): Scan => ({
  id,
  images: [{ blob: id, size: 11_520_390, width, height, bits: 16, channels: 1, format: "tiff", energy: "single" }],
  name,
  scanner: "GANTRY-2",
  captured_ms: added_ms - 2 * MIN,
  pixel_mm: 5,
  added_ms,
  added_by: "OF-1742",
});

/**
 * A read of the Hikvision camera over lane 1 at the gantry's approach, as
 * its push was spooled (`push`) and attached (its images are left out).
 */
const hikvisionRead = (push: number, captured_ms: number, text: string | null, over: Partial<AnprRead> = {}): AnprRead => ({
  id: `${captured_ms + 700}-4182-${String(push).padStart(8, "0")}#0`,
  received_ms: captured_ms + 700,
  captured_ms,
  vendor: "hikvision",
  camera: "gate-2",
  lane: "1",
  role: null,
  text,
  plate: text === null ? null : plate(text),
  confidence: null,
  char_confidence: [],
  country: "UA",
  direction: "approach",
  images: [],
  added_by: "OF-1742",
  ...over,
});

export function demoSeed(now: number): SeedInspection[] {
  const t = (ago: number): number => now - ago;
  return [
    {
      sync: "pending",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0001", t(12 * MIN), {
        tractor: "АА 1234 ВС",
        trailer_plate: plate("AI 5678 XT"),
        containers: ["CSQU3054383"],
        declaration: "UA209160/2026/004211",
        notes: "Пломба на місці, номер збігається з декларацією.",
        reads: [
          hikvisionRead(17, t(13 * MIN), "АА1234ВС", {
            role: "tractor",
            confidence: 0.94,
            char_confidence: [98, 97, 99, 99, 98, 99, 91, 96],
          }),
          hikvisionRead(18, t(13 * MIN) + 9_000, "AI5678XT", {
            camera: "gate-2-rear",
            role: "trailer",
            confidence: 0.81,
            char_confidence: [96, 74, 98, 97, 99, 98, 88, 95],
          }),
        ],
        scans: [
          {
            id: "5ce3d641448bbdf419e1b350e6456f1ac8382463166d27641a20c21a610e44e3",
            images: [
              {
                blob: "5ce3d641448bbdf419e1b350e6456f1ac8382463166d27641a20c21a610e44e3",
                size: 24_000_390,
                width: 6000,
                height: 2000,
                bits: 16,
                channels: 1,
                format: "tiff",
                energy: "high",
              },
              {
                blob: "0e1790b5a9e7b9bd07477c049bf87f3c0cf8c462d8884750765515743d127012",
                size: 24_000_390,
                width: 6000,
                height: 2000,
                bits: 16,
                channels: 1,
                format: "tiff",
                energy: "low",
              },
            ],
            name: "TRK_0001_high.tif",
            scanner: "GANTRY-2",
            captured_ms: t(14 * MIN),
            pixel_mm: 5,
            added_ms: t(11 * MIN),
            added_by: "OF-1742",
          },
        ],
        annotations: [
          {
            id: "a7d1e0c4-3b7e-4f0a-9c55-0d5e8f1a0001",
            scan: "5ce3d641448bbdf419e1b350e6456f1ac8382463166d27641a20c21a610e44e3",
            kind: "density_anomaly",
            shape: { type: "rect", x: 3540, y: 560, w: 560, h: 660 },
            label: "Щільний блок за вантажем",
            added_ms: t(9 * MIN),
            added_by: "OF-1742",
          },
        ],
      }),
    },
    {
      // The same tractor three weeks earlier: its history and a scan to compare.
      sync: "acknowledged",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0006", t(21 * DAY), {
        tractor: "AA1234BC",
        containers: ["CSQU3054383"],
        declaration: "UA209160/2026/001877",
        location: { place: "Shehyni", lat: null, lon: null },
        decisions: [decision({ outcome: "release", at_ms: t(21 * DAY - 9 * MIN) })],
        scans: [
          {
            id: "9a41f1b0d3c2e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f901",
            images: [
              {
                blob: "9a41f1b0d3c2e5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f901",
                size: 12_000_390,
                width: 4800,
                height: 1600,
                bits: 16,
                channels: 1,
                format: "tiff",
                energy: "single",
              },
            ],
            name: "TRK_0317.tif",
            scanner: "GANTRY-1",
            captured_ms: t(21 * DAY + 2 * MIN),
            pixel_mm: 6.25,
            added_ms: t(21 * DAY),
            added_by: "OF-2210",
          },
        ],
      }),
    },
    {
      sync: "acknowledged",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0002", t(2 * HOUR), {
        tractor: "BO1734OA",
        trailer_plate: plate("BC0567TP"),
        location: { place: "Shehyni", lat: null, lon: null },
        containers: ["MSKU9070323"],
        declaration: "UA209153/2026/431772",
        decisions: [
          decision({
            outcome: "physical_inspection",
            reasons: ["DENSITY_ANOMALY"],
            note: "Щільна маса за передньою стінкою",
            at_ms: t(2 * HOUR - 10 * MIN),
          }),
        ],
        reviews: [review({ verdict: "agree", comment: "Відкрити контейнер", at_ms: t(HOUR) })],
      }),
    },
    {
      sync: "acknowledged",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0003", t(3 * HOUR), {
        tractor: "ВН 9975 ТО",
        location: { place: "Yahodyn", lat: null, lon: null },
        reads: [
          hikvisionRead(4, t(3 * HOUR + 2 * MIN), "ВН9975ТО", {
            role: "tractor",
            confidence: 0.97,
            char_confidence: [99, 98, 99, 99, 97, 99, 96, 98],
          }),
          // The trailer's plate was too dirty to read.
          hikvisionRead(5, t(3 * HOUR + 2 * MIN) + 11_000, null, { camera: "gate-2-rear" }),
        ],
        containers: ["TGHU7599834"],
        declaration: "UA209508/2026/647941",
        decisions: [decision({ outcome: "release", at_ms: t(3 * HOUR - 5 * MIN) })],
        scans: [singleScan("3f6b1c0e9d2a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f9011223344", "TRK_0042.tif", t(3 * HOUR - 20 * MIN))],
        // Returned, not answered yet: the crew sees a banner asking for a new decision.
        reviews: [
          review({
            verdict: "return",
            comment: "Органічна маса біля дверей: огляньте ще раз",
            at_ms: t(90 * MIN),
          }),
        ],
      }),
    },
    {
      // Overruled: the supervisor's outcome stands in place of the crew's.
      sync: "acknowledged",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0007", t(5 * HOUR), {
        tractor: "ВС 4410 НА",
        trailer_plate: plate("BC 2291 XM"),
        location: { place: "Rava-Ruska", lat: null, lon: null },
        containers: ["MSCU6639870"],
        declaration: "UA209160/2026/004190",
        decisions: [decision({ outcome: "release", note: "Відповідає декларації", at_ms: t(5 * HOUR - 12 * MIN) })],
        scans: [singleScan("7c2e4a6b8d0f1e3a5c7e9b1d3f5a7c9e0b2d4f6a8c0e1b3d5f7a9c0e2b4d6f81", "TRK_0037.tif", t(5 * HOUR - 25 * MIN), 6000, 2000)],
        reviews: [
          review({
            verdict: "overrule",
            outcome: "physical_inspection",
            reasons: ["ORGANIC_MASS"],
            comment: "Неоднорідна щільність у задній третині: відкрити контейнер",
            at_ms: t(3 * HOUR),
          }),
        ],
      }),
    },
    {
      // Returned and answered: the crew recorded a new decision after the return.
      sync: "pending",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0008", t(7 * HOUR), {
        tractor: "АІ 3017 КВ",
        location: { place: "Yahodyn", lat: null, lon: null },
        containers: ["TCLU1234568"],
        decisions: [
          decision({ outcome: "release", at_ms: t(7 * HOUR - 10 * MIN) }),
          decision({
            outcome: "physical_inspection",
            reasons: ["SEAL_MISMATCH"],
            note: "Пломба не збігається з декларацією; направлено на фізичний огляд",
            at_ms: t(4 * HOUR),
          }),
        ],
        reviews: [review({ verdict: "return", comment: "Перевірте номер пломби", at_ms: t(5 * HOUR) })],
      }),
    },
    {
      sync: "acknowledged",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0004", t(26 * HOUR), {
        tractor: "AH2654OH",
        location: { place: "Shehyni", lat: null, lon: null },
        containers: ["BICU1234565"],
        declaration: "UA209403/2026/341810",
        decisions: [
          decision({ outcome: "refer", reasons: ["HOTLIST"], at_ms: t(26 * HOUR - 8 * MIN) }),
        ],
      }),
    },
    {
      sync: "rejected",
      view: view("5b0c7a52-6f2e-4d41-9a0e-1f6f6d1c0005", t(30 * HOUR), {
        tractor: "КА 0021 ХР",
        location: { place: "Rava-Ruska", lat: null, lon: null },
      }),
    },
  ];
}
