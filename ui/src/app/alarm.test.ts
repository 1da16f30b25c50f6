// The alert's sound: a ring at once and every few seconds, three tones for
// a high-priority alert and two for the others, silent at once when
// stopped; and no sound, without failing, where there is no AudioContext.

import { afterEach, describe, expect, it, vi } from "vitest";
import { ALARM_REPEAT_MS, startAlarm, unlockAudio } from "./alarm.ts";

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function fakeAudio(state = "running") {
  const log = { tones: [] as number[], silenced: 0, resumed: 0, made: 0 };
  class FakeAudioContext {
    state = state;
    currentTime = 0;
    destination = {};
    constructor() {
      log.made += 1;
    }
    resume = () => {
      log.resumed += 1;
      return Promise.resolve();
    };
    createOscillator() {
      return {
        type: "sine",
        frequency: { setValueAtTime: (hz: number) => log.tones.push(hz) },
        connect: () => undefined,
        start: () => undefined,
        stop: () => undefined,
      };
    }
    createGain() {
      let toSpeakers = false;
      return {
        gain: { setValueAtTime: () => undefined, exponentialRampToValueAtTime: () => undefined },
        connect: (to: unknown) => {
          toSpeakers = to === this.destination;
        },
        disconnect: () => {
          if (toSpeakers) log.silenced += 1;
        },
      };
    }
  }
  vi.stubGlobal("AudioContext", FakeAudioContext);
  return log;
}

describe("alarm", () => {
  it("rings at once and again every few seconds until stopped", () => {
    vi.useFakeTimers();
    const log = fakeAudio();
    const alarm = startAlarm(true);
    expect(log.tones).toEqual([880, 660, 880]);
    vi.advanceTimersByTime(ALARM_REPEAT_MS);
    expect(log.tones).toHaveLength(6);
    alarm.stop();
    expect(log.silenced).toBe(1);
    vi.advanceTimersByTime(5 * ALARM_REPEAT_MS);
    expect(log.tones).toHaveLength(6);
  });

  it("rings twice, lower, for an alert that is not high priority", () => {
    const log = fakeAudio();
    startAlarm(false).stop();
    expect(log.tones).toEqual([660, 660]);
  });

  it("makes one audio context, and wakes it when a key or click allows", () => {
    const log = fakeAudio("suspended");
    unlockAudio();
    startAlarm(true).stop();
    expect(log.made).toBe(1);
    expect(log.resumed).toBe(2);
  });

  it("is silent, and does not fail, without an AudioContext", () => {
    vi.stubGlobal("AudioContext", undefined);
    const alarm = startAlarm(true);
    expect(() => alarm.stop()).not.toThrow();
    expect(() => unlockAudio()).not.toThrow();
  });
});
