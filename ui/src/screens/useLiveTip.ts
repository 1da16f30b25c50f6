// Projection in live work on the inspection screen (docs/training.md): as
// the crew opens a scan, the vehicle may answer with an item projected into
// it (an attempt of one image). Until the crew answers it, the viewer shows
// that image in place of the scan's own and nothing says so. A mark drawn
// on it is asked about first: on the item, it is the hit (told at once,
// nothing recorded on the inspection, the real scan shown again);
// elsewhere, the crew's own mark, recorded as usual. A decision recorded
// while a projection shown on this screen is unanswered is its miss (told
// at once; the decision stands as made). An attempt answered before shows
// the real scan. A failure to ask shows the real scan: the crew's work
// never waits on training.

import { useState } from "react";
import { useTransport } from "../app/TransportProvider.tsx";
import { useLoad } from "../app/useLoad.ts";
import { markBox } from "../domain/training.ts";
import type { Scan, Shape, TrainingAttempt } from "../transport/types.ts";
import { shapeBounds } from "../viewer/geometry.ts";

/** What the crew is told of an answered projection. */
export interface LiveTipNotice {
  /** The attempt's id. */
  key: string;
  outcome: "hit" | "miss";
  /** The item's kind and box, in the scan's image pixels. */
  kind: string;
  bbox: readonly [number, number, number, number];
  /** The real scan it was projected into. */
  scan: string;
}

export interface LiveTip {
  /**
   * The image to show for the scan chosen: a projection's scan id, the
   * scan's own, or null while the vehicle is being asked.
   */
  image: string | null;
  /** For the viewer while a projection is shown: asks whether a mark is on its item. */
  claimMark: ((shape: Shape) => Promise<boolean>) | undefined;
  /** After a decision was recorded: the projections shown here and still unanswered are missed. */
  decided: () => Promise<void>;
  /** Newest last. */
  notices: readonly LiveTipNotice[];
  dismiss: (key: string) => void;
}

/** A projection shown on this screen: the attempt as last known, its scan, when it was last shown. */
interface Shown {
  attempt: TrainingAttempt;
  scan: string;
  at: number;
}

const unanswered = (a: TrainingAttempt): boolean => a.images[0]?.answer === null;

export function useLiveTip(opts: { inspection: string; scan: Scan | null; clock: () => number }): LiveTip {
  const transport = useTransport();
  const { inspection, clock } = opts;
  const scanId = opts.scan?.id ?? null;
  const asked = useLoad(async () => {
    if (scanId === null) return null;
    const attempt = await transport.liveTip(inspection, scanId).catch(() => null);
    return { scan: scanId, attempt, at: clock() };
  }, [transport, inspection, scanId]);
  const [shown, setShown] = useState<readonly Shown[]>([]);
  const [notices, setNotices] = useState<readonly LiveTipNotice[]>([]);

  // The answer for the scan chosen (the one before stays while it is asked about).
  const answer = asked.value !== null && asked.value.scan === scanId ? asked.value : null;
  const loaded = answer?.attempt ?? null;
  const known = loaded === null ? undefined : shown.find((s) => s.attempt.summary.id === loaded.summary.id);
  // The attempt as this screen last knows it: answered here since it was loaded, or not.
  const attempt = known?.attempt ?? loaded;
  const projecting = attempt !== null && unanswered(attempt) ? attempt : null;
  if (answer !== null && projecting !== null && known?.at !== answer.at) {
    // Shown now: kept, with when, for a mark's time and a decision's misses.
    const now: Shown = { attempt: projecting, scan: answer.scan, at: answer.at };
    setShown([...shown.filter((s) => s.attempt.summary.id !== projecting.summary.id), now]);
  }

  const elapsed = (at: number): number => Math.max(0, Math.round(clock() - at));
  const revealed = (a: TrainingAttempt): void => {
    setShown((list) => list.map((s) => (s.attempt.summary.id === a.summary.id ? { ...s, attempt: a } : s)));
    const image = a.images[0];
    const outcome = image?.outcome;
    if (image?.item == null || (outcome !== "hit" && outcome !== "miss")) return;
    const scan = shown.find((s) => s.attempt.summary.id === a.summary.id)?.scan ?? answer?.scan ?? "";
    const notice: LiveTipNotice = { key: a.summary.id, outcome, kind: image.item.kind, bbox: image.item.bbox, scan };
    setNotices((list) => [...list.filter((n) => n.key !== notice.key), notice]);
  };

  const claimMark =
    projecting === null || answer === null
      ? undefined
      : async (shape: Shape): Promise<boolean> => {
          const hit = await transport.liveTipMark(projecting.summary.id, {
            mark: markBox(shapeBounds(shape)),
            time_ms: elapsed(known?.at ?? answer.at),
          });
          if (hit === null) return false;
          revealed(hit);
          return true;
        };

  const decided = async (): Promise<void> => {
    for (const s of shown.filter((x) => unanswered(x.attempt))) {
      try {
        revealed(await transport.liveTipMissed(s.attempt.summary.id, elapsed(s.at)));
      } catch {
        // Not recorded: the projection stays unanswered (shown again when the scan is opened).
      }
    }
  };

  return {
    image: scanId === null || answer === null ? null : (projecting?.images[0]?.scan ?? scanId),
    claimMark,
    decided,
    notices,
    dismiss: (key) => setNotices((list) => list.filter((n) => n.key !== key)),
  };
}
