// The inspection's scans on the console: each one's delivery state (a scan
// whose blobs are still arriving says so, with the bytes received so far,
// and is asked again every few seconds; never a broken image), the
// thumbnail strip, and the viewer for the one chosen.

import { useEffect, useState, type ReactNode } from "react";
import { useI18n } from "../i18n/I18nProvider.tsx";
import type { ScanState } from "../transport/console.ts";
import { toErrorBody } from "../transport/errors.ts";
import type { Scan } from "../transport/types.ts";
import { DEFAULT_VIEW } from "../viewer/viewParams.ts";
import { useConsoleTransport } from "./ConsoleContext.tsx";
import { ConsoleError } from "./ConsoleError.tsx";

export const SCAN_POLL_MS = 3_000;
const THUMB_SIDE = 160;

export type ScanStatus = ScanState | { state: "failed"; error: { code: string; message: string } };

/** Each scan's state; the ones not ready yet are asked again every few seconds. */
export function useScanStates(scans: readonly Scan[]): Readonly<Record<string, ScanStatus>> {
  const transport = useConsoleTransport();
  const [states, setStates] = useState<Record<string, ScanStatus>>({});
  const ids = scans.map((s) => s.id).join(",");
  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const waiting = new Set(ids === "" ? [] : ids.split(","));
    const poll = (): void => {
      const asked = [...waiting];
      // Never rejects: each scan's failure is its state.
      void Promise.all(
        asked.map((id) =>
          transport.scanState(id).then(
            (s): [string, ScanStatus] => [id, s],
            (e: unknown): [string, ScanStatus] => [id, { state: "failed", error: toErrorBody(e) }],
          ),
        ),
      ).then((answers) => {
        if (!live) return;
        setStates((old) => ({ ...old, ...Object.fromEntries(answers) }));
        for (const [id, s] of answers) if (s.state === "ready" || s.state === "failed") waiting.delete(id);
        if (waiting.size > 0) timer = setTimeout(poll, SCAN_POLL_MS);
      });
    };
    if (waiting.size > 0) poll();
    return () => {
      live = false;
      if (timer !== null) clearTimeout(timer);
    };
  }, [transport, ids]);
  return states;
}

export function scanName(t: ReturnType<typeof useI18n>["t"], s: Scan, i: number): string {
  return s.name ?? t("console.scan.unnamed", { n: i + 1 });
}

/** What a scan that cannot be shown yet says instead (arriving, building, failed). */
export function ScanWaiting(props: { status: ScanStatus | undefined; scan: Scan }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const s = props.status;
  return (
    <div className="c-scan-waiting" data-testid="scan-waiting" data-scan={props.scan.id} data-state={s?.state ?? "loading"}>
      {s === undefined ? (
        <p className="muted">{t("console.scan.checking")}</p>
      ) : s.state === "arriving" ? (
        <>
          <p>{t("console.scan.arriving")}</p>
          <progress max={Math.max(1, s.bytes_total)} value={s.bytes_received} aria-label={t("console.scan.arriving")} />
          <p className="muted">
            {t("console.scan.bytes", {
              received: i18n.bytes(s.bytes_received),
              total: i18n.bytes(s.bytes_total),
              percent: s.bytes_total === 0 ? 0 : Math.floor((100 * s.bytes_received) / s.bytes_total),
            })}
          </p>
          <p className="hint">{t("console.scan.arrivingHint")}</p>
        </>
      ) : s.state === "building" ? (
        <p>{t("console.scan.building")}</p>
      ) : s.state === "failed" ? (
        <ConsoleError error={s.error} lead={t("console.scan.failed")} />
      ) : null}
    </div>
  );
}

/** The thumbnails: a picture only once the scan is ready, its state in words before. */
export function ScanStrip(props: {
  scans: readonly Scan[];
  states: Readonly<Record<string, ScanStatus>>;
  selected: string | null;
  onSelect: (id: string) => void;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useConsoleTransport();
  return (
    <ul className="c-strip" aria-label={t("console.scan.strip")}>
      {props.scans.map((s, i) => {
        const st = props.states[s.id];
        const name = scanName(t, s, i);
        const dual = s.images.some((im) => im.energy === "low");
        return (
          <li key={s.id}>
            <button
              type="button"
              className="c-thumb"
              data-testid="scan-thumb"
              aria-pressed={props.selected === s.id}
              aria-label={t("console.scan.open", { name })}
              title={name}
              onClick={() => props.onSelect(s.id)}
            >
              {st?.state === "ready" ? (
                <img src={transport.thumbnailUrl(s.id, THUMB_SIDE, DEFAULT_VIEW)} alt="" />
              ) : (
                <span className="c-thumb-wait">
                  {st?.state === "arriving"
                    ? t("console.scan.arrivingShort", { percent: st.bytes_total === 0 ? 0 : Math.floor((100 * st.bytes_received) / st.bytes_total) })
                    : st?.state === "building"
                      ? t("console.scan.buildingShort")
                      : st?.state === "failed"
                        ? t("console.scan.failedShort")
                        : t("console.scan.checking")}
                </span>
              )}
              <span className="c-thumb-name">{name}</span>
              <span className="muted c-thumb-kind">{dual ? t("console.scan.dual") : t("console.scan.single")}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
