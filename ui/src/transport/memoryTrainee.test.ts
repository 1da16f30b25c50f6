import { describe, expect, it } from "vitest";
import { TransportError } from "./errors.ts";
import { createMemoryTransport } from "./memory.ts";
import { testView } from "../domain/testViews.ts";
import { DEMO_EXERCISE, liveTipItem, projectsInto } from "./memoryTrainee.ts";
import type { Scan, TrainingAnswerInput } from "./types.ts";

let clock = 1_000;
const now = (): number => (clock += 1000);

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof TransportError) return e.code;
    throw e;
  }
  throw new Error("expected a TransportError");
}

function trainee() {
  const t = createMemoryTransport({ now, unit: "MOBILE-1" });
  t.actAs("OF-1742");
  return t;
}

const answer = (image: string, over: Partial<TrainingAnswerInput> = {}): TrainingAnswerInput => ({
  image,
  decision: "clear",
  marks: [],
  time_ms: 5_000,
  ...over,
});

// The demo exercise: TIP_0001 pistol, TIP_0003 drug bricks, TIP_0005 ammunition; the others hold nothing.
const ON_PISTOL: [number, number, number, number] = [1700, 360, 60, 60];
const OFF_ITEMS: [number, number, number, number] = [10, 10, 50, 50];

describe("in-memory transport: training, as the vehicle keeps and scores it", () => {
  it("starts only for an officer signed in on an enrolled vehicle, named after the folder unless named", async () => {
    expect(await codeOf(createMemoryTransport({ now, unit: "MOBILE-1" }).startTraining({ folder: "/media/usb/tip-a", name: null }))).toBe(
      "not_signed_in",
    );
    const unenrolled = createMemoryTransport({ now });
    unenrolled.actAs("OF-1742");
    expect(await codeOf(unenrolled.startTraining({ folder: "/media/usb/tip-a", name: null }))).toBe("not_enrolled");

    const t = trainee();
    const a = await t.startTraining({ folder: "/media/usb/tip-a/", name: null });
    expect(a.summary).toMatchObject({ name: "tip-a", trainee: "OF-1742", unit: "MOBILE-1", total: 6, answered: 0, finished: false, score: null });
    expect(a.summary.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-6[0-9a-f]{3}-/);
    expect(a.images.map((i) => i.name)).toEqual(DEMO_EXERCISE.map((i) => i.name));
    // Nothing is revealed before an answer.
    expect(a.images.every((i) => i.item === null && i.outcome === null)).toBe(true);
    const named = await t.startTraining({ folder: "/media/usb/tip-a", name: "  Morning drill " });
    expect(named.summary.name).toBe("Morning drill");
    expect((await t.trainingAttempts()).map((s) => s.id)).toEqual([named.summary.id, a.summary.id]);
  });

  it("refuses a folder without an exercise, as the vehicle does", async () => {
    const err = await trainee().startTraining({ folder: "/media/usb/missing", name: null }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe("invalid_input");
    expect((err as TransportError).message).toContain("exercise.json");
  });

  it("opens an exercise image in the viewer like any scan (dual energy)", async () => {
    const t = trainee();
    const a = await t.startTraining({ folder: "/tip", name: null });
    const info = await t.scanInfo(a.images[0]!.scan);
    expect([info.width, info.height, info.planes]).toEqual([3000, 1000, 2]);
    expect(t.tileUrl(a.images[0]!.scan, info.max_level, 0, 0, { window: null, invert: false, gamma: 1, colormap: "grey", edge: 0, materials: false })).toMatch(
      /^data:image\/svg\+xml/,
    );
  });

  it("scores each answer at once and reveals only the answered image's item", async () => {
    const t = trainee();
    const { summary } = await t.startTraining({ folder: "/tip", name: null });
    const hit = await t.answerTraining(summary.id, answer("TIP_0001", { decision: "suspect", marks: [ON_PISTOL] }));
    expect(hit.images[0]).toMatchObject({ outcome: "hit", mislocated: false, item: { kind: "pistol", bbox: [1720, 380, 160, 110] } });
    expect(hit.images[0]!.answer).toMatchObject({ decision: "suspect", marks: [ON_PISTOL], time_ms: 5_000 });
    expect(hit.images.slice(1).every((i) => i.item === null)).toBe(true);
    // Images of one kind only so far: no d′, no false-alarm rate.
    expect(hit.summary.score).toMatchObject({ scored: 1, hits: 1, hit_rate: 1, false_alarm_rate: null, d_prime: null });

    const rejection = await t.answerTraining(summary.id, answer("TIP_0002"));
    expect(rejection.images[1]).toMatchObject({ outcome: "correct_rejection", item: null });
    const miss = await t.answerTraining(summary.id, answer("TIP_0003"));
    expect(miss.images[2]).toMatchObject({ outcome: "miss", mislocated: false, item: { kind: "drug_bricks" } });
    // Marks count as a suspect call, whatever the decision says (as kordon-training scores them).
    const alarm = await t.answerTraining(summary.id, answer("TIP_0004", { decision: "clear", marks: [OFF_ITEMS] }));
    expect(alarm.images[3]!.outcome).toBe("false_alarm");
    const mislocated = await t.answerTraining(summary.id, answer("TIP_0005", { decision: "suspect", marks: [OFF_ITEMS], time_ms: 8_000 }));
    expect(mislocated.images[4]).toMatchObject({ outcome: "miss", mislocated: true });
    expect(mislocated.summary.finished).toBe(false);

    const done = await t.answerTraining(summary.id, answer("TIP_0006", { time_ms: 2_000 }));
    expect(done.summary).toMatchObject({ answered: 6, finished: true });
    const s = done.summary.score!;
    expect([s.hits, s.misses, s.mislocated, s.false_alarms, s.correct_rejections]).toEqual([1, 2, 1, 1, 2]);
    expect(s.hit_rate).toBeCloseTo(1 / 3);
    expect(s.false_alarm_rate).toBeCloseTo(1 / 3);
    // H = F = 1.5/4 with the log-linear correction: d′ = 0.
    expect(s.d_prime).toBeCloseTo(0, 9);
    expect(s.mean_time_ms).toBeCloseTo((5_000 * 4 + 8_000 + 2_000) / 6);
    expect(await t.trainingAttempt(summary.id)).toEqual(done);
  });

  it("gives d′ = z(H) − z(F) with the log-linear correction", async () => {
    const t = trainee();
    const { summary } = await t.startTraining({ folder: "/tip", name: null });
    await t.answerTraining(summary.id, answer("TIP_0001", { decision: "suspect", marks: [ON_PISTOL] }));
    const a = await t.answerTraining(summary.id, answer("TIP_0002"));
    // H = 1.5/2 = 0.75, F = 0.5/2 = 0.25: d′ = 2 × 0.6744897…
    expect(a.summary.score!.d_prime).toBeCloseTo(1.3489795, 6);
  });

  it("refuses an image answered twice, an image the exercise lacks, bad marks and a bad id", async () => {
    const t = trainee();
    const { summary } = await t.startTraining({ folder: "/tip", name: null });
    await t.answerTraining(summary.id, answer("TIP_0002"));
    expect(await codeOf(t.answerTraining(summary.id, answer("TIP_0002", { decision: "suspect" })))).toBe("invalid_input");
    expect(await codeOf(t.answerTraining(summary.id, answer("TIP_0099")))).toBe("invalid_input");
    expect(await codeOf(t.answerTraining(summary.id, answer("TIP_0003", { marks: [[1, 1, 0, 5]] })))).toBe("invalid_input");
    const many = Array.from({ length: 33 }, (): [number, number, number, number] => [1, 1, 5, 5]);
    expect(await codeOf(t.answerTraining(summary.id, answer("TIP_0003", { marks: many })))).toBe("invalid_input");
    expect(await codeOf(t.trainingAttempt("not-an-id"))).toBe("invalid_input");
    expect(await codeOf(t.trainingAttempt("0e5b7c1a-1111-6111-8111-111111111111"))).toBe("not_found");
    expect((await t.trainingAttempt(summary.id)).summary.answered).toBe(1);
  });

  it("keeps the start and each answer as records to send until a sync", async () => {
    const t = trainee();
    const { summary } = await t.startTraining({ folder: "/tip", name: null });
    await t.answerTraining(summary.id, answer("TIP_0001"));
    expect((await t.status()).pending).toBe(2);
    await t.syncNow();
    expect((await t.status()).pending).toBe(0);
    expect((await t.status()).acknowledged).toBe(2);
  });
});

function scanOf(id: string, energies: readonly ("high" | "low" | "single")[] = ["high", "low"], bits = 16): Scan {
  return {
    id,
    images: energies.map((energy, i) => ({ blob: i === 0 ? id : `${id}-${energy}`, size: 1, width: 6000, height: 2000, bits, channels: 1, format: "tiff", energy })),
    name: `${id}.tif`,
    scanner: null,
    captured_ms: null,
    pixel_mm: null,
    added_ms: 0,
    added_by: "OF-1",
  };
}

/** A vehicle holding two inspections: one with a 16-bit dual-energy scan, a single-energy one and an 8-bit pair; one with a dual-energy scan. */
function liveVehicle() {
  const mine = testView({ scans: [scanOf("dual-1"), scanOf("single-1", ["single"]), scanOf("eight-1", ["high", "low"], 8)] });
  const other = testView({ scans: [scanOf("dual-2")] });
  const t = createMemoryTransport({ now, unit: "MOBILE-1", seed: [mine, other].map((view) => ({ view, sync: "acknowledged" as const })) });
  t.actAs("OF-1742");
  return { t, mine, other };
}

describe("in-memory transport: projection in live work, as the vehicle does it", () => {
  it("is off by default, takes a rate from 0 to MAX_LIVE_TIP_RATE and refuses any other", async () => {
    const { t } = liveVehicle();
    expect(await t.liveTipRate()).toBe(0);
    expect(await t.setLiveTipRate(0.05)).toBe(0.05);
    expect(await t.liveTipRate()).toBe(0.05);
    for (const bad of [-0.1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) expect(await codeOf(t.setLiveTipRate(bad))).toBe("invalid_input");
    expect(await t.liveTipRate()).toBe(0.05);
    expect(await t.setLiveTipRate(1)).toBe(1);
  });

  it("chooses scans by a hash of the scan's id under the rate: the same every time, about the share asked", () => {
    const ids = Array.from({ length: 400 }, (_, i) => `scan-${i}`);
    const chosen = ids.filter((id) => projectsInto("device", id, 0.1));
    expect(chosen.length).toBeGreaterThan(20);
    expect(chosen.length).toBeLessThan(60);
    expect(ids.filter((id) => projectsInto("device", id, 0.1))).toEqual(chosen);
    // A higher rate keeps every scan a lower one chose.
    expect(chosen.every((id) => projectsInto("device", id, 0.5))).toBe(true);
    expect(ids.some((id) => projectsInto("device", id, 0))).toBe(false);
    expect(ids.every((id) => projectsInto("device", id, 1))).toBe(true);
  });

  it("makes nothing at rate 0", async () => {
    const { t, mine } = liveVehicle();
    expect(await t.liveTip(mine.id, "dual-1")).toBeNull();
    expect(await t.trainingAttempts()).toEqual([]);
    expect((await t.status()).pending).toBe(0);
  });

  it("projects into a chosen dual-energy scan: an attempt of one image, the same on every opening, nothing revealed", async () => {
    const { t, mine } = liveVehicle();
    await t.setLiveTipRate(1);
    const a = (await t.liveTip(mine.id, "dual-1"))!;
    expect(a.summary).toMatchObject({ name: "Live TIP", live: true, trainee: "OF-1742", unit: "MOBILE-1", total: 1, answered: 0, finished: false, score: null });
    expect(a.images).toHaveLength(1);
    expect(a.images[0]).toMatchObject({ name: "LIVE_TIP", width: 6000, height: 2000, answer: null, outcome: null, item: null });
    expect(a.images[0]!.scan).not.toBe("dual-1");
    // The viewer opens it like any scan, dual-energy as the scan it copies.
    const info = await t.scanInfo(a.images[0]!.scan);
    expect([info.width, info.height, info.planes]).toEqual([6000, 2000, 2]);
    expect(await t.liveTip(mine.id, "dual-1")).toEqual(a);
    expect((await t.trainingAttempts()).map((s) => [s.id, s.live])).toEqual([[a.summary.id, true]]);
    expect((await t.status()).pending).toBe(1);
    // Not into a single-energy scan, nor an 8-bit pair (as the vehicle: it projects into what detectors read).
    expect(await t.liveTip(mine.id, "single-1")).toBeNull();
    expect(await t.liveTip(mine.id, "eight-1")).toBeNull();
  });

  it("refuses a scan of another inspection, a scan not on the vehicle, and an officer not signed in", async () => {
    const { t, mine } = liveVehicle();
    await t.setLiveTipRate(1);
    expect(await codeOf(t.liveTip(mine.id, "dual-2"))).toBe("invalid_input");
    expect(await codeOf(t.liveTip(mine.id, "nowhere"))).toBe("not_found");
    t.actAs(null);
    expect(await codeOf(t.liveTip(mine.id, "dual-1"))).toBe("not_signed_in");
  });

  it("takes a mark overlapping the item as the hit, and any other as the crew's own", async () => {
    const { t, mine } = liveVehicle();
    await t.setLiveTipRate(1);
    const { summary } = (await t.liveTip(mine.id, "dual-1"))!;
    const item = liveTipItem("dual-1", 6000, 2000);
    const [x, y, w, h] = item.bbox;
    // Inside the load, every time the same.
    expect(x).toBeGreaterThanOrEqual(0.2 * 6000);
    expect(x + w).toBeLessThanOrEqual(0.96 * 6000);
    expect(liveTipItem("dual-1", 6000, 2000)).toEqual(item);

    // Touching the box's edge from outside is not overlapping it.
    expect(await t.liveTipMark(summary.id, { mark: [x - 50, y, 50, h], time_ms: 3_000 })).toBeNull();
    expect((await t.trainingAttempt(summary.id)).summary.answered).toBe(0);
    const hit = (await t.liveTipMark(summary.id, { mark: [x + w - 10, y + h - 10, 40, 40], time_ms: 4_000 }))!;
    expect(hit.images[0]).toMatchObject({ outcome: "hit", item, answer: { decision: "suspect", marks: [[x + w - 10, y + h - 10, 40, 40]], time_ms: 4_000 } });
    expect(hit.summary).toMatchObject({ answered: 1, finished: true, score: { hits: 1, misses: 0 } });
    // Answered: a further mark is the crew's; a decision changes nothing.
    expect(await t.liveTipMark(summary.id, { mark: [x, y, w, h], time_ms: 5_000 })).toBeNull();
    expect(await t.liveTipMissed(summary.id, 6_000)).toEqual(hit);
    // Reopened, the scan still has its (answered) attempt.
    expect((await t.liveTip(mine.id, "dual-1"))!.images[0]!.outcome).toBe("hit");
    expect((await t.status()).pending).toBe(2);
  });

  it("takes a decision with the item unmarked as the miss, and refuses an attempt that is not a projection", async () => {
    const { t, mine } = liveVehicle();
    await t.setLiveTipRate(1);
    const { summary } = (await t.liveTip(mine.id, "dual-1"))!;
    expect(await codeOf(t.liveTipMissed(summary.id, 2.5))).toBe("invalid_input");
    // A day at most (kordon-model's MAX_TIME_MS): longer is taken as a day.
    const missed = await t.liveTipMissed(summary.id, 30 * 3600 * 1000);
    expect(missed.images[0]).toMatchObject({ outcome: "miss", mislocated: false, item: liveTipItem("dual-1", 6000, 2000), answer: { decision: "clear", marks: [], time_ms: 24 * 3600 * 1000 } });
    expect(missed.summary.score).toMatchObject({ hits: 0, misses: 1, d_prime: null });

    const exercise = await t.startTraining({ folder: "/tip", name: null });
    expect(await codeOf(t.liveTipMark(exercise.summary.id, { mark: [1, 1, 5, 5], time_ms: 1 }))).toBe("invalid_input");
    expect(await codeOf(t.liveTipMissed(exercise.summary.id, 1))).toBe("invalid_input");
    expect(exercise.summary.live).toBe(false);
  });
});
