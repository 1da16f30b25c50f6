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
export type Review = { verdict: Verdict, comment: string, supervisor: string, at_ms: number, 
/**
 * The outcome an overrule puts in place of the crew's.
 */
outcome: Outcome | null, 
/**
 * Reason codes of an overrule.
 */
reasons: Array<string>, 
/**
 * How many decisions the supervisor saw when reviewing: a decision
 * beyond them is the crew's answer (independent of either clock).
 * None in reviews written before it was recorded.
 */
decisions_seen: number | null, };

/**
 * Where an inspection stands with the supervisors, from its latest review.
 */
export type ReviewState = "unreviewed" | "agreed" | "overruled" | "returned" | "answered";

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
 * Which plate of the vehicle a read is of.
 */
export type PlateRole = "tractor" | "trailer";

/**
 * What a read's image shows.
 */
export type ReadImageKind = "plate" | "scene";

/**
 * An image of a read, stored as a blob.
 */
export type ReadImage = { kind: ReadImageKind, 
/**
 * BLAKE3 of the image bytes, 64 lower-case hex digits.
 */
blob: string, size: number, content_type: string, };

/**
 * Who removed something, and when.
 */
export type Removal = { by: string, at_ms: number, };

/**
 * The crew's correction of what a camera read.
 */
export type ReadCorrection = { text: string, plate: Plate, by: string, at_ms: number, };

/**
 * A camera's read as the inspection holds it.
 */
export type AnprRead = { 
/**
 * `PUSH#N`: the push it came in, and its place in that push.
 */
id: string, received_ms: number, captured_ms: number | null, 
/**
 * `hikvision`, `dahua`, `axis` or `generic`.
 */
vendor: string, camera: string | null, lane: string | null, 
/**
 * The plate of the vehicle this read is of, as attached.
 */
role: PlateRole | null, 
/**
 * The text exactly as read; none when the camera read no plate.
 */
text: string | null, 
/**
 * The text's canonical form and match key, when it is a plate.
 */
plate: Plate | null, 
/**
 * 0 to 1.
 */
confidence: number | null, 
/**
 * Per character, 0 to 100, where the camera gave it.
 */
char_confidence: Array<number>, country: string | null, direction: string | null, images: Array<ReadImage>, 
/**
 * The officer on duty when it was attached.
 */
added_by: string, 
/**
 * The crew's correction of the text, if any (the latest).
 */
correction?: ReadCorrection, 
/**
 * Set when the crew took the read off this inspection.
 */
detached?: Removal, };

/**
 * How urgent a hit is.
 */
export type Priority = "high" | "medium" | "low";

/**
 * How the seen text matched the entry, strongest first.
 */
export type MatchTier = "exact" | "ocr_equivalent" | "one_edit" | "profile";

/**
 * What raised an alert.
 */
export type AlertSource = "read" | "typed";

/**
 * The crew's answer to an alert.
 */
export type AlertResponseKind = "confirmed" | "false_match" | "action_taken";

/**
 * An alert about to be raised: what matched.
 */
export type NewAlert = { source: AlertSource, 
/**
 * The read that matched, for a read's alert.
 */
read_id: string | null, 
/**
 * Which plate of the vehicle it is about.
 */
role: PlateRole | null, 
/**
 * The text that matched, as it was seen or typed.
 */
seen: string, list_id: string, list: string, 
/**
 * The entry's or the profile's id.
 */
entry_id: string, 
/**
 * The entry's plate or container, or the profile's name.
 */
entry_value: string, reason: string, priority: Priority, tier: MatchTier, };

/**
 * The crew's response, as recorded.
 */
export type AlertResponse = { response: AlertResponseKind, note: string, officer: string, at_ms: number, };

/**
 * A response to record.
 */
export type NewAlertResponse = { alert: string, response: AlertResponseKind, note: string, };

/**
 * An alert as the inspection holds it, with its latest response.
 */
export type Alert = { id: string, at_ms: number, raised_by: string, response: AlertResponse | null, source: AlertSource, 
/**
 * The read that matched, for a read's alert.
 */
read_id: string | null, 
/**
 * Which plate of the vehicle it is about.
 */
role: PlateRole | null, 
/**
 * The text that matched, as it was seen or typed.
 */
seen: string, list_id: string, list: string, 
/**
 * The entry's or the profile's id.
 */
entry_id: string, 
/**
 * The entry's plate or container, or the profile's name.
 */
entry_value: string, reason: string, priority: Priority, tier: MatchTier, };

/**
 * What an entry names.
 */
export type EntryKind = "plate" | "container";

/**
 * A plate or container on a list.
 */
export type HotlistEntry = { id: string, 
/**
 * As the list's author wrote it.
 */
value: string, kind: EntryKind, 
/**
 * The plate's canonical form, or the container code.
 */
canonical: string, reason: string, priority: Priority, valid_from_ms: number | null, valid_until_ms: number | null, added_by: string, added_ms: number, removed: Removal | null, };

/**
 * A rule over a read and its inspection: every field given must hold.
 */
export type RiskProfile = { id: string, name: string, 
/**
 * The read's country (ISO 3166 alpha-2, as cameras give it).
 */
country: string | null, 
/**
 * Hours of the day, UTC, `hour_from` inclusive to `hour_to`
 * exclusive; wraps past midnight when `hour_from > hour_to`.
 */
hour_from: number | null, hour_to: number | null, 
/**
 * Found, case-insensitively, in the declaration or the notes.
 */
keyword: string | null, 
/**
 * The read's direction (`approach`, `leave`, ... as cameras give it).
 */
direction: string | null, reason: string, priority: Priority, valid_from_ms: number | null, valid_until_ms: number | null, added_by: string, added_ms: number, removed: Removal | null, };

/**
 * A list as read from its document.
 */
export type HotlistView = { id: string, name: string, 
/**
 * Units it goes to; empty means every unit.
 */
units: Array<string>, created_ms: number, entries: Array<HotlistEntry>, profiles: Array<RiskProfile>, };

/**
 * A new entry, as the server's operator gives it.
 */
export type NewHotlistEntry = { 
/**
 * A plate in any spelling, or an ISO 6346 container code.
 */
value: string, reason: string, 
/**
 * `high`, `medium` (default) or `low`.
 */
priority: Priority | null, valid_from_ms: number | null, valid_until_ms: number | null, };

/**
 * A new risk profile.
 */
export type NewRiskProfile = { name: string, country: string | null, hour_from: number | null, hour_to: number | null, keyword: string | null, direction: string | null, reason: string, priority: Priority | null, valid_from_ms: number | null, valid_until_ms: number | null, };

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
 * What ANPR cameras read, as they read it, in the order attached.
 */
reads?: Array<AnprRead>, 
/**
 * Hotlist and risk-profile alerts, each with the crew's latest response.
 */
alerts?: Array<Alert>, 
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
 * What ANPR cameras read, as they read it, in the order attached.
 */
reads?: Array<AnprRead>, 
/**
 * Hotlist and risk-profile alerts, each with the crew's latest response.
 */
alerts?: Array<Alert>, 
/**
 * Entries of the document that do not follow the schema and were left
 * out of this view (they remain in the signed records).
 */
problems?: Array<string>, };

/**
 * Delivery of blobs, for `status`.
 */
export type BlobCounts = { pending: number, bytes_pending: number, bytes_done: number, delivered: number };

/**
 * Space on the filesystem that holds a data folder.
 */
export type DiskSpace = { 
/**
 * Bytes this process may still write.
 */
free_bytes: number, total_bytes: number, 
/**
 * Too little is free: new records and scans may not fit (see
 * [`DISK_LOW_BYTES`]).
 */
low: boolean, };

export type Status = { device: string, unit: string | null, enrolled: boolean, 
/**
 * The server's address: the one that answered last, or the first
 * the enrollment token names.
 */
server: string | null, officer: string | null, inspections: number, 
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
last_sync_ms: number | null, last_attempt_ms: number | null, last_error: string | null, 
/**
 * The centre revoked this vehicle: the administrator's reason as it
 * was given ("" if none). Null while it is not known to be revoked.
 */
revoked: string | null, 
/**
 * Space on the disk that holds the data folder, read now (null where
 * the system cannot say).
 */
disk: DiskSpace | null, };

/**
 * The officer signed in on this device.
 */
export type Session = { officer: string, 
/**
 * True when this sign-in set the officer's PIN (first time here).
 */
pin_set: boolean, 
/**
 * True while the app is locked (after idle time, or a suspend): the
 * screens show nothing of the data until an officer's PIN unlocks it.
 */
locked: boolean, };

/**
 * Officers who hold a key to this vehicle's encrypted data.
 */
export type KeyHolders = { 
/**
 * Those known by name: every officer added, or who unlocked, here
 * since the data was encrypted.
 */
officers: Array<string>, 
/**
 * How many keys there are (more than the names when a key was made
 * on another copy of the data).
 */
keys: number, };

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
 * What ANPR cameras read, as they read it, in the order attached.
 */
reads?: Array<AnprRead>, 
/**
 * Hotlist and risk-profile alerts, each with the crew's latest response.
 */
alerts?: Array<Alert>, 
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
 * The state of the link, as the background sync shows it.
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
 * Hotlist alerts a camera's read just raised (the app's banner and
 * sound); the inspection holds them, with their ids, for the response.
 */
export type AlertEvent = { inspection: string, alerts: Array<NewAlert>, };

/**
 * The crew's correction of a camera's read.
 */
export type ReadCorrectionInput = { 
/**
 * The read's id (`PUSH#N`).
 */
read: string, 
/**
 * The plate as it really is.
 */
text: string, };

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
 * Which inspections with hotlist alerts the queue shows.
 */
export type AlertFilter = "any" | "open";

/**
 * A query over the queue. Absent fields do not filter.
 */
export type ConsoleQuery = { 
/**
 * The unit that created the inspection.
 */
unit?: string, 
/**
 * First UTC day of creation, `YYYY-MM-DD`, inclusive.
 */
from?: string, 
/**
 * Last UTC day of creation, `YYYY-MM-DD`, inclusive.
 */
to?: string, 
/**
 * Current outcome (`release`, `physical_inspection`, `detain`,
 * `refer`), or `none` for undecided.
 */
outcome?: string, review?: ReviewState, 
/**
 * An officer of the crew or of a decision, exactly.
 */
officer?: string, 
/**
 * Tractor or trailer plate in any spelling, matched by key.
 */
plate?: string, 
/**
 * Container code (separators and case ignored).
 */
container?: string, 
/**
 * True: only inspections with scans; false: only those without.
 */
scans?: boolean, 
/**
 * Hotlist hits: `any` (inspections with an alert) or `open` (with an
 * alert the crew has not answered).
 */
alerts?: AlertFilter, offset?: number, 
/**
 * Rows per page, 1 to 200 (default 50).
 */
limit?: number, };

/**
 * A queue row: the index row, where it stands with the supervisors and
 * when the server first received it.
 */
export type ConsoleRow = { review_state: ReviewState, 
/**
 * When the server received the inspection's first record.
 */
received_ms: number | null, heads: Array<string>, updated_ms: number, id: InspectionId, created_ms: number, created_by: string, unit: string, crew: Array<string>, location: Location, tractor_plate: Plate | null, trailer_plate: Plate | null, containers: Array<ContainerCode>, declaration: string | null, notes: string, decisions: Array<Decision>, reviews: Array<Review>, 
/**
 * Scans attached to the inspection, in the order they were added.
 */
scans: Array<Scan>, 
/**
 * The annotation layer: marks drawn on the scans, append-only.
 */
annotations: Array<Annotation>, 
/**
 * What ANPR cameras read, as they read it, in the order attached.
 */
reads?: Array<AnprRead>, 
/**
 * Hotlist and risk-profile alerts, each with the crew's latest response.
 */
alerts?: Array<Alert>, 
/**
 * Entries of the document that do not follow the schema and were left
 * out of this view (they remain in the signed records).
 */
problems?: Array<string>, };

/**
 * Inspections per review state.
 */
export type ReviewCounts = { unreviewed: number, agreed: number, overruled: number, returned: number, answered: number, };

/**
 * Counts beside the filter options: each under every *other* filter.
 */
export type QueueCounts = { review: ReviewCounts, 
/**
 * By current outcome; `none` counts the undecided.
 */
outcome: Record<string, number>, 
/**
 * Inspections, fleet-wide and whatever the filters, with a hotlist
 * alert the crew has not answered.
 */
open_alerts: number, };

/**
 * One page of the queue.
 */
export type ConsolePage = { rows: Array<ConsoleRow>, 
/**
 * Inspections matching every filter.
 */
total: number, offset: number, limit: number, counts: QueueCounts, 
/**
 * Every unit the server has inspections from.
 */
units: Array<string>, };

/**
 * What changes whenever any inspection does: the console polls it and
 * fetches its page again only when it moved.
 */
export type QueueVersion = { version: number, total: number, };

/**
 * One entry of the audit trail.
 */
export type AuditEntry = { n: number, at_ms: number, 
/**
 * Who acted (an account name), if known.
 */
actor: string | null, role: string | null, 
/**
 * `login`, `logout`, `review`, `annotate`, `refused`, `user_add`, ...
 */
action: string, 
/**
 * What it acted on (an inspection id, an account name, a route).
 */
target: string | null, 
/**
 * `ok` or `refused`.
 */
outcome: string, detail: string, 
/**
 * The client's address.
 */
peer: string | null, };

/**
 * What an account may do in the console.
 */
export type UserRole = "supervisor" | "administrator" | "auditor" | "trainer";

/**
 * An account as listed (no password hash).
 */
export type UserInfo = { name: string, role: UserRole, created_ms: number, disabled_ms: number | null, failed_logins: number, };

/**
 * Who is signed in, as the console sees it.
 */
export type ConsoleUser = { name: string, role: UserRole, 
/**
 * Send back in the `X-Kordon-CSRF` header on every state-changing
 * request.
 */
csrf: string, };

export type LoginInput = { name: string, password: string, };

/**
 * One stored record of an inspection: who signed what, and when it came.
 */
export type DeliveryRecord = { 
/**
 * Record id (hex of the signed digest).
 */
id: string, 
/**
 * `create`, `decide`, `review`, `notes`, `scan`, `annotate`, ...
 */
op: string, 
/**
 * The signing device's public key (hex).
 */
signer: string, 
/**
 * The signing device's unit; None when the server itself signed.
 */
signer_unit: string | null, officer: string, created_ms: number, received_ms: number, 
/**
 * Position in the server's log.
 */
server_seq: number, };

/**
 * An inspection as the console shows it.
 */
export type ConsoleInspection = { view: InspectionView, review_state: ReviewState, records: Array<DeliveryRecord>, };

/**
 * A supervisor's verdict.
 */
export type NewReviewInput = { verdict: Verdict, 
/**
 * The outcome that replaces the crew's (overrule only).
 */
outcome: Outcome | null, 
/**
 * Reason codes (overrule only).
 */
reasons: Array<string>, 
/**
 * Required for overrule and return.
 */
comment: string, };

/**
 * Where a scan stands on the server.
 */
export type ScanState = { "state": "ready", info: ScanInfo, } | { "state": "arriving", bytes_received: number, bytes_total: number, } | { "state": "building" };

/**
 * A new hotlist entry from the console.
 */
export type HotlistEntryInput = { 
/**
 * The list's name; a new list is made if none has it.
 */
list: string, 
/**
 * For a new list: the units it goes to (empty: every unit).
 */
units: Array<string>, 
/**
 * A plate in any spelling, or an ISO 6346 container code.
 */
value: string, reason: string, 
/**
 * `high`, `medium` (default) or `low`.
 */
priority: Priority | null, valid_from_ms: number | null, valid_until_ms: number | null, };

/**
 * A new risk profile from the console.
 */
export type RiskProfileInput = { list: string, units: Array<string>, name: string, country: string | null, hour_from: number | null, hour_to: number | null, keyword: string | null, direction: string | null, reason: string, priority: Priority | null, valid_from_ms: number | null, valid_until_ms: number | null, };

/**
 * Where a new entry or profile went.
 */
export type HotlistChange = { list_id: string, list: string, 
/**
 * The entry's or the profile's id.
 */
id: string, };

/**
 * How a vehicle's last session went, as the register saw it.
 */
export type LastSync = "never" | "complete" | "interrupted" | "refused";

/**
 * A remote wipe of a device: ordered with its revocation, told to the
 * vehicle at its next connection. What it held unsent then is what it
 * stated in that connection's Hello (counts, never content).
 */
export type Wipe = { ordered_ms: number, 
/**
 * When the vehicle was told (null: it has not connected since).
 */
told_ms: number | null, 
/**
 * Signed records it had not delivered when told (null: not told, or
 * it stated nothing).
 */
backlog_records: number | null, 
/**
 * Bytes of scans it had not delivered when told.
 */
backlog_scan_bytes: number | null, };

/**
 * A device as the register knows it.
 */
export type DeviceInfo = { 
/**
 * Its public key (64 hex digits).
 */
key: string, 
/**
 * The key's fingerprint as people compare it: the first 16 hex
 * digits in groups of four.
 */
fingerprint: string, unit: string, 
/**
 * Enrolled: its first contact (a vehicle enrolls at its first
 * connection).
 */
enrolled_ms: number, revoked_ms: number | null, 
/**
 * Why, as the administrator said (also sent to the vehicle).
 */
revoked_reason: string | null, 
/**
 * Who revoked it (an account, or null: the command line).
 */
revoked_by: string | null, last_seen_ms: number | null, last_addr: string | null, 
/**
 * Records stored from this device.
 */
records: number, 
/**
 * What the vehicle stated at its last connection (null: it has not,
 * e.g. a vehicle too old to say): its version, its backlog (records
 * and scan bytes not yet delivered), its clock minus the server's.
 */
app_version: string | null, backlog_records: number | null, backlog_scan_bytes: number | null, clock_offset_ms: number | null, 
/**
 * When it last stated them (server clock).
 */
stated_ms: number | null, 
/**
 * How its last session or attempt went.
 */
last_sync: LastSync, 
/**
 * Connections refused since it was revoked (or while unknown).
 */
refused_count: number, last_refused_ms: number | null, 
/**
 * A remote wipe ordered for it, if any.
 */
wipe: Wipe | null, };

/**
 * An enrollment token not yet used, expired or cancelled. The token
 * itself is not kept (only its hash): it is shown once, when made.
 */
export type PendingEnrollment = { 
/**
 * Names it for cancelling (16 hex digits of the secret's hash; not
 * the secret).
 */
id: string, unit: string, created_ms: number, expires_ms: number, 
/**
 * The account that made it (null: the command line).
 */
created_by: string | null, };

/**
 * One vehicle as the fleet page shows it.
 */
export type FleetDevice = { 
/**
 * Enrolled, and not heard from for longer than the threshold.
 */
stale: boolean, 
/**
 * Its public key (64 hex digits).
 */
key: string, 
/**
 * The key's fingerprint as people compare it: the first 16 hex
 * digits in groups of four.
 */
fingerprint: string, unit: string, 
/**
 * Enrolled: its first contact (a vehicle enrolls at its first
 * connection).
 */
enrolled_ms: number, revoked_ms: number | null, 
/**
 * Why, as the administrator said (also sent to the vehicle).
 */
revoked_reason: string | null, 
/**
 * Who revoked it (an account, or null: the command line).
 */
revoked_by: string | null, last_seen_ms: number | null, last_addr: string | null, 
/**
 * Records stored from this device.
 */
records: number, 
/**
 * What the vehicle stated at its last connection (null: it has not,
 * e.g. a vehicle too old to say): its version, its backlog (records
 * and scan bytes not yet delivered), its clock minus the server's.
 */
app_version: string | null, backlog_records: number | null, backlog_scan_bytes: number | null, clock_offset_ms: number | null, 
/**
 * When it last stated them (server clock).
 */
stated_ms: number | null, 
/**
 * How its last session or attempt went.
 */
last_sync: LastSync, 
/**
 * Connections refused since it was revoked (or while unknown).
 */
refused_count: number, last_refused_ms: number | null, 
/**
 * A remote wipe ordered for it, if any.
 */
wipe: Wipe | null, };

/**
 * The fleet, as of `now_ms` on the server's clock.
 */
export type FleetView = { now_ms: number, stale_after_ms: number, devices: Array<FleetDevice>, };

/**
 * A new enrollment token for a unit.
 */
export type NewEnrollmentInput = { unit: string, 
/**
 * How long the token may be used, in hours (1 to 720).
 */
ttl_hours: number, };

/**
 * A token just made: the only time it is shown.
 */
export type NewEnrollment = { 
/**
 * The token as the crew types or pastes it.
 */
token: string, 
/**
 * The same token as a QR code (an SVG document).
 */
qr_svg: string, pending: PendingEnrollment, };

/**
 * A revocation: of one device (by key) or of a whole unit, with the
 * reason its vehicles are told.
 */
export type RevokeInput = { unit: string | null, 
/**
 * The device's key (64 hex digits, or a prefix of at least 8).
 */
device: string | null, reason: string, };

/**
 * How many devices a revocation reached.
 */
export type Revoked = { revoked: number, };

/** The fleet's limits: a token's life, a revocation's reason, the stale threshold (hours). */
export const FLEET_LIMITS = {
  maxEnrollTtlHours: 720,
  maxRevokeReason: 200,
  staleAfterHours: 24,
  maxStaleAfterHours: 720,
} as const;

/**
 * What an event of the trail is.
 */
export type TrailKind = "record" | "refusal" | "console";

/**
 * Which events to list.
 */
export type TrailQuery = { 
/**
 * Only events of this kind.
 */
kind: TrailKind | null, 
/**
 * From this time (Unix ms, inclusive).
 */
from_ms: number | null, 
/**
 * Before this time (Unix ms, exclusive).
 */
to_ms: number | null, 
/**
 * Records and refusals of this unit's devices.
 */
unit: string | null, 
/**
 * Records signed for this officer, console events of this account.
 */
actor: string | null, 
/**
 * Records of this inspection.
 */
document: string | null, 
/**
 * Only refusals (of records, connections and console requests).
 */
refused_only: boolean, 
/**
 * Events after this one (the `next` of the page before).
 */
after: string | null, 
/**
 * At most this many events (default 100, at most 1000).
 */
limit: number | null, };

/**
 * One event of the trail.
 */
export type TrailEvent = { kind: TrailKind, 
/**
 * Where it stands in the trail (for paging).
 */
cursor: string, at_ms: number, 
/**
 * The officer a record was signed for, or the console account.
 */
actor: string | null, 
/**
 * The console account's role.
 */
role: string | null, 
/**
 * The signing device's unit.
 */
unit: string | null, 
/**
 * The signing device's key fingerprint.
 */
signer: string | null, 
/**
 * The inspection (or list) a record belongs to.
 */
document: string | null, 
/**
 * `create`, `decide`, `review`, ... for records; `connection` or
 * `record` for refusals; the console action (`login`, `revoke`, ...).
 */
operation: string, 
/**
 * `accepted`, `refused` or `ok`.
 */
outcome: string, 
/**
 * Why it was refused, or what the console action said.
 */
detail: string, 
/**
 * The record's id (hex), when there is one.
 */
record: string | null, 
/**
 * The address it came from.
 */
peer: string | null, };

/**
 * One page of the trail, newest first.
 */
export type TrailPage = { events: Array<TrailEvent>, 
/**
 * The cursor of the page after this one (older events), if any.
 */
next: string | null, };

/** The audit trail's page sizes. */
export const TRAIL_LIMITS = { page: 100, maxPage: 1000 } as const;

/**
 * Which period, and optionally which unit.
 */
export type StatsQuery = { 
/**
 * First UTC day of creation, `YYYY-MM-DD`, inclusive.
 */
from: string, 
/**
 * Last UTC day of creation, `YYYY-MM-DD`, inclusive.
 */
to: string, 
/**
 * Only this unit's inspections.
 */
unit?: string, };

/**
 * The figures of one group of inspections (a unit's day, a unit, a day,
 * the whole period). Counts come first; the rates and means after them
 * are derived from the counts and absent where nothing was counted.
 */
export type StatsCounts = { inspections: number, 
/**
 * The outcome mix: current outcomes, and inspections not decided yet.
 */
release: number, physical_inspection: number, detain: number, refer: number, undecided: number, 
/**
 * Scans attached, over all the group's inspections.
 */
scans: number, 
/**
 * Inspections with a review; by their latest review's verdict.
 */
reviewed: number, agreed: number, overruled: number, returned: number, 
/**
 * Returns to the crew (every one, not only the latest review), those
 * the crew answered with a new decision, and the time they took.
 */
returns: number, returns_answered: number, answer_ms_total: number, 
/**
 * Inspections decided after a scan, and the time from the first scan
 * to that decision.
 */
timed_decisions: number, scan_to_decision_ms_total: number, 
/**
 * Hotlist alerts raised, and inspections with at least one.
 */
hotlist_hits: number, inspections_with_hits: number, 
/**
 * scans / inspections.
 */
scans_per_inspection: number | null, 
/**
 * agreed / reviewed.
 */
agreement_rate: number | null, 
/**
 * answer_ms_total / returns_answered, whole milliseconds (rounded down).
 */
mean_answer_ms: number | null, 
/**
 * scan_to_decision_ms_total / timed_decisions, whole milliseconds
 * (rounded down).
 */
mean_scan_to_decision_ms: number | null, };

/**
 * One day's figures over every unit (or the unit asked for).
 */
export type DayStats = { day: string, inspections: number, 
/**
 * The outcome mix: current outcomes, and inspections not decided yet.
 */
release: number, physical_inspection: number, detain: number, refer: number, undecided: number, 
/**
 * Scans attached, over all the group's inspections.
 */
scans: number, 
/**
 * Inspections with a review; by their latest review's verdict.
 */
reviewed: number, agreed: number, overruled: number, returned: number, 
/**
 * Returns to the crew (every one, not only the latest review), those
 * the crew answered with a new decision, and the time they took.
 */
returns: number, returns_answered: number, answer_ms_total: number, 
/**
 * Inspections decided after a scan, and the time from the first scan
 * to that decision.
 */
timed_decisions: number, scan_to_decision_ms_total: number, 
/**
 * Hotlist alerts raised, and inspections with at least one.
 */
hotlist_hits: number, inspections_with_hits: number, 
/**
 * scans / inspections.
 */
scans_per_inspection: number | null, 
/**
 * agreed / reviewed.
 */
agreement_rate: number | null, 
/**
 * answer_ms_total / returns_answered, whole milliseconds (rounded down).
 */
mean_answer_ms: number | null, 
/**
 * scan_to_decision_ms_total / timed_decisions, whole milliseconds
 * (rounded down).
 */
mean_scan_to_decision_ms: number | null, };

/**
 * One unit's figures over the period.
 */
export type UnitStats = { unit: string, inspections: number, 
/**
 * The outcome mix: current outcomes, and inspections not decided yet.
 */
release: number, physical_inspection: number, detain: number, refer: number, undecided: number, 
/**
 * Scans attached, over all the group's inspections.
 */
scans: number, 
/**
 * Inspections with a review; by their latest review's verdict.
 */
reviewed: number, agreed: number, overruled: number, returned: number, 
/**
 * Returns to the crew (every one, not only the latest review), those
 * the crew answered with a new decision, and the time they took.
 */
returns: number, returns_answered: number, answer_ms_total: number, 
/**
 * Inspections decided after a scan, and the time from the first scan
 * to that decision.
 */
timed_decisions: number, scan_to_decision_ms_total: number, 
/**
 * Hotlist alerts raised, and inspections with at least one.
 */
hotlist_hits: number, inspections_with_hits: number, 
/**
 * scans / inspections.
 */
scans_per_inspection: number | null, 
/**
 * agreed / reviewed.
 */
agreement_rate: number | null, 
/**
 * answer_ms_total / returns_answered, whole milliseconds (rounded down).
 */
mean_answer_ms: number | null, 
/**
 * scan_to_decision_ms_total / timed_decisions, whole milliseconds
 * (rounded down).
 */
mean_scan_to_decision_ms: number | null, };

/**
 * A unit's figures on one day.
 */
export type DayUnitStats = { day: string, unit: string, inspections: number, 
/**
 * The outcome mix: current outcomes, and inspections not decided yet.
 */
release: number, physical_inspection: number, detain: number, refer: number, undecided: number, 
/**
 * Scans attached, over all the group's inspections.
 */
scans: number, 
/**
 * Inspections with a review; by their latest review's verdict.
 */
reviewed: number, agreed: number, overruled: number, returned: number, 
/**
 * Returns to the crew (every one, not only the latest review), those
 * the crew answered with a new decision, and the time they took.
 */
returns: number, returns_answered: number, answer_ms_total: number, 
/**
 * Inspections decided after a scan, and the time from the first scan
 * to that decision.
 */
timed_decisions: number, scan_to_decision_ms_total: number, 
/**
 * Hotlist alerts raised, and inspections with at least one.
 */
hotlist_hits: number, inspections_with_hits: number, 
/**
 * scans / inspections.
 */
scans_per_inspection: number | null, 
/**
 * agreed / reviewed.
 */
agreement_rate: number | null, 
/**
 * answer_ms_total / returns_answered, whole milliseconds (rounded down).
 */
mean_answer_ms: number | null, 
/**
 * scan_to_decision_ms_total / timed_decisions, whole milliseconds
 * (rounded down).
 */
mean_scan_to_decision_ms: number | null, };

/**
 * How supervisors judged one officer's decisions: each reviewed
 * inspection counts once, for the officer whose decision its latest
 * review saw.
 */
export type OfficerStats = { officer: string, reviewed: number, agreed: number, overruled: number, returned: number, 
/**
 * agreed / reviewed.
 */
agreement_rate: number, };

/**
 * The statistics of a period.
 */
export type Statistics = { from: string, to: string, unit: string | null, 
/**
 * Every day of the period, each with its figures (zero where nothing
 * happened), oldest first.
 */
by_day: Array<DayStats>, 
/**
 * Each unit with inspections in the period, by name.
 */
by_unit: Array<UnitStats>, 
/**
 * Each unit's days with inspections, by day then unit.
 */
by_day_unit: Array<DayUnitStats>, 
/**
 * Officers whose decisions were reviewed, by name.
 */
officers: Array<OfficerStats>, total: StatsCounts, };

/**
 * The tables of the statistics, each exportable as CSV.
 */
export type StatsTable = "days" | "units" | "day_units" | "officers";

/** The longest period the statistics count at once, in days. */
export const STATS_MAX_DAYS = 366;

/** The statistics CSV's columns of a group's figures, after its key columns, in order. */
export const STATS_CSV_COUNT_COLUMNS = ["inspections", "release", "physical_inspection", "detain", "refer", "undecided", "scans", "scans_per_inspection", "reviewed", "agreed", "overruled", "returned", "agreement_rate", "returns", "returns_answered", "mean_answer_ms", "timed_decisions", "mean_scan_to_decision_ms", "hotlist_hits", "inspections_with_hits", "answer_ms_total", "scan_to_decision_ms_total"] as const;

/** The officers' CSV columns, in order. */
export const STATS_CSV_OFFICER_COLUMNS = ["officer", "reviewed", "agreed", "overruled", "returned", "agreement_rate"] as const;

/**
 * What a trainee called an image.
 */
export type TrainingDecision = "clear" | "suspect";

/**
 * How an answered image scored.
 */
export type TrainingOutcome = "hit" | "miss" | "false_alarm" | "correct_rejection";

/**
 * The item an image held, shown once the image is answered.
 */
export type TrainingItem = { 
/**
 * pistol, drug_bricks, lead_shield or ammunition.
 */
kind: string, 
/**
 * `[x, y, w, h]` in image pixels.
 */
bbox: [number, number, number, number], };

/**
 * A trainee's answer to one image.
 */
export type TrainingImageAnswer = { decision: TrainingDecision, 
/**
 * `[x, y, w, h]` in image pixels.
 */
marks: Array<[number, number, number, number]>, time_ms: number, answered_ms: number, };

/**
 * One image of an attempt. What it held is given only once answered.
 */
export type TrainingImage = { name: string, 
/**
 * The scan to open in the viewer (on the vehicle that took it).
 */
scan: string, width: number, height: number, answer: TrainingImageAnswer | null, outcome: TrainingOutcome | null, 
/**
 * Called suspect with every mark off the item.
 */
mislocated: boolean, item: TrainingItem | null, };

/**
 * A score as TIP systems report it.
 */
export type TrainingScore = { 
/**
 * Images scored: the answered ones.
 */
scored: number, hits: number, misses: number, 
/**
 * Misses called suspect but marked off the item.
 */
mislocated: number, false_alarms: number, correct_rejections: number, 
/**
 * Hits over images with an item.
 */
hit_rate: number | null, 
/**
 * False alarms over images without.
 */
false_alarm_rate: number | null, 
/**
 * Sensitivity (log-linear correction); only with images of both kinds.
 */
d_prime: number | null, mean_time_ms: number, };

/**
 * An attempt in a list.
 */
export type TrainingSummary = { id: string, unit: string, trainee: string, name: string, created_ms: number, 
/**
 * When the last answer was given.
 */
last_answer_ms: number | null, total: number, answered: number, finished: boolean, 
/**
 * An item projected into a live scan the crew opened (one image),
 * not an exercise.
 */
live: boolean, 
/**
 * Over the answered images; none before the first answer.
 */
score: TrainingScore | null, };

/**
 * An attempt, whole: the app's exercise screen.
 */
export type TrainingAttempt = { summary: TrainingSummary, images: Array<TrainingImage>, };

/**
 * One trainee's attempts, oldest first: progress over time.
 */
export type TraineeProgress = { trainee: string, units: Array<string>, attempts: Array<TrainingSummary>, };

/**
 * Starting an exercise: the folder a trainer's `kordon training build`
 * wrote (its `exercise.json` and images).
 */
export type StartTrainingInput = { folder: string, 
/**
 * A name for the attempt (the folder's name when left out).
 */
name: string | null, };

/**
 * An answer to one image.
 */
export type TrainingAnswerInput = { image: string, decision: TrainingDecision, 
/**
 * `[x, y, w, h]` in image pixels.
 */
marks: Array<[number, number, number, number]>, 
/**
 * Time from the image being shown to the answer.
 */
time_ms: number, };

/**
 * A mark the crew made on a scan with a live projection.
 */
export type LiveTipMarkInput = { 
/**
 * `[x, y, w, h]` in image pixels.
 */
mark: [number, number, number, number], 
/**
 * Time from the scan being shown to the mark.
 */
time_ms: number, };

/** The highest share of opened scans that may get a projected item in live work. */
export const MAX_LIVE_TIP_RATE = 1.0;

/** The file name extensions a scan is imported from (any case). */
export const SCAN_FILE_EXTENSIONS = ["tif", "tiff", "png", "jpg", "jpeg", "dcm", "dicom", "raw"] as const;

/** Most marks on one training answer. */
export const TRAINING_MAX_MARKS = 32;

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
  "locked",
  "no_key",
  "last_key",
  "other_machine",
  "folder_busy",
  "invalid_input",
  "not_found",
  "disk_full",
  "conflict",
  "storage",
  "device_key",
  "bad_token",
  "unreachable",
  "refused",
  "server_unavailable",
  "revoked",
  "wiped",
  "sync_failed",
  "io",
  "sync_incomplete",
  "server_log",
  "unauthenticated",
  "forbidden",
  "csrf",
  "throttled",
  "wrong_password",
  "scan_not_ready",
  "too_large",
  "internal",
] as const;
