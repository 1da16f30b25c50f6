// The sound of a hotlist alert: short square-wave beeps from a WebAudio
// oscillator (no sound file to ship), repeated every few seconds until it
// is switched off. Where there is no AudioContext (jsdom, a locked-down
// webview) or it fails, it stays silent: the banner is the alert, the
// sound only makes sure someone looks at it.
//
// Browsers and webviews let a page play sound only after a key or a click
// on it: the app's one audio context is made (or woken) on the first key
// or click after the banner is shown, so that an alert hours later, in an
// untouched window at night, can still ring.

import { useEffect } from "react";

/** Time between rings, in milliseconds. */
export const ALARM_REPEAT_MS = 4_000;

type AudioContextClass = new () => AudioContext;

function audioContextClass(): AudioContextClass | null {
  const g = globalThis as { AudioContext?: AudioContextClass; webkitAudioContext?: AudioContextClass };
  return g.AudioContext ?? g.webkitAudioContext ?? null;
}

/** The app's audio context, made once (again if the environment's class changed: tests). */
let shared: { ctx: AudioContext; of: AudioContextClass } | null = null;

function audioContext(): AudioContext | null {
  const Ctx = audioContextClass();
  if (Ctx === null) return null;
  if (shared?.of === Ctx) return shared.ctx;
  try {
    shared = { ctx: new Ctx(), of: Ctx };
  } catch {
    return null;
  }
  return shared.ctx;
}

/** Makes or wakes the audio context; call it from a key or a click. */
export function unlockAudio(): void {
  const ctx = audioContext();
  if (ctx !== null && ctx.state === "suspended") ctx.resume().catch(() => undefined);
}

export interface Alarm {
  stop: () => void;
}

/** Tones of one ring, Hz: three alternating for a high-priority alert, two for the others. */
const RING = { urgent: [880, 660, 880], normal: [660, 660] } as const;
const TONE_S = 0.2;
const STEP_S = 0.27;

/** Starts ringing now and every ALARM_REPEAT_MS; `stop` silences it at once. */
export function startAlarm(urgent: boolean): Alarm {
  const ctx = audioContext();
  if (ctx === null) return { stop: () => undefined };
  let out: GainNode;
  try {
    // Every tone of this alarm goes through one node: taking it away silences them all.
    out = ctx.createGain();
    out.connect(ctx.destination);
  } catch {
    return { stop: () => undefined };
  }
  const ring = (): void => {
    try {
      if (ctx.state === "suspended") ctx.resume().catch(() => undefined);
      const t0 = ctx.currentTime + 0.05;
      (urgent ? RING.urgent : RING.normal).forEach((hz, i) => {
        const start = t0 + i * STEP_S;
        const osc = ctx.createOscillator();
        const gain = ctx.createGain();
        osc.type = "square";
        osc.frequency.setValueAtTime(hz, start);
        // A short rise and fall: no clicks.
        gain.gain.setValueAtTime(0.0001, start);
        gain.gain.exponentialRampToValueAtTime(0.3, start + 0.02);
        gain.gain.exponentialRampToValueAtTime(0.0001, start + TONE_S);
        osc.connect(gain);
        gain.connect(out);
        osc.start(start);
        osc.stop(start + TONE_S + 0.02);
      });
    } catch {
      // No sound this time; the banner still shows.
    }
  };
  ring();
  const timer = setInterval(ring, ALARM_REPEAT_MS);
  return {
    stop: () => {
      clearInterval(timer);
      try {
        out.disconnect();
      } catch {
        // Already disconnected.
      }
    },
  };
}

/**
 * Rings while `on`; a high-priority (`urgent`) alert has its own, more
 * insistent ring. While mounted, the first key or click readies the sound.
 */
export function useAlarm(on: boolean, urgent: boolean): void {
  useEffect(() => {
    const unlock = (): void => unlockAudio();
    window.addEventListener("pointerdown", unlock, true);
    window.addEventListener("keydown", unlock, true);
    return () => {
      window.removeEventListener("pointerdown", unlock, true);
      window.removeEventListener("keydown", unlock, true);
    };
  }, []);
  useEffect(() => {
    if (!on) return undefined;
    const alarm = startAlarm(urgent);
    return () => alarm.stop();
  }, [on, urgent]);
}
