// GENERATED from the Rust types by crates/kordon-api (bindings.rs).
// Do not edit: change the Rust type and run `make types`.
// Rust i64/u64 fields are numbers: Unix milliseconds and byte
// counts stay far below 2^53.

/**
 * An inspection's id: a random UUID, also the Automerge document's id.
 */
export type InspectionId = string;

/**
 * A validated ISO 6346 container code, stored without spaces, upper case.
 */
export type ContainerCode = string;

/**
 * What the crew decided about the vehicle.
 */
export type Outcome = "release" | "physical_inspection" | "detain" | "refer";

/**
 * A supervisor's verdict on the crew's decision.
 */
export type Verdict = "agree" | "overrule" | "return";

/**
 * Which beam an image was taken with.
 */
export type Energy = "single" | "high" | "low";

/**
 * A plate in its three forms. Built only through [`Plate::parse`].
 */
export type Plate = { raw: string, canonical: string, key: string, };

/**
 * Where the inspection took place.
 */
export type Location = { 
/**
 * Border crossing point or place name.
 */
place: string | null, lat: number | null, lon: number | null, };

/**
 * One entry of the append-only decision list.
 */
export type Decision = { outcome: Outcome, reasons: Array<string>, note: string, officer: string, 
/**
 * Unix time in milliseconds, from the deciding device's clock.
 */
at_ms: number, };

/**
 * One entry of the append-only review list.
 */
export type Review = { verdict: Verdict, comment: string, supervisor: string, at_ms: number, };

/**
 * One image of a scan, as stored.
 */
export type ScanImage = { 
/**
 * BLAKE3 hash of the original file, 64 lower-case hex digits.
 */
blob: string, 
/**
 * Size of the original file in bytes.
 */
size: number, width: number, height: number, 
/**
 * Bits per sample as stored (8 or 16).
 */
bits: number, 
/**
 * Channels in the original file (colour files are viewed as grey).
 */
channels: number, 
/**
 * `tiff`, `png` or `jpeg`.
 */
format: string, energy: Energy, };

/**
 * A scan as read from the document.
 */
export type Scan = { 
/**
 * The primary image's blob: how the scan is named.
 */
id: string, images: Array<ScanImage>, name: string | null, scanner: string | null, captured_ms: number | null, pixel_mm: number | null, added_ms: number, added_by: string, };

/**
 * What an officer marks on a scan.
 */
export type AnnotationKind = "void" | "double_wall" | "density_anomaly" | "undeclared_goods" | "other";

/**
 * Where a mark is, in full-resolution image pixels (x right, y down).
 */
export type Shape = { "type": "rect", x: number, y: number, w: number, h: number, } | { "type": "free", points: Array<[number, number]>, };

/**
 * One entry of the annotation layer.
 */
export type Annotation = { 
/**
 * UUID.
 */
id: string, scan: string, kind: AnnotationKind, shape: Shape, label: string, added_ms: number, added_by: string, };

/**
 * A mark to add.
 */
export type NewAnnotationInput = { 
/**
 * The scan's id (its primary image's blob hash).
 */
scan: string, kind: AnnotationKind, shape: Shape, 
/**
 * Free text beside the kind; may be empty.
 */
label: string, };

/**
 * The inspection as read from its document: what lists, indexes, exports
 * and screens show. Derived, never stored as the truth.
 */
export type InspectionView = { id: InspectionId, created_ms: number, created_by: string, unit: string, crew: Array<string>, location: Location, tractor_plate: Plate | null, trailer_plate: Plate | null, containers: Array<ContainerCode>, declaration: string | null, notes: string, decisions: Array<Decision>, reviews: Array<Review>, 
/**
 * Scans attached to the inspection, in the order they were added.
 */
scans: Array<Scan>, 
/**
 * The annotation layer: marks drawn on the scans, append-only.
 */
annotations: Array<Annotation>, 
/**
 * Entries of the document that do not follow the schema and were left
 * out of this view (they remain in the signed records).
 */
problems?: Array<string>, };

/**
 * A row of the index: the columns queries filter on, and the whole view.
 */
export type IndexRow = { heads: Array<string>, updated_ms: number, id: InspectionId, created_ms: number, created_by: string, unit: string, crew: Array<string>, location: Location, tractor_plate: Plate | null, trailer_plate: Plate | null, containers: Array<ContainerCode>, declaration: string | null, notes: string, decisions: Array<Decision>, reviews: Array<Review>, 
/**
 * Scans attached to the inspection, in the order they were added.
 */
scans: Array<Scan>, 
/**
 * The annotation layer: marks drawn on the scans, append-only.
 */
annotations: Array<Annotation>, 
/**
 * Entries of the document that do not follow the schema and were left
 * out of this view (they remain in the signed records).
 */
problems?: Array<string>, };

/**
 * Delivery of blobs, for `status`.
 */
export type BlobCounts = { pending: number, bytes_pending: number, bytes_done: number, delivered: number };

export type Status = { device: string, unit: string | null, enrolled: boolean, server: string | null, officer: string | null, inspections: number, 
/**
 * Local records the server has not acknowledged yet.
 */
pending: number, 
/**
 * Local records with a server receipt.
 */
acknowledged: number, 
/**
 * Records received from the server (reviews, ...).
 */
received: number, rejected: number, 
/**
 * Scan blobs: pending, bytes pending and done, delivered.
 */
blobs: BlobCounts, 
/**
 * Last sync that completed (everything exchanged), Unix ms.
 */
last_sync_ms: number | null, last_attempt_ms: number | null, last_error: string | null, };

/**
 * The officer signed in on this device.
 */
export type Session = { officer: string, 
/**
 * True when this sign-in set the officer's PIN (first time here).
 */
pin_set: boolean, };

/**
 * A query over the vehicle's inspections. Absent fields do not filter.
 */
export type InspectionQuery = { 
/**
 * Tractor or trailer plate in any spelling, matched by key.
 */
plate?: string, 
/**
 * Container code, exact (separators and case ignored).
 */
container?: string, 
/**
 * UTC day of creation, YYYY-MM-DD.
 */
day?: string, 
/**
 * Current outcome, or "none" for undecided.
 */
outcome?: string, limit?: number, };

/**
 * How far an inspection's records got.
 */
export type RecordSync = "pending" | "acknowledged" | "rejected";

/**
 * A queue row: the index row and its delivery.
 */
export type InspectionRow = { sync: RecordSync, 
/**
 * Records of this inspection without a receipt.
 */
pending: number, heads: Array<string>, updated_ms: number, id: InspectionId, created_ms: number, created_by: string, unit: string, crew: Array<string>, location: Location, tractor_plate: Plate | null, trailer_plate: Plate | null, containers: Array<ContainerCode>, declaration: string | null, notes: string, decisions: Array<Decision>, reviews: Array<Review>, 
/**
 * Scans attached to the inspection, in the order they were added.
 */
scans: Array<Scan>, 
/**
 * The annotation layer: marks drawn on the scans, append-only.
 */
annotations: Array<Annotation>, 
/**
 * Entries of the document that do not follow the schema and were left
 * out of this view (they remain in the signed records).
 */
problems?: Array<string>, };

/**
 * A new inspection as the crew types it; unit and crew come from the
 * vehicle's enrollment and the officer signed in.
 */
export type NewInspectionInput = { tractor_plate: string, trailer_plate: string | null, containers: Array<string>, declaration: string | null, location: Location, notes: string, };

/**
 * A decision; `reasons` are reason codes (`DENSITY_ANOMALY`, ...).
 */
export type NewDecisionInput = { outcome: Outcome, reasons: Array<string>, note: string, };

/**
 * Image files on the vehicle's disk to import as one scan.
 */
export type ImportScanInput = { 
/**
 * The single or high-energy image.
 */
path: string, 
/**
 * The low-energy image of a dual-energy pair.
 */
low: string | null, pixel_mm: number | null, scanner: string | null, };

/**
 * A finished import.
 */
export type ScanImported = { inspection: string, scan: Scan, 
/**
 * Levels of the tile pyramid.
 */
levels: number, 
/**
 * From reading the file to the first tile being readable.
 */
first_tile_ms: number, };

/**
 * The app's watch folder.
 */
export type WatchState = { 
/**
 * None: not watching.
 */
folder: string | null, 
/**
 * The inspection new scans go to; None: the newest undecided one.
 */
inspection: string | null, };

/**
 * Where an import is.
 */
export type ImportStage = "started" | "done" | "failed";

/**
 * Progress of an import, from the UI or the watch folder.
 */
export type ImportEvent = { 
/**
 * File name.
 */
file: string, stage: ImportStage, inspection: string | null, scan: string | null, 
/**
 * Set when `stage` is `failed`.
 */
error: ApiError | null, };

/**
 * State of the link, as the background sync sees it.
 */
export type Link = "online" | "offline" | "syncing";

/**
 * What the background sync reports, after every pass and on every change.
 */
export type SyncEvent = { link: Link, status: Status, 
/**
 * The last pass's failure, in words.
 */
error: ApiError | null, };

/**
 * Raw values shown black and white.
 */
export type WindowRange = { low: number, high: number, };

/**
 * How tiles are rendered. Ranges are checked by [`ViewParams::to_view`].
 */
export type ViewParams = { 
/**
 * None: automatic (the scan's 0.5th to 99.5th percentiles).
 */
window: WindowRange | null, invert: boolean, 
/**
 * 0.1 to 10; 1 is linear.
 */
gamma: number, 
/**
 * `grey`, `hot`, `jet`, `bone` or `viridis`.
 */
colormap: "grey" | "hot" | "jet" | "bone" | "viridis", 
/**
 * Edge enhancement, 0 (off) to 10.
 */
edge: number, 
/**
 * Dual-energy material colours (ignored for single-energy scans).
 */
materials: boolean, };

/**
 * Raw-value statistics of one plane.
 */
export type PlaneRange = { min: number, max: number, 
/**
 * 0.5th percentile: the low end of the automatic window.
 */
p_low: number, 
/**
 * 99.5th percentile: the high end of the automatic window.
 */
p_high: number, };

/**
 * A scan's tile pyramid. Levels are numbered as in DZI and OpenSeadragon:
 * `max_level` is full size, each level below halves it; tiles are
 * `tile_size` square with no overlap.
 */
export type ScanInfo = { id: string, width: number, height: number, tile_size: number, max_level: number, 
/**
 * 1: single energy; 2: dual energy (materials colouring possible).
 */
planes: number, bits: number, 
/**
 * Millimetres per full-resolution pixel, when the scanner said.
 */
pixel_mm: number | null, 
/**
 * One per plane: high (or single), then low.
 */
stats: Array<PlaneRange>, };

/**
 * One error shape for the UI: `code` is stable (scripts and the UI's
 * translations key on it; see [`ApiError::CODES`]), `message` is English
 * detail for logs and experts.
 */
export type ApiError = { code: string, message: string, };

/** Every `ApiError.code`. */
export const ERROR_CODES = [
  "not_enrolled",
  "not_signed_in",
  "wrong_pin",
  "pin_locked",
  "invalid_input",
  "not_found",
  "disk_full",
  "conflict",
  "storage",
  "device_key",
  "bad_token",
  "unreachable",
  "refused",
  "sync_failed",
  "io",
  "sync_incomplete",
  "internal",
] as const;
