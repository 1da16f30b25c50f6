// One training exercise, image by image, as an operator workstation: the
// image fills the screen beside the viewer's tools, the side panel holds
// the trainee's marks and the two calls, Suspect and Clear. Each image is
// timed from when it is shown; its answer is recorded (signed, synced) and
// judged at once: hit, miss, false alarm or correct rejection, with what
// the image held framed on it. Then the next image, and at the end the
// results. A banner says throughout that this is training.

import { useState, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useShortcut } from "../app/shortcuts.ts";
import { useTransport } from "../app/TransportProvider.tsx";
import { useLoad, type ErrorBody } from "../app/useLoad.ts";
import { Workstation } from "../app/Workstation.tsx";
import { boxRect, markBox, nextImage } from "../domain/training.ts";
import { itemKindLabel } from "../app/labels.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import { TRAINING_MAX_MARKS } from "../transport/generated.ts";
import type { TrainingAttempt, TrainingDecision, TrainingImage } from "../transport/types.ts";
import type { Rect } from "../viewer/geometry.ts";
import { ScanViewer } from "../viewer/ScanViewer.tsx";
import type { OverlayShape } from "../viewer/ViewerOverlay.tsx";
import { PANEL_KEY } from "./InspectionScreen.tsx";
import { TrainingAnswer, TrainingFeedback } from "./TrainingAnswer.tsx";
import { TrainingBanner } from "./TrainingBanner.tsx";
import { TrainingResults } from "./TrainingResults.tsx";

/** Milliseconds from an arbitrary start, never going back: how an image is timed. */
export type Clock = () => number;

export function TrainingScreen(props: {
  id: string;
  onBack: () => void;
  /** The images' clock (tests give one); the page's monotonic clock otherwise. */
  clock?: Clock;
}): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const attempt = useLoad(() => transport.trainingAttempt(props.id), [transport, props.id]);
  if (attempt.value === null) {
    return (
      <section className="panel">
        <TrainingBanner />
        {attempt.error === null ? <p className="muted">{t("training.loading")}</p> : <ErrorNotice error={attempt.error} lead={t("training.loadFailed")} />}
      </section>
    );
  }
  return <Exercise attempt={attempt.value} onChange={attempt.set} onBack={props.onBack} clock={props.clock ?? (() => performance.now())} />;
}

function Exercise(props: { attempt: TrainingAttempt; onChange: (a: TrainingAttempt) => void; onBack: () => void; clock: Clock }): ReactNode {
  const { attempt } = props;
  // The image just answered stays until the trainee has seen how it went.
  const [reviewing, setReviewing] = useState<string | null>(null);
  const image = attempt.images.find((i) => i.name === reviewing) ?? nextImage(attempt);
  if (image === undefined) return <TrainingResults attempt={attempt} onBack={props.onBack} />;
  return (
    <ImageStep
      key={image.name}
      attempt={attempt}
      image={image}
      onAnswered={(a) => {
        props.onChange(a);
        setReviewing(image.name);
      }}
      onNext={() => setReviewing(null)}
      onBack={props.onBack}
      clock={props.clock}
    />
  );
}

function ImageStep(props: {
  attempt: TrainingAttempt;
  image: TrainingImage;
  onAnswered: (a: TrainingAttempt) => void;
  onNext: () => void;
  onBack: () => void;
  clock: Clock;
}): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const transport = useTransport();
  const { attempt, image } = props;
  // The image's clock starts when it is first shown.
  const { clock } = props;
  const [shownAt] = useState(() => clock());
  const [marks, setMarks] = useState<Rect[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);
  const [panelOpen, setPanelOpen] = useState(true);
  const [settingsTarget, setSettingsTarget] = useState<HTMLElement | null>(null);
  const answered = image.answer !== null;
  const total = attempt.images.length;
  const n = attempt.images.findIndex((i) => i.name === image.name) + 1;

  const answer = async (decision: TrainingDecision): Promise<void> => {
    if (answered || busy || (decision === "clear" && marks.length > 0)) return;
    setBusy(true);
    setError(null);
    try {
      const time_ms = Math.max(0, Math.round(clock() - shownAt));
      props.onAnswered(await transport.answerTraining(attempt.summary.id, { image: image.name, decision, marks: marks.map(markBox), time_ms }));
    } catch (e) {
      setError(toErrorBody(e));
    } finally {
      setBusy(false);
    }
  };
  useShortcut({ key: "1", alt: true }, () => void answer("suspect"), !answered);
  useShortcut({ key: "2", alt: true }, () => void answer("clear"), !answered);

  const markShape = (r: Rect, i: number): OverlayShape => ({
    key: `mark-${i}`,
    shape: { type: "rect", ...r },
    className: "training-mark",
    label: t("training.mark", { n: i + 1 }),
  });
  // Once answered: the marks as recorded, and the item, if any, framed.
  const shapes: OverlayShape[] =
    image.answer === null
      ? marks.map(markShape)
      : [
          ...image.answer.marks.map((m, i) => markShape(boxRect(m), i)),
          ...(image.item === null
            ? []
            : [
                {
                  key: "item",
                  shape: { type: "rect" as const, ...boxRect(image.item.bbox) },
                  className: "training-item",
                  label: itemKindLabel(i18n, image.item.kind),
                  labelBelow: true,
                },
              ]),
        ];

  return (
    <article className="training-exercise" aria-labelledby="training-exercise-title" data-testid="training-exercise" data-attempt={attempt.summary.id}>
      <Workstation
        label={t("training.title")}
        header={
          <>
            <TrainingBanner />
            <div className="training-head">
              <h1 id="training-exercise-title" className="ellipsis">
                {attempt.summary.name}
              </h1>
              <span className="badge training-progress" data-testid="training-progress" data-n={n} data-total={total}>
                {t("training.imageOf", { n, total })}
              </span>
              <button type="button" className="btn btn-small" onClick={props.onBack}>
                {t("training.back")}
              </button>
            </div>
          </>
        }
        main={
          <ScanViewer
            key={image.scan}
            scan={{ id: image.scan }}
            annotations={[]}
            draw={{
              onRect: (r) => setMarks((m) => (m.length >= TRAINING_MAX_MARKS ? m : [...m, r])),
              enabled: !answered && !busy && marks.length < TRAINING_MAX_MARKS,
            }}
            shapes={shapes}
            settingsTarget={settingsTarget}
          />
        }
        panelLabel={t("training.panel")}
        panelOpen={panelOpen}
        onPanelOpenChange={setPanelOpen}
        panelToggle={{ show: t("inspection.panelShow"), hide: t("inspection.panelHide"), keys: t("kbd.panel") }}
        toggleKey={PANEL_KEY}
        panel={
          <>
            {answered ? (
              <TrainingFeedback image={image} last={nextImage(attempt) === undefined} onNext={props.onNext} />
            ) : (
              <TrainingAnswer
                marks={marks}
                onRemove={(i) => setMarks((m) => m.filter((_, j) => j !== i))}
                busy={busy}
                error={error}
                onAnswer={(d) => void answer(d)}
              />
            )}
            <div className="viewer-settings-slot" ref={setSettingsTarget} />
          </>
        }
      />
    </article>
  );
}
