// A live camera view that reads a QR code: opened from Settings to read an
// enrollment token off the administrator's screen. Stops the camera when
// it finds one, when closed, or when the screen goes away.

import { useEffect, useRef, useState, type ReactNode } from "react";
import { decodeQrFrame } from "../app/qrImage.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";

/** How often a frame is looked at (ms). */
const FRAME_INTERVAL_MS = 250;

export function QrCamera(props: { onRead: (text: string) => void; onClose: () => void }): ReactNode {
  const { t } = useI18n();
  const video = useRef<HTMLVideoElement>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const { onRead } = props;

  useEffect(() => {
    let stream: MediaStream | null = null;
    let timer: ReturnType<typeof setInterval> | undefined;
    let live = true;
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: "environment" }, audio: false })
      .then(async (s) => {
        if (!live) {
          s.getTracks().forEach((track) => track.stop());
          return;
        }
        stream = s;
        const el = video.current;
        if (el === null) return;
        el.srcObject = s;
        await el.play();
        timer = setInterval(() => {
          const text = decodeQrFrame(el);
          if (text !== null && live) {
            live = false;
            clearInterval(timer);
            onRead(text);
          }
        }, FRAME_INTERVAL_MS);
      })
      .catch((e: unknown) => {
        if (live) setFailure(e instanceof Error ? e.message : String(e));
      });
    return () => {
      live = false;
      clearInterval(timer);
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, [onRead]);

  return (
    <div className="qr-camera" data-testid="enroll-camera">
      {failure === null ? (
        <video ref={video} className="qr-camera-view" muted playsInline aria-label={t("settings.qrCameraView")} />
      ) : (
        <p className="bad" role="alert">
          {t("settings.qrCameraFailed", { detail: failure })}
        </p>
      )}
      <p className="hint">{t("settings.qrCameraHint")}</p>
      <button type="button" className="btn" onClick={props.onClose}>
        {t("settings.qrCameraClose")}
      </button>
    </div>
  );
}
