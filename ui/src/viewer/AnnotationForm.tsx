// After a shape is drawn: what it shows, an optional note, save or discard.

import { useState, type FormEvent, type ReactNode } from "react";
import { ErrorNotice } from "../app/ErrorNotice.tsx";
import { useI18n } from "../i18n/I18nProvider.tsx";
import { toErrorBody } from "../transport/errors.ts";
import type { AnnotationKind } from "../transport/types.ts";
import type { Corner } from "./geometry.ts";

export const ANNOTATION_KINDS: readonly AnnotationKind[] = ["void", "double_wall", "density_anomaly", "undeclared_goods", "other"];

export function AnnotationForm(props: {
  onSave: (kind: AnnotationKind, label: string) => Promise<void>;
  onDiscard: () => void;
  /** Where it floats over the image: away from the shape it is for. */
  corner: Corner;
}): ReactNode {
  const { t } = useI18n();
  const [kind, setKind] = useState<AnnotationKind | "">("");
  const [label, setLabel] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    if (kind === "") return;
    setBusy(true);
    setError(null);
    try {
      await props.onSave(kind, label);
    } catch (err) {
      setError(toErrorBody(err));
      setBusy(false);
    }
  };

  return (
    <form className={`card annotation-form ${props.corner.split("-").map((side) => `at-${side}`).join(" ")}`} onSubmit={(e) => void submit(e)} aria-labelledby="annotation-new-title">
      <h3 id="annotation-new-title">{t("annotation.new")}</h3>
      <div className="row wrap">
        <div className="field">
          <label htmlFor="annotation-kind">{t("annotation.kind")}</label>
          <select
            id="annotation-kind"
            data-testid="annotation-kind"
            value={kind}
            onChange={(e) => setKind(e.target.value as AnnotationKind | "")}
            required
            autoFocus
          >
            <option value="" disabled>
              {t("annotation.choose")}
            </option>
            {ANNOTATION_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`annotation.kind.${k}`)}
              </option>
            ))}
          </select>
        </div>
        <div className="field grow">
          <label htmlFor="annotation-label">{t("annotation.label")}</label>
          <input id="annotation-label" value={label} onChange={(e) => setLabel(e.target.value)} maxLength={500} />
        </div>
      </div>
      <ErrorNotice error={error} />
      <div className="actions">
        <button type="submit" className="btn btn-primary" data-testid="annotation-save" disabled={busy || kind === ""}>
          {busy ? t("annotation.saving") : t("annotation.save")}
        </button>
        <button type="button" className="btn" onClick={props.onDiscard} disabled={busy}>
          {t("annotation.discard")} <kbd className="kbd">{t("kbd.viewer.cancel")}</kbd>
        </button>
      </div>
      <p className="hint">{t("annotation.appendOnly")}</p>
    </form>
  );
}
