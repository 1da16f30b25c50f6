// The JSON the Rust side produces and takes: the types are GENERATED from
// the Rust types into generated.ts (crates/kordon-api, bindings.rs; run
// `make types` after changing a Rust type). This module re-exports them
// under the names the screens use, plus a few UI-side conveniences.

export type {
  Annotation,
  AnprRead,
  AnnotationKind,
  ApiError,
  BlobCounts,
  Decision,
  Energy,
  ImportEvent,
  ImportScanInput,
  ImportStage,
  IndexRow,
  InspectionQuery,
  InspectionRow,
  InspectionView,
  Link,
  Location,
  NewAnnotationInput,
  NewDecisionInput,
  NewInspectionInput,
  Outcome,
  Plate,
  PlateRole,
  PlaneRange,
  RecordSync,
  Review,
  ReviewState,
  Scan,
  ScanImage,
  ScanImported,
  ScanInfo,
  Session,
  Shape,
  Status,
  SyncEvent,
  Verdict,
  ViewParams,
  WatchState,
  WindowRange,
} from "./generated.ts";

import type { ViewParams } from "./generated.ts";

/** A colour map name (`ViewParams.colormap`). */
export type Colormap = ViewParams["colormap"];
