// Training attempts for the in-memory console transport, kept and scored
// as the server keeps and scores them: the attempt carries its exercise's
// truth and the trainee's answers, and the score is worked out from them
// by kordon-training's rules (score.rs, attempt.rs) and given in
// kordon-api's shapes (training.rs): a signal image called suspect with a
// mark on the item is a hit, marked elsewhere a miss counted as
// mislocated, called clear a miss; a noise image called suspect (or
// marked) is a false alarm, else a correct rejection; H and F over the
// answered images only while the attempt is under way, d′ with the
// log-linear correction and only with images of both kinds. Trainees are
// grouped as GET /api/training groups them (by name, attempts oldest
// first, units in the order first seen). A scripted trainee (`scripted`)
// makes an attempt from one outcome per image, for the demo and tests.

import type { TraineeProgress, TrainingAttempt, TrainingDecision, TrainingImage, TrainingItem, TrainingOutcome, TrainingScore } from "./generated.ts";
import { fakeHash } from "./memoryScans.ts";

type Box = [number, number, number, number];

/** One image of an attempt's exercise, with what it holds (the truth). */
export interface TrainingSeedImage {
  name: string;
  width: number;
  height: number;
  item: TrainingItem | null;
}

/** A trainee's answer to one image, as signed on the vehicle. */
export interface TrainingSeedAnswer {
  image: string;
  decision: TrainingDecision;
  marks: Box[];
  time_ms: number;
  answered_ms: number;
}

/** An attempt as the server holds it: its exercise's truth and the answers given so far. */
export interface TrainingSeed {
  /** A UUID. */
  id: string;
  unit: string;
  trainee: string;
  /** The exercise's name as the attempt was started. */
  name: string;
  created_ms: number;
  /** An item projected into a live scan the crew opened (one image, named LIVE_TIP_NAME), not an exercise. */
  live: boolean;
  images: TrainingSeedImage[];
  answers: TrainingSeedAnswer[];
}

/** The console's filter on trainees (GET /api/training's query). */
export interface TrainingFilter {
  unit?: string;
  trainee?: string;
}

// ---- scoring (kordon-training's score.rs) ----

/** The inverse of the standard normal distribution function, for p in (0, 1) (Acklam's approximation, as score.rs). */
export function inverseNormal(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const A = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const B = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const C = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const [a0, a1, a2, a3, a4, a5] = A as [number, number, number, number, number, number];
  const [b0, b1, b2, b3, b4] = B as [number, number, number, number, number];
  const [c0, c1, c2, c3, c4, c5] = C as [number, number, number, number, number, number];
  const [d0, d1, d2, d3] = D as [number, number, number, number];
  const low = 0.02425;
  const tail = (q: number): number => (((((c0 * q + c1) * q + c2) * q + c3) * q + c4) * q + c5) / ((((d0 * q + d1) * q + d2) * q + d3) * q + 1);
  if (p < low) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    return ((((((a0 * r + a1) * r + a2) * r + a3) * r + a4) * r + a5) * q) / (((((b0 * r + b1) * r + b2) * r + b3) * r + b4) * r + 1);
  }
  return -tail(Math.sqrt(-2 * Math.log(1 - p)));
}

/** d′ from the counts, with the log-linear correction; null without both signal and noise images. */
export function dPrime(hits: number, signal: number, falseAlarms: number, noise: number): number | null {
  if (signal === 0 || noise === 0) return null;
  return inverseNormal((hits + 0.5) / (signal + 1)) - inverseNormal((falseAlarms + 0.5) / (noise + 1));
}

/** Whether a mark overlaps an item's box (kordon-training's `touches`). */
export function touches(mark: Readonly<Box>, bbox: Readonly<Box>): boolean {
  const [x, y, w, h] = mark;
  const [bx, by, bw, bh] = bbox;
  return x < bx + bw && bx < x + w && y < by + bh && by < y + h;
}

/** How one answered image scored. */
function outcomeOf(image: TrainingSeedImage, a: TrainingSeedAnswer): { outcome: TrainingOutcome; mislocated: boolean } {
  const suspect = a.decision === "suspect" || a.marks.length > 0;
  if (image.item === null) return { outcome: suspect ? "false_alarm" : "correct_rejection", mislocated: false };
  const bbox = image.item.bbox;
  if (!suspect) return { outcome: "miss", mislocated: false };
  return a.marks.some((m) => touches(m, bbox)) ? { outcome: "hit", mislocated: false } : { outcome: "miss", mislocated: true };
}

/** An attempt as GET /api/training/{id} gives it: every image, the answers kept (the first per image), the score so far. */
export function attemptOf(seed: TrainingSeed): TrainingAttempt {
  const kept: TrainingSeedAnswer[] = [];
  for (const a of seed.answers) {
    if (seed.images.some((i) => i.name === a.image) && !kept.some((k) => k.image === a.image)) kept.push(a);
  }
  const images: TrainingImage[] = seed.images.map((i) => {
    const a = kept.find((k) => k.image === i.name);
    const scored = a === undefined ? null : outcomeOf(i, a);
    return {
      name: i.name,
      scan: fakeHash(`training:${seed.id}:${i.name}`),
      width: i.width,
      height: i.height,
      answer: a === undefined ? null : { decision: a.decision, marks: a.marks.map((m): Box => [...m]), time_ms: a.time_ms, answered_ms: a.answered_ms },
      outcome: scored?.outcome ?? null,
      mislocated: scored?.mislocated ?? false,
      item: a === undefined || i.item === null ? null : { kind: i.item.kind, bbox: [...i.item.bbox] },
    };
  });
  const answered = images.filter((i) => i.outcome !== null);
  const count = (o: TrainingOutcome): number => answered.filter((i) => i.outcome === o).length;
  let score: TrainingScore | null = null;
  if (kept.length > 0) {
    const [hits, misses, falseAlarms, rejections] = [count("hit"), count("miss"), count("false_alarm"), count("correct_rejection")];
    const signal = hits + misses;
    const noise = falseAlarms + rejections;
    score = {
      scored: kept.length,
      hits,
      misses,
      mislocated: answered.filter((i) => i.mislocated).length,
      false_alarms: falseAlarms,
      correct_rejections: rejections,
      hit_rate: signal > 0 ? hits / signal : null,
      false_alarm_rate: noise > 0 ? falseAlarms / noise : null,
      d_prime: dPrime(hits, signal, falseAlarms, noise),
      mean_time_ms: kept.reduce((t, a) => t + a.time_ms, 0) / kept.length,
    };
  }
  return {
    summary: {
      id: seed.id,
      unit: seed.unit,
      trainee: seed.trainee,
      name: seed.name,
      created_ms: seed.created_ms,
      last_answer_ms: kept.length === 0 ? null : Math.max(...kept.map((a) => a.answered_ms)),
      total: images.length,
      answered: kept.length,
      finished: kept.length === images.length,
      live: seed.live,
      score,
    },
    images,
  };
}

/** Every trainee's attempts that match the filter (exact unit and trainee, blank ignored), trainees by name, attempts oldest first. */
export function traineesOf(seeds: readonly TrainingSeed[], q: TrainingFilter): TraineeProgress[] {
  const unit = q.unit?.trim() ?? "";
  const trainee = q.trainee?.trim() ?? "";
  const rows = seeds
    .filter((s) => (unit === "" || s.unit === unit) && (trainee === "" || s.trainee === trainee))
    .sort((a, b) => a.created_ms - b.created_ms || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  const by = new Map<string, TraineeProgress>();
  for (const s of rows) {
    const a = attemptOf(s).summary;
    let p = by.get(a.trainee);
    if (p === undefined) {
      p = { trainee: a.trainee, units: [], attempts: [] };
      by.set(a.trainee, p);
    }
    if (!p.units.includes(a.unit)) p.units.push(a.unit);
    p.attempts.push(a);
  }
  return [...by.values()].sort((a, b) => (a.trainee < b.trainee ? -1 : a.trainee > b.trainee ? 1 : 0));
}

// ---- a scripted trainee ----

/** What a scripted trainee does with one image; `signal` and `noise`: an image (with or without an item) not answered yet. */
export type Scripted = "hit" | "miss" | "mislocated" | "false_alarm" | "correct_rejection" | "signal" | "noise";

const ITEM_KINDS = ["pistol", "drug_bricks", "lead_shield", "ammunition"] as const;
const WIDTH = 1200;
const HEIGHT = 400;

/** Where image `i`'s item is, when it holds one. */
function itemOf(i: number): TrainingItem {
  return { kind: ITEM_KINDS[i % ITEM_KINDS.length] ?? "pistol", bbox: [100 + ((i * 137) % 800), 60 + ((i * 53) % 200), 90, 70] };
}

/** An id shaped as the server's (a UUID), the same for the same text. */
export function trainingId(text: string): string {
  const h = fakeHash(`training-attempt:${text}`);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-7${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The name a vehicle gives an attempt of projection in live work (kordon-vehicle's LIVE_TIP_NAME). */
export const LIVE_TIP_NAME = "Live TIP";

/**
 * An attempt whose answers give the outcomes scripted, image by image (in
 * order, `TIP_0001` on): a hit marks the item, a mislocated answer marks
 * the other half of the image, a false alarm marks the middle. Each answer
 * takes `times[i]` (12 s when not given), one after the other from
 * `created_ms`. `live`: a projection in live work (one image; not an
 * exercise), false when not given.
 */
export function scripted(a: {
  id?: string;
  unit: string;
  trainee: string;
  name: string;
  created_ms: number;
  live?: boolean;
  script: readonly Scripted[];
  times?: readonly number[];
}): TrainingSeed {
  const images: TrainingSeedImage[] = [];
  const answers: TrainingSeedAnswer[] = [];
  let at = a.created_ms;
  a.script.forEach((s, i) => {
    const name = `TIP_${String(i + 1).padStart(4, "0")}`;
    const signal = s === "hit" || s === "miss" || s === "mislocated" || s === "signal";
    const item = signal ? itemOf(i) : null;
    images.push({ name, width: WIDTH, height: HEIGHT, item });
    if (s === "signal" || s === "noise") return;
    const time_ms = a.times?.[i] ?? 12_000;
    at += time_ms + 1_500;
    const [bx, by] = item?.bbox ?? [0, 0];
    const marks: Box[] =
      s === "hit" ? [[bx + 10, by + 10, 50, 40]] : s === "mislocated" ? [[bx < 550 ? 900 : 50, 300, 60, 50]] : s === "false_alarm" ? [[400, 150, 80, 60]] : [];
    answers.push({ image: name, decision: marks.length > 0 ? "suspect" : "clear", marks, time_ms, answered_ms: at });
  });
  return {
    id: a.id ?? trainingId(`${a.trainee}:${a.created_ms}`),
    unit: a.unit,
    trainee: a.trainee,
    name: a.name,
    created_ms: a.created_ms,
    live: a.live ?? false,
    images,
    answers,
  };
}

// ---- made-up trainees for `npm run dev` ----

const DAY = 86_400_000;

/** A small deterministic generator, so the demo is the same on every reload. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Trainee, unit, and per attempt: days before now, the chance of a hit and of a false alarm, seconds per image; `open`: answered so far (in progress). */
const DEMO_TRAINEES: readonly { trainee: string; units: readonly string[]; attempts: readonly { ago: number; hit: number; fa: number; secs: number; open?: number }[] }[] = [
  {
    trainee: "OF-0419",
    units: ["MOBILE-4"],
    attempts: [{ ago: 1, hit: 0.6, fa: 0.3, secs: 21, open: 7 }],
  },
  {
    trainee: "OF-1742",
    units: ["MOBILE-1"],
    attempts: [
      { ago: 41, hit: 0.5, fa: 0.35, secs: 24 },
      { ago: 34, hit: 0.6, fa: 0.3, secs: 21 },
      { ago: 27, hit: 0.7, fa: 0.25, secs: 18 },
      { ago: 20, hit: 0.7, fa: 0.15, secs: 16 },
      { ago: 13, hit: 0.8, fa: 0.15, secs: 14 },
      { ago: 6, hit: 0.9, fa: 0.1, secs: 12 },
      { ago: 0.2, hit: 0.9, fa: 0.05, secs: 11, open: 9 },
    ],
  },
  {
    trainee: "OF-2210",
    units: ["MOBILE-2"],
    attempts: [
      { ago: 38, hit: 0.75, fa: 0.2, secs: 15 },
      { ago: 24, hit: 0.8, fa: 0.15, secs: 14 },
      { ago: 10, hit: 0.6, fa: 0.3, secs: 17 },
      { ago: 3, hit: 0.85, fa: 0.1, secs: 13 },
    ],
  },
  {
    trainee: "OF-3051",
    units: ["MOBILE-1", "MOBILE-3"],
    attempts: [
      { ago: 30, hit: 0.4, fa: 0.2, secs: 28 },
      { ago: 16, hit: 0.55, fa: 0.2, secs: 22 },
      { ago: 4, hit: 0.7, fa: 0.15, secs: 19 },
    ],
  },
  {
    trainee: "OF-5530",
    units: ["MOBILE-2"],
    attempts: [
      { ago: 19, hit: 0.9, fa: 0.5, secs: 9 },
      { ago: 5, hit: 0.85, fa: 0.35, secs: 10 },
    ],
  },
];

/** The demo's trainees: attempts at 20-image exercises over six weeks, most getting better, and a few live projections each. */
export function demoTraining(now: number): TrainingSeed[] {
  const out: TrainingSeed[] = [];
  DEMO_TRAINEES.forEach((t, ti) => {
    t.attempts.forEach((p, ai) => {
      const r = rng(7919 * (ti + 1) + 131 * (ai + 1));
      const script: Scripted[] = [];
      const times: number[] = [];
      for (let i = 0; i < 20; i++) {
        const signal = r() < 0.5;
        const answered = p.open === undefined || i < p.open;
        const roll = r();
        script.push(
          !answered ? (signal ? "signal" : "noise") : signal ? (roll < p.hit ? "hit" : roll < p.hit + (1 - p.hit) / 3 ? "mislocated" : "miss") : roll < p.fa ? "false_alarm" : "correct_rejection",
        );
        times.push(Math.round(p.secs * 1000 * (0.6 + 0.8 * r())));
      }
      // Mornings, UTC, on the day.
      const day = Math.floor((now - p.ago * DAY) / DAY) * DAY;
      const created_ms = Math.min(now - 30 * 60_000, day + (7 + ((ti + ai) % 4)) * 3_600_000);
      const unit = t.units[Math.min(t.units.length - 1, Math.floor((ai * t.units.length) / t.attempts.length))] ?? "MOBILE-1";
      out.push(scripted({ unit, trainee: t.trainee, name: `TIP ${ai % 2 === 0 ? "A" : "B"}-${String(ai + 1).padStart(2, "0")}`, created_ms, script, times }));
    });
    // Items projected into real scans at work (kordon-vehicle's live TIP: one image, named so), the last few weeks.
    const r = rng(104_729 * (ti + 1));
    const last = t.attempts.at(-1);
    for (let i = 0; i < (last === undefined ? 0 : ti + 1); i++) {
      const created_ms = now - (2 + 5 * i + Math.floor(r() * 3)) * DAY + Math.floor(r() * 8) * 3_600_000;
      const found = r() < (last?.hit ?? 0.5);
      out.push(scripted({ unit: t.units.at(-1) ?? "MOBILE-1", trainee: t.trainee, name: LIVE_TIP_NAME, created_ms, live: true, script: [found ? "hit" : "miss"], times: [Math.round(4_000 + r() * 20_000)] }));
    }
  });
  return out;
}
