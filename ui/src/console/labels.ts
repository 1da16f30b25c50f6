// Words for the console's values (review states, roles, record operations,
// error codes, hotlist priorities, kinds and states), so components never
// spell them out.

import { errorText } from "../app/labels.ts";
import type { Translator } from "../i18n/translate.ts";
import { isConsoleErrorCode, type EntryKind, type Priority, type ReviewState, type UserRole } from "../transport/console.ts";
import type { EntryState } from "./hotlists.ts";

type T = Pick<Translator, "t">;

export const reviewStateLabel = ({ t }: T, s: ReviewState): string => t(`console.review.${s}`);

export const roleLabel = ({ t }: T, r: UserRole): string => t(`console.role.${r}`);

const OPS = ["create", "decide", "review", "notes", "scan", "annotate"] as const;
type Op = (typeof OPS)[number];
const isOp = (s: string): s is Op => (OPS as readonly string[]).includes(s);

/** A record's operation in words; an operation this UI does not know is shown as it is. */
export const opLabel = ({ t }: T, op: string): string => (isOp(op) ? t(`console.op.${op}`) : op);

/** Codes whose crew-app wording does not fit the console; it has its own. */
const OWN_WORDS = ["not_found", "invalid_input", "internal", "unreachable", "conflict", "storage", "unknown"] as const;
type OwnWord = (typeof OWN_WORDS)[number];
const hasOwnWords = (s: string): s is OwnWord => (OWN_WORDS as readonly string[]).includes(s);

/** The console's own words for an error code. */
export function consoleErrorText(i18n: T, code: string): string {
  if (isConsoleErrorCode(code) || hasOwnWords(code)) return i18n.t(`console.error.${code}`);
  return errorText(i18n, code);
}

export const priorityLabel = ({ t }: T, p: Priority): string => t(`console.hotlists.priority.${p}`);

export const entryKindLabel = ({ t }: T, k: EntryKind): string => t(`console.hotlists.kind.${k}`);

export const entryStateLabel = ({ t }: T, s: EntryState): string => t(`console.hotlists.state.${s}`);

const DIRECTIONS = ["approach", "leave"] as const;
export type KnownDirection = (typeof DIRECTIONS)[number];
export const KNOWN_DIRECTIONS: readonly KnownDirection[] = DIRECTIONS;
const isDirection = (s: string): s is KnownDirection => (DIRECTIONS as readonly string[]).includes(s);

/** A camera's direction in words; one this UI does not know is shown as it is. */
export const directionLabel = ({ t }: T, d: string): string => (isDirection(d) ? t(`console.hotlists.direction.${d}`) : d);
