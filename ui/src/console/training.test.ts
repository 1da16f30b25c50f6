// The training pages' logic: the list's filters in the URL and what the
// server is asked, each trainee's row (the latest finished attempt, the
// change of d′ against the finished one before), the chart's points and
// axes, the formats; and the in-memory server's scoring, which must be the
// server's (kordon-training's score.rs: the same counts and d′ for the same
// answers).

import { describe, expect, it } from "vitest";
import type { TraineeProgress, TrainingSummary } from "../transport/console.ts";
import { attemptOf, dPrime, inverseNormal, LIVE_TIP_NAME, scripted, traineesOf } from "../transport/memoryTraining.ts";
import {
  attemptPath,
  changeTrend,
  dPrimeAxis,
  isLiveAttempt,
  progressChart,
  slotTicks,
  traineeMatches,
  traineePath,
  traineeRow,
  traineesQuery,
  traineesSearch,
  traineesViewFrom,
  trainingFormat,
  trainingUnits,
} from "./training.ts";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 0, 5, 9);

function summary(over: Partial<TrainingSummary> & { d?: number | null }): TrainingSummary {
  const { d = null, ...rest } = over;
  return {
    id: "a",
    unit: "MOBILE-1",
    trainee: "OF-1742",
    name: "TIP",
    created_ms: T0,
    last_answer_ms: T0,
    total: 4,
    answered: 4,
    finished: true,
    live: false,
    score: { scored: 4, hits: 1, misses: 1, mislocated: 0, false_alarms: 1, correct_rejections: 1, hit_rate: 0.5, false_alarm_rate: 0.5, d_prime: d, mean_time_ms: 9_000 },
    ...rest,
  };
}

describe("training: the list in the URL", () => {
  it("reads and writes the unit and the text, and asks the server for the unit alone", () => {
    const v = traineesViewFrom("unit=%20MOBILE-1%20&trainee=of-17");
    expect(v).toEqual({ unit: "MOBILE-1", trainee: "of-17" });
    expect(traineesSearch(v)).toBe("?unit=MOBILE-1&trainee=of-17");
    expect(traineesQuery(v)).toEqual({ unit: "MOBILE-1" });
    expect(traineesViewFrom("")).toEqual({ unit: null, trainee: "" });
    expect(traineesSearch({ unit: null, trainee: "  " })).toBe("");
    expect(traineesQuery({ unit: null, trainee: "x" })).toEqual({});
    expect(traineePath("OF 17/2")).toBe("/training/trainee/OF%2017%2F2");
    expect(attemptPath("0f1e")).toBe("/training/attempt/0f1e");
  });

  it("matches part of a name in any case, and offers the units of the last answer for every unit", () => {
    expect(traineeMatches("OF-1742", " of-17 ")).toBe(true);
    expect(traineeMatches("OF-1742", "2210")).toBe(false);
    expect(traineeMatches("OF-1742", "")).toBe(true);
    const p = (trainee: string, units: string[]): TraineeProgress => ({ trainee, units, attempts: [] });
    const all = { all: true, trainees: [p("A", ["MOBILE-2", "MOBILE-1"]), p("B", ["MOBILE-1"])] };
    expect(trainingUnits(["OLD"], all, null)).toEqual(["MOBILE-1", "MOBILE-2"]);
    expect(trainingUnits(["MOBILE-1", "MOBILE-2"], { all: false, trainees: [p("A", ["MOBILE-2"])] }, null)).toEqual(["MOBILE-1", "MOBILE-2"]);
    expect(trainingUnits(["MOBILE-1"], null, "MOBILE-9")).toEqual(["MOBILE-1", "MOBILE-9"]);
  });
});

describe("training: a trainee's row", () => {
  it("takes the latest finished attempt, and the change of d′ against the finished one before", () => {
    const attempts = [
      summary({ id: "1", d: 0.5, created_ms: T0 }),
      summary({ id: "2", d: 1.25, created_ms: T0 + DAY }),
      summary({ id: "3", d: 2, created_ms: T0 + 2 * DAY, finished: false, answered: 2 }),
    ];
    const r = traineeRow({ trainee: "OF-1742", units: ["MOBILE-1"], attempts });
    expect([r.attempts, r.inProgress, r.lastMs, r.latest?.id, r.previous?.id, r.change]).toEqual([3, 1, T0 + 2 * DAY, "2", "1", 0.75]);
    expect(changeTrend(r.change)).toBe("up");
    // None finished: no figures, no change.
    const open = traineeRow({ trainee: "X", units: [], attempts: [attempts[2] as TrainingSummary] });
    expect([open.latest, open.previous, open.change, open.inProgress]).toEqual([null, null, null, 1]);
    // A d′ missing on either side (no image of a kind): no change.
    expect(traineeRow({ trainee: "X", units: [], attempts: [summary({ id: "1", d: null }), summary({ id: "2", d: 1 })] }).change).toBeNull();
    expect([changeTrend(-0.2), changeTrend(0.004), changeTrend(null)]).toEqual(["down", "same", null]);
  });

  it("counts projections in live work apart: not exercises, not the latest attempt, found of those answered", () => {
    const live = (id: string, created_ms: number, found: boolean | null): TrainingSummary => {
      const one = summary({ id, name: LIVE_TIP_NAME, total: 1, answered: found === null ? 0 : 1, finished: found !== null, live: true, created_ms });
      const hits = found === true ? 1 : 0;
      return { ...one, score: found === null ? null : { scored: 1, hits, misses: 1 - hits, mislocated: 0, false_alarms: 0, correct_rejections: 0, hit_rate: hits, false_alarm_rate: null, d_prime: null, mean_time_ms: 5_000 } };
    };
    const attempts = [summary({ id: "1", d: 0.5, created_ms: T0 }), summary({ id: "2", d: 1, created_ms: T0 + DAY }), live("L1", T0 + 2 * DAY, true), live("L2", T0 + 3 * DAY, false), live("L3", T0 + 4 * DAY, null)];
    const r = traineeRow({ trainee: "OF-1742", units: ["MOBILE-1"], attempts });
    expect([r.attempts, r.inProgress, r.lastMs, r.latest?.id, r.change, r.live]).toEqual([2, 0, T0 + DAY, "2", 0.5, { shown: 2, found: 1 }]);
    expect(progressChart(attempts).slots.map((s) => s.id)).toEqual(["1", "2"]);
    // Told by what the vehicle says (`live`), never by the name: an exercise a trainer named so is an exercise.
    expect([isLiveAttempt(live("L9", T0, true)), isLiveAttempt(summary({ name: LIVE_TIP_NAME, total: 1 }))]).toEqual([true, false]);
    const named = traineeRow({ trainee: "OF-1742", units: ["MOBILE-1"], attempts: [summary({ id: "N", name: LIVE_TIP_NAME, total: 1, answered: 1, d: null })] });
    expect([named.attempts, named.latest?.id, named.live]).toEqual([1, "N", { shown: 0, found: 0 }]);
  });
});

describe("training: the chart", () => {
  it("gives every finished attempt a place, oldest first, and its figures on the lines, leaving out a figure it lacks", () => {
    const chart = progressChart([
      summary({ id: "2", d: 1.5, created_ms: T0 + DAY }),
      summary({ id: "1", d: null, created_ms: T0 }),
      summary({ id: "3", d: 2, created_ms: T0 + 2 * DAY, finished: false }),
      summary({ id: "4", created_ms: T0 + 3 * DAY, score: null, finished: true, answered: 0 }),
      summary({ id: "5", d: 0.5, created_ms: T0 + DAY + 1_000 }),
    ]);
    expect(chart.slots.map((s) => s.id)).toEqual(["1", "2", "5"]);
    expect(chart.lines.d_prime).toEqual([
      { id: "2", ms: T0 + DAY, index: 1, value: 1.5 },
      { id: "5", ms: T0 + DAY + 1_000, index: 2, value: 0.5 },
    ]);
    expect(chart.lines.hit_rate.map((p) => [p.id, p.index])).toEqual([
      ["1", 0],
      ["2", 1],
      ["5", 2],
    ]);
    expect(chart.lines.false_alarm_rate.map((p) => p.value)).toEqual([0.5, 0.5, 0.5]);
    expect(progressChart([]).slots).toEqual([]);
  });

  it("labels every place up to eight, else eight spread out with the first and the last; d′ from at most 0 to at least 3", () => {
    expect(slotTicks(0)).toEqual([]);
    expect(slotTicks(3)).toEqual([0, 1, 2]);
    expect(slotTicks(8)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(slotTicks(20)).toEqual([0, 3, 6, 9, 12, 15, 19]);
    expect(slotTicks(30)).toEqual([0, 5, 10, 15, 20, 25, 29]);
    for (const n of [9, 13, 40, 101]) {
      const ticks = slotTicks(n);
      expect(ticks.length, `${n}`).toBeLessThanOrEqual(8);
      expect([ticks[0], ticks.at(-1)]).toEqual([0, n - 1]);
    }
    expect(dPrimeAxis([0.5, 1.2])).toEqual({ min: 0, max: 3, ticks: [0, 1, 2, 3] });
    expect(dPrimeAxis([-0.4, 3.6])).toEqual({ min: -1, max: 4, ticks: [-1, 0, 1, 2, 3, 4] });
    expect(dPrimeAxis([])).toEqual({ min: 0, max: 3, ticks: [0, 1, 2, 3] });
  });
});

describe("training: formats", () => {
  it("writes d′ with two decimals, a change with its sign, rates in per cent, times in seconds, each language its way", () => {
    const en = trainingFormat("en-GB");
    expect([en.dPrime(1.0488), en.dPrime(null), en.change(0.5244), en.change(-0.1234), en.change(0.001), en.change(null)]).toEqual(["1.05", "—", "+0.52", "-0.12", "0.00", "—"]);
    expect([en.rate(0.75), en.rate(null), en.seconds(8_000), en.seconds(null), en.dayShort(T0), en.percentTick(0.25)]).toEqual(["75.0%", "—", "8.0 secs", "—", "5 Jan", "25%"]);
    const uk = trainingFormat("uk-UA");
    const nb = (s: string): string => s.replace(/[\u00a0\u202f]/g, " ");
    expect([uk.dPrime(1.0488), uk.change(0.5244), nb(uk.rate(0.75)), nb(uk.seconds(8_000))]).toEqual(["1,05", "+0,52", "75,0%", "8,0 с"]);
  });
});

describe("training: the in-memory server scores as kordon-training does", () => {
  it("has the inverse normal of score.rs (its table values)", () => {
    for (const [p, z] of [
      [0.5, 0],
      [0.975, 1.959963984540054],
      [0.025, -1.959963984540054],
      [0.8413447460685429, 1],
      [0.001, -3.090232306167813],
      [0.9999, 3.719016485455709],
    ] as const) {
      expect(Math.abs(inverseNormal(p) - z)).toBeLessThan(1e-6);
    }
    // score.rs's perfect trainee: z(4.5/5) − z(0.5/5) = 2 · 1.2815516.
    expect(dPrime(4, 4, 0, 4)).toBeCloseTo(2 * 1.2815516, 6);
    expect(dPrime(2, 2, 0, 0)).toBeNull();
  });

  it("scores score.rs's scripted trainee the same: 2 hits, 2 misses (one mislocated), 1 false alarm, d′ 0.5244005", () => {
    const a = attemptOf(
      scripted({
        unit: "MOBILE-1",
        trainee: "OF-17",
        name: "EX",
        created_ms: T0,
        script: ["hit", "hit", "mislocated", "miss", "false_alarm", "correct_rejection", "correct_rejection", "correct_rejection"],
        times: [1_000, 2_000, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000],
      }),
    );
    const s = a.summary.score;
    expect([s?.hits, s?.misses, s?.mislocated, s?.false_alarms, s?.correct_rejections, s?.hit_rate, s?.false_alarm_rate]).toEqual([2, 2, 1, 1, 3, 0.5, 0.25]);
    expect(s?.d_prime).toBeCloseTo(0.5244005, 6);
    expect(s?.mean_time_ms).toBe(4_500);
    expect([a.summary.answered, a.summary.total, a.summary.finished]).toEqual([8, 8, true]);
    expect(a.images.map((i) => i.outcome)).toEqual(["hit", "hit", "miss", "miss", "false_alarm", "correct_rejection", "correct_rejection", "correct_rejection"]);
    expect(a.images.map((i) => i.mislocated)).toEqual([false, false, true, false, false, false, false, false]);
  });

  it("scores an attempt under way over the images answered so far, and shows an item only once answered", () => {
    const seed = scripted({ unit: "MOBILE-1", trainee: "OF-17", name: "EX", created_ms: T0, script: ["hit", "signal", "correct_rejection", "noise"] });
    const a = attemptOf(seed);
    expect([a.summary.answered, a.summary.total, a.summary.finished]).toEqual([2, 4, false]);
    expect([a.summary.score?.hit_rate, a.summary.score?.false_alarm_rate, a.summary.score?.scored]).toEqual([1, 0, 2]);
    expect(a.summary.last_answer_ms).toBe(seed.answers[1]?.answered_ms);
    expect(a.images.map((i) => [i.answer?.decision ?? null, i.item?.kind ?? null])).toEqual([
      ["suspect", "pistol"],
      [null, null],
      ["clear", null],
      [null, null],
    ]);
    // A second answer to an image is not the one kept.
    const twice = { ...seed, answers: [...seed.answers, { ...(seed.answers[0] as (typeof seed.answers)[number]), decision: "clear" as const, marks: [] }] };
    expect(attemptOf(twice).images[0]?.outcome).toBe("hit");
    // Nothing answered: no score.
    expect(attemptOf({ ...seed, answers: [] }).summary.score).toBeNull();
  });

  it("groups trainees by name, attempts oldest first, units in the order first seen; filters by exact unit and trainee", () => {
    const seeds = [
      scripted({ unit: "MOBILE-3", trainee: "OF-2", name: "b", created_ms: T0 + DAY, script: ["hit"] }),
      scripted({ unit: "MOBILE-1", trainee: "OF-2", name: "a", created_ms: T0, script: ["hit"] }),
      scripted({ unit: "MOBILE-1", trainee: "OF-1", name: "c", created_ms: T0 + 2 * DAY, script: ["noise"] }),
    ];
    const all = traineesOf(seeds, {});
    expect(all.map((p) => [p.trainee, p.units, p.attempts.map((a) => a.name)])).toEqual([
      ["OF-1", ["MOBILE-1"], ["c"]],
      ["OF-2", ["MOBILE-1", "MOBILE-3"], ["a", "b"]],
    ]);
    expect(traineesOf(seeds, { unit: " MOBILE-3 " }).map((p) => [p.trainee, p.units])).toEqual([["OF-2", ["MOBILE-3"]]]);
    expect(traineesOf(seeds, { trainee: "OF-1" }).map((p) => p.trainee)).toEqual(["OF-1"]);
    expect(traineesOf(seeds, { trainee: "of-1" })).toEqual([]);
  });
});
