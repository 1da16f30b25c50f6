// The trainee's side of the IN-MEMORY TRANSPORT (development and tests
// only): training attempts as the vehicle keeps them. No folder is read:
// every start takes one built-in exercise (the demo one unless the
// transport is given another), whose images are made-up dual-energy scans
// drawn by demoTiles.ts like any other. Answers are checked as the
// vehicle checks them (kordon-model's training document) and scored by
// the same code as the console's in-memory server (memoryTraining.ts,
// kordon-training's rules): over the answered images only, an image's
// item revealed once it is answered.
//
// Projection in live work, as the vehicle does it (kordon-vehicle's
// live_tip.rs): at the rate set, a scan the crew opens is chosen by a hash
// of the device and the scan's id under the rate (the same every time),
// if it is a 16-bit dual-energy pair; its projection is an attempt of one image,
// a copy of the scan with an item at a place inside the load
// (`liveTipItem`), drawn into its tiles. A mark overlapping the item is
// the hit; a decision with it unmarked, the miss.

import { ITEM_KINDS } from "../domain/training.ts";
import type { DemoItem } from "./demoTiles.ts";
import { TransportError } from "./errors.ts";
import { MAX_LIVE_TIP_RATE, TRAINING_MAX_MARKS } from "./generated.ts";
import { fakeHash, fileName } from "./memoryScans.ts";
import { attemptOf, LIVE_TIP_NAME, touches, type TrainingSeed, type TrainingSeedImage } from "./memoryTraining.ts";
import type {
  LiveTipMarkInput,
  Scan,
  StartTrainingInput,
  TrainingAnswerInput,
  TrainingAttempt,
  TrainingItem,
  TrainingSummary,
} from "./types.ts";
import { randomUuid } from "./uuid.ts";

/** The built-in exercise: six images, three with an item. */
export const DEMO_EXERCISE: readonly TrainingSeedImage[] = [
  { name: "TIP_0001", width: 3000, height: 1000, item: { kind: "pistol", bbox: [1720, 380, 160, 110] } },
  { name: "TIP_0002", width: 3000, height: 1000, item: null },
  { name: "TIP_0003", width: 3000, height: 1000, item: { kind: "drug_bricks", bbox: [900, 300, 360, 240] } },
  { name: "TIP_0004", width: 3000, height: 1000, item: null },
  { name: "TIP_0005", width: 3000, height: 1000, item: { kind: "ammunition", bbox: [2200, 500, 180, 120] } },
  { name: "TIP_0006", width: 3000, height: 1000, item: null },
];

/** The one image of a live projection (as the vehicle names it). */
export const LIVE_TIP_IMAGE = "LIVE_TIP";

/** A number in [0, 1) from 8 hex digits of a hash, mixed (murmur3's finaliser) so that it is spread evenly. */
function unit(hex: string): number {
  let h = Number.parseInt(hex, 16) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

/** Whether device `device` projects into scan `scan` at `rate`: a hash of both, under the rate. */
export function projectsInto(device: string, scan: string, rate: number): boolean {
  return unit(fakeHash(`live-tip:${device}:${scan}`).slice(0, 8)) < rate;
}

/**
 * The item projected into scan `scan` (`width` × `height`): a kind and a
 * box inside the load (the made-up picture's container), the same for the
 * same scan.
 */
export function liveTipItem(scan: string, width: number, height: number): TrainingItem {
  const h = fakeHash(`live-tip-item:${scan}`);
  const n = (i: number): number => unit(h.slice(8 * i, 8 * i + 8));
  const w = Math.max(4, Math.round(width * 0.05));
  const ht = Math.max(4, Math.round(height * 0.12));
  return {
    kind: ITEM_KINDS[Math.floor(n(0) * ITEM_KINDS.length)] ?? "pistol",
    bbox: [Math.round(width * 0.24 + n(1) * Math.max(0, width * 0.68 - w)), Math.round(height * 0.2 + n(2) * Math.max(0, height * 0.55 - ht)), w, ht],
  };
}

/** Longest attempt name (Rust: 200 characters). */
const NAME_MAX = 200;
/** Longest time an answer may say was spent on an image (kordon-model's MAX_TIME_MS, a day); longer is taken as this. */
const MAX_TIME_MS = 24 * 3600 * 1000;
/** Largest coordinate of a mark (Rust: 1e6). */
const MARK_MAX = 1e6;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An attempt's id: a random UUID of version 6, what marks a training document. */
function newAttemptId(): string {
  const id = randomUuid();
  return `${id.slice(0, 14)}6${id.slice(15)}`;
}

function checkTime(timeMs: number): void {
  if (!(Number.isInteger(timeMs) && timeMs >= 0)) {
    throw new TransportError("invalid_input", "time_ms: not a whole number of milliseconds");
  }
}

function checkAnswer(input: TrainingAnswerInput): void {
  if (input.marks.length > TRAINING_MAX_MARKS) {
    throw new TransportError("invalid_input", `marks: more than ${TRAINING_MAX_MARKS}`);
  }
  for (const m of input.marks) {
    const box = m.length === 4 && m.every((v) => Number.isFinite(v) && v >= 0 && v <= MARK_MAX) && m[2] > 0 && m[3] > 0;
    if (!box) throw new TransportError("invalid_input", "marks: a mark is not a box [x, y, w, h] with a positive width and height");
  }
  checkTime(input.time_ms);
}

/** The attempts the in-memory vehicle holds. */
export class MemoryTrainee {
  private readonly attempts = new Map<string, TrainingSeed>();
  /** Records made (a start, an answer) and not yet acknowledged by a sync. */
  pending = 0;
  /** The share of opened scans that get a projected item (0: off). */
  private rate = 0;
  /** Live projections by the scan they were made for. */
  private readonly liveByScan = new Map<string, string>();

  constructor(private readonly exercise: readonly TrainingSeedImage[] = DEMO_EXERCISE) {}

  /** The officer signed in and the unit enrolled are the transport's to check. */
  start(input: StartTrainingInput, by: { officer: string; unit: string; now: number }): TrainingAttempt {
    const folder = input.folder.trim().replace(/[\\/]+$/, "");
    // What the vehicle says when exercise.json is not there; a folder whose
    // name says so fails too, so development can see it.
    if (folder === "" || /missing|damaged|corrupt/i.test(fileName(folder))) {
      throw new TransportError(
        "invalid_input",
        `${folder === "" ? "" : `${folder}/`}exercise.json: No such file or directory (os error 2) (an exercise folder holds exercise.json and its images)`,
      );
    }
    const name = (input.name ?? "").trim() || fileName(folder) || "exercise";
    if (Array.from(name).length > NAME_MAX || /\p{Cc}/u.test(name)) {
      throw new TransportError("invalid_input", `name: must be 1 to ${NAME_MAX} characters, with no control characters`);
    }
    const seed: TrainingSeed = {
      id: newAttemptId(),
      unit: by.unit,
      trainee: by.officer,
      name,
      created_ms: by.now,
      live: false,
      images: structuredClone([...this.exercise]),
      answers: [],
    };
    this.attempts.set(seed.id, seed);
    this.pending += 1;
    return attemptOf(seed);
  }

  answer(id: string, input: TrainingAnswerInput, now: number): TrainingAttempt {
    const seed = this.seed(id);
    if (!seed.images.some((i) => i.name === input.image)) {
      throw new TransportError("invalid_input", `the exercise has no image ${JSON.stringify(input.image)}`);
    }
    checkAnswer(input);
    if (seed.answers.some((a) => a.image === input.image)) {
      throw new TransportError("invalid_input", `image: ${input.image} is answered already`);
    }
    seed.answers.push({ ...structuredClone(input), time_ms: Math.min(input.time_ms, MAX_TIME_MS), answered_ms: now });
    this.pending += 1;
    return attemptOf(seed);
  }

  attempt(id: string): TrainingAttempt {
    return attemptOf(this.seed(id));
  }

  /** Newest first, as the vehicle lists them. */
  list(): TrainingSummary[] {
    return [...this.attempts.values()]
      .sort((a, b) => b.created_ms - a.created_ms || a.id.localeCompare(b.id))
      .map((s) => attemptOf(s).summary);
  }

  liveRate(): number {
    return this.rate;
  }

  setLiveRate(rate: number): number {
    if (!Number.isFinite(rate) || rate < 0 || rate > MAX_LIVE_TIP_RATE) {
      throw new TransportError("invalid_input", `a live TIP rate of ${rate}: expected 0 (off) to ${MAX_LIVE_TIP_RATE}`);
    }
    this.rate = rate;
    return this.rate;
  }

  /**
   * Scan `scan` (one of an inspection's, checked by the transport) is
   * opened: the projection made for it before (answered or not), or a new
   * one if it is chosen and a dual-energy pair, or none.
   */
  live(scan: Scan, by: { officer: string; unit: string | null; now: number; device: string }): TrainingAttempt | null {
    const made = this.liveByScan.get(scan.id);
    if (made !== undefined) return this.attempt(made);
    if (this.rate <= 0 || !projectsInto(by.device, scan.id, this.rate)) return null;
    const high = scan.images.find((i) => i.energy !== "low");
    const low = scan.images.find((i) => i.energy === "low");
    // As the vehicle: what a scanner's detectors read (16 bits, both energies), not a picture.
    if (high === undefined || low === undefined || high.energy !== "high" || high.bits !== 16 || low.bits !== 16) return null;
    if (by.unit === null) throw new TransportError("not_enrolled", "this vehicle is not enrolled");
    const seed: TrainingSeed = {
      id: newAttemptId(),
      unit: by.unit,
      trainee: by.officer,
      name: LIVE_TIP_NAME,
      created_ms: by.now,
      live: true,
      images: [{ name: LIVE_TIP_IMAGE, width: high.width, height: high.height, item: liveTipItem(scan.id, high.width, high.height) }],
      answers: [],
    };
    this.attempts.set(seed.id, seed);
    this.liveByScan.set(scan.id, seed.id);
    this.pending += 1;
    return attemptOf(seed);
  }

  /** A mark on a live projection: the hit (answered, revealed) when it overlaps the item; null otherwise, or when answered already. */
  liveMark(id: string, input: LiveTipMarkInput, now: number): TrainingAttempt | null {
    const seed = this.liveSeed(id);
    checkTime(input.time_ms);
    const image = seed.images[0];
    if (image === undefined || seed.answers.length > 0) return null;
    if (image.item === null || !touches(input.mark, image.item.bbox)) return null;
    return this.answer(id, { image: image.name, decision: "suspect", marks: [input.mark], time_ms: input.time_ms }, now);
  }

  /** A decision with the live projection's item unmarked: the miss (an answered attempt as it is). */
  liveMissed(id: string, timeMs: number, now: number): TrainingAttempt {
    const seed = this.liveSeed(id);
    const image = seed.images[0];
    if (image === undefined || seed.answers.length > 0) return attemptOf(seed);
    return this.answer(id, { image: image.name, decision: "clear", marks: [], time_ms: timeMs }, now);
  }

  /** What a training image holds, to draw into its tiles: its item, if any (the truth, answered or not). */
  items(scanId: string): DemoItem[] {
    for (const seed of this.attempts.values()) {
      for (const image of seed.images) {
        if (fakeHash(`training:${seed.id}:${image.name}`) === scanId) return image.item === null ? [] : [{ bbox: image.item.bbox }];
      }
    }
    return [];
  }

  /** An exercise image as a scan the viewer opens, if `id` is one. */
  scan(id: string): Scan | undefined {
    for (const seed of this.attempts.values()) {
      const image = attemptOf(seed).images.find((i) => i.scan === id);
      if (image === undefined) continue;
      const file = (energy: "high" | "low") => ({
        blob: energy === "high" ? id : fakeHash(`${id}:low`),
        size: 0,
        width: image.width,
        height: image.height,
        bits: 16,
        channels: 1,
        format: "tiff",
        energy,
      });
      return {
        id,
        images: [file("high"), file("low")],
        name: image.name,
        scanner: null,
        captured_ms: null,
        pixel_mm: null,
        added_ms: seed.created_ms,
        added_by: seed.trainee,
      };
    }
    return undefined;
  }

  private liveSeed(id: string): TrainingSeed {
    const seed = this.seed(id);
    if (!seed.live || seed.images.length !== 1) throw new TransportError("invalid_input", `attempt ${id} is not a live projection`);
    return seed;
  }

  private seed(id: string): TrainingSeed {
    const key = id.trim().toLowerCase();
    if (!UUID.test(key)) throw new TransportError("invalid_input", `${JSON.stringify(id)} is not an attempt's id`);
    const seed = this.attempts.get(key);
    if (seed === undefined) throw new TransportError("not_found", `training attempt ${key} not found on this vehicle`);
    return seed;
  }
}
