// The checks Rust makes on input (crates/kordon-model), repeated by the
// in-memory transport so that development and tests meet the same refusals
// with the same error code. Messages are close to Rust's (the check-digit one
// is word for word); the UI shows its own words for the code anyway.

import { checkContainerCode } from "../domain/iso6346.ts";
import { pinProblem } from "../domain/pin.ts";
import { parsePlate } from "../domain/plate.ts";
import { isValidReasonCode } from "../domain/reason.ts";
import { TransportError } from "./errors.ts";
import type { AnnotationKind, NewAnnotationInput, NewDecisionInput, NewInspectionInput, Plate, Shape } from "./types.ts";

export const NOTES_MAX = 20_000;
export const DECISION_NOTE_MAX = 4_000;
export const DECLARATION_MAX = 64;
export const OFFICER_MAX = 64;

// Rust `char::is_control`: general category Cc.
const CONTROL = /\p{Cc}/u;

const invalid = (message: string): TransportError => new TransportError("invalid_input", message);
const length = (s: string): number => Array.from(s).length;

/** `OfficerId::new`: 1 to 64 printable characters, trimmed. */
export function officerId(input: string): string {
  const s = input.trim();
  if (s === "" || length(s) > OFFICER_MAX || CONTROL.test(s)) {
    throw invalid(`officer id ${JSON.stringify(s)} must be 1 to 64 printable characters`);
  }
  return s;
}

/** `check_pin_shape`: a PIN or password is 4 to 64 printable characters. */
export function checkPin(pin: string): void {
  if (pinProblem(pin) !== null) throw invalid("a PIN or password is 4 to 64 printable characters");
}

export function plate(field: string, raw: string): Plate {
  const r = parsePlate(raw);
  if (r.ok) return { ...r.plate };
  const why =
    r.error.kind === "empty"
      ? "plate is empty"
      : r.error.kind === "too_long"
        ? "plate is too long (at most 16 letters and digits)"
        : `plate contains ${JSON.stringify(r.error.ch)}, which is not a letter or digit`;
  throw invalid(`${field}: ${why}`);
}

export function containerCode(raw: string): string {
  const r = checkContainerCode(raw);
  if (r.kind === "valid") return r.code;
  if (r.kind === "wrong_check_digit") {
    throw invalid(`check digit is ${r.found}, expected ${r.expected} for ${r.code}`);
  }
  throw invalid(`${JSON.stringify(raw)} is not an ISO 6346 container code (${r.kind})`);
}

/** `clean_optional`: trimmed, empty is none, no control characters. */
export function optionalText(field: string, s: string | null, max: number): string | null {
  const t = s?.trim() ?? "";
  if (t === "") return null;
  if (length(t) > max) throw invalid(`${field}: longer than ${max} characters`);
  if (CONTROL.test(t)) throw invalid(`${field}: contains control characters`);
  return t;
}

export function maxLength(field: string, s: string, max: number): string {
  if (length(s) > max) throw invalid(`${field}: longer than ${max} characters`);
  return s;
}

export function checkNewInspection(input: NewInspectionInput): {
  tractor: Plate;
  trailer: Plate | null;
  containers: string[];
  declaration: string | null;
  notes: string;
} {
  const trailerRaw = input.trailer_plate?.trim() ?? "";
  return {
    tractor: plate("tractor plate", input.tractor_plate),
    trailer: trailerRaw === "" ? null : plate("trailer plate", trailerRaw),
    containers: input.containers.map(containerCode),
    declaration: optionalText("declaration", input.declaration, DECLARATION_MAX),
    notes: maxLength("notes", input.notes, NOTES_MAX),
  };
}

export function checkNewDecision(d: NewDecisionInput): NewDecisionInput {
  for (const r of d.reasons) {
    if (!isValidReasonCode(r)) {
      throw invalid(`reason code ${JSON.stringify(r)} must be 1 to 32 of A-Z, 0-9, '_' or '-'`);
    }
  }
  return { outcome: d.outcome, reasons: [...d.reasons], note: maxLength("note", d.note, DECISION_NOTE_MAX) };
}

export const ANNOTATION_LABEL_MAX = 500;
export const ANNOTATION_POINTS_MAX = 2_000;
const ANNOTATION_KINDS: readonly AnnotationKind[] = ["void", "double_wall", "density_anomaly", "undeclared_goods", "other"];

/** `NewAnnotation` checks: a known kind, a shape with finite pixel coordinates, a short label. */
export function checkNewAnnotation(a: NewAnnotationInput): NewAnnotationInput {
  if (!ANNOTATION_KINDS.includes(a.kind)) throw invalid(`annotation kind ${JSON.stringify(a.kind)} is not known`);
  const finite = (...v: number[]): boolean => v.every((n) => Number.isFinite(n));
  let shape: Shape;
  if (a.shape.type === "rect") {
    const { x, y, w, h } = a.shape;
    if (!finite(x, y, w, h) || w <= 0 || h <= 0) throw invalid("rectangle: width and height must be positive");
    shape = { type: "rect", x, y, w, h };
  } else {
    const points = a.shape.points;
    if (points.length < 2 || points.length > ANNOTATION_POINTS_MAX) {
      throw invalid(`free-hand mark: 2 to ${ANNOTATION_POINTS_MAX} points`);
    }
    if (!points.every(([x, y]) => finite(x, y))) throw invalid("free-hand mark: coordinates must be numbers");
    shape = { type: "free", points: points.map(([x, y]) => [x, y]) };
  }
  const label = maxLength("label", a.label.trim(), ANNOTATION_LABEL_MAX);
  if (CONTROL.test(label)) throw invalid("label: contains control characters");
  return { scan: a.scan, kind: a.kind, shape, label };
}
