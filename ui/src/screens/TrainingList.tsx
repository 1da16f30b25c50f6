// Training on this vehicle: starting an exercise from the folder a trainer
// prepared (`kordon training build`), and the exercises taken here with
// their progress and score. Reached from the main menu, never from the
// inspections.

import { useState, type FormEvent, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useTransport } from "../app/TransportProvider.tsx";
import { useLoad, type ErrorBody } from "../app/useLoad.ts";
import { formatDPrime, formatRate } from "../domain/training.ts";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { TrainingAttempt, TrainingSummary } from "../transport/types.ts";
import { TrainingBanner } from "./TrainingBanner.tsx";

export function TrainingList(props: { onOpen: (id: string) => void }): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const attempts = useLoad(() => transport.trainingAttempts(), [transport]);
  return (
    <section className="panel training" aria-labelledby="training-title">
      <TrainingBanner />
      <h1 id="training-title">{t("training.title")}</h1>
      <p className="hint training-intro">{t("training.intro")}</p>
      <StartExercise onStarted={(a) => props.onOpen(a.summary.id)} />
      <section className="card" aria-labelledby="training-attempts-title">
        <h2 id="training-attempts-title">{t("training.attempts.title")}</h2>
        <ErrorNotice error={attempts.error} />
        {attempts.value === null ? (
          attempts.error === null ? (
            <p className="muted">{t("app.loading")}</p>
          ) : null
        ) : attempts.value.length === 0 ? (
          <p className="muted">{t("training.attempts.none")}</p>
        ) : (
          <AttemptsTable rows={attempts.value} onOpen={props.onOpen} />
        )}
      </section>
    </section>
  );
}

function StartExercise(props: { onStarted: (a: TrainingAttempt) => void }): ReactNode {
  const { t } = useI18n();
  const transport = useTransport();
  const [folder, setFolder] = useState("");
  const [name, setName] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ErrorBody | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy || folder.trim() === "") return;
    setBusy(true);
    setError(null);
    try {
      const attempt = await transport.startTraining({ folder: folder.trim(), name: name.trim() === "" ? null : name.trim() });
      props.onStarted(attempt);
    } catch (err) {
      setError(toErrorBody(err));
      setBusy(false);
    }
  };

  return (
    <form className="card training-start" onSubmit={(e) => void submit(e)} aria-labelledby="training-start-title" aria-busy={busy}>
      <h2 id="training-start-title">{t("training.start.title")}</h2>
      <div className="row wrap">
        <div className="field grow">
          <label htmlFor="training-folder">{t("training.start.folder")}</label>
          <input
            id="training-folder"
            data-testid="training-folder"
            className="code-plain"
            value={folder}
            onChange={(e) => setFolder(e.target.value)}
            disabled={busy}
            spellCheck={false}
            autoComplete="off"
            aria-describedby="training-folder-hint"
          />
          <p className="hint" id="training-folder-hint">
            {t("training.start.folderHint")}
          </p>
        </div>
        <div className="field">
          <label htmlFor="training-name">{t("training.start.name")}</label>
          <input
            id="training-name"
            data-testid="training-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            disabled={busy}
            autoComplete="off"
            aria-describedby="training-name-hint"
          />
          <p className="hint" id="training-name-hint">
            {t("training.start.nameHint")}
          </p>
        </div>
      </div>
      <div className="actions">
        <button type="submit" className="btn btn-primary" data-testid="training-start" disabled={busy || folder.trim() === ""}>
          {t("training.start.submit")}
        </button>
        {busy ? (
          <span className="muted" role="status" data-testid="training-starting">
            {t("training.start.busy")}
          </span>
        ) : null}
      </div>
      <ErrorNotice error={error} lead={t("training.start.failed")} />
    </form>
  );
}

function AttemptsTable(props: { rows: readonly TrainingSummary[]; onOpen: (id: string) => void }): ReactNode {
  const i18n = useI18n();
  const { t } = i18n;
  const none = t("common.none");
  return (
    <table className="training-table">
      <thead>
        <tr>
          <th scope="col">{t("training.col.name")}</th>
          <th scope="col">{t("training.col.trainee")}</th>
          <th scope="col">{t("training.col.started")}</th>
          <th scope="col">{t("training.col.answered")}</th>
          <th scope="col">{t("training.col.hitRate")}</th>
          <th scope="col">{t("training.col.falseAlarmRate")}</th>
          <th scope="col">{t("training.col.dPrime")}</th>
          <th scope="col">{t("training.col.state")}</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((a) => {
          const s = a.score;
          return (
            <tr key={a.id} data-testid="training-row" data-attempt={a.id} data-finished={a.finished}>
              <td>
                <button type="button" className="btn btn-small" data-testid="training-open" onClick={() => props.onOpen(a.id)}>
                  {a.finished ? t("training.results") : t("training.continue")}
                </button>{" "}
                <strong>{a.name}</strong>
              </td>
              <td className="code">{a.trainee}</td>
              <td>
                <time dateTime={new Date(a.created_ms).toISOString()}>{i18n.dateTimeShort(a.created_ms)}</time>
              </td>
              <td className="num">{t("training.answeredOf", { answered: a.answered, total: a.total })}</td>
              <td className="num">{s?.hit_rate == null ? none : formatRate(s.hit_rate, i18n.locale)}</td>
              <td className="num">{s?.false_alarm_rate == null ? none : formatRate(s.false_alarm_rate, i18n.locale)}</td>
              <td className="num" data-testid="training-row-dprime">
                {s?.d_prime == null ? none : formatDPrime(s.d_prime, i18n.locale)}
              </td>
              <td>
                <span className={`badge ${a.finished ? "training-finished" : "training-open"}`}>
                  {a.finished ? t("training.state.finished") : t("training.state.inProgress")}
                </span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
