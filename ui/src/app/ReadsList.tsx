// What ANPR cameras read for an inspection, in the order the reads were
// attached (newest last): the text exactly as the camera read it, its
// canonical plate when that differs, which plate of the vehicle it is,
// the camera's confidence (overall, and per character when it gave them),
// camera, lane, time and maker. A correction is shown beside the text as
// read (the read itself is never changed), and a read taken off the
// inspection is greyed with who took it off. An inspection without reads
// shows nothing.
//
// Shared: the crew's inspection screen and the console's inspection page
// put it in their side panels, each in its own card (`className`). Given
// `imageUrl`, the read's plate crop and scene are shown as thumbnails that
// open larger; given `onCorrect` and `onDetach` (the crew only), each read
// can be corrected or detached.

import { useId, useState, type ReactNode } from "react";
import { createPortal } from "react-dom";
import { parsePlate } from "../domain/plate.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { AnprRead, InspectionView, ReadImage } from "../transport/types.ts";
import { ErrorNotice } from "./ErrorNotice.tsx";
import { anprVendorLabel, plateErrorText, plateRoleLabel, readImageKindLabel } from "./labels.ts";

export interface ReadsListProps {
  view: InspectionView;
  /** The card the caller's panel draws its sections in ("card", "c-card"). */
  className: string;
  /** URL of a read's image by its blob; without it no images are shown. */
  imageUrl?: (blob: string) => string;
  /** Records the crew's correction of a read's text (crew only). */
  onCorrect?: (readId: string, text: string) => Promise<void>;
  /** Takes a read off the inspection (crew only). */
  onDetach?: (readId: string) => Promise<void>;
}

export function ReadsList(props: ReadsListProps): ReactNode {
  const { t } = useI18n();
  const titleId = useId();
  const reads = props.view.reads ?? [];
  if (reads.length === 0) return null;
  return (
    <section className={`${props.className} anpr-reads`} aria-labelledby={titleId} data-testid="anpr-reads">
      <h2 id={titleId}>{t("reads.title")}</h2>
      <ol className="plain anpr-list">
        {reads.map((r) => (
          <ReadItem
            key={r.id}
            read={r}
            {...(props.imageUrl === undefined ? {} : { imageUrl: props.imageUrl })}
            {...(props.onCorrect === undefined ? {} : { onCorrect: props.onCorrect })}
            {...(props.onDetach === undefined ? {} : { onDetach: props.onDetach })}
          />
        ))}
      </ol>
    </section>
  );
}

type Mode = "idle" | "correct" | "detach";

function ReadItem(props: Omit<ReadsListProps, "view" | "className"> & { read: AnprRead }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const r = props.read;
  const [mode, setMode] = useState<Mode>("idle");
  const canonical = r.plate?.canonical ?? null;
  const time = r.captured_ms ?? r.received_ms;
  const timeText = r.captured_ms === null ? t("reads.received", { time: i18n.dateTime(time) }) : i18n.dateTime(time);
  const detached = r.detached ?? null;
  const correction = r.correction ?? null;
  const { imageUrl, onCorrect, onDetach } = props;
  const canEdit = detached === null && (onCorrect !== undefined || onDetach !== undefined);
  return (
    <li
      className={`anpr-read${detached === null ? "" : " is-detached"}${correction === null ? "" : " is-corrected"}`}
      data-testid="anpr-read"
      data-read={r.id}
    >
      <div className="anpr-line">
        {r.text === null ? (
          <span className="muted">{t("reads.noText")}</span>
        ) : (
          <span className="plate anpr-text">{r.text}</span>
        )}
        {canonical === null || canonical === r.text ? null : (
          <span>
            <span className="muted">{t("reads.canonical")}</span> <span className="plate">{canonical}</span>
          </span>
        )}
        {r.role === null ? null : <span className="badge">{plateRoleLabel(i18n, r.role)}</span>}
        {detached === null ? null : <span className="badge anpr-detached-badge">{t("reads.detachedBadge")}</span>}
        {r.confidence === null ? null : <span>{t("reads.confidence", { percent: Math.round(r.confidence * 100) })}</span>}
      </div>
      {correction === null ? null : (
        <p className="anpr-line anpr-correction" data-testid="anpr-correction">
          {t("reads.corrected", {
            text: r.text ?? t("reads.noText"),
            corrected: correction.text,
            officer: correction.by,
            time: i18n.dateTime(correction.at_ms),
          })}
        </p>
      )}
      {detached === null ? null : (
        <p className="anpr-line anpr-detached" data-testid="anpr-detached">
          {t("reads.detached", { officer: detached.by, time: i18n.dateTime(detached.at_ms) })}
        </p>
      )}
      {r.char_confidence.length === 0 ? null : (
        <div className="anpr-line anpr-chars">
          <span className="muted">{t("reads.chars")}</span>
          <span className="code">{r.char_confidence.join(" ")}</span>
        </div>
      )}
      <div className="anpr-line muted">
        {r.camera === null ? null : <span>{t("reads.camera", { camera: r.camera })}</span>}
        {r.lane === null ? null : <span>{t("reads.lane", { lane: r.lane })}</span>}
        <time dateTime={new Date(time).toISOString()}>{timeText}</time>
        <span>{anprVendorLabel(i18n, r.vendor)}</span>
      </div>
      {imageUrl === undefined || r.images.length === 0 ? null : <ReadImages read={r} imageUrl={imageUrl} />}
      {!canEdit ? null : mode === "correct" && onCorrect !== undefined ? (
        <CorrectForm read={r} onCorrect={onCorrect} onDone={() => setMode("idle")} />
      ) : mode === "detach" && onDetach !== undefined ? (
        <DetachConfirm read={r} onDetach={onDetach} onDone={() => setMode("idle")} />
      ) : (
        <div className="anpr-actions">
          {onCorrect === undefined ? null : (
            <button type="button" className="btn btn-small" data-testid="read-correct" onClick={() => setMode("correct")}>
              {t("reads.correct")}
            </button>
          )}
          {onDetach === undefined ? null : (
            <button type="button" className="btn btn-small" data-testid="read-detach" onClick={() => setMode("detach")}>
              {t("reads.detach")}
            </button>
          )}
        </div>
      )}
    </li>
  );
}

/** The read's images as thumbnails; one opens larger over the app. */
function ReadImages(props: { read: AnprRead; imageUrl: (blob: string) => string }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const [open, setOpen] = useState<ReadImage | null>(null);
  const { read, imageUrl } = props;
  const describe = (image: ReadImage): string =>
    read.text === null ? readImageKindLabel(i18n, image.kind) : `${readImageKindLabel(i18n, image.kind)}: ${read.text}`;
  return (
    <div className="anpr-images" role="group" aria-label={t("reads.images")}>
      {read.images.map((image) => (
        <button
          key={image.blob}
          type="button"
          className={`anpr-thumb kind-${image.kind}`}
          aria-label={t("reads.openImage", { kind: describe(image) })}
          title={readImageKindLabel(i18n, image.kind)}
          data-testid="read-thumb"
          onClick={() => setOpen(image)}
        >
          <img src={imageUrl(image.blob)} alt="" loading="lazy" />
        </button>
      ))}
      {open === null ? null : <Lightbox src={imageUrl(open.blob)} label={describe(open)} onClose={() => setOpen(null)} />}
    </div>
  );
}

/** An image over the whole app; a click anywhere or Esc closes it. */
function Lightbox(props: { src: string; label: string; onClose: () => void }): ReactNode {
  const { t } = useI18n();
  return createPortal(
    <div
      className="lightbox"
      role="dialog"
      aria-modal="true"
      aria-label={props.label}
      data-testid="read-image-dialog"
      onClick={props.onClose}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          // Handled here: the app's Esc ("back to the queue") must not act too.
          e.preventDefault();
          e.stopPropagation();
          props.onClose();
        }
      }}
    >
      <figure className="lightbox-figure">
        <img src={props.src} alt={props.label} />
        <figcaption>{props.label}</figcaption>
      </figure>
      <button type="button" className="btn lightbox-close" autoFocus onClick={props.onClose}>
        {t("reads.closeImage")}
      </button>
    </div>,
    document.body,
  );
}

function CorrectForm(props: { read: AnprRead; onCorrect: (readId: string, text: string) => Promise<void>; onDone: () => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const id = useId();
  const { read } = props;
  const [text, setText] = useState(read.correction?.text ?? read.text ?? "");
  const [tried, setTried] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const parsed = parsePlate(text);
  const problem = parsed.ok ? null : plateErrorText(i18n, parsed.error);
  const showProblem = problem !== null && (tried || text.trim() !== "");

  const submit = async (): Promise<void> => {
    setTried(true);
    if (!parsed.ok || busy) return;
    setBusy(true);
    setError(null);
    try {
      await props.onCorrect(read.id, text.trim());
      props.onDone();
    } catch (e) {
      setError(toErrorBody(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="anpr-form"
      data-testid="read-correct-form"
      aria-label={t("reads.correctTitle")}
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <label htmlFor={`${id}-text`}>{t("reads.correctLabel")}</label>
      <input
        id={`${id}-text`}
        className="plate"
        type="text"
        value={text}
        autoComplete="off"
        spellCheck={false}
        autoFocus
        aria-invalid={showProblem}
        aria-describedby={`${id}-hint`}
        data-testid="read-correct-text"
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === "Escape") props.onDone();
        }}
      />
      <p id={`${id}-hint`} className={showProblem ? "msg bad" : "hint"}>
        {showProblem ? problem : t("reads.correctHint")}
      </p>
      <div className="anpr-actions">
        <button type="submit" className="btn btn-small btn-primary" disabled={busy} data-testid="read-correct-save">
          {busy ? t("reads.saving") : t("reads.correctSave")}
        </button>
        <button type="button" className="btn btn-small" disabled={busy} onClick={props.onDone}>
          {t("reads.cancel")}
        </button>
      </div>
      <ErrorNotice error={error} />
    </form>
  );
}

function DetachConfirm(props: { read: AnprRead; onDetach: (readId: string) => Promise<void>; onDone: () => void }): ReactNode {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const detach = async (): Promise<void> => {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await props.onDetach(props.read.id);
      props.onDone();
    } catch (e) {
      setError(toErrorBody(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="anpr-confirm" data-testid="read-detach-confirm">
      <p className="warn">{t("reads.detachAsk")}</p>
      <div className="anpr-actions">
        <button type="button" className="btn btn-small btn-danger" disabled={busy} data-testid="read-detach-confirm-yes" onClick={() => void detach()}>
          {busy ? t("reads.saving") : t("reads.detachConfirm")}
        </button>
        <button type="button" className="btn btn-small" disabled={busy} autoFocus onClick={props.onDone}>
          {t("reads.cancel")}
        </button>
      </div>
      <ErrorNotice error={error} />
    </div>
  );
}
