// Hotlist alerts as the crew's screens need them: which are open, which
// stored alert an announced one became, and the picture of the read that
// raised one.

import type { Alert, AnprRead, InspectionView, NewAlert, ReadImage } from "../transport/types.ts";

/** An alert nobody has answered yet. */
export const isOpen = (a: Alert): boolean => a.response === null;

export function openAlerts(view: Pick<InspectionView, "alerts">): Alert[] {
  return (view.alerts ?? []).filter(isOpen);
}

/**
 * Whether a stored alert is the announced one (Rust's `Alert::same_as`):
 * the same entry of the same list, hit by the same read, or by the same
 * typed text for the same plate.
 */
export function sameHit(a: NewAlert, b: NewAlert): boolean {
  return (
    a.list_id === b.list_id &&
    a.entry_id === b.entry_id &&
    a.read_id === b.read_id &&
    (b.read_id !== null || (a.role === b.role && a.seen === b.seen))
  );
}

/** The read that raised an alert, when a read did and it is on the inspection. */
export function readOf(view: Pick<InspectionView, "reads">, alert: Pick<NewAlert, "read_id">): AnprRead | null {
  if (alert.read_id === null) return null;
  return (view.reads ?? []).find((r) => r.id === alert.read_id) ?? null;
}

/** The image to show for a read: its plate crop, else its scene. */
export function plateImageOf(read: AnprRead | null): ReadImage | null {
  if (read === null) return null;
  return read.images.find((i) => i.kind === "plate") ?? read.images[0] ?? null;
}
