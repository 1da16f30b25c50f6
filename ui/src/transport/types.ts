// The JSON the Rust side produces and takes, hand-written for now.
//
// THIS FILE WILL BE GENERATED from the Rust types (kordon-model,
// kordon-store, kordon-vehicle) in a later step; until then keep it in step
// by hand with:
//   crates/kordon-model/src/types.rs   InspectionView, Decision, Review, ...
//   crates/kordon-model/src/plate.rs   Plate
//   crates/kordon-model/src/scan.rs    Scan, ScanImage, Energy
//   crates/kordon-store/src/index.rs   IndexRow (`kordon inspection list --json`)
//   crates/kordon-store/src/blobs.rs   BlobCounts
//   crates/kordon-vehicle/src/status.rs Status (`kordon status --json`)
// Field names are Rust's (snake_case). Rust i64/u64 become number: times
// are Unix milliseconds and byte counts stay far below 2^53.

/** `Outcome`, serialised snake_case. */
export type Outcome = "release" | "physical_inspection" | "detain" | "refer";

/** `Verdict`, serialised snake_case. */
export type Verdict = "agree" | "overrule" | "return";

/** `Energy`, serialised snake_case. */
export type Energy = "single" | "high" | "low";

/** `Plate`: the raw read, its canonical form and its OCR-folded match key. */
export interface Plate {
  raw: string;
  canonical: string;
  key: string;
}

/** `Location`. */
export interface Location {
  place: string | null;
  lat: number | null;
  lon: number | null;
}

/** `Decision`: one entry of the append-only decision list. */
export interface Decision {
  outcome: Outcome;
  reasons: string[];
  note: string;
  officer: string;
  /** Unix ms, from the deciding device's clock. */
  at_ms: number;
}

/** `Review`: one entry of the append-only review list. */
export interface Review {
  verdict: Verdict;
  comment: string;
  supervisor: string;
  at_ms: number;
}

/** `ScanImage`. */
export interface ScanImage {
  /** BLAKE3 hash of the original file, 64 lower-case hex digits. */
  blob: string;
  size: number;
  width: number;
  height: number;
  bits: number;
  channels: number;
  /** "tiff", "png" or "jpeg". */
  format: string;
  energy: Energy;
}

/** `Scan`. */
export interface Scan {
  id: string;
  images: ScanImage[];
  name: string | null;
  scanner: string | null;
  captured_ms: number | null;
  pixel_mm: number | null;
  added_ms: number;
  added_by: string;
}

/** `InspectionView` (`kordon inspection show ID`). */
export interface InspectionView {
  /** UUID. */
  id: string;
  created_ms: number;
  created_by: string;
  unit: string;
  crew: string[];
  location: Location;
  tractor_plate: Plate | null;
  trailer_plate: Plate | null;
  /** Valid ISO 6346 codes, canonical (upper case, no separators). */
  containers: string[];
  declaration: string | null;
  notes: string;
  decisions: Decision[];
  reviews: Review[];
  scans: Scan[];
  /** The annotation layer: marks drawn on scans, append-only. */
  annotations: Annotation[];
  /** Left out by Rust when empty. */
  problems?: string[];
}

/** `IndexRow` (`kordon inspection list --json`): the view, flattened, plus index columns. */
export interface IndexRow extends InspectionView {
  heads: string[];
  updated_ms: number;
}

/** `BlobCounts`. */
export interface BlobCounts {
  pending: number;
  bytes_pending: number;
  bytes_done: number;
  delivered: number;
}

/** `Status` (`kordon status --json`). */
export interface Status {
  /** The device's public key, hex. */
  device: string;
  unit: string | null;
  enrolled: boolean;
  server: string | null;
  officer: string | null;
  inspections: number;
  /** Local records the server has not acknowledged yet. */
  pending: number;
  /** Local records with a server receipt. */
  acknowledged: number;
  /** Records received from the server (reviews, ...). */
  received: number;
  rejected: number;
  blobs: BlobCounts;
  /** Last sync that completed (everything exchanged), Unix ms. */
  last_sync_ms: number | null;
  last_attempt_ms: number | null;
  last_error: string | null;
}

/**
 * `Query` (crates/kordon-store/src/index.rs; today the flags of
 * `kordon inspection list`). Absent fields do not filter.
 */
export interface InspectionQuery {
  /** Tractor or trailer plate in any spelling, matched by key. */
  plate?: string;
  /** Container code, exact (separators and case ignored). */
  container?: string;
  /** UTC day of creation, YYYY-MM-DD. */
  day?: string;
  /** Current outcome, or "none" for undecided. */
  outcome?: Outcome | "none";
  limit?: number;
}

/**
 * `NewInspection` minus `unit` and `crew`, which the vehicle fills in from
 * its enrollment and the officer signed in (as `kordon inspection new` does).
 * Plates and codes are sent as typed; Rust validates them again.
 */
export interface NewInspectionInput {
  tractor_plate: string;
  trailer_plate: string | null;
  containers: string[];
  declaration: string | null;
  location: Location;
  notes: string;
}

/** `NewDecision`: reasons are `ReasonCode`s. */
export interface NewDecisionInput {
  outcome: Outcome;
  reasons: string[];
  note: string;
}

/** `AnnotationKind`: what an officer marks on a scan. */
export type AnnotationKind = "void" | "double_wall" | "density_anomaly" | "undeclared_goods" | "other";

/**
 * `Shape`: in full-resolution image pixels (x to the right, y down), of the
 * scan's primary image.
 */
export type Shape =
  | { type: "rect"; x: number; y: number; w: number; h: number }
  | { type: "free"; points: [number, number][] };

/** `Annotation`: one entry of the document's append-only annotation layer. */
export interface Annotation {
  /** UUID. */
  id: string;
  /** The scan's id (its primary image's blob hash). */
  scan: string;
  kind: AnnotationKind;
  shape: Shape;
  /** Free text beside the kind; may be empty. */
  label: string;
  added_ms: number;
  added_by: string;
}

/** `NewAnnotation`. */
export interface NewAnnotationInput {
  scan: string;
  kind: AnnotationKind;
  shape: Shape;
  label: string;
}

/** `PlaneRange`: raw-value statistics of one plane (high or low energy). */
export interface PlaneRange {
  min: number;
  max: number;
  /** 0.5th percentile: the low end of the automatic window. */
  p_low: number;
  /** 99.5th percentile: the high end of the automatic window. */
  p_high: number;
}

/**
 * `ScanInfo`: a scan's tile pyramid. Levels are numbered as in DZI and
 * OpenSeadragon: level `max_level` is full size, each level below halves
 * it; tiles are `tile_size` square with no overlap.
 */
export interface ScanInfo {
  id: string;
  width: number;
  height: number;
  tile_size: number;
  max_level: number;
  /** 1 single energy, 2 dual energy (materials colouring possible). */
  planes: number;
  bits: number;
  /** Millimetres per full-resolution pixel, when the scanner said. */
  pixel_mm: number | null;
  /** One per plane: [high or single, low]. */
  stats: PlaneRange[];
}

/** `Colormap`. */
export type Colormap = "grey" | "hot" | "jet" | "bone" | "viridis";

/** `ViewParams`: how tiles are rendered (Rust validates the ranges). */
export interface ViewParams {
  /** Raw values shown black and white; null: automatic (p_low..p_high). */
  window: { low: number; high: number } | null;
  invert: boolean;
  /** 0.1 to 10; 1 is linear. */
  gamma: number;
  colormap: Colormap;
  /** Edge enhancement strength, 0 (off) to 10. */
  edge: number;
  /** Dual-energy material colours (ignored for single-energy scans). */
  materials: boolean;
}

/** `ImportScanInput`: files on the vehicle's disk. */
export interface ImportScanInput {
  /** The single or high-energy image. */
  path: string;
  /** The low-energy image of a dual-energy pair. */
  low: string | null;
  pixel_mm: number | null;
  scanner: string | null;
}

/** `ScanImported`. */
export interface ScanImported {
  inspection: string;
  scan: Scan;
  levels: number;
  first_tile_ms: number;
}

/** `WatchState`: the app's watch folder. */
export interface WatchState {
  /** Null: not watching. */
  folder: string | null;
  /** Inspection new scans go to; null: the newest undecided one. */
  inspection: string | null;
}

/** `ImportStage`. */
export type ImportStage = "started" | "done" | "failed";

/** `ImportEvent`: progress of an import (from the UI or the watch folder). */
export interface ImportEvent {
  /** File name. */
  file: string;
  stage: ImportStage;
  /** Set once known. */
  inspection: string | null;
  scan: string | null;
  /** Plain-words error when `stage` is "failed". */
  error: { code: string; message: string } | null;
}
