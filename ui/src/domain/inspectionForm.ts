// The new-inspection form's validation state: what is wrong with each
// field while it is typed, and whether the form can be sent. Rules mirror
// `InspectionDoc::create` (crates/kordon-model/src/doc.rs).

import type { NewInspectionInput } from "../transport/types.ts";
import { checkContainerCode, type ContainerCheck } from "./iso6346.ts";
import { parsePlate, type PlateError } from "./plate.ts";

export const DECLARATION_MAX = 64;
export const NOTES_MAX = 20_000;

export interface FormValues {
  tractor: string;
  trailer: string;
  /** One entry per container field; empty fields are ignored. */
  containers: string[];
  declaration: string;
  notes: string;
}

export const EMPTY_FORM: FormValues = { tractor: "", trailer: "", containers: [""], declaration: "", notes: "" };

export type PlateState =
  | { readonly state: "empty" }
  | { readonly state: "valid"; readonly canonical: string }
  | { readonly state: "invalid"; readonly error: PlateError };

export type TextState =
  | { readonly state: "ok" }
  | { readonly state: "too_long"; readonly max: number }
  | { readonly state: "control_chars" };

export interface ContainerState {
  readonly check: ContainerCheck;
  /** The same code is already in an earlier field. */
  readonly duplicate: boolean;
}

export interface FormValidation {
  /** Required: "empty" blocks sending. */
  readonly tractor: PlateState;
  /** Optional. */
  readonly trailer: PlateState;
  readonly containers: readonly ContainerState[];
  readonly declaration: TextState;
  readonly notes: TextState;
  readonly canSubmit: boolean;
}

// Rust `char::is_control`: general category Cc.
const CONTROL = /\p{Cc}/u;
const length = (s: string): number => Array.from(s).length;

function plateState(raw: string): PlateState {
  if (raw.trim() === "") return { state: "empty" };
  const r = parsePlate(raw);
  return r.ok ? { state: "valid", canonical: r.plate.canonical } : { state: "invalid", error: r.error };
}

function declarationState(raw: string): TextState {
  const s = raw.trim();
  if (length(s) > DECLARATION_MAX) return { state: "too_long", max: DECLARATION_MAX };
  if (CONTROL.test(s)) return { state: "control_chars" };
  return { state: "ok" };
}

function notesState(raw: string): TextState {
  return length(raw) > NOTES_MAX ? { state: "too_long", max: NOTES_MAX } : { state: "ok" };
}

export function validateForm(v: FormValues): FormValidation {
  const seen = new Set<string>();
  const containers = v.containers.map((raw): ContainerState => {
    const check = checkContainerCode(raw);
    const duplicate = check.kind === "valid" && seen.has(check.code);
    if (check.kind === "valid") seen.add(check.code);
    return { check, duplicate };
  });
  const tractor = plateState(v.tractor);
  const trailer = plateState(v.trailer);
  const declaration = declarationState(v.declaration);
  const notes = notesState(v.notes);
  const canSubmit =
    tractor.state === "valid" &&
    trailer.state !== "invalid" &&
    containers.every((c) => (c.check.kind === "valid" && !c.duplicate) || c.check.kind === "empty") &&
    declaration.state === "ok" &&
    notes.state === "ok";
  return { tractor, trailer, containers, declaration, notes, canSubmit };
}

/** What to send, or null while the form cannot be sent. */
export function toNewInspection(v: FormValues): NewInspectionInput | null {
  const s = validateForm(v);
  if (!s.canSubmit) return null;
  const declaration = v.declaration.trim();
  const trailer = v.trailer.trim();
  return {
    tractor_plate: v.tractor.trim(),
    trailer_plate: trailer === "" ? null : trailer,
    containers: s.containers.flatMap((c) => (c.check.kind === "valid" ? [c.check.code] : [])),
    declaration: declaration === "" ? null : declaration,
    location: { place: null, lat: null, lon: null },
    notes: v.notes,
  };
}
