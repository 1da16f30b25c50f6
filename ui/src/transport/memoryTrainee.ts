// The trainee's side of the IN-MEMORY TRANSPORT (development and tests
// only): training attempts as the vehicle keeps them. No folder is read:
// every start takes one built-in exercise (the demo one unless the
// transport is given another), whose images are made-up dual-energy scans
// drawn by demoTiles.ts like any other. Answers are checked as the
// vehicle checks them (kordon-model's training document) and scored by
// the same code as the console's in-memory server (memoryTraining.ts,
// kordon-training's rules): over the answered images only, an image's
// item revealed once it is answered.

import { TransportError } from "./errors.ts";
import { TRAINING_MAX_MARKS } from "./generated.ts";
import { fakeHash, fileName } from "./memoryScans.ts";
import { attemptOf, type TrainingSeed, type TrainingSeedImage } from "./memoryTraining.ts";
import type { Scan, StartTrainingInput, TrainingAnswerInput, TrainingAttempt, TrainingSummary } from "./types.ts";
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

/** Longest attempt name (Rust: 200 characters). */
const NAME_MAX = 200;
/** Largest coordinate of a mark (Rust: 1e6). */
const MARK_MAX = 1e6;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An attempt's id: a random UUID of version 6, what marks a training document. */
function newAttemptId(): string {
  const id = randomUuid();
  return `${id.slice(0, 14)}6${id.slice(15)}`;
}

function checkAnswer(input: TrainingAnswerInput): void {
  if (input.marks.length > TRAINING_MAX_MARKS) {
    throw new TransportError("invalid_input", `marks: more than ${TRAINING_MAX_MARKS}`);
  }
  for (const m of input.marks) {
    const box = m.length === 4 && m.every((v) => Number.isFinite(v) && v >= 0 && v <= MARK_MAX) && m[2] > 0 && m[3] > 0;
    if (!box) throw new TransportError("invalid_input", "marks: a mark is not a box [x, y, w, h] with a positive width and height");
  }
  if (!(Number.isInteger(input.time_ms) && input.time_ms >= 0)) {
    throw new TransportError("invalid_input", "time_ms: not a whole number of milliseconds");
  }
}

/** The attempts the in-memory vehicle holds. */
export class MemoryTrainee {
  private readonly attempts = new Map<string, TrainingSeed>();
  /** Records made (a start, an answer) and not yet acknowledged by a sync. */
  pending = 0;

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
    seed.answers.push({ ...structuredClone(input), answered_ms: now });
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

  private seed(id: string): TrainingSeed {
    const key = id.trim().toLowerCase();
    if (!UUID.test(key)) throw new TransportError("invalid_input", `${JSON.stringify(id)} is not an attempt's id`);
    const seed = this.attempts.get(key);
    if (seed === undefined) throw new TransportError("not_found", `training attempt ${key} not found on this vehicle`);
    return seed;
  }
}
