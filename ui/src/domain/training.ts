// A trainee's attempt at a training exercise, as the screens read it: the
// image to show next, marks as the answer sends them, and the score's
// figures in the trainee's language. The scoring itself is Rust's
// (kordon-training): the app only shows what comes back.

import type { Rect } from "../viewer/geometry.ts";
import type { TrainingAttempt, TrainingImage } from "../transport/types.ts";

/** The items an exercise hides (kordon-training's ThreatKind names). */
export const ITEM_KINDS = ["pistol", "drug_bricks", "lead_shield", "ammunition"] as const;
export type ItemKind = (typeof ITEM_KINDS)[number];

export function isItemKind(s: string): s is ItemKind {
  return (ITEM_KINDS as readonly string[]).includes(s);
}

/** The first image not answered yet; none when the attempt is finished. */
export function nextImage(attempt: TrainingAttempt): TrainingImage | undefined {
  return attempt.images.find((i) => i.answer === null);
}

/** A drawn rectangle as the answer sends it: `[x, y, w, h]` in image pixels, to 0.1 px. */
export function markBox(r: Rect): [number, number, number, number] {
  const round = (v: number): number => Math.round(v * 10) / 10;
  return [round(r.x), round(r.y), Math.max(0.1, round(r.w)), Math.max(0.1, round(r.h))];
}

/** A box `[x, y, w, h]` as the viewer draws it. */
export function boxRect(box: readonly [number, number, number, number]): Rect {
  const [x, y, w, h] = box;
  return { x, y, w, h };
}

/** A rate (0..1) as a whole percentage, the language's way. */
export function formatRate(rate: number, locale: string): string {
  return new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 0 }).format(rate);
}

/** d′ to two decimals, with a real minus sign. */
export function formatDPrime(d: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(d).replace("-", "−");
}

/** Milliseconds as seconds to one decimal. */
export function formatSeconds(ms: number, locale: string): string {
  return new Intl.NumberFormat(locale, { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(ms / 1000);
}
